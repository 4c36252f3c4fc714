// Dynamic int8 quantisation of an ONNX encoder, as onnxruntime's `quantize_dynamic` does it with its defaults
// (weight_type QInt8, per-tensor, symmetric weights, reduce_range off): every MatMul whose second input is a
// constant 2-D float weight becomes
//
//   DynamicQuantizeLinear(x) → x_q (uint8), x_scale, x_zero_point
//   MatMulInteger(x_q, W_q (int8), x_zero_point, W_zero_point = 0) → int32
//   Cast(float) · Mul(x_scale · W_scale)                           → the MatMul's original output name
//
// so the rest of the graph (LayerNorm, Softmax, the outputs the engine's rewrite exposes) is unchanged. The weights
// are stored as int8 (a quarter of their fp32 size); embeddings (Gather) stay fp32, as in onnxruntime's default.
// Options give the other forms quantize_dynamic writes (what transformers.js's Xenova int8 files hold): weight_type
// QUInt8 (asymmetric uint8 weights with a zero point, its conversion script's choice) and per_channel (a scale and zero
// point per output column). Used by scripts/gen-model.ts --quantize to write onnx/model_quantized.onnx next to onnx/model.onnx (the
// transformers.js layout for int8 models).
import { AttributeType, decodeModel, encodeModel, TensorType, type NodeProto, type TensorProto } from '../../src/engine/onnx';

export interface QuantizeReport { matmuls: number; weightBytesBefore: number; weightBytesAfter: number }

function floatsOf(t: TensorProto): Float32Array | null {
  if (t.rawData) {
    const copy = new Uint8Array(t.rawData); // aligned copy
    return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
  }
  if (t.floatData) return Float32Array.from(t.floatData);
  return null;
}

/** Symmetric per-tensor int8 (onnxruntime's QInt8 weights): q = round(w / s) in [-127, 127], s = max|w| / 127. */
export function quantizeWeight(w: Float32Array): { q: Int8Array; scale: number } {
  let max = 0;
  for (let i = 0; i < w.length; i++) { const a = Math.abs(w[i]); if (a > max) max = a; }
  const scale = max > 0 ? max / 127 : 1;
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(w[i] / scale)));
  return { q, scale };
}

/**
 * Asymmetric uint8 (onnxruntime's QUInt8 weights): the range [min(0, min w), max(0, max w)] onto [0, 255],
 * s = (rmax − rmin) / 255, zp = round(−rmin / s); q = clamp(round(w / s) + zp, 0, 255).
 */
export function quantizeWeightUint8(w: Float32Array): { q: Uint8Array; scale: number; zeroPoint: number } {
  let lo = 0, hi = 0;
  for (let i = 0; i < w.length; i++) { if (w[i] < lo) lo = w[i]; if (w[i] > hi) hi = w[i]; }
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  const zeroPoint = Math.max(0, Math.min(255, Math.round(-lo / scale)));
  const q = new Uint8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.max(0, Math.min(255, Math.round(w[i] / scale) + zeroPoint));
  return { q, scale, zeroPoint };
}

export interface QuantizeOptions {
  /** 'int8' (QInt8, symmetric, zero point 0; the default) or 'uint8' (QUInt8, asymmetric). */
  weightType?: 'int8' | 'uint8';
  /** A scale and zero point per output column of each [K, N] weight (quantize_dynamic per_channel=True). */
  perChannel?: boolean;
}

/** W [K, N] quantised per tensor or per column: the integer weight, scales and zero points (1 or N of each). */
function quantizeMatrix(w: Float32Array, dims: number[], o: Required<QuantizeOptions>): { q: Int8Array | Uint8Array; scales: Float32Array; zps: Int8Array | Uint8Array } {
  const [K, N] = dims;
  const cols = o.perChannel ? N : 1;
  const q = o.weightType === 'uint8' ? new Uint8Array(K * N) : new Int8Array(K * N);
  const scales = new Float32Array(cols);
  const zps = o.weightType === 'uint8' ? new Uint8Array(cols) : new Int8Array(cols);
  for (let c = 0; c < cols; c++) {
    const part = o.perChannel ? Float32Array.from({ length: K }, (_, k) => w[k * N + c]) : w;
    const r = o.weightType === 'uint8' ? quantizeWeightUint8(part) : { ...quantizeWeight(part), zeroPoint: 0 };
    scales[c] = r.scale;
    zps[c] = r.zeroPoint;
    if (o.perChannel) for (let k = 0; k < K; k++) q[k * N + c] = r.q[k];
    else q.set(r.q);
  }
  return { q, scales, zps };
}

/** The quantised model's bytes. Throws when the model has no MatMul with a constant float weight. */
export function quantizeDynamicInt8(bytes: Uint8Array, opts: QuantizeOptions = {}): { bytes: Uint8Array; report: QuantizeReport } {
  const o: Required<QuantizeOptions> = { weightType: opts.weightType ?? 'int8', perChannel: opts.perChannel ?? false };
  const intType = o.weightType === 'uint8' ? TensorType.UINT8 : TensorType.INT8;
  const m = decodeModel(bytes);
  const g = m.graph;
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  const uses = new Map<string, number>();
  for (const n of g.node) for (const i of n.input) uses.set(i, (uses.get(i) ?? 0) + 1);
  const nodes: NodeProto[] = [];
  const drop = new Set<string>();
  const report: QuantizeReport = { matmuls: 0, weightBytesBefore: 0, weightBytesAfter: 0 };
  const node = (opType: string, input: string[], output: string[], name: string): NodeProto => ({ name, opType, domain: '', input, output, attribute: [] });
  for (const n of g.node) {
    const w = n.opType === 'MatMul' && n.domain === '' ? inits.get(n.input[1]) : undefined;
    const data = w && w.dataType === TensorType.FLOAT && w.dims.length === 2 ? floatsOf(w) : null;
    if (!w || !data) { nodes.push(n); continue; }
    const { q, scales, zps } = quantizeMatrix(data, w.dims, o);
    const paramDims = o.perChannel ? [w.dims[1]] : [];
    const base = n.name || n.output[0];
    const wq = `${w.name}_quantized`, ws = `${w.name}_scale`, wz = `${w.name}_zero_point`;
    if (!inits.has(wq)) {
      g.initializer.push({ name: wq, dataType: intType, dims: w.dims, rawData: new Uint8Array(q.buffer) });
      g.initializer.push({ name: ws, dataType: TensorType.FLOAT, dims: paramDims, rawData: new Uint8Array(scales.buffer) });
      g.initializer.push({ name: wz, dataType: intType, dims: paramDims, rawData: new Uint8Array(zps.buffer) });
      inits.set(wq, g.initializer[g.initializer.length - 3]);
      report.weightBytesBefore += data.byteLength;
      report.weightBytesAfter += q.byteLength;
    }
    if ((uses.get(w.name) ?? 0) <= 1) drop.add(w.name);
    const x = n.input[0];
    const xq = `${base}_x_quantized`, xs = `${base}_x_scale`, xz = `${base}_x_zero_point`;
    nodes.push(
      node('DynamicQuantizeLinear', [x], [xq, xs, xz], `${base}_DynamicQuantizeLinear`),
      node('MatMulInteger', [xq, wq, xz, wz], [`${base}_int32`], `${base}_MatMulInteger`),
      node('Cast', [`${base}_int32`], [`${base}_float`], `${base}_Cast`),
      node('Mul', [xs, ws], [`${base}_scale`], `${base}_ScaleMul`),
      node('Mul', [`${base}_float`, `${base}_scale`], [n.output[0]], `${base}_OutputMul`),
    );
    nodes[nodes.length - 3].attribute.push({ name: 'to', type: AttributeType.INT, i: BigInt(TensorType.FLOAT) });
    report.matmuls++;
  }
  if (!report.matmuls) throw new Error('the model has no MatMul with a constant float weight to quantise');
  g.node = nodes;
  g.initializer = g.initializer.filter((t) => !drop.has(t.name));
  // DynamicQuantizeLinear needs opset 11; the generator's graphs are opset 14
  for (const o of m.opsetImport) if (o.domain === '' && o.version < 11) o.version = 11;
  return { bytes: encodeModel(m), report };
}
