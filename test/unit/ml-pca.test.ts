// PCA (src/experiments/ml/pca.ts) against a closed form and against an independent eigen-decomposition.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pca2, pcaFit } from '../../src/experiments/ml/pca';
import { gaussian, makeRng } from '../../src/experiments/ml/rng';

test('closed form: a 3-D Gaussian stretched along known orthogonal axes gives those axes and variances', () => {
  // axes u = (1, 1, 0)/√2 with sd 5, v = (1, −1, 1)/√3 with sd 2, w ⟂ both with sd 0.5; mean (10, −3, 7)
  const u = [1 / Math.SQRT2, 1 / Math.SQRT2, 0];
  const v = [1 / Math.sqrt(3), -1 / Math.sqrt(3), 1 / Math.sqrt(3)];
  const w = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
  const n = 20000;
  const rng = makeRng(1);
  const X = new Float32Array(n * 3);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = 5 * gaussian(rng);
    b[i] = 2 * gaussian(rng);
    const c = 0.5 * gaussian(rng);
    for (let j = 0; j < 3; j++) X[i * 3 + j] = [10, -3, 7][j] + a[i] * u[j] + b[i] * v[j] + c * w[j];
  }
  const r = pcaFit(X, n, 3);
  // sampling error of a direction ~ sd ratio / √n: well under 0.01 here
  const dot = (k: number, e: number[]) => e.reduce((s, ej, j) => s + ej * r.components[k * 3 + j], 0);
  assert.ok(Math.abs(Math.abs(dot(0, u)) - 1) < 1e-3, `component 1 · u = ${dot(0, u)}`);
  assert.ok(Math.abs(Math.abs(dot(1, v)) - 1) < 1e-3, `component 2 · v = ${dot(1, v)}`);
  assert.ok(Math.abs(r.variance[0] - 25) / 25 < 0.03, `variance ${r.variance[0]} vs 25`);
  assert.ok(Math.abs(r.variance[1] - 4) / 4 < 0.03, `variance ${r.variance[1]} vs 4`);
  assert.ok(Math.abs(r.totalVariance - 29.25) / 29.25 < 0.03);
  // sign rule: the largest-|loading| coordinate is positive
  for (let k = 0; k < 2; k++) {
    const comp = [0, 1, 2].map((j) => r.components[k * 3 + j]);
    const big = comp.reduce((bi, c, j) => (Math.abs(c) > Math.abs(comp[bi]) ? j : bi), 0);
    assert.ok(comp[big] > 0);
  }
  // coordinates are the centred data on the components: they track the latent a (up to sign) and are centred
  let corr = 0;
  let m0 = 0;
  for (let i = 0; i < n; i++) { corr += r.xy[i * 2] * a[i]; m0 += r.xy[i * 2]; }
  assert.ok(Math.abs(m0 / n) < 1e-3, 'centred');
  assert.ok(Math.abs(corr / n) / 25 > 0.99);
});

/** Classical Jacobi eigenvalue algorithm (threshold sweeps), written separately from pca.ts: values and vectors. */
function referenceEigen(S: number[][]): { values: number[]; vectors: number[][] } {
  const p = S.length;
  const A = S.map((r) => [...r]);
  const V: number[][] = A.map((_, i) => A.map((__, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 200; sweep++) {
    let off = 0;
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) if (i !== j) off += A[i][j] ** 2;
    if (off < 1e-26) break;
    for (let i = 0; i < p; i++) {
      for (let j = i + 1; j < p; j++) {
        if (Math.abs(A[i][j]) < 1e-300) continue;
        // rotation angle φ with tan 2φ = 2Aij / (Ajj − Aii)
        const phi = 0.5 * Math.atan2(2 * A[i][j], A[j][j] - A[i][i]);
        const c = Math.cos(phi);
        const s = Math.sin(phi);
        for (let k = 0; k < p; k++) {
          const x = A[k][i];
          const y = A[k][j];
          A[k][i] = c * x - s * y;
          A[k][j] = s * x + c * y;
        }
        for (let k = 0; k < p; k++) {
          const x = A[i][k];
          const y = A[j][k];
          A[i][k] = c * x - s * y;
          A[j][k] = s * x + c * y;
        }
        for (let k = 0; k < p; k++) {
          const x = V[k][i];
          const y = V[k][j];
          V[k][i] = c * x - s * y;
          V[k][j] = s * x + c * y;
        }
      }
    }
  }
  const idx = A.map((_, i) => i).sort((x, y) => A[y][y] - A[x][x]);
  return { values: idx.map((i) => A[i][i]), vectors: idx.map((i) => V.map((row) => row[i])) };
}

for (const [n, d] of [[40, 7], [6, 30]] as [number, number][]) {
  test(`against Jacobi on the covariance of a small random matrix (${n} × ${d})`, () => {
    const rng = makeRng(n * 100 + d);
    // columns with different scales so the leading eigenvalues are distinct
    const X = Float32Array.from({ length: n * d }, (_, i) => gaussian(rng) * (1 + (i % d) * 0.3));
    const mean = new Array(d).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += X[i * d + j] / n;
    const S = Array.from({ length: d }, (_, a) => Array.from({ length: d }, (__, b) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += (X[i * d + a] - mean[a]) * (X[i * d + b] - mean[b]);
      return s / n;
    }));
    const ref = referenceEigen(S);
    // the reference itself is an eigen-decomposition: S v = λ v
    for (let k = 0; k < 2; k++) {
      const v = ref.vectors[k];
      for (let a = 0; a < d; a++) assert.ok(Math.abs(S[a].reduce((s, x, b) => s + x * v[b], 0) - ref.values[k] * v[a]) < 1e-9);
    }
    const r = pcaFit(X, n, d, { tol: 1e-12 });
    for (let k = 0; k < 2; k++) {
      assert.ok(Math.abs(r.variance[k] - ref.values[k]) <= 1e-9 * ref.values[0], `λ${k + 1} ${r.variance[k]} vs ${ref.values[k]}`);
      const c = ref.vectors[k].reduce((s, x, j) => s + x * r.components[k * d + j], 0);
      assert.ok(Math.abs(Math.abs(c) - 1) < 1e-8, `|cos| between component ${k + 1} and the reference: ${c}`);
      // coordinates: centred rows times the reference vector, up to the sign
      const sign = Math.sign(c);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (X[i * d + j] - mean[j]) * ref.vectors[k][j];
        assert.ok(Math.abs(r.xy[i * 2 + k] - sign * s) < 1e-4 * Math.sqrt(ref.values[0]) + 1e-5, `row ${i}, component ${k + 1}`);
      }
    }
  });
}

test('deterministic, float32 out, and degenerate inputs give zeros rather than NaN', () => {
  const rng = makeRng(3);
  const X = Float32Array.from({ length: 50 * 8 }, () => gaussian(rng));
  const a = pca2(X, 50, 8);
  assert.ok(a instanceof Float32Array && a.length === 100);
  assert.deepEqual(a, pca2(X, 50, 8));
  const constant = new Float32Array(10 * 4).fill(2);
  assert.deepEqual([...pca2(constant, 10, 4)], new Array(20).fill(0));
  const line = Float32Array.from({ length: 10 * 3 }, (_, i) => Math.floor(i / 3) * [1, 2, 3][i % 3]); // rank 1
  const l = pca2(line, 10, 3);
  assert.ok(l.every(Number.isFinite));
  for (let i = 0; i < 10; i++) assert.equal(l[i * 2 + 1], 0, 'no second direction of variance');
  assert.deepEqual([...pca2(Float32Array.from([1, 2, 3]), 1, 3)], [0, 0]);
  assert.throws(() => pca2(Float32Array.from([1, NaN]), 1, 2), /NaN/);
});
