import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cosine, dot, euclidean, rowwise, tokenCosineMatrix } from '../../src/engine/compute/similarity';

test('cosine, dot and euclidean of known vectors', () => {
  assert.equal(dot([1, 2, 3], [4, 5, 6]), 32);
  assert.ok(Math.abs(cosine([1, 0], [1, 1]) - Math.SQRT1_2) < 1e-12);
  assert.equal(euclidean([0, 0], [3, 4]), 5);
  assert.equal(cosine([0, 0], [1, 1]), 0, 'a zero vector has cosine 0, not NaN');
});

test('rowwise compares per layer and checks shapes', () => {
  const a = { data: Float32Array.from([1, 0, 0, 1]), dims: [2, 2] };
  const b = { data: Float32Array.from([1, 0, 1, 0]), dims: [2, 2] };
  assert.deepEqual([...rowwise('cosine', a, b)], [1, 0]);
  assert.throws(() => rowwise('dot', a, { data: new Float32Array(2), dims: [1, 2] }), RangeError);
});

test('tokenCosineMatrix is symmetric with a unit diagonal', () => {
  const hidden = { data: Float32Array.from([1, 0, 0, 1, 1, 1]), dims: [1, 3, 2] };
  const m = tokenCosineMatrix(hidden, 0);
  assert.deepEqual(m.dims, [3, 3]);
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(m.data[i * 3 + i] - 1) < 1e-6);
    for (let j = 0; j < 3; j++) assert.equal(m.data[i * 3 + j], m.data[j * 3 + i]);
  }
  assert.ok(Math.abs(m.data[1] - 0) < 1e-7);
  assert.throws(() => tokenCosineMatrix(hidden, 1), RangeError);
});
