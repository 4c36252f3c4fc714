// Attention recomputed from each layer's input hidden state (src/engine/runtime/attention.ts) against the Softmax
// outputs of the rewritten graph, for every architecture and layout the generator makes; and the fallback when the
// pattern is not there.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { ensureFixtureModel, type FixtureName } from '../../scripts/gen-model';
import { decodeModel, type ModelProto } from '../../src/engine/onnx';
import { prepareGraph } from '../../src/engine/onnx/rewrite';
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
