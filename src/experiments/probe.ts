// 1. The pooling probe — "would another token or a mean pool do as well?" Every text embedded once (or read from
// feature folders written by `cls-lens embed --out`), then for every layer × pooling an L2 logistic-regression probe
// under stratified k-fold cross-validation and the same probe on shuffled labels (the control). Rows are sent as they
// complete (ctx.onPartial, marked partial), so a cancelled run still shows what it had.
import type { Engine } from '../engine/engine';
import { CancelledError, EngineError } from '../engine/errors';
import { DEFAULT_PROBE_POOLINGS, type DataInfo, type ExperimentModel, type ProbePooling, type ProbeResult, type ProbeRow } from '../shared/experiments';
import { validateForProbe } from './data';
import { embedFeatures, readFeatures, type FeatureSet } from './features';
import { majorityRate, probeLayerPooling } from './ml';
import { DEFAULTS, makeMeta } from './meta';
import type { ExperimentArgs, ExperimentContext } from './types';

/** Labels as class indices 0..K-1, classes in first-seen order (as DataInfo lists them). */
export function labelIndex(labels: readonly string[]): { y: Int32Array; classes: string[] } {
  const classes: string[] = [];
  const at = new Map<string, number>();
  const y = Int32Array.from(labels, (l) => {
    let k = at.get(l);
    if (k === undefined) { k = classes.length; at.set(l, k); classes.push(l); }
    return k;
  });
  return { y, classes };
}

interface Features {
  set: FeatureSet;
  info: DataInfo;
  model: ExperimentModel;
  maxTokens: number;
  notes: string[];
}

async function features(engine: Engine, args: ExperimentArgs, ctx: ExperimentContext): Promise<Features> {
  if (args.features?.length) {
    ctx.onProgress?.({ phase: 'reading features' });
    const f = readFeatures(args.features);
    const m = f.manifests[0];
    const notes = [`Trained on ${args.features.length} feature folder${args.features.length > 1 ? 's' : ''} written by cls-lens embed (${f.manifests.map((x) => `shard ${x.shard.index}/${x.shard.count}`).join(', ')}).`];
    return { set: f, info: m.data, model: m.model, maxTokens: m.maxTokens, notes };
  }
  const r = await embedFeatures(engine, {
    model: args.model, onnxFile: args.onnxFile, data: args.data ?? '', textColumn: args.textColumn, labelColumn: args.labelColumn,
    layers: args.layers, poolings: args.poolings ?? [...DEFAULT_PROBE_POOLINGS], maxTokens: args.maxTokens, cacheDir: args.cacheDir,
  }, ctx);
  return { set: r.features, info: r.info, model: r.model, maxTokens: r.maxTokens, notes: r.cached ? ['Vectors read from the embedding cache (same model, data, columns, max tokens, layers and poolings).'] : [] };
}

export async function runProbe(engine: Engine, args: ExperimentArgs, ctx: ExperimentContext): Promise<ProbeResult> {
  const startedAt = new Date();
  const seed = args.seed ?? DEFAULTS.seed, folds = args.folds ?? DEFAULTS.folds, C = args.C ?? DEFAULTS.C;
  const f = await features(engine, args, ctx);
  validateForProbe(f.info, folds);
  const fs = f.set;
  // with --features the folders decide what exists; --layers/--poolings choose among it
  const layers = args.features?.length && Array.isArray(args.layers) ? fs.layers.filter((l) => (args.layers as number[]).includes(l)) : fs.layers;
  const asked = args.features?.length && args.poolings ? fs.poolings.filter((p) => args.poolings!.includes(p)) : fs.poolings;
  const notes = [...f.notes, ...fs.notes];
  if (args.features?.length && Array.isArray(args.layers)) {
    const missing = args.layers.filter((l) => !fs.layers.includes(l));
    if (missing.length) notes.push(`Layers ${missing.join(', ')} are not in the feature folders (they hold ${fs.layers.join(', ')}).`);
  }
  const pairs: { layer: number; pooling: ProbePooling }[] = [];
  for (const layer of layers) for (const pooling of asked) if (fs.has(layer, pooling)) pairs.push({ layer, pooling });
  const last = f.model.layers;
  if (asked.includes('pooler') && layers.some((l) => l !== last)) notes.push(`The pooler is one vector after the last layer: it is probed at layer ${last} only.`);
  if (pairs.length === 0) {
    throw new EngineError('experiment-args', `No pooling asked for exists at layer${layers.length > 1 ? 's' : ''} ${layers.join(', ')}${asked.includes('pooler') ? ` (the pooler exists at layer ${last} only)` : ''}.`,
      `Ask for layer ${last} too, or for other poolings.`);
  }
  const { y, classes } = labelIndex(fs.labels);
  const K = classes.length;
  const meta = makeMeta('probe', { model: f.model, data: f.info, seed, folds, layers, poolings: asked, maxTokens: f.maxTokens, notes, startedAt });
  const result: ProbeResult = { ...meta, majority: majorityRate(y, K), C, results: [] };
  const rows: ProbeRow[] = [];
  for (const [i, p] of pairs.entries()) {
    ctx.onProgress?.({ phase: 'training', done: i, total: pairs.length, message: `layer ${p.layer} ${p.pooling}` });
    if (ctx.signal?.aborted) throw new CancelledError();
    let scores;
    try {
      scores = probeLayerPooling(fs.get(p.layer, p.pooling), fs.n, fs.hidden, y, K, { folds, seed, C, signal: ctx.signal });
    } catch (e) {
      if (ctx.signal?.aborted) throw new CancelledError();
      throw e;
    }
    rows.push({ layer: p.layer, pooling: p.pooling, ...scores });
    ctx.onPartial?.({ ...result, results: [...rows], partial: true, elapsedMs: Date.now() - startedAt.getTime() });
  }
  ctx.onProgress?.({ phase: 'training', done: pairs.length, total: pairs.length });
  result.results = rows;
  result.elapsedMs = Date.now() - startedAt.getTime();
  return result;
}
