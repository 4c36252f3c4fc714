// Speed of the probe maths (src/experiments/ml): one logistic-regression fit of the size and the pooling
// probe's grid, on random data shaped like BERT-base features. Prints figures; asserts nothing.
//   node scripts/build.mjs && node out/scripts/bench/probe-bench.js [--n 2000] [--d 768] [--K 5] [--folds 5]
//     [--cells 91] [--seed 1] [--backend auto|wasm|js] [--bow V]
// The grid: 2,000 texts × 13 layers × 7 poolings = 91 cells, each 5 folds + 5 control folds = 910 fits of
// ~1,600 × 768 with 5 classes. --cells N runs N of the 91 cells and extrapolates (each cell gets its own data).
// Data: per text a class mean (5 classes) plus a 48-dimensional latent factor mixed into 768 features plus isotropic
// noise, scaled like hidden states (|x| ≈ 10); the class signal is weak enough that the probe is neither trivial nor
// at chance. Random data: the figures are about time, not about any model. Times are wall and CPU of this process
// (on a shared machine CPU time is the steadier figure). --bow V also times the bag-of-words probe with V words
// (V binary probes × folds) on the same data.
import { parseArgs } from 'node:util';
import { bowProbe } from '../../src/experiments/ml/bow';
import { crossValidate, controlLabels } from '../../src/experiments/ml/crossval';
import { fitLogReg, type KernelBackend } from '../../src/experiments/ml/logreg';
import { gaussian, makeRng } from '../../src/experiments/ml/rng';
import { applyStandardizer, fitStandardizer } from '../../src/experiments/ml/standardize';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '2000' }, d: { type: 'string', default: '768' }, K: { type: 'string', default: '5' },
    folds: { type: 'string', default: '5' }, cells: { type: 'string', default: '91' }, seed: { type: 'string', default: '1' },
    maxIter: { type: 'string', default: '100' }, warm: { type: 'boolean', default: false },
    compare: { type: 'boolean', default: false }, memory: { type: 'string', default: '10' },
    backend: { type: 'string', default: 'auto' }, bow: { type: 'string', default: '0' },
  },
});
const n = Number(values.n);
const d = Number(values.d);
const K = Number(values.K);
const folds = Number(values.folds);
const cells = Number(values.cells);
const seed = Number(values.seed);
const maxIter = Number(values.maxIter);
const backend = values.backend as KernelBackend;

function features(cellSeed: number): { X: Float32Array; y: Int32Array } {
  const rng = makeRng(cellSeed);
  const L = 48;
  const mix = Float64Array.from({ length: L * d }, () => gaussian(rng) / Math.sqrt(L));
  const means = Float64Array.from({ length: K * d }, () => gaussian(rng) * 0.15);
  const y = Int32Array.from({ length: n }, (_, i) => i % K);
  const X = new Float32Array(n * d);
  const z = new Float64Array(L);
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < L; l++) z[l] = gaussian(rng) * 3;
    for (let j = 0; j < d; j++) {
      let s = means[y[i] * d + j] + gaussian(rng);
      for (let l = 0; l < L; l++) s += z[l] * mix[l * d + j];
      X[i * d + j] = s;
    }
  }
  return { X, y };
}

/** CPU milliseconds of this process since `since` (user + system): on a shared machine wall time overstates the work. */
function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

const t0 = performance.now();
const { X, y } = features(seed);
console.log(`data: ${n} × ${d}, ${K} classes, made in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// one fit on 80 % of the rows, standardised
const m = Math.round(n * (folds - 1) / folds);
const rows = Int32Array.from({ length: m }, (_, i) => i);
const st = fitStandardizer(X, n, d, rows);
const Z = applyStandardizer(st, X, n, rows);
const yt = y.subarray(0, m);
for (const [label, yy] of [['labels', yt], ['control labels', controlLabels(yt, seed)]] as const) {
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const model = fitLogReg(Z, m, d, yy, K, { C: 1, maxIter, memory: Number(values.memory), backend });
  const ms = performance.now() - t1;
  const cpu = cpuMs(c1);
  console.log(`one fit (${label}): ${m} × ${d}, K = ${K}: ${ms.toFixed(0)} ms wall, ${cpu.toFixed(0)} ms CPU, ${model.iterations} iterations, ${model.evaluations} evaluations (${(cpu / model.evaluations).toFixed(1)} ms CPU each), stop: ${model.stop}, max|∇| ${model.gradNorm.toExponential(2)}`);
}

// the grid
const t2 = performance.now();
const c2 = process.cpuUsage();
let fits = 0;
let notConverged = 0;
let iterations = 0;
let evaluations = 0;
for (let c = 0; c < cells; c++) {
  const data = c === 0 ? { X, y } : features(seed * 1000 + c);
  const tc = performance.now();
  const opts = { folds, seed, C: 1, maxIter, warmStart: values.warm, backend };
  const real = crossValidate(data.X, n, d, data.y, K, opts);
  const ctrl = crossValidate(data.X, n, d, controlLabels(data.y, seed), K, opts);
  evaluations += real.evaluations + ctrl.evaluations;
  if (values.compare) {
    // the other warm-start setting on the same cell: how far the fold scores move
    const o2 = { ...opts, warmStart: !values.warm };
    const r2 = crossValidate(data.X, n, d, data.y, K, o2);
    const c2 = crossValidate(data.X, n, d, controlLabels(data.y, seed), K, o2);
    const diff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    console.log(`  warm ${values.warm} vs ${!values.warm}: evaluations ${real.evaluations + ctrl.evaluations} vs ${r2.evaluations + c2.evaluations}; fold accuracies differ by ≤ ${diff(real.foldAccuracies, r2.foldAccuracies).toFixed(4)} (real), ≤ ${diff(ctrl.foldAccuracies, c2.foldAccuracies).toFixed(4)} (control); mean accuracy ${real.accuracy.toFixed(4)} vs ${r2.accuracy.toFixed(4)}, control ${ctrl.accuracy.toFixed(4)} vs ${c2.accuracy.toFixed(4)}`);
  }
  fits += 2 * folds;
  notConverged += real.notConverged + ctrl.notConverged;
  iterations += real.iterations + ctrl.iterations;
  console.log(`cell ${c + 1}/${cells}: accuracy ${real.accuracy.toFixed(3)} ± ${real.accuracyStd.toFixed(3)}, control ${ctrl.accuracy.toFixed(3)}, ${((performance.now() - tc) / 1000).toFixed(1)} s, iterations ${real.iterations}+${ctrl.iterations}`);
}
const total = (performance.now() - t2) / 1000;
const totalCpu = cpuMs(c2) / 1000;
console.log(`grid: ${cells} cells, ${fits} fits in ${total.toFixed(1)} s wall, ${totalCpu.toFixed(1)} s CPU (${(totalCpu / fits * 1000).toFixed(0)} ms CPU per fit incl. standardising and scoring, ${(iterations / fits).toFixed(0)} iterations and ${(evaluations / fits).toFixed(0)} evaluations per fit, ${notConverged} fits stopped at maxIter)`);
if (cells < 91) console.log(`extrapolated to the issue's 91 cells (910 fits): ${(totalCpu / cells * 91).toFixed(0)} s of CPU (one core)`);

const V = Number(values.bow);
if (V > 0) {
  // words: word v in about (30 − 0.2·v) % of texts, nudging feature v, so the probe has something to find
  const rng = makeRng(seed + 7);
  const Y = new Uint8Array(n * V);
  const Xb = Float32Array.from(X);
  for (let i = 0; i < n; i++) for (let v = 0; v < V; v++) if (rng() < 0.3 - 0.002 * v) { Y[i * V + v] = 1; Xb[i * d + (v % d)] += 1; }
  const t3 = performance.now();
  const c3 = process.cpuUsage();
  const r = bowProbe(Xb, n, d, Y, V, { k: 5, folds, seed, maxIter, backend });
  const cpu = cpuMs(c3) / 1000;
  console.log(`bag of words: ${V} words × ${folds} folds = ${V * folds} binary fits in ${((performance.now() - t3) / 1000).toFixed(1)} s wall, ${cpu.toFixed(1)} s CPU (${(cpu / (V * folds) * 1000).toFixed(0)} ms CPU per fit); precision@5 ${r.precisionAtK.toFixed(3)} (baseline ${r.baseline.precisionAtK.toFixed(3)}), recall@5 ${r.recallAtK.toFixed(3)} (baseline ${r.baseline.recallAtK.toFixed(3)}), ${r.notConverged} fits not converged`);
}
