// Two-dimensional PCA for the map experiment: the rows of X centred, projected on the two leading eigenvectors of
// the covariance XcᵀXc / n. Found by block subspace iteration with Rayleigh–Ritz (p = 8 vectors, so convergence goes
// as (λ₉/λ₂)^k rather than (λ₃/λ₂)^k), from a fixed pseudo-random start: the same X always gives the same map.
// Each step applies Xcᵀ(Xc·Q) without forming the covariance when n·2 < d, and the d × d covariance (formed once)
// otherwise. Stops when both leading Ritz pairs have residual ‖A·u − λ·u‖ ≤ 1e-10·λ₁, or after 500 steps.
// Sign: each component is flipped so that its largest-|loading| coordinate is positive (ties: the first).
import { checkShape, MlInputError } from './errors';
import { gaussian, makeRng } from './rng';

export interface PcaResult {
  /** [n × 2] coordinates, row-major. */
  xy: Float32Array;
  /** The two components' loadings [2 × d], unit length. */
  components: Float64Array;
  /** Their eigenvalues (variance along each, divided by n). */
  variance: [number, number];
  /** Total variance (trace of the covariance), for the explained share. */
  totalVariance: number;
  iterations: number;
}

/** [n × 2] PCA coordinates of X [n × d] (see pcaFit for the components and variances). */
export function pca2(X: Float32Array | Float64Array, n: number, d: number): Float32Array {
  return pcaFit(X, n, d).xy;
}

export function pcaFit(X: Float32Array | Float64Array, n: number, d: number, opts: { tol?: number } = {}): PcaResult {
  const tol = opts.tol ?? 1e-7;
  checkShape(X, n, d);
  if (n < 1 || d < 1) throw new MlInputError(`PCA needs at least one row and one feature (got ${n} × ${d}).`, 'Use a non-empty data set.');
  for (let i = 0; i < X.length; i++) if (!Number.isFinite(X[i])) throw new MlInputError(`Feature ${i % d} of row ${Math.floor(i / d)} is ${X[i]}.`, 'Remove rows with NaN or infinite features.');
  // centre
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += X[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const Xc = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) Xc[i * d + j] = X[i * d + j] - mean[j];
  let total = 0;
  for (let i = 0; i < Xc.length; i++) total += Xc[i] * Xc[i];
  total /= n;

  const p = Math.min(8, d);
  const useCov = 2 * n >= d; // the d × d covariance is cheaper to apply than Xc and Xcᵀ
  let cov: Float64Array | null = null;
  if (useCov) {
    cov = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      const o = i * d;
      for (let a = 0; a < d; a++) {
        const xa = Xc[o + a];
        if (xa === 0) continue;
        const r = a * d;
        for (let b = a; b < d; b++) cov[r + b] += xa * Xc[o + b];
      }
    }
    for (let a = 0; a < d; a++) for (let b = a; b < d; b++) { const v = cov[a * d + b] / n; cov[a * d + b] = v; cov[b * d + a] = v; }
  }
  const tmp = new Float64Array(n);
  const apply = (v: Float64Array, vo: number, out: Float64Array, oo: number) => {
    if (cov) {
      for (let a = 0; a < d; a++) {
        let s = 0;
        const r = a * d;
        for (let b = 0; b < d; b++) s += cov[r + b] * v[vo + b];
        out[oo + a] = s;
      }
      return;
    }
    for (let i = 0; i < n; i++) {
      let s = 0;
      const o = i * d;
      for (let j = 0; j < d; j++) s += Xc[o + j] * v[vo + j];
      tmp[i] = s;
    }
    for (let j = 0; j < d; j++) out[oo + j] = 0;
    for (let i = 0; i < n; i++) {
      const t = tmp[i] / n;
      if (t === 0) continue;
      const o = i * d;
      for (let j = 0; j < d; j++) out[oo + j] += t * Xc[o + j];
    }
  };

  // Q: p orthonormal columns stored as rows [p × d]
  const rng = makeRng(0x5ca1ab1e);
  let Q = Float64Array.from({ length: p * d }, () => gaussian(rng));
  orthonormalise(Q, p, d);
  const Y = new Float64Array(p * d);
  const T = new Float64Array(p * p);
  const U = new Float64Array(p * d);
  const AU = new Float64Array(p * d);
  let lambda: Float64Array = new Float64Array(p);
  let iterations = 0;
  for (; iterations < 500; iterations++) {
    for (let k = 0; k < p; k++) apply(Q, k * d, Y, k * d);
    for (let a = 0; a < p; a++) for (let b = a; b < p; b++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += Q[a * d + j] * Y[b * d + j];
      T[a * p + b] = s;
      T[b * p + a] = s;
    }
    const eig = jacobiEigen(T, p); // descending
    lambda = eig.values;
    // Ritz vectors U = Sᵀ Q (rows), A·U = Sᵀ Y
    U.fill(0);
    AU.fill(0);
    for (let k = 0; k < p; k++) for (let a = 0; a < p; a++) {
      const s = eig.vectors[a * p + k];
      if (s === 0) continue;
      for (let j = 0; j < d; j++) {
        U[k * d + j] += s * Q[a * d + j];
        AU[k * d + j] += s * Y[a * d + j];
      }
    }
    const scale = Math.max(Math.abs(lambda[0]), 1e-300);
    let done = true;
    for (let k = 0; k < Math.min(2, p); k++) {
      let r = 0;
      for (let j = 0; j < d; j++) { const e = AU[k * d + j] - lambda[k] * U[k * d + j]; r += e * e; }
      if (Math.sqrt(r) > tol * scale) done = false;
    }
    if (done || lambda[0] <= 0) break;
    Q = Float64Array.from(AU);
    orthonormalise(Q, p, d);
  }
  // components: the two leading Ritz vectors, sign-fixed
  const components = new Float64Array(2 * d);
  const variance: [number, number] = [0, 0];
  for (let k = 0; k < 2; k++) {
    if (k >= p || !(lambda[k] > 1e-12 * Math.max(total, 1e-300))) continue; // no variance along it: zeros
    let big = 0;
    for (let j = 1; j < d; j++) if (Math.abs(U[k * d + j]) > Math.abs(U[k * d + big])) big = j;
    const sign = U[k * d + big] < 0 ? -1 : 1;
    let nrm = 0;
    for (let j = 0; j < d; j++) nrm += U[k * d + j] * U[k * d + j];
    nrm = Math.sqrt(nrm);
    for (let j = 0; j < d; j++) components[k * d + j] = (sign * U[k * d + j]) / nrm;
    variance[k] = lambda[k];
  }
  const xy = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 2; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += Xc[i * d + j] * components[k * d + j];
      xy[i * 2 + k] = s;
    }
  }
  return { xy, components, variance, totalVariance: total, iterations };
}

/** Modified Gram–Schmidt, twice, on the p rows of Q [p × d]; a row that vanishes is replaced by a unit vector. */
function orthonormalise(Q: Float64Array, p: number, d: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let k = 0; k < p; k++) {
      for (let a = 0; a < k; a++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += Q[a * d + j] * Q[k * d + j];
        for (let j = 0; j < d; j++) Q[k * d + j] -= s * Q[a * d + j];
      }
      let nrm = 0;
      for (let j = 0; j < d; j++) nrm += Q[k * d + j] * Q[k * d + j];
      nrm = Math.sqrt(nrm);
      if (nrm < 1e-300) {
        // rank-deficient block: restart this row as e_k and orthogonalise it on the next pass
        for (let j = 0; j < d; j++) Q[k * d + j] = j === k % d ? 1 : 0;
        continue;
      }
      for (let j = 0; j < d; j++) Q[k * d + j] /= nrm;
    }
  }
}

/**
 * Eigen-decomposition of a small symmetric matrix A [p × p] by cyclic Jacobi rotations: values descending, vectors
 * as columns of `vectors` [p × p] row-major (vectors[a·p + k] is component a of eigenvector k).
 */
export function jacobiEigen(A0: Float64Array, p: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(A0);
  const V = new Float64Array(p * p);
  for (let i = 0; i < p; i++) V[i * p + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let a = 0; a < p; a++) for (let b = a + 1; b < p; b++) off += A[a * p + b] * A[a * p + b];
    if (off < 1e-300) break;
    for (let a = 0; a < p; a++) for (let b = a + 1; b < p; b++) {
      const apq = A[a * p + b];
      if (Math.abs(apq) < 1e-300) continue;
      const theta = (A[b * p + b] - A[a * p + a]) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < p; k++) {
        const akp = A[k * p + a];
        const akq = A[k * p + b];
        A[k * p + a] = c * akp - s * akq;
        A[k * p + b] = s * akp + c * akq;
      }
      for (let k = 0; k < p; k++) {
        const apk = A[a * p + k];
        const aqk = A[b * p + k];
        A[a * p + k] = c * apk - s * aqk;
        A[b * p + k] = s * apk + c * aqk;
      }
      for (let k = 0; k < p; k++) {
        const vkp = V[k * p + a];
        const vkq = V[k * p + b];
        V[k * p + a] = c * vkp - s * vkq;
        V[k * p + b] = s * vkp + c * vkq;
      }
    }
  }
  const order = Array.from({ length: p }, (_, i) => i).sort((x, y) => A[y * p + y] - A[x * p + x]);
  const values = Float64Array.from(order, (i) => A[i * p + i]);
  const vectors = new Float64Array(p * p);
  for (let k = 0; k < p; k++) for (let a = 0; a < p; a++) vectors[a * p + k] = V[a * p + order[k]];
  return { values, vectors };
}
