// L-BFGS (src/experiments/ml/lbfgs.ts) against problems with known minima.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { minimize } from '../../src/experiments/ml/lbfgs';
import { gaussian, makeRng } from '../../src/experiments/ml/rng';

/** n-dimensional Rosenbrock, minimum 0 at (1, …, 1). */
function rosenbrock(x: Float64Array, g: Float64Array): number {
  let f = 0;
  g.fill(0);
  for (let i = 0; i < x.length - 1; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    f += 100 * a * a + b * b;
    g[i] += -400 * x[i] * a - 2 * b;
    g[i + 1] += 200 * a;
  }
  return f;
}

test('Rosenbrock in 2-D from (-1.2, 1) reaches (1, 1)', () => {
  const r = minimize(rosenbrock, Float64Array.from([-1.2, 1]), { maxIter: 500, gtol: 1e-9, ftol: 0 });
  assert.ok(r.converged, `stopped by ${r.stop} after ${r.iterations} iterations`);
  assert.equal(r.stop, 'gtol');
  assert.ok(Math.abs(r.x[0] - 1) < 1e-6 && Math.abs(r.x[1] - 1) < 1e-6, `x = ${[...r.x]}`);
  assert.ok(r.f < 1e-12, `f = ${r.f}`);
  assert.ok(r.iterations < 100, `${r.iterations} iterations (textbook L-BFGS needs ~35)`);
});

test('Rosenbrock in 10-D from a seeded random start', () => {
  const rng = makeRng(7);
  const x0 = Float64Array.from({ length: 10 }, () => 2 * rng() - 1);
  const r = minimize(rosenbrock, x0, { maxIter: 1000, gtol: 1e-8, ftol: 0 });
  assert.equal(r.stop, 'gtol');
  for (let i = 0; i < 10; i++) assert.ok(Math.abs(r.x[i] - 1) < 1e-5, `x[${i}] = ${r.x[i]}`);
  assert.ok(r.gradNorm <= 1e-8);
});

test('a convex quadratic with a known minimiser: x* = c to 1e-8, f* = f0', () => {
  // f(x) = ½ (x − c)ᵀ A (x − c) + f0 (f0 = 0: an offset would hide the last digits of progress in f's rounding) with A = BᵀB + I (well conditioned, SPD), d = 30
  const d = 30;
  const rng = makeRng(11);
  const B = Float64Array.from({ length: d * d }, () => gaussian(rng) / Math.sqrt(d));
  const A = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let s = i === j ? 1 : 0;
    for (let k = 0; k < d; k++) s += B[k * d + i] * B[k * d + j];
    A[i * d + j] = s;
  }
  const c = Float64Array.from({ length: d }, () => gaussian(rng) * 3);
  const f0 = 0;
  const u = new Float64Array(d);
  const fg = (x: Float64Array, g: Float64Array) => {
    for (let i = 0; i < d; i++) u[i] = x[i] - c[i];
    let f = 0;
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += A[i * d + j] * u[j];
      g[i] = s;
      f += 0.5 * u[i] * s;
    }
    return f + f0;
  };
  const r = minimize(fg, new Float64Array(d), { gtol: 1e-9, ftol: 0 });
  assert.equal(r.stop, 'gtol');
  for (let i = 0; i < d; i++) assert.ok(Math.abs(r.x[i] - c[i]) < 1e-8, `x[${i}] = ${r.x[i]} vs ${c[i]}`);
  assert.ok(Math.abs(r.f - f0) < 1e-12);
  assert.ok(r.iterations <= 60, `${r.iterations} iterations`);
});

test('stop rules: a start at the minimum stops at once; maxIter stops without converging; ftol stops as converged', () => {
  const at = minimize(rosenbrock, Float64Array.from([1, 1]));
  assert.equal(at.iterations, 0);
  assert.equal(at.stop, 'gtol');
  assert.ok(at.converged);
  const short = minimize(rosenbrock, Float64Array.from([-1.2, 1]), { maxIter: 3, gtol: 1e-12, ftol: 0 });
  assert.equal(short.iterations, 3);
  assert.equal(short.stop, 'maxIter');
  assert.equal(short.converged, false);
  const loose = minimize(rosenbrock, Float64Array.from([-1.2, 1]), { gtol: 0, ftol: 1e-3, maxIter: 1000 });
  assert.equal(loose.stop, 'ftol');
  assert.ok(loose.converged);
  const x0 = Float64Array.from([-1.2, 1]);
  minimize(rosenbrock, x0);
  assert.deepEqual([...x0], [-1.2, 1], 'x0 is not modified');
});

test('a function that is unbounded below ends without a hang and reports not converged', () => {
  const r = minimize((x, g) => { g[0] = -1; return -x[0]; }, Float64Array.from([0]), { maxIter: 50 });
  assert.equal(r.converged, false);
  assert.ok(r.x[0] > 0);
});
