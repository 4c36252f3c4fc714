// Features for experiments: embedFeatures against the inspector and an independent float64 reference forward pass,
// the on-disk cache (hits, misses, atomic entries), shards written and merged back byte for byte, and bad merges.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureFixtureModel } from '../../scripts/gen-model';
import { Engine } from '../../src/engine/engine';
import { EngineError } from '../../src/engine/errors';
import { embedFeatures, readFeatures, writeFeatures, hubCommit, type FeatureSet } from '../../src/experiments/features';
import type { ProbePooling } from '../../src/shared/experiments';
import { referenceForward } from '../reference/bert';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-lens-features-'));
const engine = new Engine({ threads: 1 });
let bert = '', distil = '';
before(async () => {
  bert = await ensureFixtureModel('bert-tiny-stock');
  distil = await ensureFixtureModel('distilbert-tiny-stock');
});
after(async () => { await engine.dispose(); fs.rmSync(tmp, { recursive: true, force: true }); });

const ALL: ProbePooling[] = ['cls', 'mean', 'max', 'pooler', 'first', 'last', 'middle', 'meanWithSpecials'];
const TEXTS = [
  ['The striker scored twice in the second half.', 'sport'], ['Rain again.', 'weather'], ['A "quoted", comma\nand a line break', 'sport'],
  ['Preheat the oven to two hundred degrees and line the tray with paper before you start.', 'cooking'], ['ok', 'weather'], ['Compile it, then run the tests again please.', 'cooking'],
  ['The band played loud.', 'music'], ['Fog.', 'weather'], ['Simmer the sauce gently so it does not burn at all.', 'cooking'], ['Goal!', 'sport'], ['Sing it lower.', 'music'],
];
function csv(rows: string[][]): string {
  return 'text,label\n' + rows.map((r) => r.map((c) => /[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c).join(',')).join('\n') + '\n';
}
const dataFile = path.join(tmp, 'data.csv');
fs.writeFileSync(dataFile, csv(TEXTS));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
const bytes = (f: Float32Array) => Buffer.from(f.buffer, f.byteOffset, f.byteLength);
function sameFeatures(a: FeatureSet, b: FeatureSet): void {
  assert.deepEqual([a.n, a.hidden, a.layers, a.poolings, a.labels, a.texts], [b.n, b.hidden, b.layers, b.poolings, b.labels, b.texts]);
  for (const l of a.layers) for (const p of a.poolings) {
    assert.equal(a.has(l, p), b.has(l, p), `${p}@${l}`);
    if (a.has(l, p)) assert.ok(bytes(a.get(l, p)).equals(bytes(b.get(l, p))), `${p}@${l} byte for byte`);
  }
}

describe('embedFeatures', () => {
  test('every pooling at every layer matches the inspector, and the reference forward pass, text by text', async () => {
    const r = await embedFeatures(engine, { model: bert, data: dataFile, poolings: ALL, cacheDir: false });
    const f = r.features;
    assert.equal(f.n, TEXTS.length);
    assert.deepEqual(f.labels, TEXTS.map((t) => t[1]));
    assert.deepEqual(f.texts, TEXTS.map((t) => t[0]));
    const L = r.model.layers, H = f.hidden;
    assert.deepEqual(f.layers, Array.from({ length: L + 1 }, (_, i) => i));
    assert.ok(f.has(L, 'pooler') && !f.has(0, 'pooler'), 'the pooler at the last layer only');
    assert.equal(r.model.randomWeights, true);
    assert.match(r.model.onnxSha256, /^[0-9a-f]{64}$/);
    assert.equal(r.model.commit, null);
    assert.ok(f.notes.some((n) => /random weights/.test(n)));
    for (let i = 0; i < TEXTS.length; i++) {
      const ins = await engine.inspect(bert, TEXTS[i][0], { attentions: false });
      const T = ins.tokens.length;
      const content = ins.tokens.map((t, j) => (t.special && t.start === null ? -1 : j)).filter((j) => j >= 0);
      const pick = { first: content[0], middle: content[Math.floor((content.length - 1) / 2)], last: content[content.length - 1] };
      const ids = ins.tokens.map((t) => t.id);
      const ref = referenceForward(bert, ids, new Array(T).fill(0), new Array(T).fill(1));
      for (const l of f.layers) {
        const row = (p: ProbePooling) => f.get(l, p).subarray(i * H, (i + 1) * H);
        const insRow = (k: 'cls' | 'mean' | 'max' | 'meanWithSpecials') => ins.vectors[k]!.data.subarray(l * H, (l + 1) * H);
        for (const k of ['cls', 'mean', 'max', 'meanWithSpecials'] as const) assert.ok(maxAbsDiff(row(k), insRow(k)) < 1e-5, `${k}@${l} text ${i}`);
        for (const [k, t] of Object.entries(pick)) {
          assert.ok(maxAbsDiff(row(k as ProbePooling), ins.hidden.data.subarray((l * T + t) * H, (l * T + t + 1) * H)) < 1e-5, `${k}@${l} text ${i}`);
          assert.ok(maxAbsDiff(row(k as ProbePooling), ref.hiddenStates[l].subarray(t * H, (t + 1) * H)) < 1e-4, `${k}@${l} text ${i} vs reference`);
        }
        assert.ok(maxAbsDiff(row('cls'), ref.hiddenStates[l].subarray(0, H)) < 1e-4, `cls@${l} vs reference`);
        // mean over content tokens from the reference
        const mean = new Float64Array(H);
        for (const t of content) for (let h = 0; h < H; h++) mean[h] += ref.hiddenStates[l][t * H + h] / content.length;
        assert.ok(maxAbsDiff(row('mean'), mean) < 1e-4, `mean@${l} vs reference`);
      }
      assert.ok(maxAbsDiff(f.get(L, 'pooler').subarray(i * H, (i + 1) * H), ref.poolerOutput!) < 1e-4, `pooler text ${i} vs reference`);
    }
  });

  test('a model without a pooler: the pooler is skipped with a note; layers and poolings are chosen', async () => {
    const r = await embedFeatures(engine, { model: distil, data: dataFile, layers: [0, 2], poolings: ['cls', 'pooler', 'middle'], cacheDir: false });
    assert.deepEqual(r.features.poolings, ['cls', 'middle']);
    assert.deepEqual(r.features.layers, [0, 2]);
    assert.ok(r.features.notes.includes('pooler skipped: the model has no pooler output'));
    assert.throws(() => r.features.get(1, 'cls'), (e: EngineError) => e.code === 'experiment-args' && /layers 0, 2/.test(e.next!));
  });

  test('bad layers and poolings are refused before anything is read', async () => {
    await assert.rejects(embedFeatures(engine, { model: bert, data: dataFile, layers: [9], cacheDir: false }), (e: EngineError) => e.code === 'experiment-args' && /Layer 9 is not in this model: it has layers 0 \(embeddings\) to 2/.test(e.message));
    await assert.rejects(embedFeatures(engine, { model: bert, data: dataFile, poolings: ['nope' as ProbePooling], cacheDir: false }), (e: EngineError) => e.code === 'experiment-args' && /Choose from cls, mean/.test(e.next!));
    await assert.rejects(embedFeatures(engine, { model: distil, data: dataFile, poolings: ['pooler'], cacheDir: false }), (e: EngineError) => e.code === 'experiment-args' && /no pooler output/.test(e.message));
  });

  test('truncation is noted', async () => {
    const r = await embedFeatures(engine, { model: bert, data: dataFile, maxTokens: 6, poolings: ['cls'], cacheDir: false });
    assert.equal(r.maxTokens, 6);
    assert.ok(r.features.notes.some((n) => /of 11 texts were truncated to 6 tokens/.test(n)), r.features.notes.join('; '));
  });

  test('the Hub commit of a snapshot folder', () => {
    assert.equal(hubCommit('/c/hub/models--org--name/snapshots/0123abc'), '0123abc');
    assert.equal(hubCommit('/c/hub/models--org--name/snapshots/0123abc/'), '0123abc');
    assert.equal(hubCommit('/models/my-bert'), null);
    assert.equal(hubCommit('/c/other/snapshots/0123abc'), null);
  });
});

describe('the cache', () => {
  const cacheDir = path.join(tmp, 'cache');
  const entries = () => fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).filter((f) => f !== 'onnx-sha256.json') : [];

  test('a second run reads the vectors back; other settings, data or model embed again; entries are complete folders', async () => {
    let embedded = 0;
    const onProgress = (p: { phase: string }) => { if (p.phase === 'embedding') embedded++; };
    const first = await embedFeatures(engine, { model: bert, data: dataFile, cacheDir }, { onProgress });
    assert.equal(first.cached, false);
    assert.ok(embedded > 0);
    assert.equal(entries().length, 1);
    embedded = 0;
    const again = await embedFeatures(engine, { model: bert, data: dataFile, cacheDir }, { onProgress });
    assert.equal(again.cached, true);
    assert.equal(embedded, 0, 'nothing embedded on a hit');
    sameFeatures(first.features, again.features);
    sameFeatures(first.features, (await embedFeatures(engine, { model: bert, data: dataFile, cacheDir: false })).features);
    // the same model under another path is the same sha256: a hit
    const copy = path.join(tmp, 'model-copy');
    fs.cpSync(bert, copy, { recursive: true });
    assert.equal((await embedFeatures(engine, { model: copy, data: dataFile, cacheDir })).cached, true);
    // other poolings, max tokens, model or data: misses, each its own entry
    assert.equal((await embedFeatures(engine, { model: bert, data: dataFile, poolings: ['cls'], cacheDir })).cached, false);
    assert.equal((await embedFeatures(engine, { model: bert, data: dataFile, maxTokens: 8, cacheDir })).cached, false);
    assert.equal((await embedFeatures(engine, { model: distil, data: dataFile, cacheDir })).cached, false);
    const changed = path.join(tmp, 'changed.csv');
    fs.writeFileSync(changed, csv(TEXTS));
    assert.equal((await embedFeatures(engine, { model: bert, data: changed, cacheDir })).cached, true, 'same bytes elsewhere: a hit');
    fs.writeFileSync(changed, csv([...TEXTS, ['One more line.', 'music']]));
    const grown = await embedFeatures(engine, { model: bert, data: changed, cacheDir });
    assert.equal(grown.cached, false, 'changed bytes: a miss');
    assert.equal(grown.features.n, TEXTS.length + 1);
    assert.equal(entries().length, 5);
    assert.ok(entries().every((e) => !e.includes('.tmp-')), 'no temporary folders left');
  });

  test('a cancelled run leaves no entry and no temporary folder', async () => {
    const before = entries().length;
    const ac = new AbortController();
    await assert.rejects(embedFeatures(engine, { model: bert, data: dataFile, poolings: ['max'], maxTokens: 7, cacheDir }, { signal: ac.signal, onProgress: (p) => { if (p.phase === 'embedding') ac.abort(); } }),
      (e: EngineError) => e.code === 'cancelled');
    assert.equal(entries().length, before);
    assert.ok(entries().every((e) => !e.includes('.tmp-')));
  });
});

describe('shards', () => {
  test('shards 0/3, 1/3, 2/3 merged equal one unsharded run, byte for byte; any order', async () => {
    const whole = path.join(tmp, 'whole');
    const w = await writeFeatures(engine, { model: bert, data: dataFile, out: whole, poolings: ALL });
    assert.deepEqual([w.rows, w.total, w.shard], [TEXTS.length, TEXTS.length, { index: 0, count: 1 }]);
    const dirs = [2, 0, 1].map((k) => path.join(tmp, `shard-${k}`));
    const counts = [];
    for (const [i, k] of [2, 0, 1].entries()) counts.push((await writeFeatures(engine, { model: bert, data: dataFile, out: dirs[i], poolings: ALL, shard: { index: k, count: 3 } })).rows);
    assert.deepEqual(counts, [3, 4, 4]);
    const merged = readFeatures(dirs);
    const single = readFeatures([whole]);
    sameFeatures(merged, single);
    sameFeatures(merged, (await embedFeatures(engine, { model: bert, data: dataFile, poolings: ALL, cacheDir: false })).features);
    // the files are NumPy .npy: shape in the header
    const npy = fs.readFileSync(path.join(dirs[1], 'L2.cls.npy'));
    assert.match(npy.toString('latin1', 10, 80), /'descr': '<f4', 'fortran_order': False, 'shape': \(4, 32\)/);
    const m = JSON.parse(fs.readFileSync(path.join(dirs[1], 'manifest.json'), 'utf8'));
    assert.deepEqual([m.shard, m.rows, m.data.n, m.hidden], [{ index: 0, count: 3 }, { total: 11, count: 4 }, 11, 32]);
  });

  test('bad merges are refused with the reason', async () => {
    const dir = (n: string) => path.join(tmp, n);
    const e = (p: () => unknown, re: RegExp) => assert.throws(p, (x: EngineError) => x.code === 'features' && re.test(x.message) && !!x.next, String(re));
    e(() => readFeatures([dir('shard-0'), dir('shard-1')]), /Shard 2\/3 is missing/);
    e(() => readFeatures([dir('shard-0'), dir('shard-1'), dir('shard-0')]), /both shard 0\/3/);
    e(() => readFeatures([dir('shard-0'), dir('shard-1'), dir('shard-2'), dir('whole')]), /different shard counts/);
    e(() => readFeatures([tmp]), /has no manifest\.json/);
    e(() => readFeatures([]), /No feature folders/);
    const other = dir('other-poolings');
    await writeFeatures(engine, { model: bert, data: dataFile, out: other, poolings: ['cls'], shard: { index: 2, count: 3 } });
    e(() => readFeatures([dir('shard-0'), dir('shard-1'), other]), /different poolings/);
    const otherModel = dir('other-model');
    await writeFeatures(engine, { model: distil, data: dataFile, out: otherModel, poolings: ALL.filter((p) => p !== 'pooler'), shard: { index: 2, count: 3 } });
    e(() => readFeatures([dir('shard-0'), dir('shard-1'), otherModel]), /different models/);
    // a damaged vector file is caught when read
    const broken = dir('broken');
    fs.cpSync(dir('whole'), broken, { recursive: true });
    fs.truncateSync(path.join(broken, 'L1.mean.npy'), 200);
    const f = readFeatures([broken]);
    assert.throws(() => f.get(1, 'mean'), (x: EngineError) => x.code === 'features' && /damaged/.test(x.message));
    assert.throws(() => f.get(1, 'pooler'), (x: EngineError) => x.code === 'experiment-args');
  });

  test('a shard that does not exist, and an --out that is not a feature folder', async () => {
    await assert.rejects(writeFeatures(engine, { model: bert, data: dataFile, out: path.join(tmp, 'x'), shard: { index: 3, count: 3 } }), (e: EngineError) => e.code === 'experiment-args' && /0 ≤ K < N/.test(e.message));
    const busy = path.join(tmp, 'busy');
    fs.mkdirSync(busy);
    fs.writeFileSync(path.join(busy, 'notes.txt'), 'mine');
    await assert.rejects(writeFeatures(engine, { model: bert, data: dataFile, out: busy }), (e: EngineError) => e.code === 'features' && /not a feature folder/.test(e.message));
    assert.ok(fs.existsSync(path.join(busy, 'notes.txt')));
  });
});
