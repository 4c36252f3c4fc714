// runExperiment: the one entry point for every experiment (the CLI, the worker's `experiment` job and the tests call
// it), dispatching on args.kind. Each runner loads the model, reads the data, reports progress through ctx.onProgress,
// stops at the next batch or fit when ctx.signal is aborted (CancelledError), and returns a result that states the
// model (ONNX sha256, Hub commit), the data (sha256), the seed, the folds, the layers and notes.
import type { Engine, LoadedModel } from '../engine/engine';
import { CancelledError, EngineError } from '../engine/errors';
import type {
  CensusResult, DataInfo, ExperimentModel, ExperimentResult, LayersResult, PositionResult, ProbePooling, RecoverResult,
} from '../shared/experiments';
import { openDataset, readAll, validateForProbe } from './data';
import { crossValidate, majorityRate, makeRng, MlInputError } from './ml';
import { attentionCensus } from './census';
import { layerStory } from './layers';
import { DEFAULTS, experimentModel, makeMeta, reservoir, resolveLayers, throwIfCancelled, tokenCap } from './meta';
import { positionTest } from './position';
import { labelIndex, runProbe } from './probe';
import { runMap } from './map';
import { bowVocabulary, identification, mlmDecode, occlusion } from './recover';
import { bowProbe } from './ml/bow';
import { encodeAll } from './sequences';
import type { ExperimentArgs, ExperimentContext } from './types';

export { DEFAULTS };

/** Seeds for the separate random streams of a run, derived from the user's seed (so changing one does not shift another). */
const STREAM = { sample: 0, tokens: 1, mask: 2 } as const;
const rngFor = (seed: number, stream: number) => makeRng(seed * 8 + stream);

export async function runExperiment(engine: Engine, args: ExperimentArgs, ctx: ExperimentContext = {}): Promise<ExperimentResult> {
  try {
    return await dispatch(engine, args, ctx);
  } catch (e) {
    // the maths' bad-input errors (too few texts for UMAP, …) reach every surface as EngineErrors
    if (e instanceof MlInputError) throw new EngineError('experiment-args', e.summary, e.next);
    throw e;
  }
}

function dispatch(engine: Engine, args: ExperimentArgs, ctx: ExperimentContext): Promise<ExperimentResult> {
  switch (args.kind) {
    case 'probe': return runProbe(engine, args, ctx);
    case 'position': return runPosition(engine, args, ctx);
    case 'layers': return runLayers(engine, args, ctx);
    case 'census': return runCensus(engine, args, ctx);
    case 'recover': return runRecover(engine, args, ctx);
    case 'map': return runMap(engine, args, ctx);
    default:
      throw new EngineError('experiment-args', `The experiment "${String(args.kind)}" is not known.`, 'Choose probe, position, layers, census, recover or map.');
  }
}

interface Setup {
  m: LoadedModel;
  model: ExperimentModel;
  texts: string[];
  labels: string[];
  info: DataInfo;
  layers: number[];
  seed: number;
  maxTokens: number;
  notes: string[];
  startedAt: Date;
}

/** Load the model, read the data (all of it, or a seeded sample of `limit` texts), resolve layers and cap. */
async function setup(engine: Engine, args: ExperimentArgs, ctx: ExperimentContext, o: { sample?: number; needsLabels: boolean }): Promise<Setup> {
  const startedAt = new Date();
  const seed = args.seed ?? DEFAULTS.seed;
  if (!Number.isInteger(seed) || seed < 0) throw new EngineError('experiment-args', `The seed must be a whole number of 0 or more (got ${seed}).`, 'Give another seed, e.g. 0.');
  ctx.onProgress?.({ phase: 'loading model' });
  const m = await engine.load(args.model, { onnxFile: args.onnxFile, signal: ctx.signal });
  const model = await experimentModel(m, args.model, args.cacheDir);
  throwIfCancelled(ctx.signal);
  ctx.onProgress?.({ phase: 'reading data' });
  if (!args.data) throw new EngineError('data-not-found', 'No data set was given.', 'Give a CSV/TSV/JSONL file or a folder with one file per class, or builtin:sentences.');
  const notes: string[] = [];
  let texts: string[], labels: string[], info: DataInfo;
  if (o.sample !== undefined) {
    // stream the file and keep a seeded sample: memory holds the sample, not the data set
    const ds = await openDataset(args.data, { textColumn: args.textColumn, labelColumn: args.labelColumn, signal: ctx.signal, checkLabels: o.needsLabels });
    const { sample, seen } = await reservoir(ds.rows(), o.sample, rngFor(seed, STREAM.sample));
    texts = sample.map((r) => r.text);
    labels = sample.map((r) => r.label);
    info = ds.info();
    if (seen > o.sample) {
      // DataInfo describes the texts used: n and classes of the sample (sha256 stays the file's)
      const classes: Record<string, number> = {};
      for (const l of Object.keys(info.classes)) classes[l] = 0;
      for (const l of labels) classes[l]++;
      for (const l of Object.keys(classes)) if (!classes[l]) delete classes[l];
      info = { ...info, n: texts.length, classes };
      notes.push(`A sample of ${texts.length} of the ${seen} texts, drawn by the seed.`);
    }
  } else {
    ({ texts, labels, info } = await readAll(args.data, { textColumn: args.textColumn, labelColumn: args.labelColumn, signal: ctx.signal, checkLabels: o.needsLabels }));
  }
  const skipped = Object.entries(info.skipped);
  if (skipped.length) notes.push(`Rows skipped while reading: ${skipped.map(([k, v]) => `${v} ${k}`).join(', ')}.`);
  let layers = resolveLayers(args.layers, m.summary.layers);
  if (!m.encoder.plan.hiddenStates) {
    notes.push(`Only the last layer's hidden states can be read for this model (${m.summary.hiddenStates.reason ?? 'no per-layer outputs'}); layer ${m.summary.layers} alone is reported.`);
    layers = [m.summary.layers];
  }
  return { m, model, texts, labels, info, layers, seed, maxTokens: tokenCap(m, args.maxTokens), notes, startedAt };
}

function finish<R extends ExperimentResult>(r: R, startedAt: Date): R {
  r.elapsedMs = Date.now() - startedAt.getTime();
  return r;
}

function truncationNote(s: Setup, encs: { truncation: { truncated: boolean; maxTokens: number } }[]): void {
  const cut = encs.filter((e) => e.truncation.truncated).length;
  if (cut) s.notes.push(`${cut} of ${encs.length} texts were cut to ${encs[0].truncation.maxTokens} tokens${encs[0].truncation.maxTokens < s.maxTokens ? ' (one below the cap, to leave room for the moved [CLS])' : ''}.`);
}

// ---- 2. position

async function runPosition(engine: Engine, args: ExperimentArgs, ctx: ExperimentContext): Promise<PositionResult> {
  const s = await setup(engine, args, ctx, { needsLabels: true });
  const folds = args.folds ?? DEFAULTS.folds, C = args.C ?? DEFAULTS.C;
  validateForProbe(s.info, folds);
  // one token of room for the 'middle' variant's second [CLS]
  const encs = encodeAll(s.m, s.texts, s.maxTokens - 1);
  truncationNote(s, encs);
  const { y, classes } = labelIndex(s.labels);
  const H = s.m.summary.hidden;
  const r = await positionTest(s.m, encs, {
    layers: s.layers, signal: ctx.signal,
    onProgress: (phase, done, total) => ctx.onProgress?.({ phase, done, total }),
    score: (f) => {
      throwIfCancelled(ctx.signal);
      try {
        return crossValidate(f, encs.length, H, y, classes.length, { folds, seed: s.seed, C, signal: ctx.signal }).accuracy;
      } catch (e) {
        if (ctx.signal?.aborted) throw new CancelledError();
        throw e;
      }
    },
  });
  const meta = makeMeta('position', { ...s, data: s.info, folds, poolings: ['cls'], notes: [...s.notes, ...r.notes] });
  return finish({ ...meta, majority: majorityRate(y, classes.length), rows: r.rows }, s.startedAt);
}

// ---- 3a. layers

async function runLayers(engine: Engine, args: ExperimentArgs, ctx: ExperimentContext): Promise<LayersResult> {
  const s = await setup(engine, args, ctx, { sample: args.limit ?? DEFAULTS.limit, needsLabels: false });
  const encs = encodeAll(s.m, s.texts, s.maxTokens);
  truncationNote(s, encs);
  const r = await layerStory(s.m, encs, {
    layers: s.layers, rand: rngFor(s.seed, STREAM.tokens), pairs: DEFAULTS.pairs, signal: ctx.signal,
    onProgress: (done, total) => ctx.onProgress?.({ phase: 'embedding', done, total }),
  });
  const meta = makeMeta('layers', { ...s, data: s.info, folds: null, poolings: ['cls', 'mean'], notes: [...s.notes, ...r.notes] });
  return finish({ ...meta, rows: r.rows }, s.startedAt);
}

// ---- 3b. census

async function runCensus(engine: Engine, args: ExperimentArgs, ctx: ExperimentContext): Promise<CensusResult> {
  const s = await setup(engine, args, ctx, { sample: args.limit ?? DEFAULTS.limit, needsLabels: false });
  const encs = encodeAll(s.m, s.texts, s.maxTokens);
  truncationNote(s, encs);
  const r = await attentionCensus(s.m, encs, { signal: ctx.signal, onProgress: (done, total) => ctx.onProgress?.({ phase: 'attention', done, total }) });
  const L = s.m.summary.layers;
  const notes = [...s.notes, `Rows of the head tables are layers 1..${L} (the attention that makes hidden state l); sinks send more than half of their attention to [CLS] + [SEP].`];
  const meta = makeMeta('census', { ...s, layers: Array.from({ length: L }, (_, i) => i + 1), data: s.info, folds: null, poolings: [], notes });
  return finish({ ...meta, ...r }, s.startedAt);
}

// ---- 4. recover

async function runRecover(engine: Engine, args: ExperimentArgs, ctx: ExperimentContext): Promise<RecoverResult> {
  const s = await setup(engine, args, ctx, { sample: args.limit ?? DEFAULTS.limit, needsLabels: false });
  const encs = encodeAll(s.m, s.texts, s.maxTokens);
  truncationNote(s, encs);
  const few = Math.min(DEFAULTS.occlusionTexts, s.texts.length);
  ctx.onProgress?.({ phase: 'masked-LM decoding' });
  const mlm = await mlmDecode(s.m, s.texts.slice(0, Math.min(DEFAULTS.mlmTexts, s.texts.length)), encs.slice(0, DEFAULTS.mlmTexts));
  throwIfCancelled(ctx.signal);
  const occ = await occlusion(s.m, s.texts.slice(0, few), encs.slice(0, few), { signal: ctx.signal, onProgress: (done, total) => ctx.onProgress?.({ phase: 'occlusion', done, total }) });
  const id = await identification(s.m, s.texts, encs, {
    layers: s.layers, rand: rngFor(s.seed, STREAM.mask), signal: ctx.signal,
    onProgress: (done, total) => ctx.onProgress?.({ phase: 'identification', done, total }),
  });
  const poolings: ProbePooling[] = ['cls', 'mean'];
  // (a) bag of words, on the same texts' original vectors
  const { words, Y } = bowVocabulary(s.texts, DEFAULTS.bowWords);
  const V = words.length, H = s.m.summary.hidden, n = s.texts.length;
  const bowRows: RecoverResult['bow']['rows'] = [];
  let baseline = { precisionAtK: NaN, recallAtK: NaN };
  const fits = s.layers.length * poolings.length;
  for (const [li, layer] of s.layers.entries()) {
    for (const [pi, pooling] of poolings.entries()) {
      throwIfCancelled(ctx.signal);
      const X = pooling === 'cls' ? id.original.cls[li] : id.original.mean[li];
      const step = li * poolings.length + pi;
      let b;
      try {
        b = bowProbe(X, n, H, Y, V, {
          k: DEFAULTS.bowK, folds: Math.min(DEFAULTS.folds, n), seed: s.seed, C: args.C ?? DEFAULTS.C, signal: ctx.signal,
          onProgress: (done, total) => ctx.onProgress?.({ phase: 'bag of words', done: step * total + done, total: fits * total }),
        });
      } catch (e) {
        if (ctx.signal?.aborted) throw new CancelledError();
        throw e;
      }
      bowRows.push({ layer, pooling, precisionAtK: b.precisionAtK, recallAtK: b.recallAtK });
      baseline = b.baseline;
    }
  }
  const notes = [...s.notes, ...id.notes,
    `Bag of words: the ${V} words found in the most texts (lower-cased, stop words kept), one L2 logistic probe per word under ${Math.min(DEFAULTS.folds, n)}-fold cross-validation; precision and recall at k = ${DEFAULTS.bowK} against predicting each fold's most frequent training words.`,
    `Occlusion: the first ${few} texts, each content token dropped in turn; 1 − cos to the original at layer ${s.m.summary.layers}.`];
  if (mlm.available) notes.push('Masked-LM decoding reads the head\'s distribution at position 0 (the [CLS] position) of the unedited text.');
  const meta = makeMeta('recover', { ...s, data: s.info, folds: null, poolings, notes });
  return finish({
    ...meta,
    bow: { vocabulary: V, k: DEFAULTS.bowK, words, rows: bowRows, baseline },
    mlm, occlusion: occ, identification: id.rows,
  }, s.startedAt);
}
