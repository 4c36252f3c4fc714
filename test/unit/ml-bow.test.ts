// Bag-of-words recovery probe (src/experiments/ml/bow.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bowProbe, precisionRecallAtK } from '../../src/experiments/ml/bow';
import { MlInputError } from '../../src/experiments/ml/errors';
import { shuffledFolds } from '../../src/experiments/ml/folds';
import { gaussian, makeRng } from '../../src/experiments/ml/rng';

test('precision@k and recall@k by hand, with ties going to the lower word index', () => {
  // 3 texts × 4 words
  const Y = Uint8Array.from([1, 0, 1, 0, /**/ 0, 0, 0, 1, /**/ 0, 0, 0, 0]);
  const S = [0.9, 0.8, 0.1, 0.0, /**/ 0.5, 0.5, 0.2, 0.5, /**/ 1, 2, 3, 4];
  const r = precisionRecallAtK(S, Y, 3, 4, 2);
  // text 0: top-2 = {0, 1}: 1 hit → p 1/2, r 1/2. text 1: ties 0.5 at 0, 1, 3 → top-2 = {0, 1}: 0 hits → p 0, r 0.
  // text 2 has no true word: left out.
  assert.equal(r.texts, 2);
  assert.equal(r.precisionAtK, 0.25);
  assert.equal(r.recallAtK, 0.25);
  const r3 = precisionRecallAtK(S, Y, 3, 4, 3); // text 0: {0,1,2}: 2 hits; text 1: {0,1,3}: 1 hit
  assert.ok(Math.abs(r3.precisionAtK - (2 / 3 + 1 / 3) / 2) < 1e-15);
  assert.equal(r3.recallAtK, 1);
  // k larger than the vocabulary: all words ranked, precision still over k
  const r9 = precisionRecallAtK(S, Y, 3, 4, 9);
  assert.equal(r9.recallAtK, 1);
  assert.ok(Math.abs(r9.precisionAtK - (2 / 9 + 1 / 9) / 2) < 1e-15);
});

test('shuffledFolds: sizes differ by at most 1, deterministic by seed', () => {
  const f = shuffledFolds(23, 5, makeRng(1));
  const sizes = new Array(5).fill(0);
  f.forEach((v) => sizes[v]++);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
  assert.deepEqual(f, shuffledFolds(23, 5, makeRng(1)));
  assert.notDeepEqual(f, shuffledFolds(23, 5, makeRng(2)));
});

/** Texts whose word v is present when feature v is high: X carries the words, plus noise features. */
function wordsInFeatures(n: number, V: number, noise: number, seed: number) {
  const d = V + noise;
  const rng = makeRng(seed);
  const X = new Float32Array(n * d);
  const Y = new Uint8Array(n * V);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) X[i * d + j] = gaussian(rng);
    for (let v = 0; v < V; v++) {
      // word v in about (40 − 3v) % of texts: frequent words first
      const present = rng() < 0.4 - 0.03 * v;
      Y[i * V + v] = present ? 1 : 0;
      if (present) X[i * d + v] += 3;
    }
  }
  return { X, Y, d };
}

test('words written into the features are recovered far above the frequency baseline', () => {
  const n = 300;
  const V = 10;
  const { X, Y, d } = wordsInFeatures(n, V, 6, 3);
  let calls = 0;
  const r = bowProbe(X, n, d, Y, V, { k: 2, folds: 5, seed: 1, onProgress: () => calls++ });
  assert.equal(calls, 5 * V);
  assert.equal(r.notConverged, 0);
  assert.ok(r.precisionAtK > 0.8, `precision@2 ${r.precisionAtK}`);
  assert.ok(r.baseline.precisionAtK < 0.5, `baseline precision@2 ${r.baseline.precisionAtK}`);
  assert.ok(r.recallAtK > r.baseline.recallAtK + 0.3, `recall ${r.recallAtK} vs baseline ${r.baseline.recallAtK}`);
  assert.deepEqual(bowProbe(X, n, d, Y, V, { k: 2, folds: 5, seed: 1 }).scores, r.scores, 'deterministic');
});

test('features that say nothing: the probe is no better than the baseline (held-out, not memorised)', () => {
  const n = 300;
  const V = 8;
  const { Y } = wordsInFeatures(n, V, 0, 4);
  const rng = makeRng(5);
  const d = 20;
  const X = Float32Array.from({ length: n * d }, () => gaussian(rng));
  const r = bowProbe(X, n, d, Y, V, { k: 2, folds: 5, seed: 2 });
  assert.ok(r.precisionAtK <= r.baseline.precisionAtK + 0.05, `probe ${r.precisionAtK} vs baseline ${r.baseline.precisionAtK}`);
});

test('the baseline predicts the training folds’ most frequent words; a word in no training text scores −∞', () => {
  // 10 texts, 3 words: word 2 in every text but one, word 0 in 3 texts, word 1 in 1 text (row 9)
  const n = 10;
  const V = 3;
  const Y = new Uint8Array(n * V);
  for (let i = 0; i < n; i++) { Y[i * V + 2] = i === 0 ? 0 : 1; Y[i * V] = i < 3 ? 1 : 0; }
  Y[9 * V + 1] = 1;
  const X = Float32Array.from({ length: n * 2 }, (_, i) => (i * 7919) % 13);
  const r = bowProbe(X, n, 2, Y, V, { k: 1, folds: 2, seed: 0 });
  // row 9's fold does not train on row 9, so word 1 has no positive there: −∞ for that fold's texts
  const foldOf = shuffledFolds(n, 2, makeRng(0));
  for (let i = 0; i < n; i++) if (foldOf[i] === foldOf[9]) assert.equal(r.scores[i * V + 1], -Infinity);
  // expected baseline, counted here: per fold, the top-1 training word (ties to the lower index), hit or miss per text
  let hits = 0;
  let texts = 0;
  for (let f = 0; f < 2; f++) {
    const counts = [0, 1, 2].map((v) => [...Array(n).keys()].filter((i) => foldOf[i] !== f && Y[i * V + v]).length);
    const top = counts.indexOf(Math.max(...counts));
    for (let i = 0; i < n; i++) if (foldOf[i] === f && Y[i * V] + Y[i * V + 1] + Y[i * V + 2] > 0) { texts++; hits += Y[i * V + top]; }
  }
  assert.equal(r.texts, texts);
  assert.ok(Math.abs(r.baseline.precisionAtK - hits / texts) < 1e-15, `baseline ${r.baseline.precisionAtK} vs ${hits / texts}`);
});

test('bad input is refused with the cause and the next step', () => {
  const X = new Float32Array(20);
  assert.throws(() => bowProbe(X, 10, 2, new Uint8Array(5), 3, { k: 1, folds: 2, seed: 0 }), (e: unknown) => e instanceof MlInputError && /word matrix holds 5 values/.test(e.message));
  assert.throws(() => bowProbe(X, 10, 2, new Uint8Array(30), 3, { k: 0, folds: 2, seed: 0 }), (e: unknown) => e instanceof MlInputError && /k ≥ 1/.test(e.message));
  const ac = new AbortController();
  ac.abort(new Error('stop'));
  assert.throws(() => bowProbe(X, 10, 2, new Uint8Array(30), 3, { k: 1, folds: 2, seed: 0, signal: ac.signal }), /stop/);
});
