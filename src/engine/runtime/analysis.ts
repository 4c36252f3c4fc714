// Attention analysis on onnxruntime: the measures of attention.ts (shares, self, entropy, rollout) as small ONNX
// graphs built once per model (one layer's measures; the rollout over all layers), so the O(L·heads·T²) reductions and the O(L·T³) rollout run in optimised,
// multi-threaded kernels instead of JavaScript loops (≈ 6 s in JS at 512 tokens for MiniLM). attention.ts stays the
// readable reference that the tests compare this against.
import type * as Ort from 'onnxruntime-node';
import { ort, sessionOptionsFor } from './ort';
import { encodeModel, TensorType, type AttributeProto, type ModelProto, type NodeProto, type TensorProto } from '../onnx';
import type { AttentionAnalysis, FloatTensor } from '../../shared/types';
import type { TokenClasses } from '../compute/attention';

const ints = (name: string, v: number[]): AttributeProto => ({ name, type: 7, ints: v.map(BigInt) });
const int = (name: string, v: number): AttributeProto => ({ name, type: 2, i: BigInt(v) });
const i64 = (name: string, v: number[], dims = [v.length]): TensorProto => {
  const raw = new Uint8Array(v.length * 8);
  const dv = new DataView(raw.buffer);
  v.forEach((x, i) => dv.setBigInt64(i * 8, BigInt(x), true));
  return { name, dataType: TensorType.INT64, dims, rawData: raw };
};
const f32 = (name: string, v: number): TensorProto => {
  const raw = new Uint8Array(4);
  new DataView(raw.buffer).setFloat32(0, v, true);
  return { name, dataType: TensorType.FLOAT, dims: [], rawData: raw };
};

/**
 * Inputs: attn [L, heads, T, T], classes [T, 3] (1 where a key is [CLS] / [SEP] / punctuation), eye [T, T].
 * Outputs: shares [L, heads, 3], entropy [L, heads], rollout [L, T, T]. (The diagonal share is a strided read: JavaScript.)
 */
export function buildAnalysisModel(L: number): Uint8Array {
  const nodes: NodeProto[] = [];
  let k = 0;
  const n = (opType: string, input: string[], attribute: AttributeProto[] = [], output = `t${k++}`): string => {
    nodes.push({ name: `${opType}_${k}`, opType, domain: '', input, output: [output], attribute });
    return output;
  };
  const inits: TensorProto[] = [i64('ax3', [3]), i64('ax2', [2]), i64('ax0', [0]), f32('half', 0.5), f32('tiny', 1e-30)];
  // shares to classes: mean over queries of attn · classes
  n('ReduceMean', [n('MatMul', ['attn', 'classes'])], [ints('axes', [2]), int('keepdims', 0)], 'shares');
  // entropy: mean over queries of −Σ p·log p (p = 0 contributes 0)
  const plogp = n('Mul', ['attn', n('Log', [n('Max', ['attn', 'tiny'])])]);
  n('ReduceMean', [n('Neg', [n('ReduceSum', [plogp, 'ax3'], [int('keepdims', 0)])])], [ints('axes', [2]), int('keepdims', 0)], 'entropy');
  // rollout: Â = norm(0.5·mean_h(A) + 0.5·I); R_1 = Â_1, R_l = Â_l · R_{l−1}
  const hat0 = n('Add', [n('Mul', [n('ReduceMean', ['attn'], [ints('axes', [1]), int('keepdims', 0)]), 'half']), n('Mul', ['eye', 'half'])]);
  const hat = n('Div', [hat0, n('ReduceSum', [hat0, 'ax2'], [int('keepdims', 1)])]);
  const rs: string[] = [];
  let prev = '';
  for (let l = 0; l < L; l++) {
    inits.push(i64(`l${l}`, [l], []));
    const a = n('Gather', [hat, `l${l}`], [int('axis', 0)]);
    prev = l === 0 ? a : n('MatMul', [a, prev]);
    rs.push(n('Unsqueeze', [prev, 'ax0']));
  }
  n('Concat', rs, [int('axis', 0)], 'rollout');
  const f = (name: string, shape: (number | string)[]) => ({ name, elemType: TensorType.FLOAT, shape });
  const model: ModelProto = {
    irVersion: 8, producerName: 'cls-lens', producerVersion: '1', domain: '', modelVersion: 1, docString: 'CLS Lens attention analysis',
    opsetImport: [{ domain: '', version: 13 }], metadataProps: [],
    graph: {
      name: 'cls_lens_analysis', node: nodes, initializer: inits, valueInfo: [],
      input: [f('attn', [L, 'heads', 'T', 'T']), f('classes', ['T', 3]), f('eye', ['T', 'T'])],
      output: [f('shares', [L, 'heads', 3]), f('entropy', [L, 'heads']), f('rollout', [L, 'T', 'T'])],
    },
  };
  return encodeModel(model);
}

/** Input hat [L, T, T] (each layer's Â) → rollout [L, T, T]: R_1 = Â_1, R_l = Â_l · R_{l−1}. */
export function buildRolloutModel(L: number): Uint8Array {
  const nodes: NodeProto[] = [];
  let k = 0;
  const n = (opType: string, input: string[], attribute: AttributeProto[] = [], output = `t${k++}`): string => {
    nodes.push({ name: `${opType}_${k}`, opType, domain: '', input, output: [output], attribute });
    return output;
  };
  const inits: TensorProto[] = [i64('ax0', [0])];
  const rs: string[] = [];
  let prev = '';
  for (let l = 0; l < L; l++) {
    inits.push(i64(`l${l}`, [l], []));
    const a = n('Gather', ['hat', `l${l}`], [int('axis', 0)]);
    prev = l === 0 ? a : n('MatMul', [a, prev]);
    rs.push(n('Unsqueeze', [prev, 'ax0']));
  }
  n('Concat', rs, [int('axis', 0)], 'rollout');
  const f = (name: string, shape: (number | string)[]) => ({ name, elemType: TensorType.FLOAT, shape });
  return encodeModel({
    irVersion: 8, producerName: 'cls-lens', producerVersion: '1', domain: '', modelVersion: 1, docString: 'CLS Lens attention rollout',
    opsetImport: [{ domain: '', version: 13 }], metadataProps: [],
    graph: { name: 'cls_lens_rollout', node: nodes, initializer: inits, valueInfo: [], input: [f('hat', [L, 'T', 'T'])], output: [f('rollout', [L, 'T', 'T'])] },
  });
}

/**
 * The analysis one layer at a time: the per-layer graph (buildAnalysisModel(1): shares, entropy and the layer's Â)
 * over each layer's [heads, T, T] as it is read or recomputed, then the rollout graph over the L matrices Â. Memory
 * stays near one layer's attention (12.6 MB for BERT-base at 512 tokens) instead of all of them and their
 * intermediates (≈ 0.6 GB). No memory arena: the buffers go back after each request.
 */
export class AnalysisSession {
  private constructor(private readonly layerSession: Ort.InferenceSession, private readonly rolloutSession: Ort.InferenceSession, readonly layers: number) {}

  static async create(layers: number, threads?: number): Promise<AnalysisSession> {
    const O = ort();
    const opts = sessionOptionsFor(threads, { arena: false });
    return new AnalysisSession(
      await O.InferenceSession.create(buildAnalysisModel(1), opts),
      await O.InferenceSession.create(buildRolloutModel(layers), opts),
      layers);
  }

  /** Everything of AttentionAnalysis for one sequence's attentions [L, heads, T, T]. */
  async analyse(attn: FloatTensor, classes: TokenClasses): Promise<AttentionAnalysis> {
    const [L, Hd, T] = attn.dims as [number, number, number, number];
    const per = Hd * T * T;
    return this.analyseLayers(L, async (l) => ({ data: attn.data.subarray(l * per, (l + 1) * per), dims: [Hd, T, T] }), classes);
  }

  /** Everything of AttentionAnalysis, reading each layer's [heads, T, T] from `layer` in turn. */
  async analyseLayers(L: number, layer: (l: number) => Promise<FloatTensor>, classes: TokenClasses): Promise<AttentionAnalysis> {
    const O = ort();
    let T = 0, Hd = 0;
    let cls: Float32Array | null = null, eye: Float32Array | null = null;
    let clsRow = new Float32Array(0), self = new Float32Array(0), toCls = new Float32Array(0), toSep = new Float32Array(0);
    let toPunct = new Float32Array(0), entropy = new Float32Array(0), hat = new Float32Array(0);
    // the [CLS] row (query = first [CLS], or position 0)
    const q = Math.max(0, classes.cls.indexOf(1));
    for (let l = 0; l < L; l++) {
      const a = await layer(l);
      if (l === 0) {
        [Hd, T] = a.dims as [number, number, number];
        cls = new Float32Array(T * 3);
        for (let t = 0; t < T; t++) { cls[t * 3] = classes.cls[t]; cls[t * 3 + 1] = classes.sep[t]; cls[t * 3 + 2] = classes.punct[t]; }
        eye = new Float32Array(T * T);
        for (let t = 0; t < T; t++) eye[t * T + t] = 1;
        clsRow = new Float32Array(L * Hd * T); self = new Float32Array(L * Hd);
        toCls = new Float32Array(L * Hd); toSep = new Float32Array(L * Hd); toPunct = new Float32Array(L * Hd); entropy = new Float32Array(L * Hd);
        hat = new Float32Array(L * T * T);
      }
      const out = await this.layerSession.run({
        attn: new O.Tensor('float32', a.data, [1, Hd, T, T]),
        classes: new O.Tensor('float32', cls!, [T, 3]),
        eye: new O.Tensor('float32', eye!, [T, T]),
      });
      const shares = out.shares.data as Float32Array;
      for (let h = 0; h < Hd; h++) {
        const lh = l * Hd + h;
        toCls[lh] = shares[h * 3]; toSep[lh] = shares[h * 3 + 1]; toPunct[lh] = shares[h * 3 + 2];
        const base = h * T * T;
        clsRow.set(a.data.subarray(base + q * T, base + q * T + T), lh * T);
        let d = 0;
        for (let t = 0; t < T; t++) d += a.data[base + t * T + t];
        self[lh] = d / T;
      }
      entropy.set(out.entropy.data as Float32Array, l * Hd);
      hat.set(out.rollout.data as Float32Array, l * T * T);
    }
    const r = await this.rolloutSession.run({ hat: new O.Tensor('float32', hat, [L, T, T]) });
    const lh = (data: Float32Array): FloatTensor => ({ data, dims: [L, Hd] });
    return {
      clsRow: { data: clsRow, dims: [L, Hd, T] },
      toCls: lh(toCls), toSep: lh(toSep), toPunct: lh(toPunct), toSelf: lh(self), entropy: lh(entropy),
      rollout: { data: r.rollout.data as Float32Array, dims: [L, T, T] },
    };
  }

  async dispose(): Promise<void> {
    await this.layerSession.release();
    await this.rolloutSession.release();
  }
}
