// Logistic regression (src/experiments/ml/logreg.ts): gradient by finite differences, optimality at the solution, and
// scikit-learn 1.2.1's fits on small data sets. The reference, test/fixtures/ml/logreg-sklearn.json, was made by
// scripts/ref/logreg_ref.py with Debian 12's python3-sklearn (scikit-learn 1.2.1, numpy 1.24.2, scipy 1.10.1):
//   /usr/bin/python3 scripts/ref/logreg_ref.py > test/fixtures/ml/logreg-sklearn.json
// It holds, per case, scikit-learn's fit at its defaults (tol 1e-4, max_iter 100) and a tight fit (tol 1e-10) that
// stands for the optimum. Tolerances: the objective ½‖W‖² + C·Σ log-loss within 1e-6 relative of the tight optimum;
// coefficients within 1e-3 (scaled by max(1, |w|)); the same predictions as scikit-learn's default fit.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { fitLogReg, logRegObjective, predict, predictProba } from '../../src/experiments/ml/logreg';
import { gaussian, makeRng } from '../../src/experiments/ml/rng';
import { MlInputError } from '../../src/experiments/ml/errors';

interface RefFit { coef: number[][]; intercept: number[]; objective: number; nIter: number; predict: number[]; proba: number[][] }
interface RefCase { name: string; n: number; d: number; K: number; C: number; X: number[][]; y: number[]; default: RefFit; tight: RefFit }
const fixture = path.resolve(__dirname, '../../../test/fixtures/ml/logreg-sklearn.json');
const ref = JSON.parse(fs.readFileSync(fixture, 'utf8')) as { versions: Record<string, string>; cases: RefCase[] };

function randomProblem(n: number, d: number, K: number, seed: number) {
  const rng = makeRng(seed);
  const X = Float64Array.from({ length: n * d }, () => gaussian(rng));
  const y = Int32Array.from({ length: n }, (_, i) => i % K);
  for (let i = 0; i < n; i++) X[i * d] += y[i]; // some signal in feature 0
  return { X, y };
}

for (const K of [2, 4]) {
  test(`gradient of the objective agrees with central finite differences (K = ${K})`, () => {
    const n = 30;
    const d = 5;
    const { X, y } = randomProblem(n, d, K, 3);
    const fg = logRegObjective(X, n, d, y, K, 0.7);
    const rows = K === 2 ? 1 : K;
    const rng = makeRng(4);
    const theta = Float64Array.from({ length: rows * d + rows }, () => gaussian(rng) * 0.5);
    const g = new Float64Array(theta.length);
    fg(theta, g);
    const scratch = new Float64Array(theta.length);
    for (let i = 0; i < theta.length; i++) {
      const h = 1e-5;
      const tp = Float64Array.from(theta); tp[i] += h;
      const tm = Float64Array.from(theta); tm[i] -= h;
      const fd = (fg(tp, scratch) - fg(tm, scratch)) / (2 * h);
      assert.ok(Math.abs(fd - g[i]) <= 1e-6 * Math.max(1, Math.abs(fd)), `θ[${i}]: analytic ${g[i]}, finite difference ${fd}`);
    }
  });
}

for (const [K, C] of [[2, 1], [3, 1], [5, 0.05]] as [number, number][]) {
  test(`optimality: the gradient at the solution is ≈ 0 (K = ${K}, C = ${C})`, () => {
    const n = 200;
    const d = 12;
    const { X, y } = randomProblem(n, d, K, 10 + K);
    const m = fitLogReg(X, n, d, y, K, { C, tol: 1e-7, maxIter: 1000 });
    assert.ok(m.converged, m.stop);
    const fg = logRegObjective(X, n, d, y, K, C);
    const theta = new Float64Array(m.W.length + m.b.length);
    const g0 = new Float64Array(theta.length);
    fg(theta, g0);
    theta.set(m.W);
    theta.set(m.b, m.W.length);
    const g = new Float64Array(theta.length);
    const f = fg(theta, g);
    const max = (a: Float64Array) => a.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
    assert.ok(max(g) <= 1e-4 * max(g0), `max |∇| = ${max(g)} at the solution vs ${max(g0)} at 0`);
    assert.ok(Math.abs(C * f - m.objective) <= 1e-12 * m.objective, 'objective is ½‖W‖² + C·Σ log-loss');
  });
}

for (const c of ref.cases) {
  test(`scikit-learn ${ref.versions.sklearn}: ${c.name}`, () => {
    const X = Float64Array.from(c.X.flat());
    const y = Int32Array.from(c.y);
    const rows = c.K === 2 ? 1 : c.K;
    // tight fit vs the tight reference: the optimum
    const tight = fitLogReg(X, c.n, c.d, y, c.K, { C: c.C, tol: 1e-9, maxIter: 2000 });
    const rel = Math.abs(tight.objective - c.tight.objective) / c.tight.objective;
    assert.ok(rel <= 1e-6, `objective ${tight.objective} vs scikit-learn ${c.tight.objective} (rel ${rel})`);
    assert.ok(tight.objective <= c.tight.objective * (1 + 1e-9), 'not above scikit-learn’s optimum');
    for (let k = 0; k < rows; k++) {
      for (let j = 0; j < c.d; j++) {
        const a = tight.W[k * c.d + j];
        const b = c.tight.coef[k][j];
        assert.ok(Math.abs(a - b) <= 1e-3 * Math.max(1, Math.abs(b)), `W[${k}][${j}] ${a} vs ${b}`);
      }
      assert.ok(Math.abs(tight.b[k] - c.tight.intercept[k]) <= 1e-3 * Math.max(1, Math.abs(c.tight.intercept[k])), `b[${k}] ${tight.b[k]} vs ${c.tight.intercept[k]}`);
    }
    // default settings vs scikit-learn's default fit: same predictions, objective close, probabilities close
    const def = fitLogReg(X, c.n, c.d, y, c.K, { C: c.C });
    assert.ok(def.converged, `default fit stopped by ${def.stop} after ${def.iterations} iterations (scikit-learn: ${c.default.nIter})`);
    assert.ok(Math.abs(def.objective - c.default.objective) / c.default.objective <= 1e-4, `objective ${def.objective} vs ${c.default.objective}`);
    assert.deepEqual([...predict(def, X, c.n)], c.default.predict);
    const P = predictProba(def, X, c.n);
    for (let i = 0; i < c.n; i++) for (let k = 0; k < c.K; k++) {
      assert.ok(Math.abs(P[i * c.K + k] - c.default.proba[i][k]) <= 2e-3, `P[${i}][${k}] ${P[i * c.K + k]} vs ${c.default.proba[i][k]}`);
    }
  });
}

test('separable data: the penalty keeps the weights finite, training accuracy is 1, probabilities sum to 1', () => {
  const n = 40;
  const d = 2;
  const X = new Float64Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) { y[i] = i % 2; X[i * 2] = y[i] ? 5 + (i % 7) : -5 - (i % 5); X[i * 2 + 1] = (i % 3) - 1; }
  for (const K of [2, 3]) {
    const yk = K === 2 ? y : Int32Array.from(y, (v, i) => (v === 1 && i % 4 === 1 ? 2 : v));
    if (K === 3) for (let i = 0; i < n; i++) if (yk[i] === 2) X[i * 2 + 1] = 20;
    const m = fitLogReg(X, n, d, yk, K, { C: 1 });
    assert.ok(m.converged, m.stop);
    for (const w of m.W) assert.ok(Number.isFinite(w) && Math.abs(w) < 10, `w = ${w}`);
    assert.deepEqual([...predict(m, X, n)], [...yk]);
    const P = predictProba(m, X, n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += P[i * K + k];
      assert.ok(Math.abs(s - 1) < 1e-12);
    }
  }
});

test('extreme logits stay finite (log-sum-exp): features of size 1e4', () => {
  const X = Float64Array.from([1e4, -1e4, 2e4, -2e4]);
  const y = Int32Array.from([1, 0, 1, 0]);
  const m = fitLogReg(X, 4, 1, y, 2);
  assert.ok(Number.isFinite(m.objective) && Number.isFinite(m.W[0]));
  assert.deepEqual([...predict(m, X, 4)], [1, 0, 1, 0]);
  const fg = logRegObjective(X, 4, 1, y, 2, 1);
  const g = new Float64Array(2);
  assert.ok(Number.isFinite(fg(Float64Array.from([-5, 0]), g)) && g.every(Number.isFinite));
  const fg3 = logRegObjective(X, 4, 1, Int32Array.from([1, 0, 2, 0]), 3, 1);
  const g3 = new Float64Array(6);
  assert.ok(Number.isFinite(fg3(Float64Array.from([5, -5, 3, 0, 0, 0]), g3)) && g3.every(Number.isFinite));
});

test('warm start from the solution stops at once and gives the same model', () => {
  const { X, y } = randomProblem(100, 6, 3, 21);
  const m = fitLogReg(X, 100, 6, y, 3);
  const again = fitLogReg(X, 100, 6, y, 3, { init: m });
  assert.ok(again.iterations <= 2, `${again.iterations} iterations`);
  assert.ok(Math.abs(again.objective - m.objective) <= 1e-6 * m.objective);
});

test('bad input is refused with the cause and the next step', () => {
  const X = Float64Array.from([0, 1, 2, 3]);
  assert.throws(() => fitLogReg(X, 2, 3, Int32Array.from([0, 1]), 2), (e: unknown) => e instanceof MlInputError && /holds 4 values, not n × d = 2 × 3/.test(e.message));
  assert.throws(() => fitLogReg(X, 2, 2, Int32Array.from([0, 2]), 2), (e: unknown) => e instanceof MlInputError && /outside 0..1/.test(e.message));
  assert.throws(() => fitLogReg(X, 2, 2, Int32Array.from([0, 1]), 2, { C: 0 }), (e: unknown) => e instanceof MlInputError && /positive/.test(e.message));
  assert.throws(() => fitLogReg(Float64Array.from([0, NaN, 2, 3]), 2, 2, Int32Array.from([0, 1]), 2), (e: unknown) => e instanceof MlInputError && /NaN/.test(e.message));
  assert.throws(() => fitLogReg(X, 2, 2, Int32Array.from([0, 1]), 1), (e: unknown) => e instanceof MlInputError && /at least 2/.test(e.message));
});

test('the WebAssembly SIMD and TypeScript kernels give the same objective, gradient and fit', () => {
  for (const [K, d] of [[2, 7], [3, 12], [5, 9]] as [number, number][]) {
    const n = 83;
    const { X, y } = randomProblem(n, d, K, 30 + K);
    const rows = K === 2 ? 1 : K;
    const rng = makeRng(31);
    const theta = Float64Array.from({ length: rows * d + rows }, () => gaussian(rng) * 0.3);
    const gj = new Float64Array(theta.length);
    const gw = new Float64Array(theta.length);
    const fj = logRegObjective(X, n, d, y, K, 0.5, 'js')(theta, gj);
    const fw = logRegObjective(X, n, d, y, K, 0.5, 'wasm')(theta, gw);
    assert.ok(Math.abs(fj - fw) <= 1e-12 * Math.abs(fj), `K = ${K}: ${fj} vs ${fw}`);
    for (let i = 0; i < theta.length; i++) assert.ok(Math.abs(gj[i] - gw[i]) <= 1e-10 * Math.max(1, Math.abs(gj[i])), `K = ${K}, θ[${i}]`);
    const mj = fitLogReg(X, n, d, y, K, { backend: 'js' });
    const mw = fitLogReg(X, n, d, y, K, { backend: 'wasm' });
    assert.ok(Math.abs(mj.objective - mw.objective) <= 1e-8 * mj.objective);
    assert.deepEqual([...predict(mj, X, n)], [...predict(mw, X, n)]);
  }
});
