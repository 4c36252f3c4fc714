// 2-D UMAP for the map experiment, with umap-js (the PAIR-code implementation behind TensorFlow's Embedding
// Projector), seeded by our generator so the same data, options and seed give the same coordinates on every run.
// umap-js draws every random number (random-projection trees, NN-descent, the initial layout, negative sampling)
// from the `random` function it is given. Distances are Euclidean on the given vectors (standardise or normalise
// first if that is what you want to map). n_neighbors defaults to 15, capped at n − 1 for small sets.
import { UMAP } from 'umap-js';
import { checkShape, MlInputError } from './errors';
import { makeRng } from './rng';

export interface UmapOptions {
  seed: number;
  /** Default 15 (umap-js's and umap-learn's), capped at n − 1. */
  nNeighbors?: number;
  /** Default 0.1. */
  minDist?: number;
  /** Default: umap-js's choice (500 below 10,000 points, else 200). */
  nEpochs?: number;
  /** Called after each epoch; return true to stop early (e.g. on cancel). */
  onEpoch?: (epoch: number) => boolean | void;
}

/** Smallest data set UMAP is run on: with fewer points a neighbourhood graph says nothing. */
export const UMAP_MIN_POINTS = 4;

/** [n × 2] UMAP coordinates of X [n × d], row-major Float32. */
export function umap2(X: Float32Array | Float64Array, n: number, d: number, opts: UmapOptions): Float32Array {
  checkShape(X, n, d);
  if (n < UMAP_MIN_POINTS) {
    throw new MlInputError(`UMAP needs at least ${UMAP_MIN_POINTS} texts to build a neighbourhood graph; there are ${n}.`, 'Add texts, or use the PCA map.');
  }
  for (let i = 0; i < X.length; i++) if (!Number.isFinite(X[i])) throw new MlInputError(`Feature ${i % d} of row ${Math.floor(i / d)} is ${X[i]}.`, 'Remove rows with NaN or infinite features.');
  const nNeighbors = Math.max(2, Math.min(opts.nNeighbors ?? 15, n - 1));
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(X.subarray(i * d, (i + 1) * d)));
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors,
    minDist: opts.minDist ?? 0.1,
    nEpochs: opts.nEpochs,
    random: makeRng(opts.seed),
  });
  const nEpochs = umap.initializeFit(rows);
  for (let e = 0; e < nEpochs; e++) {
    umap.step();
    if (opts.onEpoch?.(e) === true) break;
  }
  const emb = umap.getEmbedding();
  const xy = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    xy[i * 2] = emb[i][0];
    xy[i * 2 + 1] = emb[i][1];
  }
  return xy;
}
