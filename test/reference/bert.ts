// An independent reference forward pass for BERT, DistilBERT and RoBERTa encoders, for checking ONNX models.
// Plain TypeScript in float64: it reads config.json and model.safetensors (with its own reader; it never looks at
// the ONNX file) and follows transformers' modeling code: post-LN layers, exact erf GELU, the extended attention
// mask (1 - mask) · finfo(float32).min added to the scores (DistilBERT: masked_fill with that minimum), the
// pooler's tanh(dense(h[CLS])), and position ids 0…T-1 (bert, distilbert) or, for roberta,
// cumsum(input_ids != pad) · (input_ids != pad) + pad_token_id (transformers' create_position_ids_from_input_ids).
import fs from 'node:fs';
import path from 'node:path';

export interface ReferenceOutput {
  /** L + 1 arrays [T · H]: the embeddings (after LayerNorm), then each layer's output. */
  hiddenStates: Float64Array[];
  /** L arrays [heads · T · T]: softmax attention probabilities, query-major within each head. */
  attentions: Float64Array[];
  /** tanh(dense(hidden[L][0])) for bert/roberta; null for distilbert. */
  poolerOutput: Float64Array | null;
}

const F32_MIN = -3.4028234663852886e38;

// ───────────────────────────── erf ─────────────────────────────

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** The error function, |error| < 1e-13 everywhere (series below 2.5, continued fraction for erfc above). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  let r: number;
  if (ax < 2.5) {
    // Maclaurin: erf(x) = 2/√π · Σ (-1)^n x^(2n+1) / (n! (2n+1))
    const x2 = ax * ax;
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    r = TWO_OVER_SQRT_PI * sum;
  } else if (ax < 6) {
    // erfc(x) = e^(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), evaluated from the tail
    let f = ax;
    for (let k = 80; k >= 1; k--) f = ax + k / 2 / f;
    r = 1 - Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * f);
  } else {
    r = 1; // erfc(6) ≈ 2e-17
  }
  return x < 0 ? -r : r;
}

export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

// ───────────────────────────── safetensors ─────────────────────────────

/** Reads every tensor of a safetensors file as float64 (F32, F16 and F64 data). */
export function readSafetensors(file: string): Map<string, { shape: number[]; data: Float64Array }> {
  const buf = fs.readFileSync(file);
  if (buf.length < 8) throw new Error(`${file}: too short for safetensors`);
  const n = Number(buf.readBigUInt64LE(0));
  if (8 + n > buf.length) throw new Error(`${file}: header length ${n} runs past the file`);
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + n;
  const out = new Map<string, { shape: number[]; data: Float64Array }>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [b, e] = info.data_offsets;
    const count = info.shape.reduce((a, c) => a * c, 1);
    const bytes = buf.subarray(base + b, base + e);
    const data = new Float64Array(count);
    if (info.dtype === 'F32') {
      if (bytes.length !== count * 4) throw new Error(`${name}: ${bytes.length} bytes for ${count} F32 values`);
      for (let i = 0; i < count; i++) data[i] = bytes.readFloatLE(i * 4);
    } else if (info.dtype === 'F64') {
      for (let i = 0; i < count; i++) data[i] = bytes.readDoubleLE(i * 8);
    } else if (info.dtype === 'F16') {
      for (let i = 0; i < count; i++) data[i] = halfToFloat(bytes.readUInt16LE(i * 2));
    } else {
      continue; // integer buffers are not weights
    }
    out.set(name, { shape: info.shape, data });
  }
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

// ───────────────────────────── model ─────────────────────────────

interface RefModel {
  type: 'bert' | 'roberta' | 'distilbert';
  layers: number;
  heads: number;
  hidden: number;
  eps: number;
  pad: number;
  w: Map<string, { shape: number[]; data: Float64Array }>;
}

const cache = new Map<string, RefModel>();

function load(folder: string): RefModel {
  const key = path.resolve(folder);
  const hit = cache.get(key);
  if (hit) return hit;
  const cfg = JSON.parse(fs.readFileSync(path.join(folder, 'config.json'), 'utf8')) as Record<string, unknown>;
  const type = cfg.model_type;
  if (type !== 'bert' && type !== 'roberta' && type !== 'distilbert') throw new Error(`reference: unsupported model_type ${String(type)}`);
  const act = type === 'distilbert' ? cfg.activation : cfg.hidden_act;
  if (act !== 'gelu') throw new Error(`reference: only exact gelu is implemented (config says ${String(act)})`);
  const numKey = (k: string): number => {
    const v = cfg[k];
    if (typeof v !== 'number') throw new Error(`reference: config.json has no number ${k}`);
    return v;
  };
  const distil = type === 'distilbert';
  const m: RefModel = {
    type,
    layers: numKey(distil ? 'n_layers' : 'num_hidden_layers'),
    heads: numKey(distil ? 'n_heads' : 'num_attention_heads'),
    hidden: numKey(distil ? 'dim' : 'hidden_size'),
    eps: distil ? 1e-12 : numKey('layer_norm_eps'),
    pad: typeof cfg.pad_token_id === 'number' ? cfg.pad_token_id : 0,
    w: readSafetensors(path.join(folder, 'model.safetensors')),
  };
  cache.set(key, m);
  return m;
}

function weight(m: RefModel, name: string): Float64Array {
  const t = m.w.get(name);
  if (!t) throw new Error(`reference: model.safetensors has no ${name}`);
  return t.data;
}

/** y[t] = W x[t] + b for T rows; W is [out, in] (PyTorch layout). */
function linear(x: Float64Array, T: number, inF: number, W: Float64Array, b: Float64Array): Float64Array {
  const outF = b.length;
  if (W.length !== outF * inF) throw new Error(`reference: weight has ${W.length} values for [${outF}, ${inF}]`);
  const y = new Float64Array(T * outF);
  for (let t = 0; t < T; t++) {
    const xo = t * inF;
    for (let o = 0; o < outF; o++) {
      const wo = o * inF;
      let s = b[o];
      for (let i = 0; i < inF; i++) s += W[wo + i] * x[xo + i];
      y[t * outF + o] = s;
    }
  }
  return y;
}

function layerNorm(x: Float64Array, T: number, H: number, g: Float64Array, b: Float64Array, eps: number): Float64Array {
  const y = new Float64Array(T * H);
  for (let t = 0; t < T; t++) {
    const o = t * H;
    let mean = 0;
    for (let i = 0; i < H; i++) mean += x[o + i];
    mean /= H;
    let v = 0;
    for (let i = 0; i < H; i++) v += (x[o + i] - mean) ** 2;
    v /= H;
    const inv = 1 / Math.sqrt(v + eps);
    for (let i = 0; i < H; i++) y[o + i] = (x[o + i] - mean) * inv * g[i] + b[i];
  }
  return y;
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  const y = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) y[i] = a[i] + b[i];
  return y;
}

/** Multi-head self-attention core: context [T · H] and probabilities [heads · T · T]. */
function attention(
  q: Float64Array, k: Float64Array, v: Float64Array, T: number, H: number, heads: number, mask: number[], distil: boolean,
): { context: Float64Array; probs: Float64Array } {
  const d = H / heads;
  const scale = Math.sqrt(d);
  const probs = new Float64Array(heads * T * T);
  const context = new Float64Array(T * H);
  const row = new Float64Array(T);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < T; i++) {
      let max = -Infinity;
      for (let j = 0; j < T; j++) {
        let s = 0;
        if (distil) {
          // DistilBERT divides q by √d before the product, then masked_fill(mask == 0, min)
          for (let c = 0; c < d; c++) s += (q[i * H + h * d + c] / scale) * k[j * H + h * d + c];
          if (mask[j] === 0) s = F32_MIN;
        } else {
          for (let c = 0; c < d; c++) s += q[i * H + h * d + c] * k[j * H + h * d + c];
          s = s / scale + (1 - mask[j]) * F32_MIN;
        }
        row[j] = s;
        if (s > max) max = s;
      }
      let z = 0;
      for (let j = 0; j < T; j++) {
        row[j] = Math.exp(row[j] - max);
        z += row[j];
      }
      const po = (h * T + i) * T;
      for (let j = 0; j < T; j++) probs[po + j] = row[j] / z;
      for (let c = 0; c < d; c++) {
        let s = 0;
        for (let j = 0; j < T; j++) s += probs[po + j] * v[j * H + h * d + c];
        context[i * H + h * d + c] = s;
      }
    }
  }
  return { context, probs };
}

/**
 * The forward pass of one sequence. `attentionMask` (default all ones) may mark trailing or any padding with 0;
 * padded positions still get hidden states, computed as transformers computes them.
 */
export function referenceForward(folder: string, inputIds: number[], tokenTypeIds?: number[], attentionMask?: number[]): ReferenceOutput {
  const m = load(folder);
  const T = inputIds.length;
  const H = m.hidden;
  const distil = m.type === 'distilbert';
  const mask = attentionMask ?? inputIds.map(() => 1);
  const types = tokenTypeIds ?? inputIds.map(() => 0);
  if (mask.length !== T || types.length !== T) throw new Error('reference: inputIds, tokenTypeIds and attentionMask differ in length');

  let positions: number[];
  if (m.type === 'roberta') {
    let count = 0;
    positions = inputIds.map((id) => {
      const notPad = id !== m.pad ? 1 : 0;
      count += notPad;
      return count * notPad + m.pad;
    });
  } else {
    positions = inputIds.map((_, i) => i);
  }

  const word = weight(m, 'embeddings.word_embeddings.weight');
  const pos = weight(m, 'embeddings.position_embeddings.weight');
  const tokType = distil ? null : weight(m, 'embeddings.token_type_embeddings.weight');
  const emb = new Float64Array(T * H);
  for (let t = 0; t < T; t++) {
    if (!(inputIds[t] >= 0 && (inputIds[t] + 1) * H <= word.length)) throw new Error(`reference: token ${t} has id ${inputIds[t]}, outside the vocabulary`);
    if (!((positions[t] + 1) * H <= pos.length)) throw new Error(`reference: token ${t} has position ${positions[t]}, beyond max_position_embeddings`);
    for (let i = 0; i < H; i++) {
      let s = word[inputIds[t] * H + i] + pos[positions[t] * H + i];
      if (tokType) s += tokType[types[t] * H + i];
      emb[t * H + i] = s;
    }
  }
  let x = layerNorm(emb, T, H, weight(m, 'embeddings.LayerNorm.weight'), weight(m, 'embeddings.LayerNorm.bias'), m.eps);
  const hiddenStates = [x];
  const attentions: Float64Array[] = [];

  for (let l = 0; l < m.layers; l++) {
    const n = distil
      ? { q: 'attention.q_lin', k: 'attention.k_lin', v: 'attention.v_lin', o: 'attention.out_lin', ln1: 'sa_layer_norm', up: 'ffn.lin1', down: 'ffn.lin2', ln2: 'output_layer_norm' }
      : { q: 'attention.self.query', k: 'attention.self.key', v: 'attention.self.value', o: 'attention.output.dense', ln1: 'attention.output.LayerNorm', up: 'intermediate.dense', down: 'output.dense', ln2: 'output.LayerNorm' };
    const p = distil ? `transformer.layer.${l}.` : `encoder.layer.${l}.`;
    const W = (s: string) => weight(m, `${p}${s}.weight`);
    const B = (s: string) => weight(m, `${p}${s}.bias`);
    const q = linear(x, T, H, W(n.q), B(n.q));
    const k = linear(x, T, H, W(n.k), B(n.k));
    const v = linear(x, T, H, W(n.v), B(n.v));
    const { context, probs } = attention(q, k, v, T, H, m.heads, mask, distil);
    attentions.push(probs);
    const a = layerNorm(add(linear(context, T, H, W(n.o), B(n.o)), x), T, H, W(n.ln1), B(n.ln1), m.eps);
    const up = linear(a, T, H, W(n.up), B(n.up));
    for (let i = 0; i < up.length; i++) up[i] = gelu(up[i]);
    const I = B(n.up).length;
    x = layerNorm(add(linear(up, T, I, W(n.down), B(n.down)), a), T, H, W(n.ln2), B(n.ln2), m.eps);
    hiddenStates.push(x);
  }

  let poolerOutput: Float64Array | null = null;
  if (!distil) {
    poolerOutput = linear(x.subarray(0, H), 1, H, weight(m, 'pooler.dense.weight'), weight(m, 'pooler.dense.bias'));
    for (let i = 0; i < H; i++) poolerOutput[i] = Math.tanh(poolerOutput[i]);
  }
  return { hiddenStates, attentions, poolerOutput };
}
