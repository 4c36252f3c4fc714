// Stratified k-fold assignment, in the spirit of scikit-learn's StratifiedKFold(shuffle=True): the rows of each class
// are shuffled by the rng and dealt round-robin over the folds, each class starting where the previous one stopped, so
//  - within every class, fold counts differ by at most 1;
//  - fold sizes differ by at most 1 overall.
// (scikit-learn's exact allocation differs, so fold membership does not match scikit-learn row for row.)
import { MlInputError } from './errors';
import { permutation } from './rng';

/** Fold index (0..folds-1) of every row. */
export function stratifiedFolds(y: Int32Array, folds: number, rng: () => number): Int32Array {
  const n = y.length;
  if (!Number.isInteger(folds) || folds < 2) {
    throw new MlInputError(`Cross-validation needs at least 2 folds (got ${folds}).`, 'Choose 2 or more folds (5 is usual).');
  }
  if (folds > n) {
    throw new MlInputError(`${folds} folds need at least ${folds} texts; there are ${n}.`, `Use more texts or at most ${n} folds.`);
  }
  let K = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] < 0 || !Number.isInteger(y[i])) throw new MlInputError(`Label ${y[i]} of row ${i} is not a class index ≥ 0.`, 'Number the classes 0..K-1.');
    if (y[i] + 1 > K) K = y[i] + 1;
  }
  const byClass: number[][] = Array.from({ length: K }, () => []);
  for (let i = 0; i < n; i++) byClass[y[i]].push(i);
  const out = new Int32Array(n);
  let start = 0;
  for (let c = 0; c < K; c++) {
    const rows = byClass[c];
    const p = permutation(rows.length, rng);
    for (let j = 0; j < rows.length; j++) out[rows[p[j]]] = (start + j) % folds;
    start = (start + rows.length) % folds;
  }
  return out;
}

/** Rows in fold f (test) and the rest (train), each in increasing row order. */
export function splitFold(foldOf: Int32Array, f: number): { train: Int32Array; test: Int32Array } {
  let nt = 0;
  for (let i = 0; i < foldOf.length; i++) if (foldOf[i] === f) nt++;
  const test = new Int32Array(nt);
  const train = new Int32Array(foldOf.length - nt);
  let a = 0;
  let b = 0;
  for (let i = 0; i < foldOf.length; i++) {
    if (foldOf[i] === f) test[a++] = i;
    else train[b++] = i;
  }
  return { train, test };
}

/** Plain shuffled k-fold (no labels to stratify, e.g. multi-label targets): fold sizes differ by at most 1. */
export function shuffledFolds(n: number, folds: number, rng: () => number): Int32Array {
  if (!Number.isInteger(folds) || folds < 2) {
    throw new MlInputError(`Cross-validation needs at least 2 folds (got ${folds}).`, 'Choose 2 or more folds (5 is usual).');
  }
  if (folds > n) throw new MlInputError(`${folds} folds need at least ${folds} texts; there are ${n}.`, `Use more texts or at most ${n} folds.`);
  const p = permutation(n, rng);
  const out = new Int32Array(n);
  for (let j = 0; j < n; j++) out[p[j]] = j % folds;
  return out;
}
