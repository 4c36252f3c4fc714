// Pooling one row of a padded batch (what embed does for experiments) against poolAll on that row alone, and the
// probe's first / middle / last content token.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentTokenIndex, masksFromSpecials, poolAll, poolBatchRow, type RowPooling } from '../../src/engine/compute/pooling';
import type { FloatTensor } from '../../src/shared/types';

test('first / middle / last content token', () => {
  const c = Uint8Array.from([0, 1, 1, 1, 1, 0, 0]); // [CLS] a b c d [SEP] pad
  assert.deepEqual(['first', 'middle', 'last'].map((w) => contentTokenIndex(c, w as 'first')), [1, 2, 4]);
  const odd = Uint8Array.from([0, 1, 1, 1, 0]);
  assert.equal(contentTokenIndex(odd, 'middle'), 2);
  const one = Uint8Array.from([0, 1, 0]);
  assert.deepEqual(['first', 'middle', 'last'].map((w) => contentTokenIndex(one, w as 'first')), [1, 1, 1]);
});

test('poolBatchRow on a padded batch equals poolAll on the row alone, for every pooling', () => {
  const B = 3, T = 6, H = 4, L = 3;
  let seed = 7;
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31 - 0.5; };
  const layers: FloatTensor[] = Array.from({ length: L }, () => ({ data: Float32Array.from({ length: B * T * H }, rnd), dims: [B, T, H] }));
  const lens = [6, 4, 3];
  const names: RowPooling[] = ['cls', 'mean', 'meanWithSpecials', 'max', 'meanSqrtLen', 'lastToken', 'first', 'middle', 'last'];
  for (let b = 0; b < B; b++) {
    const len = lens[b];
    const specials = Array.from({ length: len }, (_, t) => t === 0 || t === len - 1);
    const m = masksFromSpecials(specials);
    const all = new Uint8Array(T), content = new Uint8Array(T);
    all.set(m.all); content.set(m.content);
    const got = poolBatchRow(layers, b, { all, content }, names);
    // the reference: the row's real tokens only, stacked [L, len, H]
    const alone = new Float32Array(L * len * H);
    for (let l = 0; l < L; l++) alone.set(layers[l].data.subarray(b * T * H, b * T * H + len * H), l * len * H);
    const ref = poolAll({ data: alone, dims: [L, len, H] }, m);
    for (const k of ['cls', 'mean', 'meanWithSpecials', 'max', 'meanSqrtLen', 'lastToken'] as const) assert.deepEqual(got[k], ref[k].data, `${k} row ${b}`);
    assert.deepEqual(got.last, ref.lastToken.data, 'last = lastToken');
    for (const [k, t] of [['first', 1], ['middle', Math.floor((len - 3) / 2) + 1]] as const) {
      const want = new Float32Array(L * H);
      for (let l = 0; l < L; l++) want.set(alone.subarray((l * len + t) * H, (l * len + t + 1) * H), l * H);
      assert.deepEqual(got[k], want, `${k} row ${b}`);
    }
  }
  assert.deepEqual(Object.keys(poolBatchRow(layers, 0, { all: new Uint8Array(T).fill(1), content: new Uint8Array(T).fill(1) }, ['cls'])), ['cls'], 'only what is asked');
});
