// Pooling as pure functions over (data, dims, mask). Hidden states are [layers, T, H] row-major.
import type { FloatTensor, PoolingName } from '../../shared/types';

/**
 * Which tokens a pooling may read: `content` excludes the tokens the post-processor added ([CLS], [SEP], <s>, </s>);
 * `all` includes every real (non-padding) token. sentence-transformers' mean pooling uses `all`.
 */
export interface PoolingMasks {
  /** 1 for every real token, 0 for padding. */
  all: Uint8Array;
  /** 1 for real tokens that are not added specials. */
  content: Uint8Array;
}

export function masksFromSpecials(specialAdded: boolean[]): PoolingMasks {
  const T = specialAdded.length;
  const all = new Uint8Array(T).fill(1);
  const content = new Uint8Array(T);
  for (let t = 0; t < T; t++) content[t] = specialAdded[t] ? 0 : 1;
  // A text of only specials still needs something to average: fall back to every token.
  if (!content.some((v) => v === 1)) content.set(all);
  return { all, content };
}

/** Index of the last real content token (for `lastToken`), or the last real token. */
function lastIndex(mask: ArrayLike<number>): number {
  for (let t = mask.length - 1; t >= 0; t--) if (mask[t]) return t;
  return 0;
}

type Pooled = Record<Exclude<PoolingName, 'pooler'>, FloatTensor>;

/**
 * Every pooling for every layer in one pass over the hidden states.
 * Returns [layers, H] tensors for cls, mean (content tokens), meanWithSpecials (all tokens), max (content),
 * meanSqrtLen (sum / sqrt(n), content) and lastToken (last content token).
 */
export function poolAll(hidden: FloatTensor, masks: PoolingMasks): Pooled {
  return poolPass(hidden, masks, null);
}

/**
 * poolAll and, in the same pass, the cosine between the first token's hidden state and every token's at every layer
 * ([layers, T]; the values of similarity's cosine(), the same sums in the same order, 0 for a zero vector): an
 * inspection reads its hidden states once instead of twice (20 MB for BERT-base at 512 tokens).
 */
export function poolAllWithClsCosine(hidden: FloatTensor, masks: PoolingMasks): { pooled: Pooled; clsToken: FloatTensor } {
  const [Lp, T] = hidden.dims as [number, number, number];
  const cos = new Float32Array(Lp * T);
  return { pooled: poolPass(hidden, masks, cos), clsToken: { data: cos, dims: [Lp, T] } };
}

/**
 * The pass behind both: runs of four consecutive content tokens are read together, so the per-feature sum and max are
 * loaded and stored once per four tokens (the loop is bound by those, not by the arithmetic); other tokens one at a
 * time. Sums are float64. With `cos`, each token's dot product with token 0 and its squared norm accumulate over
 * features in order, as cosine() does.
 */
function poolPass(hidden: FloatTensor, masks: PoolingMasks, cos: Float32Array | null): Pooled {
  const [Lp, T, H] = hidden.dims as [number, number, number];
  const content = masks.content;
  let nContent = 0, nAll = 0;
  for (let t = 0; t < T; t++) { nContent += content[t]; nAll += masks.all[t]; }
  const st: PassState = {
    src: hidden.data, T, H, content, all: masks.all, lastT: lastIndex(content), nContent, nAll, sq: Math.sqrt(nContent),
    sumC: new Float64Array(H), extra: new Float64Array(H), mx: new Float32Array(H), cos,
    cls: new Float32Array(Lp * H), mean: new Float32Array(Lp * H), meanAll: new Float32Array(Lp * H),
    max: new Float32Array(Lp * H), sqrtLen: new Float32Array(Lp * H), last: new Float32Array(Lp * H),
  };
  // one call per layer: the loops live in a function that finishes (and so gathers type feedback for its last
  // statements) once per layer; as one function, compiled on stack replacement inside the first call's loop, the
  // pass was deoptimised at its not-yet-run epilogue on every call
  for (let l = 0; l < Lp; l++) poolLayer(st, l);
  const t = (data: Float32Array): FloatTensor => ({ data, dims: [Lp, H] });
  return { cls: t(st.cls), mean: t(st.mean), meanWithSpecials: t(st.meanAll), max: t(st.max), meanSqrtLen: t(st.sqrtLen), lastToken: t(st.last) };
}

interface PassState {
  src: Float32Array; T: number; H: number; content: Uint8Array; all: Uint8Array; lastT: number; nContent: number; nAll: number; sq: number;
  /** per-layer accumulators: content sum and max; the tokens outside `content` but inside `all` (the added specials) */
  sumC: Float64Array; extra: Float64Array; mx: Float32Array;
  cos: Float32Array | null;
  cls: Float32Array; mean: Float32Array; meanAll: Float32Array; max: Float32Array; sqrtLen: Float32Array; last: Float32Array;
}

function poolLayer(st: PassState, l: number): void {
  const { src, T, H, content, all, sumC, extra, mx, cos } = st;
  sumC.fill(0); extra.fill(0); mx.fill(-Infinity);
  const base = l * T * H;
  const withCos = cos !== null;
  let nc = 0;
  if (withCos) {
    let cc = 0;
    for (let h = 0; h < H; h++) cc += src[base + h] * src[base + h];
    nc = Math.sqrt(cc);
  }
  let t = 0;
  while (t < T) {
    if (t + 4 <= T && content[t] && content[t + 1] && content[t + 2] && content[t + 3]) {
      const r0 = base + t * H, r1 = r0 + H, r2 = r1 + H, r3 = r2 + H;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
      for (let h = 0; h < H; h++) {
        const v0 = src[r0 + h], v1 = src[r1 + h], v2 = src[r2 + h], v3 = src[r3 + h];
        sumC[h] += (v0 + v1) + (v2 + v3);
        let m = mx[h];
        if (v0 > m) m = v0;
        if (v1 > m) m = v1;
        if (v2 > m) m = v2;
        if (v3 > m) m = v3;
        mx[h] = m;
        if (withCos) {
          const x = src[base + h];
          a0 += x * v0; a1 += x * v1; a2 += x * v2; a3 += x * v3;
          b0 += v0 * v0; b1 += v1 * v1; b2 += v2 * v2; b3 += v3 * v3;
        }
      }
      if (withCos) {
        const o = l * T + t;
        cos[o] = cosineOf(a0, nc, b0); cos[o + 1] = cosineOf(a1, nc, b1); cos[o + 2] = cosineOf(a2, nc, b2); cos[o + 3] = cosineOf(a3, nc, b3);
      }
      t += 4;
      continue;
    }
    const row = base + t * H;
    if (content[t]) addContentRow(src, row, H, sumC, mx);
    else if (all[t]) addRow(src, row, H, extra);
    if (withCos) {
      let ab = 0, bb = 0;
      for (let h = 0; h < H; h++) { const x = src[base + h], y = src[row + h]; ab += x * y; bb += y * y; }
      cos[l * T + t] = cosineOf(ab, nc, bb);
    }
    t++;
  }
  const { cls, mean, meanAll, max, sqrtLen, last, lastT, nContent, nAll, sq } = st;
  const o = l * H;
  for (let h = 0; h < H; h++) { cls[o + h] = src[base + h]; last[o + h] = src[base + lastT * H + h]; }
  for (let h = 0; h < H; h++) {
    const s = sumC[h];
    mean[o + h] = s / nContent;
    meanAll[o + h] = (s + extra[h]) / nAll;
    max[o + h] = mx[h];
    sqrtLen[o + h] = s / sq;
  }
}

/** One content token's row into the running sum and max (a NaN never wins the max). */
function addContentRow(src: Float32Array, row: number, H: number, sum: Float64Array, mx: Float32Array): void {
  for (let h = 0; h < H; h++) {
    const v = src[row + h];
    sum[h] += v;
    if (v > mx[h]) mx[h] = v;
  }
}

function addRow(src: Float32Array, row: number, H: number, sum: Float64Array): void {
  for (let h = 0; h < H; h++) sum[h] += src[row + h];
}

/** ab / (|a|·√bb), 0 when either vector is zero (as cosine() does). */
function cosineOf(ab: number, na: number, bb: number): number {
  const den = na * Math.sqrt(bb);
  return den === 0 ? 0 : ab / den;
}

/** The hidden state of token `t` at every layer: [layers, H] (the `token:i` pooling). */
export function tokenVector(hidden: FloatTensor, t: number): FloatTensor {
  const [Lp, T, H] = hidden.dims as [number, number, number];
  if (!Number.isInteger(t) || t < 0 || t >= T) throw new RangeError(`token index ${t} is outside 0..${T - 1}`);
  const out = new Float32Array(Lp * H);
  for (let l = 0; l < Lp; l++) out.set(hidden.data.subarray((l * T + t) * H, (l * T + t + 1) * H), l * H);
  return { data: out, dims: [Lp, H] };
}

/** L2 norm of each row of a [rows, H] tensor. */
export function rowNorms(t: FloatTensor): Float32Array {
  const [R, H] = t.dims as [number, number];
  const out = new Float32Array(R);
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let h = 0; h < H; h++) { const v = t.data[r * H + h]; s += v * v; }
    out[r] = Math.sqrt(s);
  }
  return out;
}

/** Poolings of one text in a padded batch: the registry's (less the pooler) and the probe's first/middle/last content token. */
export type RowPooling = Exclude<PoolingName, 'pooler'> | 'first' | 'middle' | 'last';

/**
 * Index of the first, middle or last content token (1 in `content`); the middle of k is the ⌊(k−1)/2⌋-th, so the
 * lower middle of an even count. `last` is the inspector's `lastToken`.
 */
export function contentTokenIndex(content: ArrayLike<number>, which: 'first' | 'middle' | 'last'): number {
  if (which === 'last') return lastIndex(content);
  let k = 0;
  for (let t = 0; t < content.length; t++) k += content[t] ? 1 : 0;
  const want = which === 'first' ? 0 : Math.floor((k - 1) / 2);
  for (let t = 0, seen = 0; t < content.length; t++) if (content[t] && seen++ === want) return t;
  return 0;
}

/**
 * The poolings `names` of row `b` of per-layer [B, T, H] hidden states (`layers[l]`), with masks over the row's T
 * positions (padding 0 in both). Each result is [layers.length × H]; the same numbers as poolAll on that row alone.
 */
export function poolBatchRow(layers: FloatTensor[], b: number, masks: PoolingMasks, names: readonly RowPooling[]): Partial<Record<RowPooling, Float32Array>> {
  const [, T, H] = layers[0].dims as [number, number, number];
  const Lp = layers.length;
  const out: Partial<Record<RowPooling, Float32Array>> = {};
  for (const n of names) out[n] = new Float32Array(Lp * H);
  const want = (n: RowPooling) => out[n] !== undefined;
  const needSum = want('mean') || want('meanWithSpecials') || want('meanSqrtLen');
  const needMax = want('max');
  let nContent = 0, nAll = 0;
  for (let t = 0; t < T; t++) { nContent += masks.content[t]; nAll += masks.all[t]; }
  const picks: [RowPooling, number][] = [];
  if (want('cls')) picks.push(['cls', 0]);
  for (const [n, w] of [['lastToken', 'last'], ['last', 'last'], ['first', 'first'], ['middle', 'middle']] as const) {
    if (want(n)) picks.push([n, contentTokenIndex(masks.content, w)]);
  }
  // locals, not lookups in `out`, in the loops below (this runs for every text of a data set at every layer)
  const mean = out.mean ?? null, meanAll = out.meanWithSpecials ?? null, max = out.max ?? null, sqrtLen = out.meanSqrtLen ?? null;
  const wantExtra = meanAll !== null;
  const sumC = new Float64Array(H), extra = new Float64Array(H), mx = new Float32Array(H);
  const sq = Math.sqrt(nContent);
  const content = masks.content, all = masks.all;
  for (let l = 0; l < Lp; l++) {
    const src = layers[l].data;
    const base = b * T * H;
    const o = l * H;
    for (const [n, t] of picks) out[n]!.set(src.subarray(base + t * H, base + t * H + H), o);
    if (!needSum && !needMax) continue;
    sumC.fill(0);
    if (wantExtra) extra.fill(0);
    mx.fill(-Infinity);
    for (let t = 0; t < T; t++) {
      const row = base + t * H;
      if (content[t]) addContentRow(src, row, H, sumC, mx);
      else if (wantExtra && all[t]) addRow(src, row, H, extra);
    }
    if (mean) for (let h = 0; h < H; h++) mean[o + h] = sumC[h] / nContent;
    if (meanAll) for (let h = 0; h < H; h++) meanAll[o + h] = (sumC[h] + extra[h]) / nAll;
    if (max) for (let h = 0; h < H; h++) max[o + h] = mx[h];
    if (sqrtLen) for (let h = 0; h < H; h++) sqrtLen[o + h] = sumC[h] / sq;
  }
  return out;
}
