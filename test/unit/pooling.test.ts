import assert from 'node:assert/strict';
import { test } from 'node:test';
import { masksFromSpecials, poolAll, poolAllWithClsCosine, rowNorms, tokenVector } from '../../src/engine/compute/pooling';
import { cosine } from '../../src/engine/compute/similarity';
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

/** Every pooling by the definitions, one token at a time, in float64. */
function naivePool(data: Float32Array, [L, T, D]: number[], m: { all: Uint8Array; content: Uint8Array }) {
  const out = { mean: [] as number[], meanWithSpecials: [] as number[], max: [] as number[], meanSqrtLen: [] as number[] };
  const idx = (want: Uint8Array) => [...want.keys()].filter((t) => want[t]);
  const content = idx(m.content), all = idx(m.all);
  for (let l = 0; l < L; l++) {
    for (let h = 0; h < D; h++) {
      const at = (t: number) => data[(l * T + t) * D + h];
      const sum = content.reduce((a, t) => a + at(t), 0);
      out.mean.push(sum / content.length);
      out.meanWithSpecials.push(all.reduce((a, t) => a + at(t), 0) / all.length);
      out.max.push(Math.max(...content.map(at)));
      out.meanSqrtLen.push(sum / Math.sqrt(content.length));
    }
  }
  return out;
}

test('the one-pass pooling equals the definitions when runs of content tokens are cut by specials, padding and a ragged end', () => {
  const [L, T, D] = [3, 23, 6];
  const data = Float32Array.from({ length: L * T * D }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 3);
  const all = Uint8Array.from({ length: T }, (_, t) => (t < 21 ? 1 : 0)); // two padding rows
  const content = Uint8Array.from({ length: T }, (_, t) => (t === 0 || t === 7 || t === 20 || t >= 21 ? 0 : 1)); // [CLS] a [SEP] mid-sequence, [SEP]
  const m = { all, content };
  const p = poolAll({ data, dims: [L, T, D] }, m);
  const ref = naivePool(data, [L, T, D], m);
  for (const k of ['mean', 'meanWithSpecials', 'max', 'meanSqrtLen'] as const) close(p[k].data, ref[k], 1e-5);
  close(p.lastToken.data, Array.from({ length: L }, (_, l) => [...data.subarray((l * T + 19) * D, (l * T + 20) * D)]).flat());
  data[(1 * T + 3) * D + 2] = NaN; // a NaN never wins the max
  assert.ok(!Number.isNaN(poolAll({ data, dims: [L, T, D] }, m).max.data[1 * D + 2]));
});

test('poolAllWithClsCosine: the same pooled vectors as poolAll, and cosine() of token 0 and each token exactly', () => {
  const [L, T, D] = [3, 13, 5];
  const data = Float32Array.from({ length: L * T * D }, (_, i) => Math.cos(i * 7.31) * 2);
  // specials at 0, 6 and 12: content tokens 1–4 and 7–10 are read four at a time, 5 and 11 one at a time
  data.fill(0, 5 * D, 6 * D); // a zero token in layer 0 read alone: cosine 0, not NaN
  data.fill(0, 9 * D, 10 * D); // and one inside a run of four (7–10)
  data.fill(0, 2 * T * D, 2 * T * D + D); // layer 2's token 0 is zero: every cosine of that layer is 0
  const m = masksFromSpecials(Array.from({ length: T }, (_, t) => t === 0 || t === 6 || t === T - 1));
  const x = { data, dims: [L, T, D] };
  const { pooled, clsToken } = poolAllWithClsCosine(x, m);
  const p = poolAll(x, m);
  for (const k of Object.keys(p) as (keyof typeof p)[]) assert.deepEqual([...pooled[k].data], [...p[k].data], k);
  assert.deepEqual(clsToken.dims, [L, T]);
  for (let l = 0; l < L; l++) {
    for (let t = 0; t < T; t++) assert.equal(clsToken.data[l * T + t], Math.fround(cosine(data, data, l * T * D, (l * T + t) * D, D)), `${l},${t}`);
  }
  assert.equal(clsToken.data[5], 0);
  assert.equal(clsToken.data[9], 0);
  assert.ok([...clsToken.data.subarray(2 * T, 3 * T)].every((v) => v === 0));
});

test('the [CLS]-to-token cosines are 1 at [CLS] and match hand values', () => {
  const hidden = { data: Float32Array.from([1, 0, 0, 1, 1, 1, /* layer 1 */ 2, 2, -1, -1, 0, 3]), dims: [2, 3, 2] };
  const c = poolAllWithClsCosine(hidden, masksFromSpecials([true, false, true])).clsToken;
  const expected = [1, 0, Math.SQRT1_2, 1, -1, Math.SQRT1_2];
  expected.forEach((e, i) => assert.ok(Math.abs(c.data[i] - e) < 1e-6, `${i}: ${c.data[i]} vs ${e}`));
});
