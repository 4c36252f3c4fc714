// Seeded randomness and stratified folds (src/experiments/ml/rng.ts, folds.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitFold, stratifiedFolds } from '../../src/experiments/ml/folds';
import { makeRng, permutation, shuffled } from '../../src/experiments/ml/rng';
import { MlInputError } from '../../src/experiments/ml/errors';

test('makeRng: the same seed gives the same stream; other seeds differ; values in [0, 1) and about uniform', () => {
  const a = makeRng(42);
  const b = makeRng(42);
  const c = makeRng(43);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
  assert.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, () => c()));
  const r = makeRng(1);
  const bins = new Array(10).fill(0);
  const N = 100000;
  let sum = 0;
  for (let i = 0; i < N; i++) {
    const v = r();
    assert.ok(v >= 0 && v < 1);
    sum += v;
    bins[Math.floor(v * 10)]++;
  }
  assert.ok(Math.abs(sum / N - 0.5) < 0.005, `mean ${sum / N}`);
  // χ² with 9 degrees of freedom: 27.9 is its 0.999 quantile
  const chi2 = bins.reduce((s, o) => s + (o - N / 10) ** 2 / (N / 10), 0);
  assert.ok(chi2 < 27.9, `χ² = ${chi2}`);
});

test('makeRng: the stream is pinned (splitmix32 seed scramble + mulberry32, recomputed in Python in the comment)', () => {
  // Python:  def w(s): h=(s+0x9e3779b9)&M; h=((h^(h>>16))*0x85ebca6b)&M; h=((h^(h>>13))*0xc2b2ae35)&M; return h^(h>>16)
  //          a=w(seed); each draw: a=(a+0x6d2b79f5)&M; t=((a^(a>>15))*(1|a))&M; t=((t+(((t^(t>>7))*(61|t))&M))&M)^t;
  //          out=(t^(t>>14))/2**32          (M = 2**32-1)
  const r = makeRng(2024);
  const got = [r(), r(), r()];
  assert.deepEqual(got, PINNED_2024);
});
const PINNED_2024 = [0.9335524647030979, 0.93324850872159, 0.384734604973346];

test('permutation and shuffled: a permutation, deterministic by seed, input untouched', () => {
  const p = permutation(100, makeRng(5));
  assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  assert.deepEqual(p, permutation(100, makeRng(5)));
  assert.notDeepEqual(p, permutation(100, makeRng(6)));
  const xs = ['a', 'b', 'c', 'd', 'e'];
  const s = shuffled(xs, makeRng(3));
  assert.deepEqual(xs, ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual([...s].sort(), xs);
  // each position of a 4-permutation is uniform: 24 000 draws, every (value, position) pair ≈ 1/4
  const counts = new Array(16).fill(0);
  const r = makeRng(9);
  for (let t = 0; t < 24000; t++) permutation(4, r).forEach((v, i) => counts[v * 4 + i]++);
  for (const c of counts) assert.ok(Math.abs(c - 6000) < 300, `count ${c}`);
});

function labels(sizes: number[], seed: number): Int32Array {
  const y: number[] = [];
  sizes.forEach((s, k) => { for (let i = 0; i < s; i++) y.push(k); });
  return Int32Array.from(shuffled(y, makeRng(seed)));
}

test('stratifiedFolds: per class, fold counts differ by at most 1; fold sizes too; every row has a fold', () => {
  for (const [sizes, folds] of [[[50, 30, 7, 13], 5], [[3, 3, 3], 3], [[100, 1, 9], 4], [[17, 23], 10]] as [number[], number][]) {
    const y = labels(sizes, 1);
    const f = stratifiedFolds(y, folds, makeRng(0));
    const sizesPerFold = new Array(folds).fill(0);
    for (let k = 0; k < sizes.length; k++) {
      const per = new Array(folds).fill(0);
      for (let i = 0; i < y.length; i++) if (y[i] === k) per[f[i]]++;
      assert.ok(Math.max(...per) - Math.min(...per) <= 1, `class ${k} of ${sizes}: ${per}`);
    }
    for (let i = 0; i < y.length; i++) {
      assert.ok(f[i] >= 0 && f[i] < folds);
      sizesPerFold[f[i]]++;
    }
    assert.ok(Math.max(...sizesPerFold) - Math.min(...sizesPerFold) <= 1, `fold sizes ${sizesPerFold}`);
  }
});

test('stratifiedFolds: deterministic by seed, different seeds give different folds; splitFold partitions the rows', () => {
  const y = labels([40, 40, 20], 2);
  const a = stratifiedFolds(y, 5, makeRng(10));
  assert.deepEqual(a, stratifiedFolds(y, 5, makeRng(10)));
  assert.notDeepEqual(a, stratifiedFolds(y, 5, makeRng(11)));
  const seen = new Int32Array(y.length);
  for (let f = 0; f < 5; f++) {
    const { train, test: held } = splitFold(a, f);
    assert.equal(train.length + held.length, y.length);
    for (const i of held) { assert.equal(a[i], f); seen[i]++; }
    for (const i of train) assert.notEqual(a[i], f);
  }
  assert.ok(seen.every((v) => v === 1), 'every row is held out exactly once');
});

test('stratifiedFolds: bad fold counts are refused with the cause and the next step', () => {
  const y = Int32Array.from([0, 1, 0, 1]);
  assert.throws(() => stratifiedFolds(y, 1, makeRng(0)), (e: unknown) => e instanceof MlInputError && /at least 2 folds/.test(e.message) && /Choose/.test(e.message));
  assert.throws(() => stratifiedFolds(y, 5, makeRng(0)), (e: unknown) => e instanceof MlInputError && /5 folds need at least 5 texts; there are 4/.test(e.message));
  assert.throws(() => stratifiedFolds(Int32Array.from([0, -1, 1]), 2, makeRng(0)), MlInputError);
});
