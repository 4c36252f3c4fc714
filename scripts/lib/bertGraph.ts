// BERT-family encoders as ONNX graphs shaped like torch.onnx.export / optimum output at opset 14, and their
// parameters under Hugging Face state-dict names.
//
// The graph is returned without tensor data: each initializer names the HF parameters it is made from and a
// function that builds its bytes (a transposed Linear weight, a packed QKV weight, a constant), so the caller can
// generate, write and drop one parameter at a time.
//
// Position ids:
//  - bert, distilbert: 0 … T-1, a Slice of the `embeddings.position_ids` buffer [1, max_position_embeddings].
//  - roberta: exactly what transformers' `create_position_ids_from_input_ids` does: positions count the non-pad
//    tokens, cumsum(input_ids != pad) * (input_ids != pad) + pad_token_id, so real tokens start at pad_token_id + 1
//    = 2 and pad tokens get pad_token_id (whose embedding row is zero). max_position_embeddings is therefore
//    model_max_length + 2 for roberta, as in roberta-base (514 for 512 tokens).
import { AttributeType, TensorType, type AttributeProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from '../../src/engine/onnx';
import { Rng } from './rng';

export type Arch = 'bert' | 'distilbert' | 'roberta';
export type Preset = 'tiny' | 'mini' | 'minilm' | 'bert-base';
export type Variant = 'stock' | 'native' | 'fused';

export const ARCHS: readonly Arch[] = ['bert', 'distilbert', 'roberta'];
export const PRESETS: readonly Preset[] = ['tiny', 'mini', 'minilm', 'bert-base'];
export const VARIANTS: readonly Variant[] = ['stock', 'native', 'fused'];

export const PRESET_SIZES: Record<Preset, { layers: number; heads: number; hidden: number; intermediate: number; maxTokens: number }> = {
  tiny: { layers: 2, heads: 4, hidden: 32, intermediate: 64, maxTokens: 40 },
  // the demo model: BERT-mini's shape (Turc et al. 2019), small enough to generate in a second and run instantly
  mini: { layers: 4, heads: 4, hidden: 256, intermediate: 1024, maxTokens: 512 },
  minilm: { layers: 6, heads: 12, hidden: 384, intermediate: 1536, maxTokens: 512 },
  'bert-base': { layers: 12, heads: 12, hidden: 768, intermediate: 3072, maxTokens: 512 },
};

export interface ArchConfig {
  arch: Arch;
  layers: number;
  heads: number;
  hidden: number;
  intermediate: number;
  /** Tokens the model accepts (tokenizer model_max_length). */
  maxTokens: number;
  /** Rows of the position embedding table: maxTokens, or maxTokens + 2 for roberta. */
  maxPositions: number;
  vocabSize: number;
  /** 0 for distilbert (no token type embeddings). */
  typeVocabSize: number;
  padTokenId: number;
  layerNormEps: number;
}

export function archConfig(arch: Arch, preset: Preset, vocabSize: number, padTokenId: number): ArchConfig {
  const p = PRESET_SIZES[preset];
  return {
    arch, layers: p.layers, heads: p.heads, hidden: p.hidden, intermediate: p.intermediate, maxTokens: p.maxTokens,
    maxPositions: arch === 'roberta' ? p.maxTokens + padTokenId + 1 : p.maxTokens,
    vocabSize,
    typeVocabSize: arch === 'bert' ? 2 : arch === 'roberta' ? 1 : 0,
    padTokenId,
    layerNormEps: arch === 'roberta' ? 1e-5 : 1e-12,
  };
}

// ───────────────────────────── parameters ─────────────────────────────

/**
 * How a parameter is initialised. Embeddings use N(0, 0.02) (transformers' initializer_range) with the padding
 * row zeroed as nn.Embedding(padding_idx) does. Linear weights use N(0, 1/fan_in), so every sub-layer visibly
 * changes the residual stream; query and key use N(0, 3/hidden), so attention logits have a standard deviation
 * near 3 and heads attend to a few tokens. (Plain N(0, 0.02) everywhere, as transformers initialises an untrained
 * model, gives near-uniform attention and near-identical layers, which would make attention tests vacuous.)
 * Biases and LayerNorm betas are N(0, 0.02); LayerNorm gammas 1 + N(0, 0.05).
 */
export type InitKind = 'embedding' | 'dense' | 'query_key' | 'bias' | 'ln_weight' | 'ln_bias';

export interface ParamSpec {
  /** Hugging Face state-dict name (as saved by `BertModel.save_pretrained`, without a `bert.` prefix). */
  name: string;
  /** PyTorch layout: Linear weights are [out, in]. */
  shape: number[];
  init: InitKind;
  zeroRow?: number;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Parameters in the order `state_dict()` lists them. */
export function hfParams(c: ArchConfig, opts: { mlmHead?: boolean } = {}): ParamSpec[] {
  const H = c.hidden;
  const I = c.intermediate;
  const ps: ParamSpec[] = [];
  const lin = (prefix: string, out: number, inp: number, init: InitKind = 'dense') => {
    ps.push({ name: `${prefix}.weight`, shape: [out, inp], init });
    ps.push({ name: `${prefix}.bias`, shape: [out], init: 'bias' });
  };
  const ln = (prefix: string) => {
    ps.push({ name: `${prefix}.weight`, shape: [H], init: 'ln_weight' });
    ps.push({ name: `${prefix}.bias`, shape: [H], init: 'ln_bias' });
  };
  ps.push({ name: 'embeddings.word_embeddings.weight', shape: [c.vocabSize, H], init: 'embedding', zeroRow: c.padTokenId });
  if (c.arch === 'distilbert') {
    ps.push({ name: 'embeddings.position_embeddings.weight', shape: [c.maxPositions, H], init: 'embedding' });
    ln('embeddings.LayerNorm');
    for (let i = 0; i < c.layers; i++) {
      const p = `transformer.layer.${i}`;
      lin(`${p}.attention.q_lin`, H, H, 'query_key');
      lin(`${p}.attention.k_lin`, H, H, 'query_key');
      lin(`${p}.attention.v_lin`, H, H);
      lin(`${p}.attention.out_lin`, H, H);
      ln(`${p}.sa_layer_norm`);
      lin(`${p}.ffn.lin1`, I, H);
      lin(`${p}.ffn.lin2`, H, I);
      ln(`${p}.output_layer_norm`);
    }
    return ps;
  }
  const positionPad = c.arch === 'roberta' ? c.padTokenId : undefined;
  ps.push({ name: 'embeddings.position_embeddings.weight', shape: [c.maxPositions, H], init: 'embedding', zeroRow: positionPad });
  ps.push({ name: 'embeddings.token_type_embeddings.weight', shape: [c.typeVocabSize, H], init: 'embedding' });
  ln('embeddings.LayerNorm');
  for (let i = 0; i < c.layers; i++) {
    const p = `encoder.layer.${i}`;
    lin(`${p}.attention.self.query`, H, H, 'query_key');
    lin(`${p}.attention.self.key`, H, H, 'query_key');
    lin(`${p}.attention.self.value`, H, H);
    lin(`${p}.attention.output.dense`, H, H);
    ln(`${p}.attention.output.LayerNorm`);
    lin(`${p}.intermediate.dense`, I, H);
    lin(`${p}.output.dense`, H, I);
    ln(`${p}.output.LayerNorm`);
  }
  lin('pooler.dense', H, H);
  if (opts.mlmHead) {
    // BertForMaskedLM's head (its decoder weight is tied to the word embeddings)
    lin('cls.predictions.transform.dense', H, H);
    ln('cls.predictions.transform.LayerNorm');
    ps.push({ name: 'cls.predictions.bias', shape: [c.vocabSize], init: 'bias' });
  }
  return ps;
}

/** The parameter's values: a pure function of (seed, name, shape, init), whatever order parameters are made in. */
export function generateParam(spec: ParamSpec, seed: number, c: ArchConfig): Float32Array {
  const out = new Float32Array(numel(spec.shape));
  const rng = Rng.forTensor(seed, spec.name);
  switch (spec.init) {
    case 'embedding': rng.fillNormal(out, 0, 0.02); break;
    case 'dense': rng.fillNormal(out, 0, 1 / Math.sqrt(spec.shape[1])); break;
    case 'query_key': rng.fillNormal(out, 0, Math.sqrt(3 / c.hidden)); break;
    case 'bias': rng.fillNormal(out, 0, 0.02); break;
    case 'ln_weight': rng.fillNormal(out, 1, 0.05); break;
    case 'ln_bias': rng.fillNormal(out, 0, 0.02); break;
  }
  if (spec.zeroRow !== undefined) {
    const w = spec.shape[1];
    out.fill(0, spec.zeroRow * w, (spec.zeroRow + 1) * w);
  }
  return out;
}

// ───────────────────────────── ONNX graph ─────────────────────────────

/** An initializer whose bytes are built on demand from HF parameters (or from nothing, for constants). */
export interface LazyInitializer {
  name: string;
  dataType: number;
  dims: number[];
  byteLength: number;
  sources: string[];
  build: (sources: Float32Array[]) => Uint8Array;
}

export interface BertOnnx {
  /** The model with `graph.initializer` empty: the initializers are in `initializers`, in file order. */
  model: ModelProto;
  initializers: LazyInitializer[];
  inputs: string[];
  outputs: string[];
}

const F32_MIN = -3.4028234663852886e38;

function bytesOf(a: Float32Array | BigInt64Array | Int32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** [rows, cols] → [cols, rows]. */
export function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  const B = 32; // blocked for cache locality
  for (let r0 = 0; r0 < rows; r0 += B) {
    const r1 = Math.min(rows, r0 + B);
    for (let c0 = 0; c0 < cols; c0 += B) {
      const c1 = Math.min(cols, c0 + B);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) t[c * rows + r] = w[r * cols + c];
    }
  }
  return t;
}

const attrInt = (name: string, i: number): AttributeProto => ({ name, type: AttributeType.INT, i: BigInt(i) });
const attrInts = (name: string, v: number[]): AttributeProto => ({ name, type: AttributeType.INTS, ints: v.map(BigInt) });

class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: LazyInitializer[] = [];
  private readonly counters = new Map<string, number>();
  private readonly params = new Set<string>();
  private nextId = 1000;

  constructor(private readonly hf: Map<string, ParamSpec>) {}

  /** A node named as torch names them (`/scope/OpType`, `/scope/OpType_1`, …); returns its output. */
  node(scope: string, opType: string, inputs: string[], opts: { attrs?: AttributeProto[]; output?: string; domain?: string } = {}): string {
    const key = `${scope}/${opType}`;
    const k = this.counters.get(key) ?? 0;
    this.counters.set(key, k + 1);
    const name = k === 0 ? key : `${key}_${k}`;
    const output = opts.output ?? `${name}_output_0`;
    this.nodes.push({ name, opType, domain: opts.domain ?? '', input: inputs, output: [output], attribute: opts.attrs ?? [] });
    return output;
  }

  private constant(scope: string, t: TensorProto): string {
    return this.node(scope, 'Constant', [], { attrs: [{ name: 'value', type: AttributeType.TENSOR, t }] });
  }
  floatConst(scope: string, v: number): string {
    return this.constant(scope, { name: '', dataType: TensorType.FLOAT, dims: [], rawData: bytesOf(Float32Array.of(v)) });
  }
  /** int64 constant: a scalar when `dims` is [], else a vector. */
  intConst(scope: string, v: number[], dims: number[] = [v.length]): string {
    return this.constant(scope, { name: '', dataType: TensorType.INT64, dims, rawData: bytesOf(BigInt64Array.from(v.map(BigInt))) });
  }

  /** An HF parameter used as it is (embedding tables, biases, LayerNorm weights): the initializer keeps its name. */
  param(name: string): string {
    const spec = this.hf.get(name);
    if (!spec) throw new Error(`no parameter ${name}`);
    if (!this.params.has(name)) {
      this.params.add(name);
      this.initializers.push({
        name, dataType: TensorType.FLOAT, dims: spec.shape, byteLength: numel(spec.shape) * 4, sources: [name],
        build: ([w]) => bytesOf(w),
      });
    }
    return name;
  }

  /** A Linear layer as torch exports it for 3-D input: MatMul by the transposed weight (`onnx::MatMul_N`), then Add(bias, ·). */
  linear(scope: string, x: string, prefix: string, opts: { output?: string } = {}): string {
    const spec = this.hf.get(`${prefix}.weight`);
    if (!spec) throw new Error(`no parameter ${prefix}.weight`);
    const [out, inp] = spec.shape;
    const w = `onnx::MatMul_${this.nextId++}`;
    this.initializers.push({
      name: w, dataType: TensorType.FLOAT, dims: [inp, out], byteLength: out * inp * 4, sources: [spec.name],
      build: ([src]) => bytesOf(transpose(src, out, inp)),
    });
    const mm = this.node(scope, 'MatMul', [x, w]);
    return this.node(scope, 'Add', [this.param(`${prefix}.bias`), mm], opts);
  }

  /** Q, K and V weights packed as com.microsoft.Attention wants them: weight [H, 3H], bias [3H]. */
  packedQkv(prefixes: [string, string, string], hidden: number): { weight: string; bias: string } {
    const weight = `onnx::Attention_${this.nextId++}`;
    const bias = `onnx::Attention_${this.nextId++}`;
    const H = hidden;
    this.initializers.push({
      name: weight, dataType: TensorType.FLOAT, dims: [H, 3 * H], byteLength: 3 * H * H * 4, sources: prefixes.map((p) => `${p}.weight`),
      build: (ws) => {
        const packed = new Float32Array(3 * H * H);
        ws.forEach((w, part) => {
          for (let o = 0; o < H; o++) for (let i = 0; i < H; i++) packed[i * 3 * H + part * H + o] = w[o * H + i];
        });
        return bytesOf(packed);
      },
    });
    this.initializers.push({
      name: bias, dataType: TensorType.FLOAT, dims: [3 * H], byteLength: 3 * H * 4, sources: prefixes.map((p) => `${p}.bias`),
      build: (bs) => {
        const packed = new Float32Array(3 * H);
        bs.forEach((b, part) => packed.set(b, part * H));
        return bytesOf(packed);
      },
    });
    return { weight, bias };
  }

  /** An int64 initializer that is not a parameter (a buffer such as position_ids). */
  buffer(name: string, values: BigInt64Array, dims: number[]): string {
    this.initializers.push({ name, dataType: TensorType.INT64, dims, byteLength: values.byteLength, sources: [], build: () => bytesOf(values) });
    return name;
  }

  /**
   * LayerNorm as torch decomposes it below opset 17. `reciprocal` multiplies by 1/√(var+ε) instead of dividing (the
   * same numbers), so that the engine's search for the encoder's LayerNorms does not count this one.
   */
  layerNorm(scope: string, x: string, prefix: string, eps: number, output?: string, reciprocal = false): string {
    const mean = this.node(scope, 'ReduceMean', [x], { attrs: [attrInts('axes', [-1])] });
    const sub = this.node(scope, 'Sub', [x, mean]);
    const pow = this.node(scope, 'Pow', [sub, this.floatConst(scope, 2)]);
    const variance = this.node(scope, 'ReduceMean', [pow], { attrs: [attrInts('axes', [-1])] });
    const add = this.node(scope, 'Add', [variance, this.floatConst(scope, eps)]);
    const sqrt = this.node(scope, 'Sqrt', [add]);
    const div = reciprocal ? this.node(scope, 'Mul', [sub, this.node(scope, 'Reciprocal', [sqrt])]) : this.node(scope, 'Div', [sub, sqrt]);
    const mul = this.node(scope, 'Mul', [div, this.param(`${prefix}.weight`)]);
    return this.node(scope, 'Add', [mul, this.param(`${prefix}.bias`)], { output });
  }

  /** Exact GELU: x · 0.5 · (1 + erf(x / √2)). */
  gelu(scope: string, x: string): string {
    const div = this.node(scope, 'Div', [x, this.floatConst(scope, Math.SQRT2)]);
    const erf = this.node(scope, 'Erf', [div]);
    const add = this.node(scope, 'Add', [erf, this.floatConst(scope, 1)]);
    const mul = this.node(scope, 'Mul', [x, add]);
    return this.node(scope, 'Mul', [mul, this.floatConst(scope, 0.5)]);
  }
}

const BATCH = 'batch_size';
const SEQ = 'sequence_length';

export function buildBertOnnx(c: ArchConfig, variant: Variant, opts: { mlmHead?: boolean } = {}): BertOnnx {
  if (opts.mlmHead && c.arch !== 'bert') throw new Error(`the masked-LM head is made for bert only (got ${c.arch})`);
  const hf = new Map(hfParams(c, opts).map((p) => [p.name, p]));
  const g = new GraphBuilder(hf);
  const H = c.hidden;
  const heads = c.heads;
  const d = H / heads;
  if (!Number.isInteger(d)) throw new Error(`hidden ${H} is not a multiple of heads ${heads}`);
  const native = variant === 'native';
  const fused = variant === 'fused';
  const L = c.layers;
  const distil = c.arch === 'distilbert';

  const inputs = distil ? ['input_ids', 'attention_mask'] : ['input_ids', 'attention_mask', 'token_type_ids'];

  // attention mask, once for all layers
  let extendedMask = '';
  let maskIndex = '';
  if (fused) {
    maskIndex = g.node('', 'Cast', ['attention_mask'], { attrs: [attrInt('to', TensorType.INT32)] });
  } else if (!distil) {
    const u1 = g.node('', 'Unsqueeze', ['attention_mask', g.intConst('', [1])]);
    const u2 = g.node('', 'Unsqueeze', [u1, g.intConst('', [2])]);
    const cast = g.node('', 'Cast', [u2], { attrs: [attrInt('to', TensorType.FLOAT)] });
    const inv = g.node('', 'Sub', [g.floatConst('', 1), cast]);
    extendedMask = g.node('', 'Mul', [inv, g.floatConst('', F32_MIN)]);
  }

  // embeddings
  const E = '/embeddings';
  let positionIds: string;
  if (c.arch === 'roberta') {
    const eq = g.node(E, 'Equal', ['input_ids', g.intConst(E, [c.padTokenId], [])]);
    const notPad = g.node(E, 'Not', [eq]);
    const mask = g.node(E, 'Cast', [notPad], { attrs: [attrInt('to', TensorType.INT32)] });
    const cum = g.node(E, 'CumSum', [mask, g.intConst(E, [1], [])]);
    const masked = g.node(E, 'Mul', [cum, mask]);
    const long = g.node(E, 'Cast', [masked], { attrs: [attrInt('to', TensorType.INT64)] });
    positionIds = g.node(E, 'Add', [long, g.intConst(E, [c.padTokenId], [])]);
  } else {
    const shape = g.node(E, 'Shape', ['input_ids']);
    const seq = g.node(E, 'Gather', [shape, g.intConst(E, [1], [])], { attrs: [attrInt('axis', 0)] });
    const end = g.node(E, 'Unsqueeze', [seq, g.intConst(E, [0])]);
    const buf = g.buffer('embeddings.position_ids', BigInt64Array.from({ length: c.maxPositions }, (_, i) => BigInt(i)), [1, c.maxPositions]);
    positionIds = g.node(E, 'Slice', [buf, g.intConst(E, [0]), end, g.intConst(E, [1])]);
  }
  const words = g.node(`${E}/word_embeddings`, 'Gather', [g.param('embeddings.word_embeddings.weight'), 'input_ids']);
  let emb = words;
  if (!distil) {
    const types = g.node(`${E}/token_type_embeddings`, 'Gather', [g.param('embeddings.token_type_embeddings.weight'), 'token_type_ids']);
    emb = g.node(E, 'Add', [words, types]);
  }
  const positions = g.node(`${E}/position_embeddings`, 'Gather', [g.param('embeddings.position_embeddings.weight'), positionIds]);
  emb = g.node(E, 'Add', [emb, positions]);
  let x = g.layerNorm(`${E}/LayerNorm`, emb, 'embeddings.LayerNorm', c.layerNormEps, native ? 'hidden_states.0' : undefined);

  for (let i = 0; i < L; i++) {
    const last = i === L - 1;
    const layerOut = last ? 'last_hidden_state' : native ? `hidden_states.${i + 1}` : undefined;
    const attnOut = native ? `attentions.${i}` : undefined;
    const P = distil ? `/transformer/layer.${i}` : `/encoder/layer.${i}`;
    const p = distil ? `transformer.layer.${i}` : `encoder.layer.${i}`;
    const S = distil ? `${P}/attention` : `${P}/attention/self`; // scope of the attention core
    const names = distil
      ? { q: `${p}.attention.q_lin`, k: `${p}.attention.k_lin`, v: `${p}.attention.v_lin`, o: `${p}.attention.out_lin`, ln1: `${p}.sa_layer_norm`, up: `${p}.ffn.lin1`, down: `${p}.ffn.lin2`, ln2: `${p}.output_layer_norm` }
      : { q: `${p}.attention.self.query`, k: `${p}.attention.self.key`, v: `${p}.attention.self.value`, o: `${p}.attention.output.dense`, ln1: `${p}.attention.output.LayerNorm`, up: `${p}.intermediate.dense`, down: `${p}.output.dense`, ln2: `${p}.output.LayerNorm` };
    const scopeOf = (param: string) => `/${param.replace(/\./g, '/').replace(/\/(\d+)\//, '.$1/')}`;

    let context: string;
    if (fused) {
      const packed = g.packedQkv([names.q, names.k, names.v], H);
      context = g.node(S, 'Attention', [x, packed.weight, packed.bias, maskIndex], { domain: 'com.microsoft', attrs: [attrInt('num_heads', heads)] });
    } else {
      const q = g.linear(scopeOf(names.q), x, names.q);
      const k = g.linear(scopeOf(names.k), x, names.k);
      const v = g.linear(scopeOf(names.v), x, names.v);
      const split = g.intConst(S, [0, 0, heads, d]);
      let qh = g.node(S, 'Transpose', [g.node(S, 'Reshape', [q, split])], { attrs: [attrInts('perm', [0, 2, 1, 3])] });
      const kT = g.node(S, 'Transpose', [g.node(S, 'Reshape', [k, split])], { attrs: [attrInts('perm', [0, 2, 3, 1])] });
      const vh = g.node(S, 'Transpose', [g.node(S, 'Reshape', [v, split])], { attrs: [attrInts('perm', [0, 2, 1, 3])] });
      let scores: string;
      if (distil) {
        // DistilBERT scales q before the product and masks with masked_fill(mask == 0, finfo.min)
        qh = g.node(S, 'Div', [qh, g.floatConst(S, Math.sqrt(d))]);
        const raw = g.node(S, 'MatMul', [qh, kT]);
        const isPad = g.node(S, 'Equal', ['attention_mask', g.intConst(S, [0], [])]);
        const view = g.node(S, 'Reshape', [isPad, g.intConst(S, [0, 1, 1, -1])]);
        const expanded = g.node(S, 'Expand', [view, g.node(S, 'Shape', [raw])]);
        scores = g.node(S, 'Where', [expanded, g.floatConst(S, F32_MIN), raw]);
      } else {
        const raw = g.node(S, 'MatMul', [qh, kT]);
        const scaled = g.node(S, 'Div', [raw, g.floatConst(S, Math.sqrt(d))]);
        scores = g.node(S, 'Add', [scaled, extendedMask]);
      }
      const probs = g.node(S, 'Softmax', [scores], { attrs: [attrInt('axis', -1)], output: attnOut });
      const ctx = g.node(S, 'MatMul', [probs, vh]);
      const merged = g.node(S, 'Transpose', [ctx], { attrs: [attrInts('perm', [0, 2, 1, 3])] });
      context = g.node(S, 'Reshape', [merged, g.intConst(S, [0, 0, H])]);
    }
    const attnOutput = g.linear(scopeOf(names.o), context, names.o);
    const residual1 = g.node(distil ? P : `${P}/attention/output`, 'Add', [attnOutput, x]);
    const a = g.layerNorm(scopeOf(names.ln1), residual1, names.ln1, c.layerNormEps);
    const up = g.linear(scopeOf(names.up), a, names.up);
    const act = g.gelu(distil ? `${P}/ffn/activation` : `${P}/intermediate/intermediate_act_fn`, up);
    const down = g.linear(scopeOf(names.down), act, names.down);
    const residual2 = g.node(distil ? P : `${P}/output`, 'Add', [down, a]);
    x = g.layerNorm(scopeOf(names.ln2), residual2, names.ln2, c.layerNormEps, layerOut);
  }

  const outputs: ValueInfoProto[] = [{ name: 'last_hidden_state', elemType: TensorType.FLOAT, shape: [BATCH, SEQ, H] }];
  if (!distil) {
    const first = g.node('/pooler', 'Gather', [x, g.intConst('/pooler', [0], [])], { attrs: [attrInt('axis', 1)] });
    const dense = g.linear('/pooler/dense', first, 'pooler.dense');
    g.node('/pooler/activation', 'Tanh', [dense], { output: 'pooler_output' });
    outputs.push({ name: 'pooler_output', elemType: TensorType.FLOAT, shape: [BATCH, H] });
  }
  if (opts.mlmHead) {
    // logits = LayerNorm(gelu(dense(h))) · Eᵀ + b, E the word embeddings (tied, as BertForMaskedLM)
    const T = '/cls/predictions/transform';
    const dense = g.linear(`${T}/dense`, x, 'cls.predictions.transform.dense');
    const act = g.gelu(`${T}/transform_act_fn`, dense);
    const normed = g.layerNorm(`${T}/LayerNorm`, act, 'cls.predictions.transform.LayerNorm', c.layerNormEps, undefined, true);
    const V = c.vocabSize;
    const w = 'onnx::MatMul_decoder';
    g.initializers.push({
      name: w, dataType: TensorType.FLOAT, dims: [H, V], byteLength: H * V * 4, sources: ['embeddings.word_embeddings.weight'],
      build: ([src]) => bytesOf(transpose(src, V, H)),
    });
    const mm = g.node('/cls/predictions/decoder', 'MatMul', [normed, w]);
    g.node('/cls/predictions/decoder', 'Add', [mm, g.param('cls.predictions.bias')], { output: 'logits' });
    outputs.push({ name: 'logits', elemType: TensorType.FLOAT, shape: [BATCH, SEQ, V] });
  }
  if (native) {
    g.node('', 'Identity', ['last_hidden_state'], { output: `hidden_states.${L}` });
    for (let i = 0; i <= L; i++) outputs.push({ name: `hidden_states.${i}`, elemType: TensorType.FLOAT, shape: [BATCH, SEQ, H] });
    for (let i = 0; i < L; i++) outputs.push({ name: `attentions.${i}`, elemType: TensorType.FLOAT, shape: [BATCH, heads, SEQ, SEQ] });
  }

  const opsetImport = [{ domain: '', version: 14 }];
  if (fused) opsetImport.push({ domain: 'com.microsoft', version: 1 });
  const model: ModelProto = {
    irVersion: 8, producerName: 'cls-lens-gen', producerVersion: '1', domain: '', modelVersion: 0,
    docString: `Random-weight ${c.arch} (${L} layers, ${heads} heads, hidden ${H}), variant ${variant}; made by scripts/gen-model.ts`,
    opsetImport,
    graph: {
      name: 'main_graph', node: g.nodes, initializer: [],
      input: inputs.map((name) => ({ name, elemType: TensorType.INT64, shape: [BATCH, SEQ] })),
      output: outputs, valueInfo: [],
    },
    metadataProps: [],
  };
  return { model, initializers: g.initializers, inputs, outputs: outputs.map((o) => o.name) };
}
