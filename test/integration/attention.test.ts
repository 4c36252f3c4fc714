// Attention recomputed from each layer's input hidden state (src/engine/runtime/attention.ts) against the Softmax
// outputs of the rewritten graph, for every architecture and layout the generator makes; the fallback when the
// pattern is not there; and the [CLS] rows the encoder's own run reads from its Softmax.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { ensureFixtureModel, type FixtureName } from '../../scripts/gen-model';
import { Engine } from '../../src/engine/engine';
import { decodeModel, type ModelProto } from '../../src/engine/onnx';
import { exposeOutputs, prepareGraph, queryRowTaps } from '../../src/engine/onnx/rewrite';
import { AttentionRecompute, findQkWeights } from '../../src/engine/runtime/attention';
import { ort, sessionOptionsFor } from '../../src/engine/runtime/ort';
import type { FloatTensor } from '../../src/shared/types';

const TOL = 1e-5;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'length');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

interface Loaded { folder: string; model: ModelProto; cfg: { layers: number; heads: number; hidden: number }; onnx: string }

function load(folder: string): Loaded {
  const c = JSON.parse(fs.readFileSync(path.join(folder, 'config.json'), 'utf8')) as Record<string, number>;
  const onnx = fs.existsSync(path.join(folder, 'onnx', 'model.onnx')) ? path.join(folder, 'onnx', 'model.onnx') : path.join(folder, 'model.onnx');
  const cfg = { layers: c.num_hidden_layers ?? c.n_layers, heads: c.num_attention_heads ?? c.n_heads, hidden: c.hidden_size ?? c.dim };
  return { folder, model: decodeModel(fs.readFileSync(onnx)), cfg, onnx };
}

/** Two rows, the second padded: ids, mask, types for the rewritten graph. */
function batch(inputs: string[], T: number, pad: number): Record<string, ReturnType<typeof tensor>> {
  const ids = new BigInt64Array(2 * T), mask = new BigInt64Array(2 * T);
  for (let t = 0; t < T; t++) {
    ids[t] = BigInt(5 + ((t * 37) % 90)); mask[t] = 1n;
    const real = t < T - pad;
    ids[T + t] = real ? BigInt(5 + ((t * 11) % 90)) : 0n; mask[T + t] = real ? 1n : 0n;
  }
  const feeds: Record<string, ReturnType<typeof tensor>> = { input_ids: tensor(ids, [2, T]), attention_mask: tensor(mask, [2, T]) };
  if (inputs.includes('token_type_ids')) feeds.token_type_ids = tensor(new BigInt64Array(2 * T), [2, T]);
  return feeds;
}
const tensor = (d: BigInt64Array, dims: number[]) => new (ort().Tensor)('int64', d, dims);

async function rewrittenRun(m: Loaded, T: number, pad: number): Promise<{ hidden: FloatTensor[]; attn: FloatTensor[]; mask: Float32Array }> {
  const bytes = fs.readFileSync(m.onnx);
  const p = prepareGraph(bytes, m.cfg.layers);
  assert.ok(p.plan.attentions && p.plan.hiddenStates, 'rewrite exposes both');
  const s = await ort().InferenceSession.create(p.bytes, sessionOptionsFor(1));
  const feeds = batch(p.plan.inputs, T, pad);
  const out = await s.run(feeds, [...new Set([...p.plan.hiddenStates, ...p.plan.attentions])]);
  await s.release();
  const get = (n: string): FloatTensor => ({ data: out[n].data as Float32Array, dims: out[n].dims.map(Number) });
  const mask = Float32Array.from(feeds.attention_mask.data as BigInt64Array, Number);
  return { hidden: p.plan.hiddenStates.map(get), attn: p.plan.attentions.map(get), mask };
}

const VARIANTS: FixtureName[] = ['bert-tiny-stock', 'roberta-tiny-stock', 'distilbert-tiny-stock', 'bert-tiny-stock-optimum', 'bert-mini-stock'];

describe('attention recomputed from hidden states', () => {
  const made: AttentionRecompute[] = [];
  after(async () => { for (const r of made) await r.dispose(); });

  /** The model's query/key weights found in the pattern expected, and their sessions (released after the suite). */
  async function recomputeOf(m: ReturnType<typeof load>, pattern: 'softmax' | 'fused'): Promise<AttentionRecompute> {
    const plan = prepareGraph(fs.readFileSync(m.onnx), m.cfg.layers).plan;
    const found = findQkWeights(m.model, m.cfg, plan.hiddenStates);
    assert.ok(found.ok, found.ok ? '' : found.reason);
    assert.equal(found.weights.pattern, pattern);
    const rc = await AttentionRecompute.create(found.weights, 1);
    made.push(rc);
    return rc;
  }

  for (const name of VARIANTS) {
    test(`${name}: every layer's probabilities and [CLS] rows match the graph's Softmax (padded batch of 2)`, async () => {
      const m = load(await ensureFixtureModel(name));
      const rc = await recomputeOf(m, 'softmax');
      const T = 13, pad = 4;
      const run = await rewrittenRun(m, T, pad);
      const Hd = m.cfg.heads;
      for (let l = 0; l < m.cfg.layers; l++) {
        const got = await rc.layer(l, run.hidden[l], run.mask);
        assert.deepEqual(got.dims, [2, Hd, T, T]);
        const d = maxAbsDiff(got.data, run.attn[l].data);
        assert.ok(d <= TOL, `layer ${l}: max abs diff ${d}`);
      }
      // [CLS] rows of sequence 0 and of the padded sequence 1 (fed alone, with its own mask)
      const rows0 = await rc.queryRows(run.hidden.slice(0, -1), run.mask.subarray(0, T));
      const H = m.cfg.hidden;
      const second = run.hidden.slice(0, -1).map((h) => ({ data: h.data.subarray(T * H), dims: [1, T, H] }));
      const rows1 = await rc.queryRows(second, run.mask.subarray(T));
      for (let l = 0; l < m.cfg.layers; l++) {
        for (let h = 0; h < Hd; h++) {
          for (const [b, rows] of [[0, rows0], [1, rows1]] as const) {
            const base = ((b * Hd + h) * T) * T; // query 0 of [B, heads, T, T]
            const want = run.attn[l].data.subarray(base, base + T);
            const got = rows.data.subarray((l * Hd + h) * T, (l * Hd + h + 1) * T);
            const d = maxAbsDiff(got, want);
            assert.ok(d <= TOL, `row: layer ${l} head ${h} seq ${b}: max abs diff ${d}`);
          }
        }
      }
      // padded keys get exactly zero
      const r1 = rows1.data.subarray(0, T);
      for (let t = T - pad; t < T; t++) assert.equal(r1[t], 0);
    });
  }

  test('weights kept in a temporary file (unlinked at once): the same probabilities and rows as in memory', async () => {
    const m = load(await ensureFixtureModel('bert-mini-stock'));
    const plan = prepareGraph(fs.readFileSync(m.onnx), m.cfg.layers).plan;
    const weightsOf = () => { const f = findQkWeights(m.model, m.cfg, plan.hiddenStates); assert.ok(f.ok); return f.weights; };
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-lens-spill-'));
    const dir = path.join(base, 'made');
    const mem = await AttentionRecompute.create(weightsOf(), 1);
    const spilled = await AttentionRecompute.create(weightsOf(), 1, { spill: true, spillDir: dir });
    // a folder that cannot exist (under a regular file): fails even for root, who ignores permissions
    fs.writeFileSync(path.join(base, 'a-file'), '');
    const nowhere = await AttentionRecompute.create(weightsOf(), 1, { spill: true, spillDir: path.join(base, 'a-file', 'dir') });
    made.push(mem, spilled, nowhere);
    assert.equal(mem.weightsInMemory, true);
    assert.equal(spilled.weightsInMemory, false);
    assert.equal(nowhere.weightsInMemory, true, 'a file that cannot be written: kept in memory');
    assert.deepEqual(fs.readdirSync(dir), [], 'the folder is made; the file is unlinked once open');
    const run = await rewrittenRun(m, 10, 3);
    // layers out of order and twice, so that a cached layer must not answer for another
    for (const l of [1, 0, m.cfg.layers - 1, 0]) {
      const a = await mem.layer(l, run.hidden[l], run.mask);
      const b = await spilled.layer(l, run.hidden[l], run.mask);
      assert.equal(maxAbsDiff(a.data, b.data), 0, `layer ${l}`);
    }
    const rowsMem = await mem.queryRows(run.hidden.slice(0, -1), run.mask.subarray(0, 10));
    const rowsSpilled = await spilled.queryRows(run.hidden.slice(0, -1), run.mask.subarray(0, 10));
    assert.equal(maxAbsDiff(rowsMem.data, rowsSpilled.data), 0);
    await spilled.dispose();
    made.splice(made.indexOf(spilled), 1);
    await assert.rejects(spilled.layer(0, run.hidden[0], run.mask), /released/);
    fs.rmSync(base, { recursive: true, force: true });
  });

  test('fused com.microsoft.Attention: recomputed from its packed weight, equal to the stock export with the same seed', async () => {
    const fused = load(await ensureFixtureModel('bert-tiny-fused'));
    const stock = load(await ensureFixtureModel('bert-tiny-stock'));
    const rc = await recomputeOf(fused, 'fused');
    const run = await rewrittenRun(stock, 9, 2);
    for (let l = 0; l < stock.cfg.layers; l++) {
      const d = maxAbsDiff((await rc.layer(l, run.hidden[l], run.mask)).data, run.attn[l].data);
      assert.ok(d <= TOL, `layer ${l}: ${d}`);
    }
  });

  test('not recognised: a reason, so the engine falls back to the rewrite', async () => {
    const m = load(await ensureFixtureModel('bert-tiny-stock'));
    const plan = prepareGraph(fs.readFileSync(m.onnx), m.cfg.layers).plan;
    // the query projection's weight is no longer an initializer
    const model = structuredClone(m.model);
    const q = model.graph.node.find((n) => n.opType === 'MatMul' && /query/.test(n.name))!;
    model.graph.initializer = model.graph.initializer.filter((t) => t.name !== q.input[1]);
    const found = findQkWeights(model, m.cfg, plan.hiddenStates);
    assert.equal(found.ok, false);
    assert.match(found.ok ? '' : found.reason, /layer 0's query or key/);
    const noHidden = findQkWeights(m.model, m.cfg, null);
    assert.equal(noHidden.ok, false);
    // wrong head count in the config
    const wrong = findQkWeights(m.model, { ...m.cfg, heads: m.cfg.heads + 1 }, plan.hiddenStates);
    assert.equal(wrong.ok, false);
  });
});

describe('the [CLS] rows read in the encoder\'s own run (Softmax taps)', () => {
  const engine = new Engine({ threads: 1 });
  after(async () => { await engine.dispose(); });

  for (const name of VARIANTS) {
    test(`${name}: equal to the rewritten graph's Softmax rows and to the recompute; none for a batch`, async () => {
      const folder = await ensureFixtureModel(name);
      const m = load(folder);
      const enc = (await engine.load(folder)).encoder;
      assert.equal(enc.rowsInRun, true);
      assert.equal(enc.attentionWeightsInMemory, false, 'only full matrices need the weights: kept in a file');
      const T = 11;
      const feeds = batch(['token_type_ids'], T, 3);
      const one = { ids: Int32Array.from((feeds.input_ids.data as BigInt64Array).subarray(0, T), Number), batch: 1, seq: T, attentionMask: new Int32Array(T).fill(1) };
      const out = await enc.run(one, { hiddenStates: 'all', attentions: false, pooler: false, queryRows: true });
      assert.ok(out.queryRows);
      const Hd = m.cfg.heads, L = m.cfg.layers;
      assert.deepEqual(out.queryRows.dims, [L, Hd, T]);
      // the rewritten graph (every Softmax exposed), fed the same single sequence
      const p = prepareGraph(fs.readFileSync(m.onnx), L);
      const s = await ort().InferenceSession.create(p.bytes, sessionOptionsFor(1));
      const single: Record<string, ReturnType<typeof tensor>> = {};
      for (const n of p.plan.inputs) {
        const src = n === 'input_ids' ? feeds.input_ids : n === 'attention_mask' ? feeds.attention_mask : null;
        if (src) single[n] = tensor((src.data as BigInt64Array).slice(0, T), [1, T]);
        else if (n === 'token_type_ids') single[n] = tensor(new BigInt64Array(T), [1, T]);
      }
      const r = await s.run(single, p.plan.attentions!);
      await s.release();
      for (let l = 0; l < L; l++) {
        const a = r[p.plan.attentions![l]].data as Float32Array;
        for (let h = 0; h < Hd; h++) {
          const d = maxAbsDiff(out.queryRows.data.subarray((l * Hd + h) * T, (l * Hd + h + 1) * T), a.subarray(h * T * T, h * T * T + T));
          assert.ok(d <= TOL, `layer ${l} head ${h}: ${d}`);
        }
      }
      const rc = await enc.queryRows(out.hiddenStates, new Float32Array(T).fill(1));
      assert.ok(rc && maxAbsDiff(out.queryRows.data, rc.data) <= TOL, 'the recompute agrees');
      // a batch never fetches them (the taps read sequence 0 only)
      const two = await enc.run({ ids: Int32Array.from(feeds.input_ids.data as BigInt64Array, Number), batch: 2, seq: T, attentionMask: Int32Array.from(feeds.attention_mask.data as BigInt64Array, Number) },
        { hiddenStates: 'last', attentions: false, pooler: false, queryRows: true });
      assert.equal(two.queryRows, null);
    });
  }

  test('onnxruntime runs each row Gather right after its Softmax: no layer\'s probabilities are kept to the end of the run', async () => {
    // onnxruntime runs every node on every run, in its own order; appended naively, the Gathers ran after the whole
    // encoder and held every layer's [B, heads, T, T] probabilities until then (rewrite.ts, queryRowTaps)
    const m = load(await ensureFixtureModel('bert-mini-stock'));
    const bytes = fs.readFileSync(m.onnx);
    const plan = prepareGraph(bytes, m.cfg.layers).plan;
    const taps = queryRowTaps(m.model, m.cfg.layers, plan.floatType);
    assert.ok(taps && plan.hiddenStates);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-lens-prof-'));
    try {
      const s = await ort().InferenceSession.create(exposeOutputs(bytes, plan.hiddenStates.filter((n) => n !== plan.lastHidden), plan.floatType, taps),
        { ...sessionOptionsFor(1), enableProfiling: true, profileFilePrefix: path.join(dir, 'run') });
      await s.run(batch(plan.inputs, 9, 2), [plan.lastHidden]);
      s.endProfiling();
      await s.release();
      const files = fs.readdirSync(dir);
      assert.equal(files.length, 1, files.join(', '));
      const events = JSON.parse(fs.readFileSync(path.join(dir, files[0]), 'utf8')) as { cat?: string; name: string }[];
      const order = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time')).map((e) => e.name.replace(/_kernel_time$/, ''));
      const softmax = order.map((n, i) => ({ n, i })).filter((x) => /Softmax/.test(x.n)).map((x) => x.i);
      assert.equal(softmax.length, m.cfg.layers, order.join(' '));
      for (let l = 0; l < m.cfg.layers; l++) {
        const g = order.indexOf(`cls_lens/query_row_${l}`);
        assert.ok(g > softmax[l] && (l === m.cfg.layers - 1 || g < softmax[l + 1]), `layer ${l}: Softmax at ${softmax[l]}, its Gather at ${g}, next Softmax at ${softmax[l + 1]}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('EngineOptions.scratchDir: the weights file goes there (the folder made if missing), unlinked once open', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-lens-scratch-'));
    const dir = path.join(base, 'global', 'scratch');
    const e = new Engine({ threads: 1, scratchDir: dir });
    try {
      const enc = (await e.load(await ensureFixtureModel('bert-tiny-stock'))).encoder;
      assert.equal(enc.attentionWeightsInMemory, false);
      assert.deepEqual(fs.readdirSync(dir), []);
    } finally {
      await e.dispose();
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  test('a fused graph has no Softmax to read: the rows are recomputed from its packed weights', async () => {
    const enc = (await engine.load(await ensureFixtureModel('bert-tiny-fused'))).encoder;
    assert.equal(enc.rowsInRun, false);
    assert.equal(enc.attentionWeightsInMemory, true, 'rows recomputed on every inspection: the weights stay in memory');
    assert.equal(enc.plan.attentionsCap.source, 'recomputed');
    assert.doesNotMatch(enc.plan.attentionsCap.reason ?? '', /read from the graph's own attention Softmax/);
    const stock = (await engine.load(await ensureFixtureModel('bert-tiny-stock'))).encoder;
    assert.match(stock.plan.attentionsCap.reason ?? '', /read from the graph's own attention Softmax in the encoder's run/);
  });
});
