// runExperiment end to end on the project's random-weight models and small data sets: results state the model and
// data (their sha256), the seed, the layers; known answers (layer-0 [CLS] is one vector for all texts: its probe scores
// exactly the majority rate, its anisotropy is 1, its identification exactly chance); the same seed gives the same
// numbers, in-process and through `cls-lens … --json`; cancelling stops the run with CancelledError.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureFixtureModel } from '../../scripts/gen-model';
import { Engine } from '../../src/engine/engine';
import { CancelledError, EngineError } from '../../src/engine/errors';
import { resultToJson } from '../../src/experiments/json';
import { runExperiment } from '../../src/experiments/run';
import type { ExperimentArgs } from '../../src/experiments/types';
import type { CensusResult, ExperimentResult, LayersResult, MapResult, PositionResult, ProbeResult, RecoverResult } from '../../src/shared/experiments';
import { writeFeatures } from '../../src/experiments/features';

const root = path.resolve(__dirname, '..', '..', '..');
const cliFile = path.join(root, 'dist', 'cli.js');
const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

/** Sentences whose class is decided by which words occur: 3 classes of 30, 20 and 10 texts (majority 0.5). */
export function wordClassData(): { csv: string; n: number; majority: number } {
  const words: Record<string, string[]> = {
    animals: ['cat', 'dog', 'horse', 'sheep', 'goat', 'mouse'],
    weather: ['rain', 'snow', 'wind', 'storm', 'cloud', 'sun'],
    money: ['bank', 'price', 'market', 'stock', 'loan', 'tax'],
  };
  const sizes: Record<string, number> = { animals: 30, weather: 20, money: 10 };
  const rows = ['text,label'];
  let s = 7;
  const next = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  for (const [label, n] of Object.entries(sizes)) {
    for (let i = 0; i < n; i++) {
      const w = words[label];
      const k = 3 + Math.floor(next() * 4);
      rows.push(`the ${Array.from({ length: k }, () => w[Math.floor(next() * w.length)]).join(' and the ')},${label}`);
    }
  }
  return { csv: `${rows.join('\n')}\n`, n: 60, majority: 0.5 };
}

/** The result without the fields that differ between runs by nature (start time, duration). */
function stable(r: ExperimentResult): Record<string, unknown> {
  const j = resultToJson(r);
  delete j.startedAt;
  delete j.elapsedMs;
  return j;
}

describe('runExperiment', () => {
  const engine = new Engine({ threads: 1 });
  let model: string, tmp: string, data: string;
  before(async () => {
    model = await ensureFixtureModel('bert-tiny-stock');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-lens-exp-'));
    data = path.join(tmp, 'words.csv');
    fs.writeFileSync(data, wordClassData().csv);
  });
  after(async () => { await engine.dispose(); fs.rmSync(tmp, { recursive: true, force: true }); });

  /** The CLI's environment: its caches (embeddings, ONNX hashes) in the test's temporary folder. */
  const cliEnv = () => ({ ...process.env, CLS_LENS_CACHE: path.join(tmp, 'cache') });
  const base = (kind: ExperimentArgs['kind'], extra: Partial<ExperimentArgs> = {}): ExperimentArgs => ({ kind, model, data, seed: 3, cacheDir: false, ...extra });

  test('probe: layer-0 [CLS] = the majority rate exactly; layer-0 mean separates word-defined classes; controls near chance', async () => {
    const r = await runExperiment(engine, base('probe', { layers: [0, 2], poolings: ['cls', 'mean', 'first', 'pooler'], folds: 5 })) as ProbeResult;
    assert.equal(r.kind, 'probe');
    assert.equal(r.majority, 0.5);
    assert.equal(r.C, 1);
    assert.equal(r.folds, 5);
    assert.equal(r.data.sha256, sha(data));
    assert.equal(r.model.onnxSha256, sha(path.join(model, 'onnx', 'model.onnx')));
    const at = (l: number, p: string) => r.results.find((x) => x.layer === l && x.pooling === p)!;
    assert.equal(at(0, 'cls').accuracy, 0.5, 'one vector for every text: the probe can only predict the majority class');
    assert.equal(at(0, 'cls').accuracyStd, 0);
    assert.equal(at(0, 'first').accuracy, 0.5, '"the" opens every text: the first content token is one vector at layer 0 too');
    assert.ok(at(0, 'mean').accuracy >= 0.95, `mean at layer 0: ${at(0, 'mean').accuracy}`);
    assert.ok(at(0, 'mean').selectivity > 0.3, `selectivity ${at(0, 'mean').selectivity}`);
    assert.ok(r.results.some((x) => x.pooling === 'pooler' && x.layer === 2), 'the pooler at the last layer');
    assert.ok(!r.results.some((x) => x.pooling === 'pooler' && x.layer === 0), 'no pooler below the last layer');
    for (const x of r.results) assert.ok(x.control.accuracy <= 0.65, `control ${x.layer} ${x.pooling}: ${x.control.accuracy}`);
    const again = await runExperiment(engine, base('probe', { layers: [0, 2], poolings: ['cls', 'mean', 'first', 'pooler'], folds: 5 }));
    assert.deepEqual(stable(again), stable(r));
  });

  test('probe on the shipped sentences: 5 balanced classes, controls near chance (0.2)', async () => {
    const r = await runExperiment(engine, base('probe', { data: 'builtin:sentences', layers: [0, 2], poolings: ['cls', 'mean'] })) as ProbeResult;
    assert.equal(r.data.n, 400);
    assert.equal(r.majority, 0.2);
    assert.equal(r.results.find((x) => x.layer === 0 && x.pooling === 'cls')!.accuracy, 0.2);
    for (const x of r.results) assert.ok(Math.abs(x.control.accuracy - 0.2) < 0.08, `control ${x.layer} ${x.pooling}: ${x.control.accuracy}`);
  });

  test('probe: partial rows as they complete; cancel keeps them; --features shards give the same numbers as embedding', async () => {
    const partials: ProbeResult[] = [];
    const full = await runExperiment(engine, base('probe', { layers: [1, 2], poolings: ['cls', 'mean'] }), { onPartial: (p) => partials.push(p as ProbeResult) }) as ProbeResult;
    assert.equal(partials.length, 4);
    partials.forEach((p, i) => { assert.equal(p.partial, true); assert.equal(p.results.length, i + 1); });
    assert.equal(full.partial, false);
    assert.deepEqual(partials[3].results, full.results);
    const ac = new AbortController();
    let got: ProbeResult | null = null;
    await assert.rejects(runExperiment(engine, base('probe', { layers: [1, 2], poolings: ['cls', 'mean'] }), {
      signal: ac.signal, onPartial: (p) => { got = p as ProbeResult; ac.abort(); },
    }), (e) => e instanceof CancelledError);
    assert.equal(got!.results.length, 1);
    assert.deepEqual(got!.results[0], full.results[0]);
    const dirs = [0, 1, 2].map((k) => path.join(tmp, `shard${k}`));
    for (const [k, out] of dirs.entries()) {
      await writeFeatures(engine, { model, data, layers: [1, 2], poolings: ['cls', 'mean'], out, shard: { index: k, count: 3 } });
    }
    const merged = await runExperiment(engine, { kind: 'probe', model, features: [dirs[2], dirs[0], dirs[1]], seed: 3 }) as ProbeResult;
    assert.deepEqual(merged.results, full.results);
    assert.equal(merged.data.sha256, full.data.sha256);
    assert.ok(merged.notes.some((n) => /3 feature folders/.test(n)));
  });

  test('map: PCA and UMAP coordinates per layer × pooling, labels and hover texts; layer-0 [CLS] is one point; seeded', async () => {
    const r = await runExperiment(engine, base('map', { layers: [0, 2] })) as MapResult;
    assert.equal(r.method, 'pca');
    assert.deepEqual(r.maps.map((x) => `${x.layer}:${x.pooling}`), ['0:cls', '0:mean', '2:cls', '2:mean']);
    assert.deepEqual(r.labels, ['animals', 'weather', 'money']);
    assert.equal(r.labelOf.length, 60);
    assert.equal(r.labelOf[0], 0);
    assert.equal(r.labelOf[59], 2);
    assert.equal(r.texts.length, 60);
    assert.ok(r.texts[0].startsWith('the '));
    for (const mp of r.maps) { assert.equal(mp.xy.length, 120); assert.ok(mp.xy.every(Number.isFinite)); }
    const c0 = r.maps[0].xy;
    for (let i = 0; i < 60; i++) assert.ok(Math.abs(c0[2 * i] - c0[0]) < 1e-5 && Math.abs(c0[2 * i + 1] - c0[1]) < 1e-5, 'every text\'s layer-0 [CLS] is the same point');
    // word-defined classes: at layer 0 the mean's 2-D map puts each text nearer its own class centroid than another
    const m0 = r.maps[1].xy;
    const cent = [0, 1, 2].map((k) => {
      const idx = [...r.labelOf.keys()].filter((i) => r.labelOf[i] === k);
      return [0, 1].map((d) => idx.reduce((s, i) => s + m0[2 * i + d], 0) / idx.length);
    });
    let right = 0;
    for (let i = 0; i < 60; i++) {
      const dist = cent.map((c) => (m0[2 * i] - c[0]) ** 2 + (m0[2 * i + 1] - c[1]) ** 2);
      if (dist.indexOf(Math.min(...dist)) === r.labelOf[i]) right++;
    }
    // (chance: about 1/3; 2 of 32 dimensions keep most but not all of the separation the probe finds)
    assert.ok(right / 60 > 0.6, `nearest centroid in the PCA map: ${right}/60`);
    const u = await runExperiment(engine, base('map', { layers: [2], poolings: ['mean'], method: 'umap' })) as MapResult;
    assert.equal(u.method, 'umap');
    assert.equal(u.maps.length, 1);
    const u2 = await runExperiment(engine, base('map', { layers: [2], poolings: ['mean'], method: 'umap' })) as MapResult;
    assert.deepEqual(Array.from(u2.maps[0].xy), Array.from(u.maps[0].xy), 'same seed, same UMAP');
    const u3 = await runExperiment(engine, base('map', { layers: [2], poolings: ['mean'], method: 'umap', seed: 4 })) as MapResult;
    assert.notDeepEqual(Array.from(u3.maps[0].xy), Array.from(u.maps[0].xy));
  });

  test('position: metadata, layer-0 [CLS] probe = the majority rate exactly, same seed same numbers', async () => {
    const phases = new Set<string>();
    const r = await runExperiment(engine, base('position', { layers: [0, 2], folds: 4 }), { onProgress: (p) => phases.add(p.phase) }) as PositionResult;
    assert.equal(r.kind, 'position');
    assert.equal(r.model.onnxSha256, sha(path.join(model, 'onnx', 'model.onnx')));
    assert.equal(r.model.randomWeights, true);
    assert.ok(r.notes.some((n) => /random weights/.test(n)));
    assert.equal(r.data.sha256, sha(data));
    assert.equal(r.data.n, 60);
    assert.deepEqual(r.data.classes, { animals: 30, weather: 20, money: 10 });
    assert.equal(r.seed, 3);
    assert.equal(r.folds, 4);
    assert.deepEqual(r.layers, [0, 2]);
    assert.equal(r.partial, false);
    assert.equal(r.majority, 0.5);
    assert.ok(phases.has('embedding') && phases.has('training'), [...phases].join(','));
    assert.equal(r.rows.length, 6);
    for (const row of r.rows.filter((x) => x.layer === 0)) assert.equal(row.clsAccuracy, 0.5, 'layer-0 [CLS] is one vector: the probe predicts the majority class');
    // 'none' reads the first content token ("the" in every text here): also one vector at layer 0
    assert.equal(r.rows.find((x) => x.layer === 0 && x.variant === 'none')!.accuracy, 0.5);
    const again = await runExperiment(engine, base('position', { layers: [0, 2], folds: 4 }));
    assert.deepEqual(stable(again), stable(r));
  });

  test('layers and census: shapes, anisotropy(cls) = 1 at layer 0, a seeded sample with --limit', async () => {
    const r = await runExperiment(engine, base('layers', { limit: 25 })) as LayersResult;
    assert.deepEqual(r.layers, [0, 1, 2]);
    assert.equal(r.rows.length, 3);
    assert.ok(Math.abs(r.rows[0].anisotropy.cls - 1) < 1e-6);
    assert.ok(r.notes.some((n) => /sample of 25 of the 60/.test(n)), r.notes.join(' | '));
    const c = await runExperiment(engine, base('census', { limit: 10 })) as CensusResult;
    assert.equal(c.texts, 10);
    assert.deepEqual(c.toCls.dims, [2, 4]);
    assert.deepEqual(c.layers, [1, 2]);
    for (const s of c.sinks) assert.ok(s.toCls + s.toSep > 0.5);
    const other = await runExperiment(engine, base('census', { limit: 10, seed: 4 })) as CensusResult;
    assert.notDeepEqual(Array.from(other.toCls.data), Array.from(c.toCls.data), 'another seed draws another sample');
  });

  test('recover: no MLM head is said so; identification at layer 0 [CLS] is exactly chance', async () => {
    const r = await runExperiment(engine, base('recover', { layers: [0, 2], limit: 30 })) as RecoverResult;
    assert.equal(r.mlm.available, false);
    assert.match(r.mlm.reason!, /no masked-LM head/);
    assert.equal(r.occlusion.length, 5);
    // bag of words: the 100 most common words of these texts; layer-0 [CLS] is one vector, so each word's probe has
    // only its intercept, which ranks words by training frequency, as the baseline does (up to the order of words
    // equally frequent, whose fitted intercepts differ in the last bits)
    assert.equal(r.bow.k, 5);
    assert.equal(r.bow.vocabulary, r.bow.words.length);
    assert.deepEqual(r.bow.words.slice(0, 2), ['and', 'the'], 'in every text, ties alphabetical');
    assert.deepEqual(r.bow.rows.map((x) => `${x.layer}:${x.pooling}`), ['0:cls', '0:mean', '2:cls', '2:mean']);
    const bow = (l: number, p: string) => r.bow.rows.find((x) => x.layer === l && x.pooling === p)!;
    assert.ok(Math.abs(bow(0, 'cls').precisionAtK - r.bow.baseline.precisionAtK) < 0.03, `cls ${bow(0, 'cls').precisionAtK} vs baseline ${r.bow.baseline.precisionAtK}`);
    assert.ok(Math.abs(bow(0, 'cls').recallAtK - r.bow.baseline.recallAtK) < 0.03);
    assert.ok(bow(0, 'mean').precisionAtK > r.bow.baseline.precisionAtK + 0.1, `mean ${bow(0, 'mean').precisionAtK} vs baseline ${r.bow.baseline.precisionAtK}`);
    const id0 = r.identification.find((x) => x.layer === 0 && x.pooling === 'cls')!;
    assert.equal(id0.accuracy, 1 / 30);
    assert.equal(id0.chance, 1 / 30);
    const mlmModel = await ensureFixtureModel('bert-tiny-stock-mlm');
    const withHead = await runExperiment(engine, { ...base('recover', { layers: [2], limit: 8 }), model: mlmModel }) as RecoverResult;
    assert.equal(withHead.mlm.available, true);
    assert.equal(withHead.mlm.texts.length, 5);
    for (const t of withHead.mlm.texts) {
      assert.equal(t.top.length, 10);
      assert.ok(t.top.every((x, i) => x.p > 0 && x.p < 1 && (i === 0 || x.p <= t.top[i - 1].p)));
    }
  });

  test('cancel: an aborted signal stops the run with CancelledError', async () => {
    const ac = new AbortController();
    await assert.rejects(runExperiment(engine, base('position'), {
      signal: ac.signal, onProgress: (p) => { if (p.phase === 'embedding') ac.abort(); },
    }), (e) => e instanceof CancelledError);
    // aborted while the probes train: the next fit does not start
    for (const kind of ['probe', 'position'] as const) {
      const late = new AbortController();
      let trained = 0;
      await assert.rejects(runExperiment(engine, base(kind, { layers: [1, 2], poolings: kind === 'probe' ? ['cls', 'mean'] : undefined }), {
        signal: late.signal, onProgress: (p) => { if (p.phase === 'training' && ++trained === 2) late.abort(); },
      }), (e) => e instanceof CancelledError, kind);
    }
  });

  test('bad input: layers beyond the model, a missing column, too few texts per class for the folds', async () => {
    await assert.rejects(runExperiment(engine, base('layers', { layers: [0, 9] })), (e) => e instanceof EngineError && e.code === 'experiment-args' && /Layer 9 is not in this model: it has layers 0 \(embeddings\) to 2/.test(e.message));
    await assert.rejects(runExperiment(engine, base('position', { textColumn: 'sentence' })), (e) => e instanceof EngineError && e.code === 'data-column');
    await assert.rejects(runExperiment(engine, base('position', { folds: 11 })), (e) => e instanceof EngineError && e.code === 'data-labels' && /10 texts, fewer than the 11 folds/.test(e.message));
  });

  test('models that lack a part: no pooler (DistilBERT) is skipped and said so; fused attention is recomputed for the census', async () => {
    const distil = await ensureFixtureModel('distilbert-tiny-stock');
    const r = await runExperiment(engine, { ...base('probe', { layers: [2], poolings: ['cls', 'pooler'] }), model: distil }) as ProbeResult;
    assert.deepEqual(r.results.map((x) => x.pooling), ['cls']);
    assert.ok(r.notes.some((n) => /pooler skipped: the model has no pooler/.test(n)), r.notes.join(' | '));
    await assert.rejects(runExperiment(engine, base('probe', { layers: [1], poolings: ['pooler'] })),
      (e) => e instanceof EngineError && e.code === 'experiment-args' && /the pooler exists at layer 2 only/.test(e.message));
    // the fused export (com.microsoft.Attention) has the stock export's weights (same seed): the census recomputes its
    // attention from the packed weight and must find the same shares
    const fused = await ensureFixtureModel('bert-tiny-fused');
    const viaFused = await runExperiment(engine, { ...base('census', { limit: 5 }), model: fused }) as CensusResult;
    const viaStock = await runExperiment(engine, { ...base('census', { limit: 5 }), model: await ensureFixtureModel('bert-tiny-stock') }) as CensusResult;
    for (const k of ['toCls', 'toSep', 'toPunct', 'toSelf', 'entropy'] as const) {
      assert.deepEqual(viaFused[k].dims, viaStock[k].dims);
      viaFused[k].data.forEach((v, i) => assert.ok(Math.abs(v - viaStock[k].data[i]) < 1e-4, `${k}[${i}]: fused ${v} vs stock ${viaStock[k].data[i]}`));
    }
  });

  test('CLI: --json prints exactly the object runExperiment returns; errors name the flag', async () => {
    for (const [kind, flags, extra] of [
      ['position', ['--layers', '0,2', '--folds', '4'], { layers: [0, 2], folds: 4 }],
      ['census', ['--limit', '10'], { limit: 10 }],
      ['probe', ['--layers', '1', '--poolings', 'cls,mean'], { layers: [1], poolings: ['cls', 'mean'] }],
      ['map', ['--layers', '2', '--method', 'umap'], { layers: [2], method: 'umap' }],
      ['layers', ['--limit', '20'], { limit: 20 }],
      ['recover', ['--limit', '20', '--layers', '0,2'], { limit: 20, layers: [0, 2] }],
    ] as const) {
      const out = spawnSync(process.execPath, [cliFile, kind, '--model', model, '--data', data, '--seed', '3', '--no-embed-cache', ...flags, '--json'], { encoding: 'utf8', env: cliEnv() });
      assert.equal(out.status, 0, out.stderr);
      assert.equal(out.stdout.trim().split('\n').length, 1, 'one JSON object on one line');
      const fromCli = JSON.parse(out.stdout) as Record<string, unknown>;
      delete fromCli.startedAt;
      delete fromCli.elapsedMs;
      const direct = await runExperiment(engine, base(kind, JSON.parse(JSON.stringify(extra)) as Partial<ExperimentArgs>));
      assert.deepEqual(fromCli, JSON.parse(JSON.stringify(stable(direct))));
    }
    const text = spawnSync(process.execPath, [cliFile, 'layers', '--model', model, '--data', data, '--limit', '20'], { encoding: 'utf8', env: cliEnv() });
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /WARNING: This model has random weights/);
    assert.match(text.stdout, new RegExp(`sha256 ${sha(data)}`));
    assert.match(text.stdout, /^ {4}0 /m);
    const badLayers = spawnSync(process.execPath, [cliFile, 'layers', '--model', model, '--data', data, '--layers', '0,7'], { encoding: 'utf8', env: cliEnv() });
    assert.equal(badLayers.status, 1);
    assert.match(badLayers.stderr, /--layers/);
    const badColumn = spawnSync(process.execPath, [cliFile, 'position', '--model', model, '--data', data, '--label-column', 'topic'], { encoding: 'utf8', env: cliEnv() });
    assert.equal(badColumn.status, 1);
    assert.match(badColumn.stderr, /--label-column/);
    const usage = spawnSync(process.execPath, [cliFile, 'probe', '--model', model], { encoding: 'utf8', env: cliEnv() });
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /--data FILE is required/);
  });
});
