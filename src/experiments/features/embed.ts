// Embedding a data set for experiments: every text once, the chosen layers and poolings, through Engine.embed
// (length-bucketed batches). Texts stream from disk into embed and vectors stream out into preallocated arrays or
// into the files of a feature folder, so memory is bounded by the batch, not the file. A feature folder doubles as
// the on-disk cache, keyed by the model's and the data's sha256, the columns, max tokens, layers and poolings.
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Engine, EmbedPooling, LoadedModel } from '../../engine/engine';
import { CancelledError, EngineError } from '../../engine/errors';
import { DEFAULT_PROBE_POOLINGS, isProbePooling, PROBE_POOLINGS, type DataInfo, type ExperimentModel, type ProbePooling } from '../../shared/experiments';
import type { ExperimentContext } from '../types';
import { openDataset, type Dataset } from '../data';
import { experimentModel } from './model';
import { checkOutDir, featurePairs, FeatureWriter, MemoryFeatures, readFeatures, readManifest, shardRows, type FeaturePair, type FeatureSet } from './store';

export interface FeatureArgs {
  model: string;
  onnxFile?: string;
  /** A data file or folder, or `builtin:sentences`. */
  data: string;
  textColumn?: string;
  labelColumn?: string;
  /** Layer ids (0 = embeddings output); default all. */
  layers?: 'all' | number[];
  /** Default DEFAULT_PROBE_POOLINGS. */
  poolings?: ProbePooling[];
  maxTokens?: number;
  /** The cache folder (default defaultFeatureCache()); false: embed in memory, cache nothing. */
  cacheDir?: string | false;
}

export interface FeatureResult {
  features: FeatureSet;
  info: DataInfo;
  model: ExperimentModel;
  /** Whether the vectors came from the cache. */
  cached: boolean;
  maxTokens: number;
}

/** `$CLS_LENS_CACHE/features`, else `$XDG_CACHE_HOME/cls-lens/features`, else `~/.cache/cls-lens/features`. */
export function defaultFeatureCache(): string {
  if (process.env.CLS_LENS_CACHE) return path.join(process.env.CLS_LENS_CACHE, 'features');
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'cls-lens', 'features');
}

const PROBE_TO_EMBED: Record<ProbePooling, EmbedPooling> = {
  cls: 'cls', mean: 'mean', max: 'max', pooler: 'pooler', first: 'first', last: 'last', middle: 'middle', meanWithSpecials: 'meanWithSpecials',
};

const CHUNK_BYTES = 64 * 2 ** 20;

interface Plan {
  m: LoadedModel;
  model: ExperimentModel;
  layers: number[];
  poolings: ProbePooling[];
  maxTokens: number;
  notes: string[];
  pairs: FeaturePair[];
}

/** Load the model and settle what will be embedded: which layers exist, whether the pooler does, the token cap. */
async function plan(engine: Engine, args: FeatureArgs, cacheDir: string | false, signal?: AbortSignal): Promise<Plan> {
  const m = await engine.load(args.model, { onnxFile: args.onnxFile, signal });
  const s = m.summary;
  const available = m.encoder.plan.hiddenStates ? Array.from({ length: s.layers + 1 }, (_, i) => i) : [s.layers];
  const notes: string[] = [];
  let layers: number[];
  if (args.layers === undefined || args.layers === 'all') {
    layers = available;
    if (available.length === 1) notes.push(`Only the last layer is readable in this ONNX file (${s.hiddenStates.reason ?? 'no hidden states'}); earlier layers are left out.`);
  } else {
    layers = [...new Set(args.layers)].sort((a, b) => a - b);
    const bad = layers.filter((l) => !Number.isInteger(l) || l < 0 || l > s.layers);
    if (bad.length) throw new EngineError('experiment-args', `Layer ${bad.join(', ')} is not in this model: it has layers 0 (embeddings) to ${s.layers}.`, `Choose layers from 0 to ${s.layers}, or all.`);
    const unreadable = layers.filter((l) => !available.includes(l));
    if (unreadable.length) throw new EngineError('experiment-args', `Layer ${unreadable.join(', ')} cannot be read from this ONNX file: only layer ${s.layers} (${s.hiddenStates.reason ?? 'no hidden states'}).`, `Ask for layer ${s.layers} only, or use an ONNX file whose hidden states can be read.`);
  }
  let poolings = [...new Set(args.poolings ?? DEFAULT_PROBE_POOLINGS)];
  const badP = poolings.filter((p) => !isProbePooling(p));
  if (badP.length || poolings.length === 0) throw new EngineError('experiment-args', `Unknown pooling ${badP.join(', ') || '(none given)'}.`, `Choose from ${PROBE_POOLINGS.join(', ')}.`);
  if (poolings.includes('pooler') && !s.hasPooler) {
    poolings = poolings.filter((p) => p !== 'pooler');
    notes.push('pooler skipped: the model has no pooler output');
    if (poolings.length === 0) throw new EngineError('experiment-args', 'The only pooling asked for is the pooler, and this model has no pooler output.', `Choose another pooling: ${PROBE_POOLINGS.filter((p) => p !== 'pooler').join(', ')}.`);
  }
  const req = args.maxTokens;
  const maxTokens = Math.min(req && req > 2 ? req : s.maxTokens, s.maxTokens);
  const model = await experimentModel(m, args.model, cacheDir);
  if (s.randomWeights) notes.push('The model has random weights: the vectors show the plumbing, not what a trained model learned.');
  return { m, model, layers, poolings, maxTokens, notes, pairs: featurePairs(layers, poolings, s.layers) };
}

/** A full pass over the data: its sha256, counts and label checks, before anything is embedded. */
async function survey(ds: Dataset, ctx: ExperimentContext): Promise<DataInfo> {
  let done = 0;
  for await (const _ of ds.rows()) {
    if (++done % 5000 === 0) ctx.onProgress?.({ phase: 'reading data', done });
  }
  const info = ds.info();
  ctx.onProgress?.({ phase: 'reading data', done: info.n, total: info.n });
  return info;
}

function cacheKey(p: Plan, info: DataInfo): string {
  const key = { v: 1, model: p.model.onnxSha256, data: info.sha256, format: info.format, textColumn: info.textColumn, labelColumn: info.labelColumn, maxTokens: p.maxTokens, layers: p.layers, poolings: p.poolings };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 32);
}

/**
 * Stream rows `k, k + n, …` of the data set through Engine.embed and hand each row's vectors (one per pair), label
 * and text to `sink`, in data order. Returns how many texts were truncated.
 */
async function embedRows(engine: Engine, args: FeatureArgs, p: Plan, ds: Dataset, shard: { index: number; count: number }, total: number,
  sink: (vectors: Float32Array[], label: string, text: string) => void, ctx: ExperimentContext): Promise<number> {
  const H = p.m.summary.hidden;
  const queue: { label: string; text: string }[] = [];
  async function* texts(): AsyncGenerator<string> {
    for await (const r of ds.rows()) {
      if (r.row % shard.count !== shard.index) continue;
      queue.push({ label: r.label, text: r.text });
      yield r.text;
    }
  }
  const poolings = p.poolings.map((x) => PROBE_TO_EMBED[x]);
  const wantAll = p.layers.length > 1 || p.layers[0] !== p.m.summary.layers;
  let truncated = 0, seen = 0;
  // embed holds a chunk of results (every pooling at every layer) until the chunk is done: about 64 MiB at most
  const perText = p.pairs.length * H * 4;
  const chunk = Math.max(64, Math.min(512, Math.floor(CHUNK_BYTES / perText)));
  for await (const e of engine.embed(args.model, texts(), { onnxFile: args.onnxFile, poolings, layers: wantAll ? 'all' : 'last', maxTokens: p.maxTokens, signal: ctx.signal, chunk,
    onProgress: (done) => ctx.onProgress?.({ phase: 'embedding', done, total }) })) {
    const { label, text } = queue.shift()!;
    if (e.truncated) truncated++;
    const vectors = p.pairs.map((pair) => {
      const v = e.vectors[PROBE_TO_EMBED[pair.pooling]];
      if (!v) throw new EngineError('internal', `embed returned no ${pair.pooling} vector`);
      if (pair.pooling === 'pooler') return v;
      const li = e.layerIds.indexOf(pair.layer);
      return v.subarray(li * H, (li + 1) * H);
    });
    sink(vectors, label, text);
    seen++;
  }
  if (ctx.signal?.aborted) throw new CancelledError();
  if (seen !== total) throw new EngineError('internal', `embedded ${seen} texts, expected ${total}: the data changed while it was read?`);
  return truncated;
}

function truncationNote(truncated: number, n: number, maxTokens: number): string[] {
  return truncated ? [`${truncated} of ${n} texts were truncated to ${maxTokens} tokens.`] : [];
}

/**
 * Every text of a data set embedded once: the chosen layers × poolings, with labels (and texts), the data's info
 * and the model's identity. With a cache folder (the default) a second run with the same model, data, columns, max
 * tokens, layers and poolings reads the vectors back instead of embedding; a changed file or model misses.
 */
export async function embedFeatures(engine: Engine, args: FeatureArgs, ctx: ExperimentContext = {}): Promise<FeatureResult> {
  const cacheDir = args.cacheDir === undefined ? defaultFeatureCache() : args.cacheDir;
  const p = await plan(engine, args, cacheDir, ctx.signal);
  const ds = await openDataset(args.data, { textColumn: args.textColumn, labelColumn: args.labelColumn, signal: ctx.signal });
  const info = await survey(ds, ctx);
  const base = { info, model: p.model, maxTokens: p.maxTokens };
  if (cacheDir === false) {
    const mem = new MemoryFeatures(p.pairs, p.m.summary.hidden, info.n);
    const truncated = await embedRows(engine, args, p, ds, { index: 0, count: 1 }, info.n, (v, l, t) => mem.append(v, l, t), ctx);
    return { ...base, cached: false, features: mem.toFeatureSet(p.layers, p.poolings, [...p.notes, ...truncationNote(truncated, info.n, p.maxTokens)]) };
  }
  const dir = path.join(cacheDir, cacheKey(p, info));
  try {
    readManifest(dir);
    return { ...base, cached: true, features: readFeatures([dir]) };
  } catch (e) {
    if (!(e instanceof EngineError && e.code === 'features')) throw e;
  }
  const writer = new FeatureWriter(dir, p.pairs, p.m.summary.hidden, info.n);
  try {
    const truncated = await embedRows(engine, args, p, ds, { index: 0, count: 1 }, info.n, (v, l, t) => writer.append(v, l, t), ctx);
    writer.finish({ model: p.model, data: info, maxTokens: p.maxTokens, layers: p.layers, poolings: p.poolings, shard: { index: 0, count: 1 }, truncated, notes: [...p.notes, ...truncationNote(truncated, info.n, p.maxTokens)] }, false);
  } catch (e) {
    writer.abort();
    throw e;
  }
  return { ...base, cached: false, features: readFeatures([dir]) };
}

export interface WriteArgs extends FeatureArgs {
  /** The folder to write (created; an earlier feature folder there is replaced). */
  out: string;
  /** Shard `index` of `count` (rows i with i mod count == index); default 0 of 1. */
  shard?: { index: number; count: number };
}

export interface WriteResult {
  out: string;
  shard: { index: number; count: number };
  rows: number;
  total: number;
  layers: number[];
  poolings: ProbePooling[];
  hidden: number;
  model: ExperimentModel;
  data: DataInfo;
  notes: string[];
}

/** `cls-lens embed --data FILE --out DIR [--shard K/N]`: one feature folder for one shard of the data set. */
export async function writeFeatures(engine: Engine, args: WriteArgs, ctx: ExperimentContext = {}): Promise<WriteResult> {
  const shard = args.shard ?? { index: 0, count: 1 };
  if (!Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
    throw new EngineError('experiment-args', `Shard ${shard.index}/${shard.count} does not exist: K/N needs 0 ≤ K < N.`, 'Number shards from 0: --shard 0/4, 1/4, 2/4, 3/4.');
  }
  const out = path.resolve(args.out);
  checkOutDir(out);
  const p = await plan(engine, args, args.cacheDir ?? false, ctx.signal);
  const ds = await openDataset(args.data, { textColumn: args.textColumn, labelColumn: args.labelColumn, signal: ctx.signal });
  const info = await survey(ds, ctx);
  const rows = shardRows(info.n, shard.index, shard.count);
  const writer = new FeatureWriter(out, p.pairs, p.m.summary.hidden, rows);
  let notes: string[];
  try {
    const truncated = await embedRows(engine, args, p, ds, shard, rows, (v, l, t) => writer.append(v, l, t), ctx);
    notes = [...p.notes, ...truncationNote(truncated, rows, p.maxTokens)];
    writer.finish({ model: p.model, data: info, maxTokens: p.maxTokens, layers: p.layers, poolings: p.poolings, shard, truncated, notes }, true);
  } catch (e) {
    writer.abort();
    throw e;
  }
  return { out, shard, rows, total: info.n, layers: p.layers, poolings: p.poolings, hidden: p.m.summary.hidden, model: p.model, data: info, notes };
}
