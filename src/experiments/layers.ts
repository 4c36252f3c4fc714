// 3a. The layer story: per layer, how [CLS] relates to the text's tokens and their mean, read against an anisotropy
// baseline — the mean cosine between vectors of different texts at that layer (Ethayarajh 2019).
import type { LoadedModel } from '../engine/engine';
import type { EncodedText } from '../engine/tokenizer/types';
import type { LayerRow } from '../shared/experiments';
import { cosine, norm } from './meta';
import { contentIndices, forEachRun } from './sequences';

export interface LayerStoryOptions {
  layers: number[];
  /** Uniform [0, 1), seeded: picks the random token of each text and the text pairs. */
  rand: () => number;
  /** Pairs of different texts for the anisotropy baseline (default 2,000; every pair when there are fewer). */
  pairs?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Pairs (i, j), i ≠ j: every pair when n(n−1)/2 ≤ want, else `want` pairs drawn by `rand`. */
export function textPairs(n: number, want: number, rand: () => number): [number, number][] {
  const out: [number, number][] = [];
  if (n < 2) return out;
  if ((n * (n - 1)) / 2 <= want) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out.push([i, j]);
    return out;
  }
  while (out.length < want) {
    const i = Math.floor(rand() * n), j = Math.floor(rand() * (n - 1));
    out.push([i, j >= i ? j + 1 : j]);
  }
  return out;
}

export async function layerStory(m: LoadedModel, encs: readonly EncodedText[], o: LayerStoryOptions): Promise<{ rows: LayerRow[]; notes: string[] }> {
  const H = m.summary.hidden;
  const nL = o.layers.length, n = encs.length;
  // per text and reported layer: cls, mean of content tokens, one random content token (the same position at every layer)
  const cls = new Float32Array(n * nL * H), mean = new Float32Array(n * nL * H), tok = new Float32Array(n * nL * H);
  const clsMean = new Float64Array(nL), clsToken = new Float64Array(nL), clsNorm = new Float64Array(nL), tokenNorm = new Float64Array(nL);
  const content = encs.map(contentIndices);
  const pick = content.map((c) => c[Math.floor(o.rand() * c.length)] ?? 0);
  let available: number[] = [];
  available = await forEachRun(m, encs.map((e) => ({ ids: e.ids, tokenTypeIds: e.tokenTypeIds })), { signal: o.signal, onBatch: (d) => o.onProgress?.(d, n) }, (i, hidden) => {
    const [Lp, T] = hidden.dims;
    const ci = content[i].length ? content[i] : Array.from({ length: T }, (_, t) => t);
    const hd = hidden.data;
    o.layers.forEach((layer, li) => {
      const l = Lp === 1 ? 0 : layer;
      const base = l * T * H;
      const off = (i * nL + li) * H;
      cls.set(hd.subarray(base, base + H), off);
      tok.set(hd.subarray(base + pick[i] * H, base + pick[i] * H + H), off);
      const acc = new Float64Array(H);
      let ct = 0, tn = 0;
      for (const t of ci) {
        for (let h = 0; h < H; h++) acc[h] += hd[base + t * H + h];
        ct += cosine(hd, base, hd, base + t * H, H);
        tn += norm(hd, base + t * H, H);
      }
      for (let h = 0; h < H; h++) mean[off + h] = acc[h] / ci.length;
      clsMean[li] += cosine(cls, off, mean, off, H);
      clsToken[li] += ct / ci.length;
      clsNorm[li] += norm(hd, base, H);
      tokenNorm[li] += tn / ci.length;
    });
  });
  const notes: string[] = [];
  if (available.length === 1) {
    notes.push(`This model's hidden states below the last layer cannot be read; every row shows layer ${available[0]}.`);
  }
  const pairs = textPairs(n, o.pairs ?? 2000, o.rand);
  if (pairs.length === 0) notes.push('The anisotropy baseline needs at least two texts; it is not a number here.');
  notes.push(`Anisotropy: mean cosine over ${pairs.length} pairs of different texts; "token" pairs one content token per text, drawn by the seed.`);
  const rows: LayerRow[] = o.layers.map((layer, li) => {
    const an = (v: Float32Array) => {
      if (!pairs.length) return NaN;
      let s = 0;
      for (const [i, j] of pairs) s += cosine(v, (i * nL + li) * H, v, (j * nL + li) * H, H);
      return s / pairs.length;
    };
    return {
      layer, clsMean: clsMean[li] / n, clsToken: clsToken[li] / n, clsNorm: clsNorm[li] / n, tokenNorm: tokenNorm[li] / n,
      anisotropy: { cls: an(cls), mean: an(mean), token: an(tok) },
    };
  });
  return { rows, notes };
}
