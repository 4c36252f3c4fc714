// Classification scores. Labels are class indices 0..K-1.
import { MlInputError } from './errors';

function sameLength(a: Int32Array, b: Int32Array): void {
  if (a.length !== b.length) throw new MlInputError(`${a.length} true labels and ${b.length} predictions: they must pair up.`);
  if (a.length === 0) throw new MlInputError('A score over no rows is undefined.', 'Score at least one row.');
}

/** Fraction of rows where pred equals truth. */
export function accuracy(truth: Int32Array, pred: Int32Array): number {
  sameLength(truth, pred);
  let ok = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === pred[i]) ok++;
  return ok / truth.length;
}

/**
 * Unweighted mean over classes of F1 = 2·TP / (2·TP + FP + FN), over the classes present in truth or pred (scikit-learn's
 * f1_score(average='macro') with its default labels, the sorted union of both). A class that is predicted but never
 * true (or true but never predicted) counts with F1 = 0, as scikit-learn's zero_division default gives.
 */
export function macroF1(truth: Int32Array, pred: Int32Array): number {
  sameLength(truth, pred);
  let K = 0;
  for (let i = 0; i < truth.length; i++) K = Math.max(K, truth[i] + 1, pred[i] + 1);
  const tp = new Float64Array(K);
  const nt = new Float64Array(K);
  const np = new Float64Array(K);
  for (let i = 0; i < truth.length; i++) {
    nt[truth[i]]++;
    np[pred[i]]++;
    if (truth[i] === pred[i]) tp[truth[i]]++;
  }
  let sum = 0;
  let classes = 0;
  for (let k = 0; k < K; k++) {
    if (nt[k] === 0 && np[k] === 0) continue;
    classes++;
    sum += (2 * tp[k]) / (nt[k] + np[k]);
  }
  return sum / classes;
}

/** Share of the largest class: the accuracy of always predicting it. */
export function majorityRate(y: Int32Array, K: number): number {
  if (y.length === 0) throw new MlInputError('The majority rate of no labels is undefined.', 'Pass at least one label.');
  const c = classCounts(y, K);
  let best = 0;
  for (let k = 0; k < K; k++) if (c[k] > best) best = c[k];
  return best / y.length;
}

/** Rows per class 0..K-1. */
export function classCounts(y: Int32Array, K: number): Int32Array {
  const c = new Int32Array(K);
  for (let i = 0; i < y.length; i++) {
    if (y[i] < 0 || y[i] >= K) throw new MlInputError(`Label ${y[i]} is outside 0..${K - 1}.`, 'Number the classes 0..K-1.');
    c[y[i]]++;
  }
  return c;
}

/** Mean and population standard deviation (divided by the count, numpy's default std). */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  if (xs.length === 0) return { mean: NaN, std: NaN };
  let s = 0;
  for (const v of xs) s += v;
  const mean = s / xs.length;
  let v2 = 0;
  for (const v of xs) v2 += (v - mean) ** 2;
  return { mean, std: Math.sqrt(v2 / xs.length) };
}
