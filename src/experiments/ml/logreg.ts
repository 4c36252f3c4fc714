// L2-regularised logistic regression, the model scikit-learn 1.2's LogisticRegression(penalty='l2', C, solver='lbfgs',
// fit_intercept=True) fits, minimised by our L-BFGS with the same stop rules:
//
//   minimise  ½‖W‖² + C·Σᵢ log-loss(yᵢ, W xᵢ + b)      (intercept b not penalised)
//
// scikit-learn hands L-BFGS-B that objective divided by C (Σᵢ log-loss + ‖W‖²/(2C)) with gtol = tol = 1e-4 on its
// gradient; we minimise the same scaled function with the same gtol, so "converged" means the same thing.
//  - K = 2: one weight vector and a sigmoid; class 1 is the positive class (scikit-learn's classes_[1]).
//  - K ≥ 3: multinomial softmax with K weight rows, all penalised. The intercepts are determined only up to a common
//    shift (the loss does not change and they are not penalised); starting from 0 the iterates keep Σ b = 0 and the
//    fit re-centres them at the end, so compare intercepts after centring.
// All sums in Float64; log-sum-exp and log1p(exp(·)) keep the loss finite for any logit. fg allocates nothing.
import { checkLabels, checkShape, MlInputError } from './errors';
import { addOuter4, addOuterRow, dotAt, logitsRow } from './kernels';
import { minimize, type LbfgsStop } from './lbfgs';
import { paddedRows, paddedStride, wasmKernels, type WasmKernels } from './wasm';

export interface LogRegModel {
  /** Classes 0..K-1. */
  K: number;
  d: number;
  /** Weight rows: 1 for K = 2 (logit of class 1), K otherwise. */
  rows: number;
  /** [rows × d] row-major. */
  W: Float64Array;
  /** [rows] */
  b: Float64Array;
  C: number;
  /** ½‖W‖² + C·Σ log-loss at the solution (scikit-learn's objective, un-scaled). */
  objective: number;
  iterations: number;
  /** Objective evaluations (each one pass over X). */
  evaluations: number;
  converged: boolean;
  /** max |gradient| of Σ log-loss + ‖W‖²/(2C) at the solution (what gtol bounds). */
  gradNorm: number;
  stop: LbfgsStop;
}

export interface LogRegOptions {
  /** Inverse regularisation strength, > 0 (default 1). */
  C?: number;
  /** L-BFGS iterations at most (default 100, scikit-learn's max_iter). */
  maxIter?: number;
  /** gtol on the max-abs gradient (default 1e-4, scikit-learn's tol). */
  tol?: number;
  /** L-BFGS correction pairs kept (default 10, scipy's maxcor as scikit-learn uses it). */
  memory?: number;
  /** Inner loops: WebAssembly SIMD where available ('auto', default), or the TypeScript loops ('js'). */
  backend?: KernelBackend;
  /** Start from this model's coefficients (warm start) instead of zeros; K and d must match. */
  init?: LogRegModel;
}

type Mat = Float32Array | Float64Array;
/** Which inner loops run a pass over the data: 'auto' = WebAssembly SIMD where the runtime has it, else 'js'. */
export type KernelBackend = 'auto' | 'wasm' | 'js';

/**
 * The scaled objective F(θ) = Σᵢ log-loss + ‖W‖²/(2C) and its gradient, θ = [W row-major, b]. Exported for tests
 * (finite differences, optimality) and for callers that want to check a solution. X is copied to Float64 if needed.
 */
export function logRegObjective(
  X0: Mat, n: number, d: number, y: Int32Array, K: number, C: number, backend: KernelBackend = 'auto',
): (theta: Float64Array, grad: Float64Array) => number {
  if (backend !== 'js') {
    const kern = wasmKernels();
    const fg = kern ? wasmObjective(kern, X0, n, d, y, K, C) : null;
    if (fg) return fg;
    if (backend === 'wasm') throw new MlInputError('WebAssembly SIMD is not available in this runtime (or its memory cannot hold the data).', "Use the 'js' or 'auto' kernels.");
  }
  const X = X0 instanceof Float64Array ? X0 : Float64Array.from(X0);
  const rows = K === 2 ? 1 : K;
  const nW = rows * d;
  const invC = 1 / C;
  const z = new Float64Array(rows);
  const r = new Float64Array(rows);
  if (rows === 1) {
    return (t, g) => {
      g.fill(0);
      const b = t[nW];
      let F = 0;
      let gb = 0;
      for (let i = 0; i < n; i++) {
        const o = i * d;
        const s = b + dotAt(X, o, t, 0, d);
        const yi = y[i] === 1 ? 1 : 0;
        // log(1 + e^s) − y·s, and p = σ(s), both stable
        let p: number;
        if (s >= 0) {
          const e = Math.exp(-s);
          F += s + Math.log1p(e) - yi * s;
          p = 1 / (1 + e);
        } else {
          const e = Math.exp(s);
          F += Math.log1p(e) - yi * s;
          p = e / (1 + e);
        }
        const ri = p - yi;
        gb += ri;
        if (ri !== 0) for (let j = 0; j < d; j++) g[j] += ri * X[o + j];
      }
      let ww = 0;
      for (let j = 0; j < d; j++) {
        ww += t[j] * t[j];
        g[j] += t[j] * invC;
      }
      g[nW] = gb;
      return F + 0.5 * ww * invC;
    };
  }
  const R = new Float64Array(4 * K);
  return (t, g) => {
    g.fill(0);
    let F = 0;
    for (let i0 = 0; i0 < n; i0 += 4) {
      const nb = Math.min(4, n - i0);
      for (let q = 0; q < nb; q++) {
        const i = i0 + q;
        logitsRow(X, i * d, d, t, K, t, nW, z);
        let zmax = -Infinity;
        for (let k = 0; k < K; k++) if (z[k] > zmax) zmax = z[k];
        let se = 0;
        for (let k = 0; k < K; k++) se += Math.exp(z[k] - zmax);
        const lse = zmax + Math.log(se);
        const yi = y[i];
        F += lse - z[yi];
        for (let k = 0; k < K; k++) {
          const rk = Math.exp(z[k] - lse) - (k === yi ? 1 : 0);
          R[q * K + k] = rk;
          g[nW + k] += rk;
        }
      }
      if (nb === 4) {
        addOuter4(g, K, d, R, X, i0 * d, (i0 + 1) * d, (i0 + 2) * d, (i0 + 3) * d);
      } else {
        for (let q = 0; q < nb; q++) {
          for (let k = 0; k < K; k++) r[k] = R[q * K + k];
          addOuterRow(g, K, d, r, X, (i0 + q) * d);
        }
      }
    }
    let ww = 0;
    for (let j = 0; j < nW; j++) {
      ww += t[j] * t[j];
      g[j] += t[j] * invC;
    }
    return F + 0.5 * ww * invC;
  };
}

/**
 * The same objective with the two products in WebAssembly SIMD (wasm.ts): X is copied once into the instance's
 * memory with a padded row stride; each call copies W in, runs Z = X·Wᵀ, computes the loss and the residuals R in
 * TypeScript, runs G = Rᵀ·X and copies G out.
 */
function wasmObjective(kern: WasmKernels, X: Mat, n: number, d: number, y: Int32Array, K: number, C: number): ((theta: Float64Array, grad: Float64Array) => number) | null {
  const rows = K === 2 ? 1 : K;
  const nW = rows * d;
  const invC = 1 / C;
  const dp = paddedStride(d);
  const mp = paddedRows(n); // rows n..mp-1 of X and R stay zero
  const xo = 0;
  const wo = mp * dp;
  const zo = wo + rows * dp;
  const ro = zo + mp * rows;
  const go = ro + mp * rows;
  const bytes = (go + rows * dp) * 8;
  const have = kern.memory.buffer.byteLength;
  if (bytes > 2 ** 32 - 65536) return null; // beyond wasm32's 4 GiB: the TypeScript loops take it
  try {
    if (bytes > have) kern.memory.grow(Math.ceil((bytes - have) / 65536));
  } catch {
    return null; // the runtime refused the memory
  }
  const F = new Float64Array(kern.memory.buffer);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) F[xo + i * dp + j] = X[i * d + j];
  return (t, g) => {
    for (let k = 0; k < rows; k++) for (let j = 0; j < d; j++) F[wo + k * dp + j] = t[k * d + j];
    kern.logits(xo * 8, mp, dp, wo * 8, rows, zo * 8);
    let F0 = 0;
    if (rows === 1) {
      const b = t[nW];
      let gb = 0;
      for (let i = 0; i < n; i++) {
        const s = F[zo + i] + b;
        const yi = y[i] === 1 ? 1 : 0;
        let p: number;
        if (s >= 0) {
          const e = Math.exp(-s);
          F0 += s + Math.log1p(e) - yi * s;
          p = 1 / (1 + e);
        } else {
          const e = Math.exp(s);
          F0 += Math.log1p(e) - yi * s;
          p = e / (1 + e);
        }
        F[ro + i] = p - yi;
        gb += p - yi;
      }
      g[nW] = gb;
    } else {
      for (let k = 0; k < K; k++) g[nW + k] = 0;
      for (let i = 0; i < n; i++) {
        const zi = zo + i * K;
        let zmax = -Infinity;
        for (let k = 0; k < K; k++) {
          const v = F[zi + k] + t[nW + k];
          F[zi + k] = v;
          if (v > zmax) zmax = v;
        }
        let se = 0;
        for (let k = 0; k < K; k++) se += Math.exp(F[zi + k] - zmax);
        const lse = zmax + Math.log(se);
        const yi = y[i];
        F0 += lse - F[zi + yi];
        for (let k = 0; k < K; k++) {
          const rk = Math.exp(F[zi + k] - lse) - (k === yi ? 1 : 0);
          F[ro + i * K + k] = rk;
          g[nW + k] += rk;
        }
      }
    }
    F.fill(0, go, go + rows * dp);
    kern.gradAcc(xo * 8, mp, dp, ro * 8, rows, go * 8);
    let ww = 0;
    for (let k = 0; k < rows; k++) for (let j = 0; j < d; j++) {
      const w = t[k * d + j];
      ww += w * w;
      g[k * d + j] = F[go + k * dp + j] + w * invC;
    }
    return F0 + 0.5 * ww * invC;
  };
}

/** Fit on n rows of d features (row-major), labels in 0..K-1. */
export function fitLogReg(X: Mat, n: number, d: number, y: Int32Array, K: number, opts: LogRegOptions = {}): LogRegModel {
  checkShape(X, n, d);
  checkLabels(y, n, K);
  if (n === 0) throw new MlInputError('Logistic regression needs at least one training row; there are none.', 'Use more texts.');
  const C = opts.C ?? 1;
  if (!(C > 0) || !Number.isFinite(C)) throw new MlInputError(`C = ${C}: the inverse regularisation strength must be a positive number.`, 'Use C > 0 (1 is the default; smaller is stronger regularisation).');
  for (let i = 0; i < X.length; i++) {
    if (!Number.isFinite(X[i])) throw new MlInputError(`Feature ${i % d} of row ${Math.floor(i / d)} is ${X[i]}.`, 'Remove rows with NaN or infinite features.');
  }
  const rows = K === 2 ? 1 : K;
  const theta = new Float64Array(rows * d + rows);
  if (opts.init) {
    const m = opts.init;
    if (m.K !== K || m.d !== d) throw new MlInputError(`The warm-start model has K = ${m.K}, d = ${m.d}; this fit has K = ${K}, d = ${d}.`, 'Warm-start from a model of the same shape.');
    theta.set(m.W, 0);
    theta.set(m.b, rows * d);
  }
  const fg = logRegObjective(X, n, d, y, K, C, opts.backend);
  const res = minimize(fg, theta, { maxIter: opts.maxIter ?? 100, gtol: opts.tol ?? 1e-4, m: opts.memory ?? 10 });
  const W = res.x.slice(0, rows * d);
  const b = res.x.slice(rows * d);
  if (rows > 1) {
    let mb = 0;
    for (let k = 0; k < rows; k++) mb += b[k];
    mb /= rows;
    for (let k = 0; k < rows; k++) b[k] -= mb;
  }
  return { K, d, rows, W, b, C, objective: C * res.f, iterations: res.iterations, evaluations: res.evaluations, converged: res.converged, gradNorm: res.gradNorm, stop: res.stop };
}

/** Logits [n × rows]: one column (class 1) for K = 2, K columns otherwise. */
export function decisionFunction(model: LogRegModel, X: Mat, n: number): Float64Array {
  const { d, rows, W, b } = model;
  checkShape(X, n, d);
  const out = new Float64Array(n * rows);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let k = 0; k < rows; k++) {
      const w = k * d;
      let s = b[k];
      for (let j = 0; j < d; j++) s += X[o + j] * W[w + j];
      out[i * rows + k] = s;
    }
  }
  return out;
}

/** Class probabilities [n × K] row-major. */
export function predictProba(model: LogRegModel, X: Mat, n: number): Float64Array {
  const { K, rows } = model;
  const z = decisionFunction(model, X, n);
  const P = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    if (rows === 1) {
      const s = z[i];
      const p = s >= 0 ? 1 / (1 + Math.exp(-s)) : Math.exp(s) / (1 + Math.exp(s));
      P[i * 2] = 1 - p;
      P[i * 2 + 1] = p;
    } else {
      let zmax = -Infinity;
      for (let k = 0; k < K; k++) zmax = Math.max(zmax, z[i * K + k]);
      let se = 0;
      for (let k = 0; k < K; k++) se += Math.exp(z[i * K + k] - zmax);
      for (let k = 0; k < K; k++) P[i * K + k] = Math.exp(z[i * K + k] - zmax) / se;
    }
  }
  return P;
}

/** Most probable class per row (ties: the lower index; for K = 2, class 1 only when its logit is > 0, as scikit-learn). */
export function predict(model: LogRegModel, X: Mat, n: number): Int32Array {
  const { rows } = model;
  const z = decisionFunction(model, X, n);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (rows === 1) {
      out[i] = z[i] > 0 ? 1 : 0;
    } else {
      let best = 0;
      for (let k = 1; k < rows; k++) if (z[i * rows + k] > z[i * rows + best]) best = k;
      out[i] = best;
    }
  }
  return out;
}
