// UMAP (src/experiments/ml/umap.ts, umap-js seeded by our generator).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MlInputError } from '../../src/experiments/ml/errors';
import { gaussian, makeRng } from '../../src/experiments/ml/rng';
import { umap2 } from '../../src/experiments/ml/umap';

/** k clusters of m points in d dimensions, centres 20 apart on the axes, unit spread. */
function clusters(k: number, m: number, d: number, seed: number): { X: Float32Array; label: number[] } {
  const rng = makeRng(seed);
  const X = new Float32Array(k * m * d);
  const label: number[] = [];
  for (let c = 0; c < k; c++) for (let i = 0; i < m; i++) {
    const r = c * m + i;
    label.push(c);
    for (let j = 0; j < d; j++) X[r * d + j] = gaussian(rng) + (j === c ? 20 : 0);
  }
  return { X, label };
}

test('the same data and seed give the same coordinates; another seed gives others', () => {
  const { X } = clusters(3, 20, 10, 1);
  const a = umap2(X, 60, 10, { seed: 42, nEpochs: 100 });
  const b = umap2(X, 60, 10, { seed: 42, nEpochs: 100 });
  assert.ok(a instanceof Float32Array && a.length === 120);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, umap2(X, 60, 10, { seed: 43, nEpochs: 100 }));
  assert.ok(a.every(Number.isFinite));
});

test('well-separated clusters stay separated in 2-D', () => {
  const k = 4;
  const m = 30;
  const { X, label } = clusters(k, m, 16, 2);
  const n = k * m;
  const xy = umap2(X, n, 16, { seed: 7 });
  const cx = new Array(k).fill(0);
  const cy = new Array(k).fill(0);
  for (let i = 0; i < n; i++) { cx[label[i]] += xy[i * 2] / m; cy[label[i]] += xy[i * 2 + 1] / m; }
  // every point is nearer its own cluster's centre than any other centre
  for (let i = 0; i < n; i++) {
    const dist = (c: number) => Math.hypot(xy[i * 2] - cx[c], xy[i * 2 + 1] - cy[c]);
    for (let c = 0; c < k; c++) if (c !== label[i]) assert.ok(dist(label[i]) < dist(c), `point ${i} of cluster ${label[i]} is nearer cluster ${c}`);
  }
  // and clusters are compact relative to their separation: largest radius < half the smallest centre distance
  let radius = 0;
  for (let i = 0; i < n; i++) radius = Math.max(radius, Math.hypot(xy[i * 2] - cx[label[i]], xy[i * 2 + 1] - cy[label[i]]));
  let gap = Infinity;
  for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) gap = Math.min(gap, Math.hypot(cx[a] - cx[b], cy[a] - cy[b]));
  assert.ok(radius < gap / 2, `largest cluster radius ${radius} vs smallest centre distance ${gap}`);
});

test('small sets: n_neighbors is capped below n; fewer than 4 points is a clear error', () => {
  const { X } = clusters(2, 3, 4, 3); // 6 points: n_neighbors 15 would exceed n
  const xy = umap2(X, 6, 4, { seed: 1 });
  assert.ok(xy.every(Number.isFinite));
  assert.throws(() => umap2(X.subarray(0, 12), 3, 4, { seed: 1 }), (e: unknown) => e instanceof MlInputError && /at least 4 texts.*there are 3/.test(e.message) && /PCA/.test(e.message));
});

test('onEpoch can stop the layout early (cancellation)', () => {
  const { X } = clusters(2, 10, 4, 4);
  let calls = 0;
  const xy = umap2(X, 20, 4, { seed: 1, onEpoch: () => ++calls >= 5 });
  assert.equal(calls, 5);
  assert.ok(xy.every(Number.isFinite));
});
