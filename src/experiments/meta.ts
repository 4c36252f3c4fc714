// What every experiment result states about its run: the model (with the ONNX file's sha256 and the Hub commit), the
// layers and poolings asked for, the seed, notes; and the small checks every runner shares (layer lists, cancel).
import { CancelledError, EngineError } from '../engine/errors';
import type { LoadedModel } from '../engine/engine';
import type { DataInfo, ExperimentKind, ExperimentMeta, ExperimentModel, ProbePooling } from '../shared/experiments';
import type { ExperimentArgs } from './types';
import { defaultFeatureCache, experimentModel as featuresModel } from './features';

/** Defaults shared by the CLI, the extension and the tests. */
export const DEFAULTS = { folds: 5, seed: 0, C: 1, limit: 200, occlusionTexts: 5, mlmTexts: 5, pairs: 2000, bowWords: 100, bowK: 5 } as const;

/** The model as a result states it (the features module's, so probe and the other runners agree). */
export async function experimentModel(m: LoadedModel, ref: string, cacheDir?: string | false): Promise<ExperimentModel> {
  return featuresModel(m, ref, cacheDir === undefined ? defaultFeatureCache() : cacheDir);
}

/** Layer ids a run reports: `all` (default) is 0..L; a list is checked against the model. */
export function resolveLayers(arg: ExperimentArgs['layers'], modelLayers: number): number[] {
  if (arg === undefined || arg === 'all') return Array.from({ length: modelLayers + 1 }, (_, i) => i);
  const bad = arg.filter((l) => !Number.isInteger(l) || l < 0 || l > modelLayers);
  if (bad.length || arg.length === 0) {
    throw new EngineError('experiment-args', `Layer ${bad.length ? bad.join(', ') : '(none)'} is not in this model: it has layers 0 (embeddings) to ${modelLayers}.`,
      `Choose layers from 0 to ${modelLayers}, or all.`);
  }
  return [...new Set(arg)].sort((a, b) => a - b);
}

/** The token cap a run uses: the caller's (above the 2 specials), within the model's maximum (as the engine does). */
export function tokenCap(m: LoadedModel, requested?: number): number {
  return Math.min(requested && requested > 2 ? requested : m.summary.maxTokens, m.summary.maxTokens);
}

export function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}

/** The note every result of a random-weight model carries. */
export const RANDOM_WEIGHTS_NOTE = 'This model has random weights (made by the CLS Lens generator): the numbers test the plumbing, not what a trained model learned.';

/** The common part of a result. `elapsedMs` is filled in by finish(). */
export function makeMeta<K extends ExperimentKind>(kind: K, o: {
  model: ExperimentModel; data: DataInfo; seed: number; folds: number | null; layers: number[]; poolings: ProbePooling[];
  maxTokens: number; notes: string[]; startedAt: Date;
}): ExperimentMeta & { kind: K } {
  const notes = [...o.notes];
  // one random-weights note (the features module may have written its own)
  const i = notes.findIndex((n) => /random weights/i.test(n));
  if (i >= 0) notes.splice(i, 1);
  if (o.model.randomWeights) notes.unshift(RANDOM_WEIGHTS_NOTE);
  return {
    kind, version: 1, model: o.model, data: o.data, seed: o.seed, folds: o.folds, layers: o.layers, poolings: o.poolings,
    maxTokens: o.maxTokens, partial: false, notes, startedAt: o.startedAt.toISOString(), elapsedMs: 0,
  };
}

/**
 * A seeded uniform sample of at most `limit` items from a stream (reservoir sampling, Algorithm R), in stream order:
 * memory holds the sample, not the stream. Items are [index, value].
 */
export async function reservoir<T>(items: AsyncIterable<T>, limit: number, rand: () => number): Promise<{ sample: T[]; seen: number }> {
  const keep: { i: number; v: T }[] = [];
  let seen = 0;
  for await (const v of items) {
    if (keep.length < limit) keep.push({ i: seen, v });
    else {
      const j = Math.floor(rand() * (seen + 1));
      if (j < limit) keep[j] = { i: seen, v };
    }
    seen++;
  }
  return { sample: keep.sort((a, b) => a.i - b.i).map((x) => x.v), seen };
}

/** Cosine of two rows (float64 accumulation); 0 when either is the zero vector. */
export function cosine(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, n: number): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[ao + i], y = b[bo + i];
    dot += x * y; na += x * x; nb += y * y;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

export function norm(a: ArrayLike<number>, o: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[o + i] * a[o + i];
  return Math.sqrt(s);
}

export function meanStd(xs: number[]): { mean: number; std: number } {
  if (xs.length === 0) return { mean: NaN, std: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  return { mean, std: Math.sqrt(v) };
}
