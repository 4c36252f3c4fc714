// Limited-memory BFGS for smooth unconstrained minimisation: the two-loop recursion (Nocedal & Wright 2006, Alg. 7.4)
// with the initial Hessian γ·I, γ = sᵀy / yᵀy, and a line search for the strong Wolfe conditions (Alg. 3.5/3.6,
// cubic interpolation in the zoom, safeguarded).
//
// Stop rules, chosen to match scipy's L-BFGS-B as scikit-learn 1.2 calls it (`minimize(method='L-BFGS-B',
// options={gtol: tol, maxiter: max_iter})`, other options at scipy's defaults):
//  - gtol (default 1e-4): stop, converged, when max |∂f/∂xᵢ| ≤ gtol (scipy's `pgtol` on the projected gradient, which
//    without bounds is the gradient);
//  - ftol (default 2.220446049250313e-9 = scipy's factr 1e7 × machine epsilon): stop, converged, when
//    (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ ftol;
//  - maxIter (default 100 = scikit-learn's max_iter): stop, not converged, after that many iterations;
//  - m (default 10 = scipy's maxcor) correction pairs are kept.
// Line-search constants as L-BFGS-B's dcsrch: c1 = 1e-3 (sufficient decrease), c2 = 0.9 (curvature), at most 20
// function evaluations per search; the first step of a search along steepest descent is 1/‖g‖₂ (as L-BFGS-B), later
// ones start at 1. A failed search drops the memory and retries along −g once; a second failure ends the run (not
// converged, reason 'linesearch'), keeping the last trial point when it lowered f.
// A correction pair with sᵀy ≤ ε·yᵀy is skipped (curvature too small to keep the update positive definite).

export interface LbfgsOptions {
  maxIter?: number;
  gtol?: number;
  ftol?: number;
  m?: number;
}

export type LbfgsStop = 'gtol' | 'ftol' | 'maxIter' | 'linesearch' | 'nonfinite';

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
  /** True when a gtol or ftol rule stopped the run (scipy's `success`). */
  converged: boolean;
  /** max |gradient| at x. */
  gradNorm: number;
  /** Which rule stopped the run. */
  stop: LbfgsStop;
  /** Calls of fg. */
  evaluations: number;
}

const EPS = 2.220446049250313e-16;

function dotv(a: Float64Array, b: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}
function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m || v !== v) m = v; // NaN propagates
  }
  return m;
}

/** Minimiser of the cubic through (a, fa, da) and (b, fb, db), or NaN if it has none. */
function cubicMin(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const d1 = da + db - 3 * (fa - fb) / (a - b);
  const disc = d1 * d1 - da * db;
  if (!(disc >= 0)) return NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - (b - a) * ((db + d2 - d1) / (db - da + 2 * d2));
}

/**
 * Minimise f. `fg(x, grad)` returns f(x) and writes ∇f(x) into grad; it may keep no reference to either array.
 * x0 is not modified.
 */
export function minimize(
  fg: (x: Float64Array, grad: Float64Array) => number,
  x0: Float64Array,
  opts: LbfgsOptions = {},
): LbfgsResult {
  const maxIter = opts.maxIter ?? 100;
  const gtol = opts.gtol ?? 1e-4;
  const ftol = opts.ftol ?? 2.220446049250313e-9;
  const m = Math.max(1, opts.m ?? 10);
  const n = x0.length;

  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  const d = new Float64Array(n);
  const xt = new Float64Array(n);
  const gt = new Float64Array(n);
  const S = Array.from({ length: m }, () => new Float64Array(n));
  const Y = Array.from({ length: m }, () => new Float64Array(n));
  const rho = new Float64Array(m);
  const alpha = new Float64Array(m);
  let stored = 0;
  let head = 0; // index of the next slot to write
  let evaluations = 0;

  let f = fg(x, g);
  evaluations++;
  if (!Number.isFinite(f)) return { x, f, iterations: 0, converged: false, gradNorm: maxAbs(g), stop: 'nonfinite', evaluations };
  let gnorm = maxAbs(g);
  if (gnorm <= gtol) return { x, f, iterations: 0, converged: true, gradNorm: gnorm, stop: 'gtol', evaluations };

  let iter = 0;
  let stop: LbfgsStop = 'maxIter';
  let retriedSteepest = false;

  // the line-search trial: xt = x + a·d, returns f(xt), gt = ∇f(xt)
  const trial = (a: number): number => {
    for (let i = 0; i < n; i++) xt[i] = x[i] + a * d[i];
    evaluations++;
    return fg(xt, gt);
  };

  while (iter < maxIter) {
    // direction d = −H·g by the two-loop recursion
    for (let i = 0; i < n; i++) d[i] = -g[i];
    let steepest = stored === 0;
    if (!steepest) {
      for (let j = 0; j < stored; j++) {
        const k = (head - 1 - j + m) % m;
        alpha[k] = rho[k] * dotv(S[k], d, n);
        const yk = Y[k];
        const a = alpha[k];
        for (let i = 0; i < n; i++) d[i] -= a * yk[i];
      }
      const last = (head - 1 + m) % m;
      const gamma = 1 / (rho[last] * dotv(Y[last], Y[last], n));
      for (let i = 0; i < n; i++) d[i] *= gamma;
      for (let j = stored - 1; j >= 0; j--) {
        const k = (head - 1 - j + m) % m;
        const beta = rho[k] * dotv(Y[k], d, n);
        const sk = S[k];
        const c = alpha[k] - beta;
        for (let i = 0; i < n; i++) d[i] += c * sk[i];
      }
    }
    let dg0 = dotv(d, g, n);
    if (!(dg0 < 0)) {
      // not a descent direction (numerical trouble): restart along −g
      for (let i = 0; i < n; i++) d[i] = -g[i];
      dg0 = dotv(d, g, n);
      stored = 0;
      head = 0;
      steepest = true;
    }
    const a0 = steepest ? Math.min(1, 1 / Math.sqrt(dotv(g, g, n))) : 1;
    const ls = strongWolfe(trial, f, dg0, a0, () => dotv(gt, d, n));
    if (!ls.ok) {
      if (!steepest && !retriedSteepest) {
        stored = 0;
        head = 0;
        retriedSteepest = true;
        continue;
      }
      // keep the last trial if it lowered f (the extrapolation ran out of evaluations on a slope that stays steep)
      if (Number.isFinite(ls.f) && ls.f < f) {
        x.set(xt);
        g.set(gt);
        f = ls.f;
        iter++;
        gnorm = maxAbs(g);
      }
      stop = 'linesearch';
      break;
    }
    retriedSteepest = false;
    // accept: xt, gt hold the new point (strongWolfe leaves the accepted trial there)
    const fNew = ls.f;
    const s = S[head];
    const yv = Y[head];
    for (let i = 0; i < n; i++) {
      s[i] = xt[i] - x[i];
      yv[i] = gt[i] - g[i];
    }
    const sy = dotv(s, yv, n);
    const yy = dotv(yv, yv, n);
    if (sy > EPS * yy) {
      rho[head] = 1 / sy;
      head = (head + 1) % m;
      if (stored < m) stored++;
    }
    const fOld = f;
    x.set(xt);
    g.set(gt);
    f = fNew;
    iter++;
    gnorm = maxAbs(g);
    if (gnorm <= gtol) {
      stop = 'gtol';
      break;
    }
    if ((fOld - f) / Math.max(Math.abs(fOld), Math.abs(f), 1) <= ftol) {
      stop = 'ftol';
      break;
    }
  }
  return { x, f, iterations: iter, converged: stop === 'gtol' || stop === 'ftol', gradNorm: gnorm, stop, evaluations };
}

/**
 * Strong Wolfe line search along d from step 0 (value f0, slope dg0 < 0), first trial a0. `trial(a)` evaluates
 * the point and leaves it, with its gradient, in the caller's buffers; `slope()` is ∇f(trial)·d. On success the last
 * trial evaluated is the accepted one (the zoom re-evaluates the chosen step if needed).
 */
function strongWolfe(
  trial: (a: number) => number,
  f0: number,
  dg0: number,
  a0: number,
  slope: () => number,
): { ok: boolean; a: number; f: number } {
  const c1 = 1e-3;
  const c2 = 0.9;
  const maxEval = 20;
  let evals = 0;
  let aPrev = 0;
  let fPrev = f0;
  let dPrev = dg0;
  let a = a0;
  for (;;) {
    const fa = trial(a);
    evals++;
    if (!Number.isFinite(fa)) {
      // overshoot into overflow: shrink
      if (evals >= maxEval) return { ok: false, a, f: fa };
      a = aPrev + 0.1 * (a - aPrev);
      continue;
    }
    const da = slope();
    if (fa > f0 + c1 * a * dg0 || (evals > 1 && fa >= fPrev)) {
      return zoom(aPrev, fPrev, dPrev, a, fa, da);
    }
    if (Math.abs(da) <= -c2 * dg0) return { ok: true, a, f: fa };
    if (da >= 0) return zoom(a, fa, da, aPrev, fPrev, dPrev);
    if (evals >= maxEval) return { ok: false, a, f: fa };
    const next = a + 4 * (a - aPrev); // extrapolate
    aPrev = a;
    fPrev = fa;
    dPrev = da;
    a = next;
  }

  // lo satisfies sufficient decrease and has the lowest f so far; the minimiser lies between lo and hi
  function zoom(lo: number, flo: number, dlo: number, hi: number, fhi: number, dhi: number): { ok: boolean; a: number; f: number } {
    for (;;) {
      if (evals >= maxEval) {
        // return lo if it is a real step with sufficient decrease (the caller's buffers hold the last trial, so re-evaluate)
        if (lo > 0) {
          const fl = trial(lo);
          return { ok: fl <= f0 + c1 * lo * dg0, a: lo, f: fl };
        }
        return { ok: false, a: lo, f: flo };
      }
      const width = Math.abs(hi - lo);
      let a = cubicMin(lo, flo, dlo, hi, fhi, dhi);
      const left = Math.min(lo, hi);
      const right = Math.max(lo, hi);
      // safeguard: stay inside the middle 80 % of the bracket
      if (!Number.isFinite(a) || a < left + 0.1 * width || a > right - 0.1 * width) a = (lo + hi) / 2;
      if (width <= 1e-16 * Math.max(1, right)) return { ok: false, a: lo, f: NaN }; // the buffers may not hold lo
      const fa = trial(a);
      evals++;
      const da = Number.isFinite(fa) ? slope() : NaN;
      if (!Number.isFinite(fa) || fa > f0 + c1 * a * dg0 || fa >= flo) {
        hi = a;
        fhi = Number.isFinite(fa) ? fa : Infinity;
        dhi = Number.isFinite(da) ? da : 0;
        if (!Number.isFinite(fa)) {
          // bisect next time: no usable cubic
          fhi = flo + 1e300;
        }
      } else {
        if (Math.abs(da) <= -c2 * dg0) return { ok: true, a, f: fa };
        if (da * (hi - lo) >= 0) {
          hi = lo;
          fhi = flo;
          dhi = dlo;
        }
        lo = a;
        flo = fa;
        dlo = da;
      }
    }
  }
}
