// 5. The map: 2-D coordinates of every text's vector for each layer × pooling (default cls and mean at every layer),
// by PCA (default) or UMAP (umap-js, seeded), with labels and texts (cut to 200 characters) for colour and hover.
// Same data and seed, same picture.
import type { Engine } from '../engine/engine';
import type { MapResult, ProbePooling } from '../shared/experiments';
import { embedFeatures } from './features';
import { pca2 } from './ml/pca';
import { umap2 } from './ml/umap';
import { CancelledError } from '../engine/errors';
import { DEFAULTS, makeMeta, throwIfCancelled } from './meta';
import { labelIndex } from './probe';
import type { ExperimentArgs, ExperimentContext } from './types';

/** Hover texts: at most 200 characters (code points, so no pair is split), an ellipsis when cut. */
export function hoverText(t: string, max = 200): string {
  const cps = Array.from(t);
  return cps.length <= max ? t : `${cps.slice(0, max - 1).join('')}…`;
}

export async function runMap(engine: Engine, args: ExperimentArgs, ctx: ExperimentContext): Promise<MapResult> {
  const startedAt = new Date();
  const seed = args.seed ?? DEFAULTS.seed;
  const method = args.method ?? 'pca';
  const poolings: ProbePooling[] = args.poolings ?? ['cls', 'mean'];
  const r = await embedFeatures(engine, {
    model: args.model, onnxFile: args.onnxFile, data: args.data ?? '', textColumn: args.textColumn, labelColumn: args.labelColumn,
    layers: args.layers, poolings, maxTokens: args.maxTokens, cacheDir: args.cacheDir,
  }, ctx);
  const fs = r.features;
  const { y, classes } = labelIndex(fs.labels);
  const pairs: { layer: number; pooling: ProbePooling }[] = [];
  for (const layer of fs.layers) for (const pooling of fs.poolings) if (fs.has(layer, pooling)) pairs.push({ layer, pooling });
  const maps: MapResult['maps'] = [];
  for (const [i, p] of pairs.entries()) {
    throwIfCancelled(ctx.signal);
    ctx.onProgress?.({ phase: method === 'umap' ? 'UMAP' : 'PCA', done: i, total: pairs.length, message: `layer ${p.layer} ${p.pooling}` });
    const X = fs.get(p.layer, p.pooling);
    let xy: Float32Array;
    if (method === 'umap') {
      let stopped = false;
      xy = umap2(X, fs.n, fs.hidden, { seed, onEpoch: () => (stopped = ctx.signal?.aborted === true) });
      if (stopped) throw new CancelledError();
    } else {
      xy = pca2(X, fs.n, fs.hidden);
    }
    maps.push({ ...p, xy });
  }
  ctx.onProgress?.({ phase: method === 'umap' ? 'UMAP' : 'PCA', done: pairs.length, total: pairs.length });
  const notes = [...fs.notes, method === 'pca'
    ? 'PCA: the two directions of largest variance of each layer × pooling (centred; the signs follow the data, not the seed).'
    : `UMAP (umap-js, 15 neighbours, min_dist 0.1, Euclidean on the raw vectors) seeded with ${seed}.`];
  const meta = makeMeta('map', { model: r.model, data: r.info, seed, folds: null, layers: fs.layers, poolings: fs.poolings, maxTokens: r.maxTokens, notes, startedAt });
  const texts = (fs.texts ?? []).map((t) => hoverText(t));
  return { ...meta, method, labels: classes, labelOf: Uint16Array.from(y), texts, maps, elapsedMs: Date.now() - startedAt.getTime() };
}
