import assert from 'node:assert/strict';
import { test } from 'node:test';
import { masksFromSpecials, poolAll, rowNorms, tokenVector } from '../../src/engine/compute/pooling';
import type { FloatTensor } from '../../src/shared/types';

// 2 layers × 4 tokens × 3 dims; tokens 0 and 3 are [CLS] and [SEP].
const H = 3;
const rowsPerLayer = [
  [[1, 2, 3], [4, -5, 6], [-7, 8, 9], [10, 11, -12]],
  [[0, 0, 1], [2, 2, 2], [4, -4, 0], [1, 1, 1]],
];
const hidden: FloatTensor = { data: Float32Array.from(rowsPerLayer.flat(2)), dims: [2, 4, H] };
const masks = masksFromSpecials([true, false, false, true]);
const close = (a: ArrayLike<number>, b: number[], tol = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

test('cls is the first token of each layer', () => {
  close(poolAll(hidden, masks).cls.data, [1, 2, 3, 0, 0, 1]);
});

test('mean excludes the added specials; meanWithSpecials includes them', () => {
  const p = poolAll(hidden, masks);
  close(p.mean.data, [-1.5, 1.5, 7.5, 3, -1, 1]);
  close(p.meanWithSpecials.data, [2, 4, 1.5, 7 / 4, -1 / 4, 1]);
});

test('max is element-wise over content tokens only', () => {
  close(poolAll(hidden, masks).max.data, [4, 8, 9, 4, 2, 2]);
});

test('meanSqrtLen divides the content sum by sqrt(n)', () => {
  const s = Math.SQRT2;
  close(poolAll(hidden, masks).meanSqrtLen.data, [-3 / s, 3 / s, 15 / s, 6 / s, -2 / s, 2 / s]);
});

test('lastToken is the last content token, not [SEP]', () => {
  close(poolAll(hidden, masks).lastToken.data, [-7, 8, 9, 4, -4, 0]);
});

test('padding rows are ignored by every pooling', () => {
  const m = { all: Uint8Array.from([1, 1, 1, 0]), content: Uint8Array.from([0, 1, 1, 0]) };
  const p = poolAll(hidden, m);
  close(p.meanWithSpecials.data, [-2 / 3, 5 / 3, 6, 2, -2 / 3, 1]);
  close(p.lastToken.data, [-7, 8, 9, 4, -4, 0]);
});

test('a text of only specials falls back to every token', () => {
  const m = masksFromSpecials([true, true]);
  assert.deepEqual([...m.content], [1, 1]);
});

test('tokenVector gathers one token across layers; out of range throws', () => {
  close(tokenVector(hidden, 2).data, [-7, 8, 9, 4, -4, 0]);
  assert.throws(() => tokenVector(hidden, 4), RangeError);
});

test('rowNorms', () => {
  close(rowNorms({ data: Float32Array.from([3, 4, 0, 0]), dims: [2, 2] }), [5, 0]);
});
