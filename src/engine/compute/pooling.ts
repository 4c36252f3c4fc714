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

/**
 * Every pooling for every layer in one pass over the hidden states.
 * Returns [layers, H] tensors for cls, mean (content tokens), meanWithSpecials (all tokens), max (content),
 * meanSqrtLen (sum / sqrt(n), content) and lastToken (last content token).
 */
export function poolAll(hidden: FloatTensor, masks: PoolingMasks): Record<Exclude<PoolingName, 'pooler'>, FloatTensor> {
  const [Lp, T, H] = hidden.dims as [number, number, number];
  const src = hidden.data;
  const mk = () => ({ data: new Float32Array(Lp * H), dims: [Lp, H] });
  const cls = mk(), mean = mk(), meanAll = mk(), max = mk(), sqrtLen = mk(), last = mk();
  let nContent = 0, nAll = 0;
  for (let t = 0; t < T; t++) { nContent += masks.content[t]; nAll += masks.all[t]; }
  const lastT = lastIndex(masks.content);
  // content sum and max in one pass; tokens outside `content` but inside `all` (the added specials) are added after
  const sumC = new Float64Array(H), extra = new Float64Array(H), mx = new Float32Array(H);
  const sq = Math.sqrt(nContent);
  for (let l = 0; l < Lp; l++) {
    sumC.fill(0); extra.fill(0); mx.fill(-Infinity);
    const base = l * T * H;
    for (let t = 0; t < T; t++) {
      const row = base + t * H;
      if (masks.content[t]) {
        for (let h = 0; h < H; h++) {
          const v = src[row + h];
          sumC[h] += v;
          if (v > mx[h]) mx[h] = v;
        }
      } else if (masks.all[t]) {
        for (let h = 0; h < H; h++) extra[h] += src[row + h];
      }
    }
    const o = l * H;
    cls.data.set(src.subarray(base, base + H), o);
    last.data.set(src.subarray(base + lastT * H, base + lastT * H + H), o);
    const md = mean.data, ad = meanAll.data, xd = max.data, qd = sqrtLen.data;
    for (let h = 0; h < H; h++) {
      const s = sumC[h];
      md[o + h] = s / nContent;
      ad[o + h] = (s + extra[h]) / nAll;
      xd[o + h] = mx[h];
      qd[o + h] = s / sq;
    }
  }
  return { cls, mean, meanWithSpecials: meanAll, max, meanSqrtLen: sqrtLen, lastToken: last };
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
      if (content[t]) {
        for (let h = 0; h < H; h++) {
          const v = src[row + h];
          sumC[h] += v;
          if (v > mx[h]) mx[h] = v;
        }
      } else if (wantExtra && all[t]) {
        for (let h = 0; h < H; h++) extra[h] += src[row + h];
      }
    }
    if (mean) for (let h = 0; h < H; h++) mean[o + h] = sumC[h] / nContent;
    if (meanAll) for (let h = 0; h < H; h++) meanAll[o + h] = (sumC[h] + extra[h]) / nAll;
    if (max) for (let h = 0; h < H; h++) max[o + h] = mx[h];
    if (sqrtLen) for (let h = 0; h < H; h++) sqrtLen[o + h] = sumC[h] / sq;
  }
  return out;
}
