// What every experiment result states about its run: the model (with the ONNX file's sha256 and the Hub commit), the
// layers and poolings asked for, the seed, notes; and the small checks every runner shares (layer lists, cancel).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancelledError, EngineError } from '../engine/errors';
import type { LoadedModel } from '../engine/engine';
import type { DataInfo, ExperimentKind, ExperimentMeta, ExperimentModel, ProbePooling } from '../shared/experiments';
import type { ExperimentArgs } from './types';

const shaCache = new Map<string, string>();

/** sha256 (hex) of a file, streamed; remembered per path, size and modification time. */
export async function fileSha256(file: string): Promise<string> {
  const st = fs.statSync(file);
  const key = `${file}\u0000${st.size}\u0000${st.mtimeMs}`;
  const hit = shaCache.get(key);
  if (hit) return hit;
  const hash = crypto.createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    fs.createReadStream(file).on('data', (b) => hash.update(b)).on('end', () => resolve()).on('error', reject);
  });
  const hex = hash.digest('hex');
  shaCache.set(key, hex);
  return hex;
}

/** The Hub commit of a snapshot folder in the Hugging Face cache layout (`…/snapshots/<40 hex>/…`), else null. */
export function hubCommitOf(folder: string): string | null {
  const parts = path.resolve(folder).split(path.sep);
  const i = parts.lastIndexOf('snapshots');
  return i >= 0 && /^[0-9a-f]{40}$/.test(parts[i + 1] ?? '') ? parts[i + 1] : null;
}

/** The model as a result states it. */
export async function experimentModel(m: LoadedModel, ref: string): Promise<ExperimentModel> {
  const s = m.summary;
  return {
    ref, name: s.name, onnxFile: path.relative(m.folder.folder, m.folder.onnxFile) || m.folder.onnxFile,
    onnxSha256: await fileSha256(m.folder.onnxFile), commit: hubCommitOf(m.folder.folder),
    layers: s.layers, heads: s.heads, hidden: s.hidden, randomWeights: s.randomWeights,
  };
}

/** Layer ids a run reports: `all` (default) is 0..L; a list is checked against the model. */
export function resolveLayers(arg: ExperimentArgs['layers'], modelLayers: number): number[] {
  if (arg === undefined || arg === 'all') return Array.from({ length: modelLayers + 1 }, (_, i) => i);
  const bad = arg.filter((l) => !Number.isInteger(l) || l < 0 || l > modelLayers);
  if (bad.length || arg.length === 0) {
    throw new EngineError('model-config', `Layer${bad.length === 1 ? '' : 's'} ${bad.length ? bad.join(', ') : '(none)'} asked for, but this model has layers 0..${modelLayers} (0 = the embeddings output).`,
      `Ask for layers between 0 and ${modelLayers}, or all of them.`);
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
  if (o.model.randomWeights && !notes.includes(RANDOM_WEIGHTS_NOTE)) notes.unshift(RANDOM_WEIGHTS_NOTE);
  return {
    kind, version: 1, model: o.model, data: o.data, seed: o.seed, folds: o.folds, layers: o.layers, poolings: o.poolings,
    maxTokens: o.maxTokens, partial: false, notes, startedAt: o.startedAt.toISOString(), elapsedMs: 0,
  };
}

/** Indices of a seeded sample of `limit` out of `n` (all when n ≤ limit), in increasing order. */
export function sampleIndices(n: number, limit: number, rand: () => number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= limit) return all;
  // partial Fisher–Yates: the first `limit` places hold a uniform sample
  for (let i = 0; i < limit; i++) {
    const j = i + Math.floor(rand() * (n - i));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, limit).sort((a, b) => a - b);
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
