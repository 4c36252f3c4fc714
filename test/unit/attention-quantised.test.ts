// linearWeight (src/engine/runtime/attention.ts) on small hand-built graphs: the forms a projection's weight takes in
// quantised exports (onnxruntime quantize_dynamic's MatMulInteger path, DequantizeLinear → MatMul), dequantised as
// W = (Wq − zp)·scale, and the near misses it must refuse (the engine then exposes the graph's own attention).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AttributeType, TensorType, type NodeProto, type TensorProto } from '../../src/engine/onnx';
import { linearWeight } from '../../src/engine/runtime/attention';

const H = 3;
// Wq [3, 3], row-major (x·W: rows are inputs, columns outputs)
const Q = [[-5, 0, 7], [12, -128, 1], [3, 2, -1]];
const QU = [[0, 128, 255], [130, 1, 127], [128, 64, 200]];

type Graph = { producer: Map<string, NodeProto>; inits: Map<string, TensorProto> };

function tensor(name: string, dataType: number, dims: number[], values: number[]): TensorProto {
  const raw = dataType === TensorType.FLOAT ? new Uint8Array(Float32Array.from(values).buffer)
    : dataType === TensorType.INT8 ? new Uint8Array(Int8Array.from(values).buffer) : Uint8Array.from(values);
  return { name, dataType, dims, rawData: raw };
}
const node = (opType: string, input: string[], output: string[], attribute: NodeProto['attribute'] = []): NodeProto =>
  ({ name: `${opType}_${output[0]}`, opType, domain: '', input, output, attribute });
const castToFloat = (input: string, output: string) => node('Cast', [input], [output], [{ name: 'to', type: AttributeType.INT, i: BigInt(TensorType.FLOAT) }]);

function graph(nodes: NodeProto[], inits: TensorProto[]): Graph {
  const producer = new Map<string, NodeProto>();
  for (const n of nodes) for (const o of n.output) producer.set(o, n);
  return { producer, inits: new Map(inits.map((t) => [t.name, t])) };
}

interface Dyn {
  type: 'int8' | 'uint8'; q: number[][]; scale: number[]; zp?: number[];
  /** Mul(w_scale, x_scale) instead of Mul(x_scale, w_scale); Mul(scales, cast) instead of Mul(cast, scales). */
  swapScales?: boolean; swapOutput?: boolean;
  /** Break one link of the pattern. */
  xZeroPoint?: string; scaleInput?: string; castTo?: number; weightDims?: number[];
}

/** quantize_dynamic's MatMul: DynamicQuantizeLinear(x) → MatMulInteger → Cast → Mul(·, Mul(x_scale, w_scale)) → 'y'. */
function dynamicGraph(o: Dyn): Graph {
  const dt = o.type === 'int8' ? TensorType.INT8 : TensorType.UINT8;
  const pdims = (v: number[]) => (v.length === 1 ? [] : [v.length]);
  const inits = [tensor('Wq', dt, o.weightDims ?? [H, H], o.q.flat()), tensor('w_scale', TensorType.FLOAT, pdims(o.scale), o.scale)];
  if (o.zp) inits.push(tensor('w_zp', dt, pdims(o.zp), o.zp));
  const scales = [o.scaleInput ?? 'x_scale', 'w_scale'];
  const out = ['mm_float', 'scales'];
  return graph([
    node('DynamicQuantizeLinear', ['x'], ['x_q', 'x_scale', 'x_zp']),
    node('MatMulInteger', ['x_q', 'Wq', o.xZeroPoint ?? 'x_zp', ...(o.zp ? ['w_zp'] : [])], ['mm_int']),
    o.castTo === undefined ? castToFloat('mm_int', 'mm_float')
      : node('Cast', ['mm_int'], ['mm_float'], [{ name: 'to', type: AttributeType.INT, i: BigInt(o.castTo) }]),
    node('Mul', o.swapScales ? scales.reverse() : scales, ['scales']),
    node('Mul', o.swapOutput ? out.reverse() : out, ['y']),
  ], inits);
}

/** W[i][j] written out: (q − zp of column j)·(scale of column j). */
function expected(q: number[][], scale: number[], zp: number[] = [0]): number[] {
  const w: number[] = [];
  for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) w.push((q[i][j] - zp[zp.length === 1 ? 0 : j]) * scale[scale.length === 1 ? 0 : j]);
  return w;
}

function assertWeight(g: Graph, want: number[], storage: object): void {
  const lin = linearWeight(g, 'y', H);
  assert.ok(lin, 'recognised');
  assert.equal(lin.x, 'x', 'the weight multiplies the DynamicQuantizeLinear / MatMul input');
  assert.deepEqual(lin.storage, storage);
  const got = Array.from(lin.weight());
  assert.equal(got.length, H * H);
  got.forEach((v, k) => assert.ok(Math.abs(v - Math.fround(want[k])) <= 1e-6 * Math.max(1, Math.abs(want[k])), `W[${k}] ${v} vs ${want[k]}`));
}

test('MatMulInteger, int8 weight, scalar scale and zero point 0 (quantize_dynamic QInt8): W = Wq·s', () => {
  assertWeight(dynamicGraph({ type: 'int8', q: Q, scale: [0.02], zp: [0] }), expected(Q, [0.02]), { kind: 'dynamic', type: 'int8', perChannel: false });
  // one value by hand: Wq[1][1] = −128 → −2.56
  const w = linearWeight(dynamicGraph({ type: 'int8', q: Q, scale: [0.02], zp: [0] }), 'y', H)!.weight();
  assert.ok(Math.abs(w[4] - -2.56) < 1e-6);
});

test('MatMulInteger, int8 weight with a non-zero scalar zero point, and no zero point at all (= 0)', () => {
  assertWeight(dynamicGraph({ type: 'int8', q: Q, scale: [0.5], zp: [-3] }), expected(Q, [0.5], [-3]), { kind: 'dynamic', type: 'int8', perChannel: false });
  assertWeight(dynamicGraph({ type: 'int8', q: Q, scale: [0.5] }), expected(Q, [0.5]), { kind: 'dynamic', type: 'int8', perChannel: false });
});

test('MatMulInteger, uint8 weight with zero point 128 (quantize_dynamic QUInt8, what Xenova files hold), either operand order at both Muls', () => {
  const want = expected(QU, [0.01], [128]);
  assert.equal(want[0], -1.28);
  for (const swapScales of [false, true]) {
    for (const swapOutput of [false, true]) {
      assertWeight(dynamicGraph({ type: 'uint8', q: QU, scale: [0.01], zp: [128], swapScales, swapOutput }), want, { kind: 'dynamic', type: 'uint8', perChannel: false });
    }
  }
});

test('MatMulInteger per channel: a scale and a zero point per output column', () => {
  const scale = [0.1, 0.02, 0.5], zp = [128, 0, 255];
  const want = expected(QU, scale, zp);
  assert.ok(Math.abs(want[2] - 0) < 1e-9 && Math.abs(want[3] - 0.2) < 1e-6, 'W[0][2] = (255 − 255)·0.5, W[1][0] = (130 − 128)·0.1');
  assertWeight(dynamicGraph({ type: 'uint8', q: QU, scale, zp }), want, { kind: 'dynamic', type: 'uint8', perChannel: true });
  // per-channel scale with a scalar zero point (int8 symmetric per channel)
  assertWeight(dynamicGraph({ type: 'int8', q: Q, scale, zp: [0] }), expected(Q, scale), { kind: 'dynamic', type: 'int8', perChannel: true });
});

test('MatMulInteger near misses are refused (null), so the engine falls back to the graph\'s own attention', () => {
  const base: Dyn = { type: 'uint8', q: QU, scale: [0.01], zp: [128] };
  assert.ok(linearWeight(dynamicGraph(base), 'y', H));
  // the activation's zero point is not DynamicQuantizeLinear's
  assert.equal(linearWeight(dynamicGraph({ ...base, xZeroPoint: 'other_zp' }), 'y', H), null);
  // the scale product does not include the activation's scale
  assert.equal(linearWeight(dynamicGraph({ ...base, scaleInput: 'other_scale' }), 'y', H), null);
  // the integer product is not cast to float
  assert.equal(linearWeight(dynamicGraph({ ...base, castTo: TensorType.INT32 }), 'y', H), null);
  // a weight that is not [H, H]
  assert.equal(linearWeight(dynamicGraph({ ...base, q: [[1, 2, 3, 4, 5, 6]], weightDims: [1, 6] }), 'y', H), null);
  // a scale with neither 1 nor H values
  assert.equal(linearWeight(dynamicGraph({ ...base, scale: [0.1, 0.2] }), 'y', H), null);
  // the wrong hidden size
  assert.equal(linearWeight(dynamicGraph(base), 'y', H + 1), null);
});

test('int8 initializer stored in int32_data (not raw bytes) reads the same', () => {
  const g = dynamicGraph({ type: 'int8', q: Q, scale: [0.02], zp: [0] });
  const w = g.inits.get('Wq')!;
  g.inits.set('Wq', { name: 'Wq', dataType: TensorType.INT8, dims: w.dims, int32Data: Q.flat() });
  assertWeight(g, expected(Q, [0.02]), { kind: 'dynamic', type: 'int8', perChannel: false });
});

function dequantizeGraph(type: 'int8' | 'uint8', q: number[][], scale: number[], zp: number[] | null, axis?: number): Graph {
  const dt = type === 'int8' ? TensorType.INT8 : TensorType.UINT8;
  const pdims = (v: number[]) => (v.length === 1 ? [] : [v.length]);
  const inits = [tensor('Wq', dt, [H, H], q.flat()), tensor('s', TensorType.FLOAT, pdims(scale), scale)];
  if (zp) inits.push(tensor('zp', dt, pdims(zp), zp));
  return graph([
    node('DequantizeLinear', ['Wq', 's', ...(zp ? ['zp'] : [])], ['W'], axis === undefined ? [] : [{ name: 'axis', type: AttributeType.INT, i: BigInt(axis) }]),
    node('MatMul', ['x', 'W'], ['y']),
  ], inits);
}

test('DequantizeLinear → MatMul: per tensor, per axis 1 (columns), per axis 0 (rows), zero point optional', () => {
  assertWeight(dequantizeGraph('uint8', QU, [0.01], [128]), expected(QU, [0.01], [128]), { kind: 'dequantize', type: 'uint8', perChannel: false });
  assertWeight(dequantizeGraph('int8', Q, [0.25], null), expected(Q, [0.25]), { kind: 'dequantize', type: 'int8', perChannel: false });
  const scale = [0.1, 0.02, 0.5], zp = [128, 0, 255];
  assertWeight(dequantizeGraph('uint8', QU, scale, zp), expected(QU, scale, zp), { kind: 'dequantize', type: 'uint8', perChannel: true });
  assertWeight(dequantizeGraph('uint8', QU, scale, zp, -1), expected(QU, scale, zp), { kind: 'dequantize', type: 'uint8', perChannel: true });
  // axis 0: the parameters run along the input rows, W[i][j] = (q − zp_i)·s_i
  const rows: number[] = [];
  for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) rows.push((QU[i][j] - zp[i]) * scale[i]);
  assertWeight(dequantizeGraph('uint8', QU, scale, zp, 0), rows, { kind: 'dequantize', type: 'uint8', perChannel: true });
});

test('plain fp32 MatMul: the initializer itself', () => {
  const w = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((v) => v / 8);
  assertWeight(graph([node('MatMul', ['x', 'W'], ['y'])], [tensor('W', TensorType.FLOAT, [H, H], w)]), w, { kind: 'fp32', type: 'float32', perChannel: false });
  // an int8 weight fed to a plain MatMul directly is not a float product
  assert.equal(linearWeight(graph([node('MatMul', ['x', 'W'], ['y'])], [tensor('W', TensorType.INT8, [H, H], Q.flat())]), 'y', H), null);
});
