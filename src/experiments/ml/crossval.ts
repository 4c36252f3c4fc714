// Stratified k-fold cross-validation of the logistic-regression probe, and the Hewitt & Liang (2019) control task.
// Per fold: standardise with the training rows' mean and sd (StandardScaler), fit on the training rows, score the
// held-out rows. Reported: mean over folds of accuracy and macro-F1, and the POPULATION standard deviation of the fold
// accuracies (divided by the number of folds, numpy's default std, as scikit-learn's cross_validate users compute it).
import type { ProbeRow } from '../../shared/experiments';
import { checkLabels, checkShape, MlInputError } from './errors';
import { splitFold, stratifiedFolds } from './folds';
import { fitLogReg, predict, type KernelBackend, type LogRegModel } from './logreg';
import { accuracy, classCounts, macroF1, meanStd } from './metrics';
import { makeRng, permutation } from './rng';
import { applyStandardizer, fitStandardizer } from './standardize';

export interface CrossValOptions {
  folds: number;
  seed: number;
  /** Inverse L2 strength (default 1). */
  C?: number;
  /** L-BFGS iterations per fit (default 100). */
  maxIter?: number;
  /** gtol (default 1e-4). */
  tol?: number;
  /**
   * Start each fold's fit from the previous fold's solution (same classes present) instead of zeros. Faster; the
   * optimum is the same (the objective is strictly convex) but where a fit stops before it (ftol, maxIter) the
   * coefficients differ within that stop's tolerance. Default false: measured on the shape (1,600 × 768,
   * 5 classes, scripts/bench/probe-bench.ts --warm --compare) it saved only ~3 % of the objective evaluations (the
   * fits end by ftol or maxIter after ~90 iterations either way) and moved control fold accuracies by up to 0.0075.
   */
  warmStart?: boolean;
  /** Inner loops of the fits (default 'auto': WebAssembly SIMD where available). */
  backend?: KernelBackend;
  /** Checked before each fold's fit; when aborted, its reason is thrown (a fold takes ~1 s at 1,600 × 768). */
  signal?: AbortSignal;
}

export interface CrossValResult {
  accuracy: number;
  /** Population sd (÷ folds) of foldAccuracies. */
  accuracyStd: number;
  macroF1: number;
  foldAccuracies: number[];
  foldMacroF1: number[];
  /** Fits that stopped at maxIter or by a failed line search (the result is then less exact); out of `folds`. */
  notConverged: number;
  /** L-BFGS iterations summed over the folds. */
  iterations: number;
  /** Objective evaluations (passes over the training rows) summed over the folds. */
  evaluations: number;
}

type Mat = Float32Array | Float64Array;

/** Cross-validated accuracy and macro-F1 of an L2 logistic-regression probe on X [n × d] with labels y in 0..K-1. */
export function crossValidate(X: Mat, n: number, d: number, y: Int32Array, K: number, opts: CrossValOptions): CrossValResult {
  checkShape(X, n, d);
  checkLabels(y, n, K);
  return crossValidateFolds(X, n, d, y, K, stratifiedFolds(y, opts.folds, makeRng(opts.seed)), opts);
}

/**
 * crossValidate with a given fold of every row (0..folds-1, each fold non-empty), e.g. to reuse the real labels'
 * folds for the control, or to compare with another implementation on the same split. `opts.folds` and `opts.seed`
 * are not used.
 */
export function crossValidateFolds(
  X: Mat, n: number, d: number, y: Int32Array, K: number, foldOf: Int32Array, opts: Omit<CrossValOptions, 'folds' | 'seed'> & Partial<Pick<CrossValOptions, 'folds' | 'seed'>>,
): CrossValResult {
  checkShape(X, n, d);
  checkLabels(y, n, K);
  if (foldOf.length !== n) throw new MlInputError(`${foldOf.length} fold indices for ${n} rows.`, 'Give every row a fold.');
  let folds = 0;
  for (let i = 0; i < n; i++) folds = Math.max(folds, foldOf[i] + 1);
  if (folds < 2) throw new MlInputError(`Cross-validation needs at least 2 folds (got ${folds}).`, 'Choose 2 or more folds (5 is usual).');
  const foldAccuracies: number[] = [];
  const foldMacroF1: number[] = [];
  let notConverged = 0;
  let iterations = 0;
  let evaluations = 0;
  let previous: LogRegModel | undefined;
  let Ztr: Float64Array | undefined;
  let Zte: Float64Array | undefined;
  for (let f = 0; f < folds; f++) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    const { train, test } = splitFold(foldOf, f);
    if (test.length === 0) throw new MlInputError(`Fold ${f + 1} of ${folds} has no texts.`, 'Use fewer folds or more texts.');
    const st = fitStandardizer(X, n, d, train);
    Ztr = applyStandardizer(st, X, n, train, Ztr && Ztr.length >= train.length * d ? Ztr : undefined);
    Zte = applyStandardizer(st, X, n, test, Zte && Zte.length >= test.length * d ? Zte : undefined);
    const yTest = Int32Array.from(test, (i) => y[i]);
    // classes seen in training, renumbered 0..K'-1 (a class missing from a training fold cannot be predicted; fitting
    // it would push its intercept to −∞)
    const counts = classCounts(Int32Array.from(train, (i) => y[i]), K);
    const present: number[] = [];
    const map = new Int32Array(K).fill(-1);
    for (let k = 0; k < K; k++) if (counts[k] > 0) { map[k] = present.length; present.push(k); }
    let pred: Int32Array;
    if (present.length === 1) {
      pred = new Int32Array(test.length).fill(present[0]);
    } else {
      const yTrain = Int32Array.from(train, (i) => map[y[i]]);
      const model: LogRegModel = fitLogReg(Ztr.subarray(0, train.length * d), train.length, d, yTrain, present.length, {
        C: opts.C, maxIter: opts.maxIter, tol: opts.tol, backend: opts.backend,
        init: opts.warmStart && previous && previous.K === present.length ? previous : undefined,
      });
      previous = model;
      iterations += model.iterations;
      evaluations += model.evaluations;
      if (!model.converged) notConverged++;
      pred = predict(model, Zte.subarray(0, test.length * d), test.length);
      for (let i = 0; i < pred.length; i++) pred[i] = present[pred[i]];
    }
    foldAccuracies.push(accuracy(yTest, pred));
    foldMacroF1.push(macroF1(yTest, pred));
  }
  const acc = meanStd(foldAccuracies);
  return { accuracy: acc.mean, accuracyStd: acc.std, macroF1: meanStd(foldMacroF1).mean, foldAccuracies, foldMacroF1, notConverged, iterations, evaluations };
}

/** The seed for the control labels: a fixed offset of the experiment seed, so the control's shuffle and the folds'
 * shuffles are different streams. */
const CONTROL_SALT = 0x2545f491;

/**
 * Control task (Hewitt & Liang 2019): the same labels, permuted by a generator seeded from `seed`, so each text gets a
 * random label while the class sizes stay the same. A probe that scores well on these memorises rather than reads.
 */
export function controlLabels(y: Int32Array, seed: number): Int32Array {
  const p = permutation(y.length, makeRng(seed + CONTROL_SALT));
  const out = new Int32Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = y[p[i]];
  return out;
}

export type ProbeScores = Pick<ProbeRow, 'accuracy' | 'accuracyStd' | 'macroF1' | 'control' | 'selectivity'>;

/**
 * One cell of the pooling probe: cross-validated probe on (X, y) and the same probe on controlLabels(y, seed), with
 * the same folds count and seed. Returns exactly ProbeRow's score fields (layer and pooling are the caller's).
 */
export function probeLayerPooling(X: Mat, n: number, d: number, y: Int32Array, K: number, opts: CrossValOptions): ProbeScores {
  return probeLayerPoolingDetail(X, n, d, y, K, opts).scores;
}

/** probeLayerPooling with both cross-validation results (fold figures, iterations, fits that did not converge). */
export function probeLayerPoolingDetail(
  X: Mat, n: number, d: number, y: Int32Array, K: number, opts: CrossValOptions,
): { scores: ProbeScores; real: CrossValResult; control: CrossValResult } {
  const real = crossValidate(X, n, d, y, K, opts);
  const control = crossValidate(X, n, d, controlLabels(y, opts.seed), K, opts);
  return {
    scores: {
      accuracy: real.accuracy,
      accuracyStd: real.accuracyStd,
      macroF1: real.macroF1,
      control: { accuracy: control.accuracy },
      selectivity: real.accuracy - control.accuracy,
    },
    real,
    control,
  };
}
