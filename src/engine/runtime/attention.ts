// Attention probabilities recomputed from each layer's input hidden state, so that the encoder can run its stock graph
// (fetching L·heads·T² attention floats out of the main session costs MiniLM +60% at 512 tokens: the outputs are
// allocated, filled and copied on every run; the optimised graph itself is the same with or without them).
//
// For layer l with input x (= hidden state l): q = x·Wq + bq, k = x·Wk + bk, split into heads, scores = q·kᵀ·scale,
// keys where attention_mask is 0 set to float32's lowest (as the exports do), softmax over keys. The weights are the
// graph's own initializers, found by walking back from each attention Softmax (or read from a fused
// com.microsoft.Attention node's packed weight). Two small ONNX graphs, built once per model:
//   - the query row of every head (the [CLS] row): s_t = h_t·(Wk,head·q_head) + bk,head·q_head, O(T·H·heads) per layer;
//     used where the encoder's own run cannot return it (rewrite.ts, queryRowTaps: fused graphs, fp16, a query other
//     than the first);
//   - one layer's full [B, heads, T, T] probabilities, on request.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { EngineError } from '../errors';
import { readFully, writeFully } from '../io/files';
import { ort, sessionOptionsFor } from './ort';
import { encodeModel, TensorType, type AttributeProto, type ModelProto, type NodeProto, type TensorProto } from '../onnx';
import { attentionSoftmaxOutputs } from '../onnx/rewrite';
import type { FloatTensor } from '../../shared/types';

/** float32's lowest value: what BERT-family exports add (or write) for masked keys. */
const F32_MIN = -3.4028234663852886e38;

/** One layer's query and key projections, laid out per head: w [heads, H, d] (x·w), b [heads, 1, d]. */
export interface QkLayer {
  /** The graph tensor that feeds both projections (the layer's input hidden state). */
  input: string;
  wq: Float32Array;
  bq: Float32Array;
  wk: Float32Array;
  bk: Float32Array;
  /** Multiplies q·kᵀ (1/√d in every known export). */
  scale: number;
}

export interface QkWeights {
  heads: number;
  hidden: number;
  layers: QkLayer[];
  /** Where they were found, for the capability's reason. */
  pattern: 'softmax' | 'fused';
  /** How the file stores them (quantised weights are dequantised to fp32 once, at build). */
  storage: WeightStorage;
}

export type QkSearch = { ok: true; weights: QkWeights } | { ok: false; reason: string };
/** A recognised pattern whose weights are copied out of the model's bytes only when `build` is called. */
export type QkPattern = { ok: true; pattern: QkWeights['pattern']; storage: WeightStorage; build: () => QkWeights } | { ok: false; reason: string };

const FP32: WeightStorage = { kind: 'fp32', type: 'float32', perChannel: false };

/** One storage for all layers (same kind; int8 and uint8 or per-tensor and per-channel mixed are reported as mixed). */
function summarise(all: WeightStorage[]): WeightStorage | null {
  if (all.length === 0) return FP32;
  if (all.some((s) => s.kind !== all[0].kind)) return null;
  const types = new Set(all.map((s) => s.type));
  return { kind: all[0].kind, type: types.size === 1 ? all[0].type : 'int8 and uint8', perChannel: all.some((s) => s.perChannel) };
}

interface Graph {
  producer: Map<string, NodeProto>;
  inits: Map<string, TensorProto>;
}

/**
 * The float32 values of an initializer: a view into the model's bytes where they are aligned (no copy of a large
 * weight), else a copy. A view keeps the whole file alive: callers copy what they keep (perHead, slice).
 */
function floatsOf(t: TensorProto): Float32Array | null {
  if (t.dataType !== TensorType.FLOAT) return null;
  const raw = t.rawData;
  if (raw) {
    if (raw.byteLength % 4 !== 0) return null;
    if (raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    const copy = new Uint8Array(raw.byteLength);
    copy.set(raw);
    return new Float32Array(copy.buffer);
  }
  if (t.floatData) return Float32Array.from(t.floatData);
  return null;
}

/** A scalar (or one-element) float constant: an initializer or a Constant node. */
function constScalar(g: Graph, name: string): number | null {
  const init = g.inits.get(name);
  if (init) {
    const f = floatsOf(init);
    return f && f.length === 1 ? f[0] : null;
  }
  const n = g.producer.get(name);
  if (n?.opType !== 'Constant') return null;
  for (const a of n.attribute) {
    if (a.name === 'value_float' && typeof a.f === 'number') return a.f;
    if (a.name === 'value' && a.t) {
      const f = floatsOf(a.t);
      return f && f.length === 1 ? f[0] : null;
    }
  }
  return null;
}

/** Compose Transpose permutations along a chain (applied in order). */
function compose(perm: number[], next: number[]): number[] {
  return next.map((i) => perm[i]);
}

/** How a projection's weight is stored in the file: fp32, or int8/uint8 dequantised to fp32 once at load. */
export interface WeightStorage {
  /** 'dynamic': DynamicQuantizeLinear + MatMulInteger (onnxruntime's quantize_dynamic); 'dequantize': DequantizeLinear → MatMul. */
  kind: 'fp32' | 'dynamic' | 'dequantize';
  type: 'float32' | 'int8' | 'uint8' | 'int8 and uint8';
  /** Scale (and zero point) per output column (or, for DequantizeLinear axis 0, per input row) rather than one per tensor. */
  perChannel: boolean;
}

/** The weight of x·W (+ b): which tensor it reads, and W [H, H] as fp32 (a view of the file's bytes or a dequantised copy). */
export interface LinearWeight { x: string; weight: () => Float32Array; storage: WeightStorage }

interface Linear { x: string; w: () => Float32Array; b: Float32Array; scale: number; perm: number[]; storage: WeightStorage }

/** The integer values of an int8 / uint8 initializer (raw bytes, or int32_data as ONNX stores small types otherwise). */
function intsOf(t: TensorProto): { data: Int8Array | Uint8Array; type: 'int8' | 'uint8' } | null {
  if (t.dataType !== TensorType.INT8 && t.dataType !== TensorType.UINT8) return null;
  const type = t.dataType === TensorType.INT8 ? 'int8' : 'uint8';
  const n = t.dims.reduce((a, b) => a * b, 1);
  let data: Int8Array | Uint8Array;
  if (t.rawData) data = type === 'int8' ? new Int8Array(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength) : t.rawData;
  else if (t.int32Data) data = type === 'int8' ? Int8Array.from(t.int32Data) : Uint8Array.from(t.int32Data);
  else return null;
  return data.length === n ? { data, type } : null;
}

/**
 * A per-tensor or per-channel quantisation parameter over H channels: a float scale or an integer zero point whose
 * element count is 1 or H (shape [], [1], [H] or [1, H]). Absent zero point = 0.
 */
function channelParam(t: TensorProto | undefined, H: number, kind: 'scale' | 'zero'): Float64Array | null {
  if (!t) return kind === 'zero' ? new Float64Array(1) : null;
  const n = t.dims.reduce((a, b) => a * b, 1);
  if ((n !== 1 && n !== H) || t.dims.some((d, i) => d !== 1 && i !== t.dims.length - 1)) return null;
  const v = kind === 'scale' ? floatsOf(t) : intsOf(t)?.data;
  return v && v.length === n ? Float64Array.from(v) : null;
}

/**
 * W = (Wq − zp)·scale, [H, H]. `axis` 1: the parameters run along output columns (MatMulInteger's b_zero_point,
 * quantize_dynamic's per_channel, DequantizeLinear axis 1); 0: along input rows (DequantizeLinear axis 0).
 */
function dequantize(q: Int8Array | Uint8Array, zp: Float64Array, scale: Float64Array, H: number, axis: 0 | 1): Float32Array {
  const w = new Float32Array(H * H);
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < H; j++) {
      const c = axis === 1 ? j : i;
      w[i * H + j] = (q[i * H + j] - zp[zp.length === 1 ? 0 : c]) * scale[scale.length === 1 ? 0 : c];
    }
  }
  return w;
}

/** An [H, H] integer initializer (the quantised weight). */
function intWeight(g: Graph, name: string, H: number): { data: Int8Array | Uint8Array; type: 'int8' | 'uint8'; init: TensorProto } | null {
  const init = g.inits.get(name);
  if (!init || init.dims.length !== 2 || init.dims[0] !== H || init.dims[1] !== H) return null;
  const v = intsOf(init);
  return v ? { ...v, init } : null;
}

/**
 * The weight W of a tensor that is x·W, in one of the forms exports write:
 *   - MatMul(x, W) with W an fp32 initializer [H, H];
 *   - MatMul(x, DequantizeLinear(Wq, scale, zp)) with Wq an int8/uint8 initializer, per tensor or per axis (0 or 1);
 *   - onnxruntime quantize_dynamic's MatMulInteger path (operators/matmul.py):
 *       DynamicQuantizeLinear(x) → xq, x_scale, x_zp;  MatMulInteger(xq, Wq, x_zp, w_zp) → Cast(float) →
 *       Mul(·, Mul(x_scale, w_scale)) (either operand order at both Muls), w_scale and w_zp per tensor or per column.
 * The quantised forms give W = (Wq − w_zp)·w_scale; the activation's own quantisation (x ≈ (xq − x_zp)·x_scale) is
 * not reproduced: x·W is the fp32 product with the dequantised weight. Null when the tensor is none of these.
 */
export function linearWeight(g: { producer: Map<string, NodeProto>; inits: Map<string, TensorProto> }, name: string, H: number): LinearWeight | null {
  const n = g.producer.get(name);
  if (!n) return null;
  if (n.opType === 'MatMul' && (n.domain === '' || n.domain === 'ai.onnx')) {
    const wInit = g.inits.get(n.input[1]);
    if (wInit) {
      if (wInit.dims.length !== 2 || wInit.dims[0] !== H || wInit.dims[1] !== H) return null;
      const w = floatsOf(wInit);
      return w ? { x: n.input[0], weight: () => w, storage: { kind: 'fp32', type: 'float32', perChannel: false } } : null;
    }
    const dq = g.producer.get(n.input[1]);
    if (dq?.opType !== 'DequantizeLinear') return null;
    const q = intWeight(g, dq.input[0], H);
    if (!q) return null;
    const zpInit = dq.input[2] ? g.inits.get(dq.input[2]) : undefined;
    if (dq.input[2] && !zpInit) return null;
    const scale = channelParam(g.inits.get(dq.input[1]), H, 'scale'), zp = channelParam(zpInit, H, 'zero');
    if (!scale || !zp) return null;
    const perChannel = scale.length > 1 || zp.length > 1;
    let axis = Number(dq.attribute.find((a) => a.name === 'axis')?.i ?? 1);
    if (axis < 0) axis += 2;
    if (perChannel && axis !== 0 && axis !== 1) return null;
    // a per-axis parameter is 1-D [H]; per tensor, the axis does not matter
    const ax: 0 | 1 = perChannel ? (axis as 0 | 1) : 1;
    return { x: n.input[0], weight: () => dequantize(q.data, zp, scale, H, ax), storage: { kind: 'dequantize', type: q.type, perChannel } };
  }
  if (n.opType !== 'Mul') return null;
  // Mul(Cast(MatMulInteger(...)), scales) in either order
  const castSide = n.input.findIndex((i) => g.producer.get(i)?.opType === 'Cast');
  if (castSide < 0) return null;
  const cast = g.producer.get(n.input[castSide])!;
  if (Number(cast.attribute.find((a) => a.name === 'to')?.i ?? -1) !== TensorType.FLOAT) return null;
  const mmi = g.producer.get(cast.input[0]);
  if (mmi?.opType !== 'MatMulInteger') return null;
  const [xq, wq, xzp, wzp] = mmi.input;
  const q = intWeight(g, wq, H);
  if (!q) return null;
  const dql = g.producer.get(xq);
  if (dql?.opType !== 'DynamicQuantizeLinear' || dql.output[0] !== xq) return null;
  // the activation's zero point is the one DynamicQuantizeLinear computed (else the product is not x·W)
  if (xzp !== dql.output[2]) return null;
  const wzpInit = wzp ? g.inits.get(wzp) : undefined;
  if (wzp && !wzpInit) return null;
  const zp = channelParam(wzpInit, H, 'zero');
  // scales = Mul(x_scale, w_scale) in either order
  const scales = g.producer.get(n.input[1 - castSide]);
  if (scales?.opType !== 'Mul') return null;
  const xsSide = scales.input.indexOf(dql.output[1]);
  if (xsSide < 0) return null;
  const scale = channelParam(g.inits.get(scales.input[1 - xsSide]), H, 'scale');
  if (!scale || !zp) return null;
  return {
    x: dql.input[0], weight: () => dequantize(q.data, zp, scale, H, 1),
    storage: { kind: 'dynamic', type: q.type, perChannel: scale.length > 1 || zp.length > 1 },
  };
}

/**
 * Walk back from one side of the score MatMul: Transpose / Reshape (the head split) / Mul or Div by a constant, down
 * to Add(x·W, b) with b an initializer and x·W as linearWeight reads it. Returns the projection, the constant factor
 * met on the way and the composed permutation of the head-split tensor [B, T, heads, d].
 */
function projection(g: Graph, start: string, H: number): Linear | null {
  let t = start;
  let scale = 1;
  let perm = [0, 1, 2, 3];
  let reshaped = false;
  for (let depth = 0; depth < 8; depth++) {
    const n = g.producer.get(t);
    if (!n) return null;
    if (n.opType === 'Transpose') {
      const p = n.attribute.find((a) => a.name === 'perm')?.ints?.map(Number);
      if (!p || p.length !== 4) return null;
      // perm[i]: the axis of the split tensor that axis i of the score MatMul's operand holds
      perm = compose(p, perm);
      t = n.input[0];
      continue;
    }
    if (n.opType === 'Reshape') {
      if (reshaped) return null;
      reshaped = true;
      t = n.input[0];
      continue;
    }
    if (n.opType === 'Mul' || n.opType === 'Div') {
      const c = constScalar(g, n.input[1]) ?? (n.opType === 'Mul' ? constScalar(g, n.input[0]) : null);
      if (c === null || c === 0) return null;
      scale *= n.opType === 'Mul' ? c : 1 / c;
      t = constScalar(g, n.input[1]) !== null ? n.input[0] : n.input[1];
      continue;
    }
    if (n.opType === 'Add') {
      if (!reshaped) return null;
      const [a, b] = n.input;
      const biasName = g.inits.has(a) ? a : g.inits.has(b) ? b : null;
      if (!biasName) return null;
      const lin = linearWeight(g, biasName === a ? b : a, H);
      const bias = floatsOf(g.inits.get(biasName)!);
      if (!lin || !bias || bias.length !== H) return null;
      return { x: lin.x, w: lin.weight, b: bias.slice(), scale, perm, storage: lin.storage };
    }
    return null;
  }
  return null;
}

/** [H_in, H_out] (x·W) → [heads, H_in, d]. */
function perHead(w: Float32Array, H: number, heads: number, offset = 0, stride = H): Float32Array {
  const d = H / heads;
  const out = new Float32Array(H * H);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < H; i++) {
      const src = i * stride + offset + h * d;
      out.set(w.subarray(src, src + d), (h * H + i) * d);
    }
  }
  return out;
}

/** Walk back from the Softmax input through the mask (Add / Where) and the scaling (Div / Mul by a constant) to q·kᵀ. */
function scoreMatMul(g: Graph, start: string): { q: string; k: string; scale: number } | null {
  let t = start;
  let scale = 1;
  for (let depth = 0; depth < 6; depth++) {
    const n = g.producer.get(t);
    if (!n) return null;
    if (n.opType === 'MatMul') {
      if (g.inits.has(n.input[0]) || g.inits.has(n.input[1])) return null;
      return { q: n.input[0], k: n.input[1], scale };
    }
    if (n.opType === 'Div' || n.opType === 'Mul') {
      const c = constScalar(g, n.input[1]);
      if (c === null || c === 0) return null;
      scale *= n.opType === 'Mul' ? c : 1 / c;
      t = n.input[0];
      continue;
    }
    if (n.opType === 'Add') {
      // one side is the mask bias (built from attention_mask, no MatMul of two activations above it)
      const pick = n.input.find((i) => reachesScores(g, i, 0));
      if (!pick) return null;
      t = pick;
      continue;
    }
    if (n.opType === 'Where') {
      t = n.input[2];
      continue;
    }
    return null;
  }
  return null;
}

function reachesScores(g: Graph, t: string, depth: number): boolean {
  const n = g.producer.get(t);
  if (!n || depth > 3) return false;
  if (n.opType === 'MatMul') return !g.inits.has(n.input[0]) && !g.inits.has(n.input[1]);
  if (n.opType === 'Div' || n.opType === 'Mul') return reachesScores(g, n.input[0], depth + 1);
  return false;
}

/**
 * Find, for every layer, the query and key projections that produce its attention, and check that each layer's
 * input is the hidden state the session can output (`hiddenStates[l]`). A reason names what did not match.
 */
export function findQkWeights(model: ModelProto, cfg: { layers: number; heads: number; hidden: number }, hiddenStates: string[] | null): QkSearch {
  const p = findQkPattern(model, cfg, hiddenStates);
  return p.ok ? { ok: true, weights: p.build() } : p;
}

/**
 * As findQkWeights, but the per-head copies of the weights are made by `build()`, while the model's bytes are still
 * held (the encoder calls it after creating its session, so that these allocations come after onnxruntime's).
 */
export function findQkPattern(model: ModelProto, cfg: { layers: number; heads: number; hidden: number }, hiddenStates: string[] | null): QkPattern {
  const { layers: L, heads, hidden: H } = cfg;
  if (!hiddenStates || hiddenStates.length !== L + 1) return { ok: false, reason: 'each layer\'s input hidden state cannot be read' };
  if (!Number.isInteger(H / heads)) return { ok: false, reason: `hidden size ${H} is not a multiple of ${heads} heads` };
  const d = H / heads;
  const g: Graph = { producer: new Map(), inits: new Map(model.graph.initializer.map((t) => [t.name, t])) };
  for (const n of model.graph.node) for (const o of n.output) if (o) g.producer.set(o, n);
  const out: (() => QkLayer)[] = [];

  const fused = model.graph.node.filter((n) => n.opType === 'Attention' && n.domain === 'com.microsoft');
  if (fused.length > 0) {
    if (fused.length !== L) return { ok: false, reason: `found ${fused.length} fused Attention nodes for ${L} layers` };
    for (const [l, n] of fused.entries()) {
      const numHeads = Number(n.attribute.find((a) => a.name === 'num_heads')?.i ?? -1);
      if (numHeads !== heads) return { ok: false, reason: `layer ${l}'s Attention has ${numHeads} heads, the config ${heads}` };
      if (n.attribute.some((a) => (a.name === 'unidirectional' && a.i) || a.name === 'qkv_hidden_sizes' || a.name === 'mask_filter_value')) {
        return { ok: false, reason: `layer ${l}'s Attention node has attributes CLS Lens does not recompute` };
      }
      const wInit = g.inits.get(n.input[1]), bInit = g.inits.get(n.input[2]);
      if (!wInit || !bInit || wInit.dims[0] !== H || wInit.dims[1] !== 3 * H) return { ok: false, reason: `layer ${l}'s packed QKV weight is not an [${H}, ${3 * H}] initializer` };
      const w = floatsOf(wInit), b = floatsOf(bInit);
      if (!w || !b) return { ok: false, reason: `layer ${l}'s packed QKV weight is not float32 inside the file` };
      if (n.input[0] !== hiddenStates[l]) return { ok: false, reason: `layer ${l}'s attention input is not hidden state ${l}` };
      const scaleAttr = n.attribute.find((a) => a.name === 'scale')?.f;
      out.push(() => ({
        input: n.input[0], wq: perHead(w, H, heads, 0, 3 * H), bq: b.slice(0, H), wk: perHead(w, H, heads, H, 3 * H), bk: b.slice(H, 2 * H),
        scale: scaleAttr ?? 1 / Math.sqrt(d),
      }));
    }
    return { ok: true, pattern: 'fused', storage: FP32, build: () => ({ heads, hidden: H, layers: out.map((f) => f()), pattern: 'fused', storage: FP32 }) };
  }

  const soft = attentionSoftmaxOutputs(model.graph.node);
  const storages: WeightStorage[] = [];
  if (soft.length !== L) return { ok: false, reason: `found ${soft.length} attention Softmax nodes for ${L} layers` };
  for (const [l, s] of soft.entries()) {
    const node = g.producer.get(s)!;
    const axis = Number(node.attribute.find((a) => a.name === 'axis')?.i ?? -1);
    if (axis !== -1 && axis !== 3) return { ok: false, reason: `layer ${l}'s Softmax is over axis ${axis}, not the keys` };
    const mm = scoreMatMul(g, node.input[0]);
    if (!mm) return { ok: false, reason: `layer ${l}'s attention scores are not (mask +) scale · q·kᵀ` };
    const q = projection(g, mm.q, H), k = projection(g, mm.k, H);
    if (!q || !k) return { ok: false, reason: `layer ${l}'s query or key is not a linear projection split into heads` };
    // q must be [B, heads, T, d] and kᵀ [B, heads, d, T] from the split [B, T, heads, d]
    if (q.perm.join() !== '0,2,1,3' || k.perm.join() !== '0,2,3,1') return { ok: false, reason: `layer ${l}'s head split is transposed unusually (q ${q.perm}, k ${k.perm})` };
    if (q.x !== k.x || q.x !== hiddenStates[l]) return { ok: false, reason: `layer ${l}'s query and key do not both read hidden state ${l}` };
    if (q.storage.kind !== k.storage.kind) return { ok: false, reason: `layer ${l}'s query weight is ${q.storage.kind}, its key weight ${k.storage.kind}` };
    storages.push(q.storage, k.storage);
    out.push(() => ({ input: q.x, wq: perHead(q.w(), H, heads), bq: q.b, wk: perHead(k.w(), H, heads), bk: k.b, scale: mm.scale * q.scale * k.scale }));
  }
  const storage = summarise(storages);
  if (!storage) return { ok: false, reason: 'the layers\' query and key weights are stored in different ways (fp32 and quantised)' };
  return { ok: true, pattern: 'softmax', storage, build: () => ({ heads, hidden: H, layers: out.map((f) => f()), pattern: 'softmax', storage }) };
}

// ── the two small graphs ────────────────────────────────────────────────────────────────────────────────────────
const ints = (name: string, v: number[]): AttributeProto => ({ name, type: 7, ints: v.map(BigInt) });
const int = (name: string, v: number): AttributeProto => ({ name, type: 2, i: BigInt(v) });
const i64 = (name: string, v: number[]): TensorProto => {
  const raw = new Uint8Array(v.length * 8);
  const dv = new DataView(raw.buffer);
  v.forEach((x, i) => dv.setBigInt64(i * 8, BigInt(x), true));
  return { name, dataType: TensorType.INT64, dims: [v.length], rawData: raw };
};
const f32 = (name: string, v: number): TensorProto => {
  const raw = new Uint8Array(4);
  new DataView(raw.buffer).setFloat32(0, v, true);
  return { name, dataType: TensorType.FLOAT, dims: [], rawData: raw };
};

function graphModel(name: string, nodes: NodeProto[], inits: TensorProto[], inputs: [string, number, (number | string)[]][], output: string): Uint8Array {
  const model: ModelProto = {
    irVersion: 8, producerName: 'cls-lens', producerVersion: '1', domain: '', modelVersion: 1, docString: `CLS Lens ${name}`,
    opsetImport: [{ domain: '', version: 13 }], metadataProps: [],
    graph: {
      name, node: nodes, initializer: inits, valueInfo: [],
      input: inputs.map(([n, elemType, shape]) => ({ name: n, elemType, shape })),
      output: [{ name: output, elemType: TensorType.FLOAT, shape: null }],
    },
  };
  return encodeModel(model);
}

function builder() {
  const nodes: NodeProto[] = [];
  let k = 0;
  const n = (opType: string, input: string[], attribute: AttributeProto[] = [], output = `t${k++}`): string => {
    nodes.push({ name: `${opType}_${k}`, opType, domain: '', input, output: [output], attribute });
    return output;
  };
  return { nodes, n };
}

const F = TensorType.FLOAT;
const WEIGHT_INPUTS = (heads: number, H: number, d: number): [string, number, (number | string)[]][] => [
  ['wq', F, [heads, H, d]], ['bq', F, [heads, 1, d]], ['wk', F, [heads, H, d]], ['bk', F, [heads, 1, d]], ['scale', F, []],
];

/** x [B, T, H], mask [B, T] (0 = padding) → probs [B, heads, T, T]. */
export function buildLayerAttentionModel(heads: number, H: number): Uint8Array {
  const { nodes, n } = builder();
  const xu = n('Unsqueeze', ['x', 'ax1']);
  const q = n('Add', [n('MatMul', [xu, 'wq']), 'bq']);
  const k = n('Add', [n('MatMul', [xu, 'wk']), 'bk']);
  const s = n('Mul', [n('MatMul', [q, n('Transpose', [k], [ints('perm', [0, 1, 3, 2])])]), 'scale']);
  const pad = n('Unsqueeze', [n('Equal', ['mask', 'zero']), 'ax12']);
  n('Softmax', [n('Where', [pad, 'lowest', s])], [int('axis', -1)], 'probs');
  return graphModel('cls_lens_layer_attention', nodes, [i64('ax1', [1]), i64('ax12', [1, 2]), f32('zero', 0), f32('lowest', F32_MIN)],
    [['x', F, ['B', 'T', H]], ['mask', F, ['B', 'T']], ...WEIGHT_INPUTS(heads, H, H / heads)], 'probs');
}

/**
 * Every layer in one run: x [L, T, H] (layer l's input hidden state of one sequence), mask [L, T], qpos [] (int64),
 * weights stacked by layer (wq, wk [L, heads, H, d]; bq, bk [L, heads, 1, d]; scale [L, 1, 1, 1]) → the query's row
 * of every head of every layer [L, heads, T]. Scores are h_t·(W_k q) + b_k·q, so no key matrix is formed.
 */
export function buildQueryRowModel(heads: number, H: number): Uint8Array {
  const { nodes, n } = builder();
  const d = H / heads;
  const xc = n('Unsqueeze', [n('Gather', ['x', 'qpos'], [int('axis', 1)]), 'ax12']); // [L, 1, 1, H]
  const qT = n('Transpose', [n('Add', [n('MatMul', [xc, 'wq']), 'bq'])], [ints('perm', [0, 1, 3, 2])]); // [L, heads, d, 1]
  const u = n('MatMul', ['wk', qT]); // [L, heads, H, 1]
  const c = n('Squeeze', [n('MatMul', ['bk', qT]), 'ax3']); // [L, heads, 1]
  // every head's u in the columns of one [L, H, heads] matrix: one GEMM reads x once (a GEMV per head read it 12 times)
  const uCols = n('Transpose', [n('Squeeze', [u, 'ax3'])], [ints('perm', [0, 2, 1])]); // [L, H, heads]
  const sc = n('Transpose', [n('MatMul', ['x', uCols])], [ints('perm', [0, 2, 1])]); // [L, heads, T]
  const s = n('Mul', [n('Add', [sc, c]), n('Squeeze', ['scale', 'ax3'])]); // [L, heads, T]
  const pad = n('Unsqueeze', [n('Equal', ['mask', 'zero']), 'ax1']);
  n('Softmax', [n('Where', [pad, 'lowest', s])], [int('axis', -1)], 'row');
  return graphModel('cls_lens_query_row', nodes, [i64('ax1', [1]), i64('ax12', [1, 2]), i64('ax3', [3]), f32('zero', 0), f32('lowest', F32_MIN)],
    [['x', F, ['L', 'T', H]], ['mask', F, ['L', 'T']], ['qpos', TensorType.INT64, []],
      ['wq', F, ['L', heads, H, d]], ['bq', F, ['L', heads, 1, d]], ['wk', F, ['L', heads, H, d]], ['bk', F, ['L', heads, 1, d]], ['scale', F, ['L', 1, 1, 1]]], 'row');
}

type Stacked = Record<'wq' | 'bq' | 'wk' | 'bk', Float32Array>;
const KEYS = ['wq', 'bq', 'wk', 'bk'] as const;

/** Each layer's weights copied into one [L, …] block per weight (the layers' own arrays are dropped). */
function stackLayers(weights: QkWeights): Stacked {
  const L = weights.layers.length;
  const out = {} as Stacked;
  for (const k of KEYS) {
    const per = weights.layers[0][k].length;
    const all = new Float32Array(L * per);
    weights.layers.forEach((w, l) => { all.set(w[k], l * per); w[k] = EMPTY; });
    out[k] = all;
  }
  return out;
}
const EMPTY = new Float32Array(0);

/**
 * Where the query and key weights live between requests (2·L·H·(H+1) floats: 56 MiB for BERT-base size). In memory
 * while the [CLS] rows are recomputed on every inspection; otherwise (the encoder's run returns them, see
 * rewrite.ts's queryRowTaps) in a temporary file, unlinked once open, read back one layer per request: the full
 * matrices are asked for a layer at a time, and reading a BERT-base layer (4.7 MiB, from the page cache) took 1.2 ms
 * of its 11 ms request. The file goes when its descriptor closes (dispose, or the process ending).
 */
class WeightStore {
  private cached: { l: number; w: Stacked } | null = null;
  /** Floats per layer, all four weights: the file holds layer after layer, each [wq | bq | wk | bk]. */
  private readonly layerFloats: number;
  private constructor(
    private readonly L: number,
    /** Floats per layer of each weight. */
    private readonly per: Record<'wq' | 'bq' | 'wk' | 'bk', number>,
    private stacked: Stacked | null,
    private fd: number | null,
    private unlinkPath: string | null,
  ) {
    this.layerFloats = KEYS.reduce((a, k) => a + per[k], 0);
  }

  static inMemory(weights: QkWeights): WeightStore {
    const per = Object.fromEntries(KEYS.map((k) => [k, weights.layers[0][k].length])) as WeightStore['per'];
    return new WeightStore(weights.layers.length, per, stackLayers(weights), null, null);
  }

  /** The weights written to a temporary file; in memory where the file cannot be written (a full or read-only disk). */
  static spilled(weights: QkWeights, dir: string = os.tmpdir()): WeightStore {
    const store = WeightStore.inMemory(weights);
    const file = path.join(dir, `cls-lens-qk-${process.pid}-${crypto.randomBytes(6).toString('hex')}.bin`);
    let fd: number | null = null;
    try {
      fs.mkdirSync(dir, { recursive: true });
      fd = fs.openSync(file, 'w+', 0o600);
      let position = 0;
      for (let l = 0; l < store.L; l++) {
        const w = store.layer(l);
        for (const v of KEYS.map((k) => w[k])) {
          writeFully(fd, new Uint8Array(v.buffer, v.byteOffset, v.byteLength), position);
          position += v.byteLength;
        }
      }
    } catch {
      if (fd !== null) try { fs.closeSync(fd); } catch { /* already gone */ }
      try { fs.rmSync(file, { force: true }); } catch { /* nothing to remove */ }
      return store;
    }
    let unlinkPath: string | null = file;
    try { fs.unlinkSync(file); unlinkPath = null; } catch { /* removed at dispose */ }
    return new WeightStore(store.L, store.per, null, fd, unlinkPath);
  }

  get inMemory(): boolean {
    return this.stacked !== null;
  }

  /** Layer l's weights (views; valid until the next call). */
  layer(l: number): Stacked {
    if (this.stacked) return Object.fromEntries(KEYS.map((k) => [k, this.stacked![k].subarray(l * this.per[k], (l + 1) * this.per[k])])) as Stacked;
    if (this.cached?.l === l) return this.cached.w;
    const buf = new Float32Array(this.layerFloats);
    this.read(buf, l * this.layerFloats * 4);
    const w = {} as Stacked;
    let o = 0;
    for (const k of KEYS) { w[k] = buf.subarray(o, o + this.per[k]); o += this.per[k]; }
    this.cached = { l, w };
    return w;
  }

  /** Every layer's weights stacked by layer: the kept arrays, or read back from the file (one read per layer). */
  all(): Stacked {
    if (this.stacked) return this.stacked;
    const out = {} as Stacked;
    for (const k of KEYS) out[k] = new Float32Array(this.L * this.per[k]);
    for (let l = 0; l < this.L; l++) {
      const w = this.layer(l);
      for (const k of KEYS) out[k].set(w[k], l * this.per[k]);
    }
    return out;
  }

  private read(into: Float32Array, position: number): void {
    if (this.fd === null) throw new EngineError('internal', 'The model\'s attention weights were released (the model was unloaded).', 'Inspect again.');
    try {
      readFully(this.fd, new Uint8Array(into.buffer, into.byteOffset, into.byteLength), position);
    } catch (e) {
      throw new EngineError('internal', `The model's attention weights could not be read back from their temporary file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`,
        'Restart the extension host (Developer: Restart Extension Host) to load the model again.');
    }
  }

  dispose(): void {
    this.stacked = null;
    this.cached = null;
    if (this.fd !== null) try { fs.closeSync(this.fd); } catch { /* already closed */ }
    this.fd = null;
    if (this.unlinkPath) try { fs.rmSync(this.unlinkPath, { force: true }); } catch { /* left for the OS */ }
    this.unlinkPath = null;
  }
}

/** The two sessions and the weights they read (the only copy of Wq / Wk outside the encoder session). */
export class AttentionRecompute {
  private constructor(
    readonly heads: number,
    readonly hidden: number,
    private readonly scales: Float32Array,
    private readonly layerSession: Ort.InferenceSession,
    private readonly rowSession: Ort.InferenceSession,
    private readonly store: WeightStore,
  ) {}

  /**
   * `spill`: the [CLS] rows come from the encoder's own run, so the weights are needed only for a layer's full
   * matrix (and a query other than the first): keep them in a temporary file instead of memory (WeightStore).
   */
  static async create(weights: QkWeights, threads?: number, opts: { spill?: boolean; /** Where the file goes; default the OS's temporary folder. */ spillDir?: string } = {}): Promise<AttentionRecompute> {
    const O = ort();
    // no memory arena: a layer's [heads, T, T] intermediates go back after each request
    const sessionOpts = sessionOptionsFor(threads, { arena: false });
    const [a, b] = await Promise.all([
      O.InferenceSession.create(buildLayerAttentionModel(weights.heads, weights.hidden), sessionOpts),
      O.InferenceSession.create(buildQueryRowModel(weights.heads, weights.hidden), sessionOpts),
    ]);
    const scales = Float32Array.from(weights.layers, (w) => w.scale);
    const store = opts.spill ? WeightStore.spilled(weights, opts.spillDir) : WeightStore.inMemory(weights);
    return new AttentionRecompute(weights.heads, weights.hidden, scales, a, b, store);
  }

  get layers(): number {
    return this.scales.length;
  }

  /** Whether the weights are held in memory (false: in the temporary file). */
  get weightsInMemory(): boolean {
    return this.store.inMemory;
  }

  private feeds(l: number, x: FloatTensor, mask: ArrayLike<number>): Record<string, Ort.Tensor> {
    const O = ort();
    const { heads, hidden: H } = this;
    const d = H / heads;
    const w = this.store.layer(l);
    const [B, T] = x.dims;
    const m = mask instanceof Float32Array ? mask : Float32Array.from(mask);
    return {
      x: new O.Tensor('float32', x.data, x.dims),
      mask: new O.Tensor('float32', m, [B, T]),
      wq: new O.Tensor('float32', w.wq, [heads, H, d]), bq: new O.Tensor('float32', w.bq, [heads, 1, d]),
      wk: new O.Tensor('float32', w.wk, [heads, H, d]), bk: new O.Tensor('float32', w.bk, [heads, 1, d]),
      scale: new O.Tensor('float32', new Float32Array([this.scales[l]]), []),
    };
  }

  /** Layer l's probabilities [B, heads, T, T] from its input hidden state x [B, T, H]. */
  async layer(l: number, x: FloatTensor, mask: ArrayLike<number>): Promise<FloatTensor> {
    const out = await this.layerSession.run(this.feeds(l, x, mask));
    const t = out.probs as Ort.Tensor;
    return { data: t.data as Float32Array, dims: t.dims.map(Number) };
  }

  /**
   * The row of query `qpos` of every head of every layer, [L, heads, T], for sequence 0 of the inputs: either one
   * tensor [L, T, H] of the layers' input hidden states (no copy), or one [B, T, H] tensor per layer. One run for all
   * layers (a run per layer cost a thread-pool wake-up each: ≈ 1 ms per layer at 128 tokens).
   */
  async queryRows(inputs: FloatTensor | FloatTensor[], mask: ArrayLike<number>, qpos = 0): Promise<FloatTensor> {
    const O = ort();
    const L = this.layers, { heads, hidden: H } = this;
    const d = H / heads;
    let x: Float32Array, T: number;
    if (Array.isArray(inputs)) {
      T = inputs[0].dims[1];
      x = new Float32Array(L * T * H);
      for (let l = 0; l < L; l++) x.set(inputs[l].data.subarray(0, T * H), l * T * H);
    } else {
      T = inputs.dims[1];
      if (inputs.dims[0] < L || inputs.dims[2] !== H) throw new Error(`queryRows: expected [${L}, T, ${H}] inputs, got [${inputs.dims.join(', ')}]`);
      x = inputs.data.subarray(0, L * T * H);
    }
    const m1 = Float32Array.from({ length: T }, (_, t) => mask[t]);
    const m = new Float32Array(L * T);
    for (let l = 0; l < L; l++) m.set(m1, l * T);
    const st = this.store.all();
    const r = await this.rowSession.run({
      x: new O.Tensor('float32', x, [L, T, H]), mask: new O.Tensor('float32', m, [L, T]),
      qpos: new O.Tensor('int64', new BigInt64Array([BigInt(qpos)]), []),
      wq: new O.Tensor('float32', st.wq, [L, heads, H, d]), bq: new O.Tensor('float32', st.bq, [L, heads, 1, d]),
      wk: new O.Tensor('float32', st.wk, [L, heads, H, d]), bk: new O.Tensor('float32', st.bk, [L, heads, 1, d]),
      scale: new O.Tensor('float32', this.scales, [L, 1, 1, 1]),
    });
    const row = r.row as Ort.Tensor;
    return { data: row.data as Float32Array, dims: [L, heads, T] };
  }

  async dispose(): Promise<void> {
    this.store.dispose();
    await this.layerSession.release();
    await this.rowSession.release();
  }
}
