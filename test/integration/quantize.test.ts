// Dynamic int8 quantisation (scripts/gen-model.ts --quantize int8, scripts/lib/quantize.ts): the int8 graph's outputs
// stay close to the fp32 graph's on the same random weights, and the engine's rewrite and inspect handle it
// (every layer's hidden states and attentions exposed, analysis computed). The fp32 graph itself is checked against
// an independent float64 forward pass in engine.test.ts.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateModel } from '../../scripts/gen-model';
import { quantizeDynamicInt8, quantizeWeight } from '../../scripts/lib/quantize';
import { Engine } from '../../src/engine/engine';
import { decodeModel, TensorType } from '../../src/engine/onnx';
import type { FloatTensor } from '../../src/shared/types';

/**
 * Recomputed int8 attention against the graph's own (TOL_MAX, TOL_MEAN) and against the fp32 model's (…_FP): the
 * measured figures with about 2× margin (the last describe logs them). Measured (tiny at 24 tokens, MiniLM-shaped at
 * 73 and 512; int8 and uint8, per tensor and per channel): vs the graph max 0.008–0.033, mean 0.00005–0.0006; vs fp32
 * max 0.015–0.086, mean 0.0001–0.0008 (the int8 graph's own attention vs fp32: max 0.021–0.090, mean 0.0001–0.0010).
 */
const TOL_MAX = 0.06, TOL_MEAN = 0.0015, TOL_MAX_FP = 0.15, TOL_MEAN_FP = 0.002;

const TEXT = 'The capital of France, Paris, is on the Seine, and the river is slow and grey in winter.';

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return ab / Math.sqrt(aa * bb);
}
/** max |a − b| / max |b|. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(b[i])); }
  return d / m;
}
const rows = (t: FloatTensor): Float32Array[] => {
  const per = t.data.length / t.dims[0];
  return Array.from({ length: t.dims[0] }, (_, i) => t.data.subarray(i * per, (i + 1) * per));
};

test('int8 weights: symmetric per-tensor, |w − q·s| ≤ s/2, zero stays zero', () => {
  const w = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i * 0.37) * (i % 7) * 0.01);
  const { q, scale } = quantizeWeight(w);
  assert.ok(Math.abs(scale - Math.max(...Array.from(w, Math.abs)) / 127) < 1e-9);
  for (let i = 0; i < w.length; i++) assert.ok(Math.abs(w[i] - q[i] * scale) <= scale / 2 + 1e-7, `${i}`);
  assert.ok(q.every((x) => x >= -127 && x <= 127));
  assert.deepEqual(Array.from(quantizeWeight(new Float32Array(4)).q), [0, 0, 0, 0]);
});

describe('a dynamically quantised model next to its fp32 model', () => {
  let dir = '';
  const engine = new Engine({ threads: 1 });
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-quant-')); });
  after(async () => { await engine.dispose(); fs.rmSync(dir, { recursive: true, force: true }); });

  for (const preset of ['tiny', 'mini'] as const) {
    test(`${preset}: onnx/model_quantized.onnx has int8 MatMul weights; the engine inspects it; outputs within tolerance of fp32`, async () => {
      const g = await generateModel({ out: path.join(dir, preset), arch: 'bert', preset, quantize: 'int8' });
      assert.equal(g.quantized?.onnxFile, 'onnx/model_quantized.onnx');
      const layers = g.config.layers;
      assert.equal(g.quantized.report.matmuls, layers * 6 + 1, 'Q, K, V, output, FFN in and out per layer, and the pooler');
      const q = decodeModel(fs.readFileSync(g.quantized.onnxPath));
      const ops = q.graph.node.map((n) => n.opType);
      assert.equal(ops.filter((o) => o === 'MatMulInteger').length, g.quantized.report.matmuls);
      assert.equal(ops.filter((o) => o === 'DynamicQuantizeLinear').length, g.quantized.report.matmuls);
      assert.equal(q.graph.initializer.filter((t) => t.dataType === TensorType.INT8 && t.dims.length === 2).length, g.quantized.report.matmuls);
      assert.ok(!q.graph.initializer.some((t) => t.name.startsWith('onnx::MatMul_') && t.dataType === TensorType.FLOAT && t.dims.length === 2), 'no fp32 copy of a quantised weight is left');
      assert.equal(g.quantized.report.weightBytesAfter * 4, g.quantized.report.weightBytesBefore);

      const fp = await engine.inspect(g.folder, TEXT, { detail: 'full' });
      const i8 = await engine.inspect(g.folder, TEXT, { onnxFile: 'onnx/model_quantized.onnx', detail: 'full' });
      assert.ok(i8.model.onnxFile.endsWith(path.join('onnx', 'model_quantized.onnx')));
      assert.deepEqual(i8.tokens, fp.tokens);
      assert.deepEqual(i8.layerIds, fp.layerIds);
      assert.equal(i8.layerIds.length, layers + 1, 'every layer\'s hidden state is exposed in the int8 graph too');
      // both recomputed: fp32 from the Q/K weights, int8 from the dequantised MatMulInteger weights (compared with the
      // graph's own int8 attention in the last describe)
      assert.equal(fp.model.attentions.source, 'recomputed');
      assert.equal(i8.model.attentions.source, 'recomputed');
      assert.match(i8.model.attentions.reason ?? '', /dequantised int8 query and key weights/);
      assert.ok(i8.attentions && i8.analysis && fp.attentions, 'attentions and their analysis');
      // embeddings are not quantised: layer 0 is the same; later layers drift a little, layer by layer
      assert.ok(relErr(rows(i8.hidden)[0], rows(fp.hidden)[0]) < 1e-5);
      const cls = rows(i8.vectors.cls!), clsFp = rows(fp.vectors.cls!);
      const mean = rows(i8.vectors.mean!), meanFp = rows(fp.vectors.mean!);
      const report: string[] = [];
      for (let l = 0; l <= layers; l++) {
        const c = cosine(cls[l], clsFp[l]), m = cosine(mean[l], meanFp[l]), e = relErr(cls[l], clsFp[l]);
        report.push(`L${l} cos(cls) ${c.toFixed(5)} cos(mean) ${m.toFixed(5)} rel ${e.toFixed(4)}`);
        assert.ok(c > 0.995 && m > 0.995, `layer ${l}: cosine with fp32 ${c}, ${m}`);
        assert.ok(e < 0.1, `layer ${l}: max |Δ| / max |fp32| ${e}`);
      }
      const attErr = Math.max(...i8.attentions.data.map((x, k) => Math.abs(x - fp.attentions!.data[k])));
      let attMean = 0;
      for (let k = 0; k < i8.attentions.data.length; k++) attMean += Math.abs(i8.attentions.data[k] - fp.attentions.data[k]) / i8.attentions.data.length;
      // the random query/key weights make sharp attention, where small logit errors move single probabilities most
      assert.ok(attErr < 0.1 && attMean < 0.005, `attention probabilities: max |Δ| ${attErr} (< 0.1), mean |Δ| ${attMean} (< 0.005)`);
      console.log(`[int8] ${preset}: ${report.join('; ')}; attention |Δ| max ${attErr.toFixed(4)} mean ${attMean.toFixed(5)}; file ${(g.onnxBytes / 1048576).toFixed(1)} → ${(g.quantized.bytes / 1048576).toFixed(1)} MiB`);
    });
  }
});

/** max and mean |a − b|. */
function absDiff(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; mean: number } {
  assert.equal(a.length, b.length, 'length');
  let max = 0, sum = 0;
  for (let i = 0; i < a.length; i++) { const d = Math.abs(a[i] - b[i]); sum += d; if (d > max) max = d; }
  return { max, mean: sum / a.length };
}
const fmt = (d: { max: number; mean: number }) => `max ${d.max.toFixed(4)} mean ${d.mean.toFixed(5)}`;

const LONG_TEXT = `${TEXT} In spring the water rises, the boats come back to the quays, and the bridges fill with people who walk `
  + 'slowly from one bank to the other, stopping to look at the towers, the trees and the long grey roofs of the city.';

// Attention of quantised models recomputed in fp32 from the dequantised query/key weights (runtime/attention.ts) against
// the graph's own attention (the Softmax outputs exposed by the rewrite, { recomputeAttention: false }). The graph also
// quantises each projection's input (DynamicQuantizeLinear, per tensor), the recompute does not: the difference is
// that activation rounding, measured here. Tolerances are the measured figures with margin (see the log line).
describe('quantised query/key weights: attention recomputed, against the int8 graph\'s own Softmax', () => {
  let dir = '';
  const recompute = new Engine({ threads: 1 });
  const exposed = new Engine({ threads: 1, recomputeAttention: false });
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-quant-attn-')); });
  after(async () => { await recompute.dispose(); await exposed.dispose(); fs.rmSync(dir, { recursive: true, force: true }); });

  const CASES = [
    { preset: 'tiny', weightType: 'int8', perChannel: false },
    { preset: 'minilm', weightType: 'int8', perChannel: false },
    // what Xenova's model_quantized.onnx files hold: quantize_dynamic with QUInt8 weights (asymmetric, zero point)
    { preset: 'minilm', weightType: 'uint8', perChannel: false },
    { preset: 'minilm', weightType: 'uint8', perChannel: true },
    { preset: 'tiny', weightType: 'int8', perChannel: true },
    // a long input: the activation's per-tensor scale covers more tokens
    { preset: 'minilm', weightType: 'int8', perChannel: false, tokens: 512 },
  ] as const;
  for (const c of CASES) {
    const maxTokens = 'tokens' in c ? c.tokens : undefined;
    const label = `${c.preset} ${c.weightType} ${c.perChannel ? 'per channel' : 'per tensor'}`;
    test(`${label}${maxTokens ? ` at ${maxTokens} tokens` : ''}: recomputed, [CLS] rows and full layers close to the graph's int8 attention and to fp32`, async () => {
      const folder = path.join(dir, c.preset);
      if (!fs.existsSync(folder)) await generateModel({ out: folder, arch: 'bert', preset: c.preset });
      const onnxFile = `onnx/model_${c.weightType}${c.perChannel ? '_pc' : ''}.onnx`;
      fs.writeFileSync(path.join(folder, onnxFile), quantizeDynamicInt8(fs.readFileSync(path.join(folder, 'onnx', 'model.onnx')), c).bytes);
      const text = c.preset === 'tiny' ? TEXT : maxTokens ? Array(12).fill(LONG_TEXT).join(' ') : LONG_TEXT;
      const rc = await recompute.inspect(folder, text, { onnxFile, detail: 'full', maxTokens });
      const ex = await exposed.inspect(folder, text, { onnxFile, detail: 'full', maxTokens });
      const fp = await recompute.inspect(folder, text, { detail: 'full', maxTokens });
      if (maxTokens) assert.equal(rc.tokens.length, maxTokens);
      assert.equal(rc.model.attentions.source, 'recomputed', rc.model.attentions.reason ?? '');
      assert.match(rc.model.attentions.reason ?? '', new RegExp(`fp32 .*dequantised ${c.weightType} query and key weights \\(dynamically quantised \\(MatMulInteger\\), ${c.perChannel ? 'per channel' : 'per tensor'}`));
      assert.match(rc.model.attentions.reason ?? '', /measured against the graph's own int8 attention/);
      assert.equal(ex.model.attentions.source, 'rewritten');
      assert.ok(rc.clsAttention && ex.clsAttention && fp.clsAttention && rc.attentions && ex.attentions && fp.attentions);
      assert.deepEqual(rc.clsAttention.dims, ex.clsAttention.dims);
      assert.deepEqual(rc.attentions.dims, ex.attentions.dims);
      // the hidden states are the same run of the same graph either way
      assert.equal(absDiff(rc.hidden.data, ex.hidden.data).max, 0);
      // the [CLS] rows shown first are the graph's own int8 attention, read in the encoder's run
      assert.match(rc.model.attentions.reason ?? '', /\[CLS\] rows shown first are read from the graph's own attention Softmax/);
      assert.equal(absDiff(rc.clsAttention.data, ex.clsAttention.data).max, 0);
      // the recompute's rows (what a query other than the first gets)
      const m = await recompute.load(folder, { onnxFile });
      const rows = await m.encoder.queryRows(rc.hidden, new Float32Array(rc.tokens.length).fill(1));
      assert.ok(rows);
      const cls = absDiff(rows.data, ex.clsAttention.data);
      const full = absDiff(rc.attentions.data, ex.attentions.data);
      const vsFp = absDiff(rc.attentions.data, fp.attentions.data);
      const graphVsFp = absDiff(ex.attentions.data, fp.attentions.data);
      console.log(`[int8 attention] ${label}, ${rc.tokens.length} tokens: recomputed vs graph's int8 Softmax: [CLS] rows ${fmt(cls)} (shown: the graph's own), `
        + `all layers ${fmt(full)}; recomputed int8 vs fp32 ${fmt(vsFp)}; graph's int8 vs fp32 ${fmt(graphVsFp)}`);
      assert.ok(cls.max < TOL_MAX && full.max < TOL_MAX, `max |Δ| [CLS] ${cls.max}, full ${full.max} (< ${TOL_MAX})`);
      assert.ok(cls.mean < TOL_MEAN && full.mean < TOL_MEAN, `mean |Δ| [CLS] ${cls.mean}, full ${full.mean} (< ${TOL_MEAN})`);
      // what the user sees against the fp32 model: no further from it than the graph's own int8 attention is, give or take
      assert.ok(vsFp.max < TOL_MAX_FP && vsFp.mean < TOL_MEAN_FP, `recomputed int8 vs fp32: ${fmt(vsFp)}`);
      // the dequantised weights are the weights the graph multiplies by: a wrong zero point or scale axis moves
      // attention far more than the activation rounding does
      assert.ok(full.mean < graphVsFp.mean * 2 + 1e-4, `recompute vs graph ${full.mean} against graph vs fp32 ${graphVsFp.mean}`);
    });
  }
});
