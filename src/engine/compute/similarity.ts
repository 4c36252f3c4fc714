// Similarity between vectors: cosine, dot, Euclidean; [CLS]-to-token and token-to-token cosine per layer.
import type { FloatTensor } from '../../shared/types';

type Vec = ArrayLike<number>;

export function dot(a: Vec, b: Vec, aOff = 0, bOff = 0, n = a.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[aOff + i] * b[bOff + i];
  return s;
}

export function cosine(a: Vec, b: Vec, aOff = 0, bOff = 0, n = a.length): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[aOff + i], y = b[bOff + i];
    ab += x * y; aa += x * x; bb += y * y;
  }
  const d = Math.sqrt(aa) * Math.sqrt(bb);
  return d === 0 ? 0 : ab / d;
}

export function euclidean(a: Vec, b: Vec, aOff = 0, bOff = 0, n = a.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) { const d = a[aOff + i] - b[bOff + i]; s += d * d; }
  return Math.sqrt(s);
}

export type Metric = 'cosine' | 'dot' | 'euclidean';
export const METRICS: readonly Metric[] = ['cosine', 'dot', 'euclidean'];

export function measure(metric: Metric, a: Vec, b: Vec, aOff = 0, bOff = 0, n = a.length): number {
  switch (metric) {
    case 'cosine': return cosine(a, b, aOff, bOff, n);
    case 'dot': return dot(a, b, aOff, bOff, n);
    case 'euclidean': return euclidean(a, b, aOff, bOff, n);
  }
}

/** Row-wise metric between two [rows, H] tensors: one value per row (per layer). */
export function rowwise(metric: Metric, a: FloatTensor, b: FloatTensor): Float32Array {
  const [R, H] = a.dims as [number, number];
  if (b.dims[0] !== R || b.dims[1] !== H) throw new RangeError(`shape mismatch: [${a.dims}] vs [${b.dims}]`);
  const out = new Float32Array(R);
  for (let r = 0; r < R; r++) out[r] = measure(metric, a.data, b.data, r * H, r * H, H);
  return out;
}

/** [T, T]: token-to-token cosine in one layer. */
export function tokenCosineMatrix(hidden: FloatTensor, layer: number): FloatTensor {
  const [Lp, T, H] = hidden.dims as [number, number, number];
  if (layer < 0 || layer >= Lp) throw new RangeError(`layer ${layer} is outside 0..${Lp - 1}`);
  const d = hidden.data, base = layer * T * H;
  const norms = new Float64Array(T);
  for (let t = 0; t < T; t++) norms[t] = Math.sqrt(dot(d, d, base + t * H, base + t * H, H));
  const out = new Float32Array(T * T);
  for (let i = 0; i < T; i++) {
    out[i * T + i] = norms[i] === 0 ? 0 : 1;
    for (let j = i + 1; j < T; j++) {
      const den = norms[i] * norms[j];
      const v = den === 0 ? 0 : dot(d, d, base + i * H, base + j * H, H) / den;
      out[i * T + j] = v; out[j * T + i] = v;
    }
  }
  return { data: out, dims: [T, T] };
}
