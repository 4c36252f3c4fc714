import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addResidual, headMeasures, rolloutJs } from '../../src/engine/compute/attention';

// 2 layers, 2 heads, 3 tokens ([CLS] a [SEP]); row-stochastic matrices written out by hand.
const L = 2, Hd = 2, T = 3;
const layer0head0 = [[1, 0, 0], [0.5, 0.5, 0], [0.2, 0.3, 0.5]];
const layer0head1 = [[0, 0, 1], [0, 0, 1], [0, 0, 1]];
const layer1head0 = [[1 / 3, 1 / 3, 1 / 3], [1 / 3, 1 / 3, 1 / 3], [1 / 3, 1 / 3, 1 / 3]];
const layer1head1 = [[0, 1, 0], [0, 1, 0], [0, 1, 0]];
const attn = { data: Float32Array.from([layer0head0, layer0head1, layer1head0, layer1head1].flat(2)), dims: [L, Hd, T, T] };
const classes = { cls: Uint8Array.from([1, 0, 0]), sep: Uint8Array.from([0, 0, 1]), punct: Uint8Array.from([0, 1, 0]) };
const near = (a: number, b: number, msg = '') => assert.ok(Math.abs(a - b) < 1e-6, `${msg} ${a} vs ${b}`);

test('clsRow is the first query row of every head', () => {
  const m = headMeasures(attn, classes);
  assert.deepEqual(m.clsRow.dims, [L, Hd, T]);
  assert.deepEqual([...m.clsRow.data.subarray(0, 3)], [1, 0, 0]);
  assert.deepEqual([...m.clsRow.data.subarray(9, 12)], [0, 1, 0]);
});

test('shares to [CLS], [SEP], punctuation and self are means over queries', () => {
  const m = headMeasures(attn, classes);
  near(m.toCls.data[0], (1 + 0.5 + 0.2) / 3, 'toCls l0h0');
  near(m.toSep.data[1], 1, 'toSep l0h1');
  near(m.toPunct.data[3], 1, 'toPunct l1h1');
  near(m.toSelf.data[0], (1 + 0.5 + 0.5) / 3, 'toSelf l0h0');
});

test('entropy: uniform rows give ln(T), one-hot rows give 0', () => {
  const m = headMeasures(attn, classes);
  near(m.entropy.data[2], Math.log(3), 'uniform');
  near(m.entropy.data[1], 0, 'one-hot');
});

test('rollout: R1 = Â1, R2 = Â2·R1, rows stay stochastic', () => {
  const m = headMeasures(attn, classes);
  const hat = addResidual(m.mixed);
  // Â for layer 0 by hand: head mean, then 0.5·A + 0.5·I
  const mean0 = [[0.5, 0, 0.5], [0.25, 0.25, 0.5], [0.1, 0.15, 0.75]];
  const hat0 = mean0.map((r, i) => r.map((v, j) => 0.5 * v + (i === j ? 0.5 : 0)));
  const mean1 = [[1 / 6, 2 / 3, 1 / 6], [1 / 6, 2 / 3, 1 / 6], [1 / 6, 2 / 3, 1 / 6]];
  const hat1 = mean1.map((r, i) => r.map((v, j) => 0.5 * v + (i === j ? 0.5 : 0)));
  const r = rolloutJs(hat);
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
    near(r.data[i * T + j], hat0[i][j], `R1[${i}][${j}]`);
    let s = 0;
    for (let k = 0; k < T; k++) s += hat1[i][k] * hat0[k][j];
    near(r.data[T * T + i * T + j], s, `R2[${i}][${j}]`);
  }
  for (let i = 0; i < T; i++) near(r.data.subarray(T * T + i * T, T * T + i * T + T).reduce((a, b) => a + b, 0), 1, 'row sum');
});

test('toPunct: per layer and head, the mean over queries of the attention that lands on punctuation keys', () => {
  // punctuation = token 1 only: the column-1 entries of each head, averaged over the 3 queries
  const one = headMeasures(attn, classes).toPunct;
  assert.deepEqual(one.dims, [L, Hd]);
  const wantOne = [(0 + 0.5 + 0.3) / 3, 0, 1 / 3, 1]; // l0h0, l0h1, l1h0, l1h1
  wantOne.forEach((w, i) => near(one.data[i], w, `toPunct[${i}] with punctuation at 1`));
  // punctuation = tokens 1 and 2: columns 1 + 2 (a share over several keys is their sum)
  const two = headMeasures(attn, { ...classes, punct: Uint8Array.from([0, 1, 1]) }).toPunct;
  const wantTwo = [(0 + 0.5 + 0.8) / 3, 1, 2 / 3, 1];
  wantTwo.forEach((w, i) => near(two.data[i], w, `toPunct[${i}] with punctuation at 1, 2`));
  // no punctuation at all: every share is 0
  const none = headMeasures(attn, { ...classes, punct: new Uint8Array(3) }).toPunct;
  assert.deepEqual([...none.data], [0, 0, 0, 0]);
});
