// Bag-of-words recovery probe: can the words of a text be read back from its vector? For each vocabulary word v, an
// L2 binary logistic probe (fitLogReg, K = 2, scikit-learn's objective) predicts "text i contains v" from X; it is
// trained under shuffled k-fold cross-validation, so every text's word scores are held-out predictions. Each text's
// k highest-scoring words are compared with its true words: precision@k = hits / k, recall@k = hits / (its true words
// in the vocabulary). Both are averaged over the texts that contain at least one vocabulary word.
// Baseline: for every held-out text, the k words most frequent in that fold's training texts.
// Ties in a ranking go to the lower word index (callers order the vocabulary by frequency, so: the commoner word).
// Features are standardised per fold with the training rows' statistics, as in crossValidate.
import { checkShape, MlInputError } from './errors';
import { shuffledFolds, splitFold } from './folds';
import { decisionFunction, fitLogReg, type KernelBackend } from './logreg';
import { makeRng } from './rng';
import { applyStandardizer, fitStandardizer } from './standardize';

export interface BowOptions {
  /** Words per text to predict (the k of precision@k). */
  k: number;
  folds: number;
  seed: number;
  /** Inverse L2 strength of each word's probe (default 1). */
  C?: number;
  /** L-BFGS iterations per probe (default 100). */
  maxIter?: number;
  /** Inner loops of the fits (default 'auto': WebAssembly SIMD where available). */
  backend?: KernelBackend;
  /** After each word's probe in each fold: done of total fits. */
  onProgress?: (done: number, total: number) => void;
  /** Checked between fits; when aborted, throws its reason. */
  signal?: AbortSignal;
}

export interface BowScores {
  precisionAtK: number;
  recallAtK: number;
}

export interface BowResult extends BowScores {
  baseline: BowScores;
  /** Texts averaged over (those with at least one vocabulary word). */
  texts: number;
  /** Held-out logit of each word for each text [n × V]; −Infinity / +Infinity where a word was absent from / in every training text. */
  scores: Float64Array;
  /** Probes whose fit stopped at maxIter or by a failed line search, out of folds × V. */
  notConverged: number;
}

/**
 * Precision@k and recall@k of rankings by `scores` [n × V] against the 0/1 matrix Y [n × V], averaged over the texts
 * with at least one true word (`texts` counts them; both are NaN when there are none).
 */
export function precisionRecallAtK(scores: ArrayLike<number>, Y: Uint8Array, n: number, V: number, k: number): BowScores & { texts: number } {
  const kk = Math.min(k, V);
  let p = 0;
  let r = 0;
  let texts = 0;
  const top = new Int32Array(kk);
  for (let i = 0; i < n; i++) {
    let truth = 0;
    for (let v = 0; v < V; v++) truth += Y[i * V + v] ? 1 : 0;
    if (truth === 0) continue;
    topK(scores, i * V, V, kk, top);
    let hits = 0;
    for (let t = 0; t < kk; t++) if (Y[i * V + top[t]]) hits++;
    p += hits / k;
    r += hits / truth;
    texts++;
  }
  return { precisionAtK: texts ? p / texts : NaN, recallAtK: texts ? r / texts : NaN, texts };
}

/** Indices of the k largest of s[o .. o+V) (ties: lower index first), into out. */
function topK(s: ArrayLike<number>, o: number, V: number, k: number, out: Int32Array): void {
  let m = 0;
  for (let v = 0; v < V; v++) {
    const x = s[o + v];
    // insertion into the sorted top list (k is small)
    let pos = m;
    while (pos > 0 && x > s[o + out[pos - 1]]) pos--;
    if (pos >= k) continue;
    for (let t = Math.min(m, k - 1); t > pos; t--) out[t] = out[t - 1];
    out[pos] = v;
    if (m < k) m++;
  }
}

/** The probe over X [n × d] (row-major) and Y [n × V] (0/1, row-major). */
export function bowProbe(X: Float32Array | Float64Array, n: number, d: number, Y: Uint8Array, V: number, opts: BowOptions): BowResult {
  checkShape(X, n, d);
  if (Y.length !== n * V) throw new MlInputError(`The word matrix holds ${Y.length} values, not n × V = ${n} × ${V}.`, 'Pass one row of V 0/1 flags per text.');
  if (!Number.isInteger(opts.k) || opts.k < 1) throw new MlInputError(`k = ${opts.k}: precision@k needs k ≥ 1.`, 'Choose k ≥ 1 words per text.');
  if (V < 1) throw new MlInputError('The vocabulary is empty.', 'Use texts with words, or a larger vocabulary.');
  const foldOf = shuffledFolds(n, opts.folds, makeRng(opts.seed));
  const scores = new Float64Array(n * V);
  const baseScores = new Float64Array(n * V);
  let notConverged = 0;
  let done = 0;
  const total = opts.folds * V;
  for (let f = 0; f < opts.folds; f++) {
    const { train, test } = splitFold(foldOf, f);
    const st = fitStandardizer(X, n, d, train);
    const Ztr = applyStandardizer(st, X, n, train);
    const Zte = applyStandardizer(st, X, n, test);
    const y = new Int32Array(train.length);
    for (let v = 0; v < V; v++) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
      let pos = 0;
      for (let t = 0; t < train.length; t++) {
        y[t] = Y[train[t] * V + v] ? 1 : 0;
        pos += y[t];
      }
      // the baseline's score: the word's training frequency (same for every held-out text)
      for (const i of test) baseScores[i * V + v] = pos;
      if (pos === 0 || pos === train.length) {
        for (const i of test) scores[i * V + v] = pos === 0 ? -Infinity : Infinity;
      } else {
        const model = fitLogReg(Ztr, train.length, d, y, 2, { C: opts.C, maxIter: opts.maxIter, backend: opts.backend });
        if (!model.converged) notConverged++;
        const z = decisionFunction(model, Zte, test.length);
        for (let t = 0; t < test.length; t++) scores[test[t] * V + v] = z[t];
      }
      opts.onProgress?.(++done, total);
    }
  }
  const probe = precisionRecallAtK(scores, Y, n, V, opts.k);
  const base = precisionRecallAtK(baseScores, Y, n, V, opts.k);
  return {
    precisionAtK: probe.precisionAtK,
    recallAtK: probe.recallAtK,
    baseline: { precisionAtK: base.precisionAtK, recallAtK: base.recallAtK },
    texts: probe.texts,
    scores,
    notConverged,
  };
}
