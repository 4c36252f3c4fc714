// The engine: one text → everything the views show; many texts → pooled vectors in length-bucketed batches.
// No `vscode` import: it runs in a worker thread under the extension host, in the CLI, in tests and benchmarks.
import { AnalysisSession } from './runtime/analysis';
import type { TokenClasses } from './compute/attention';
import { Encoder } from './runtime/encoder';
import { CancelledError, EngineError } from './errors';
import { readModelFolder, usableMaxTokens, type ModelFolder } from './models/modelFolder';
import { resolveModelRef } from './models/modelRef';
import type { HubProgress, HubSettings } from './models/hub/types';
import { masksFromSpecials, poolAll, poolAllWithClsCosine, poolBatchRow, rowNorms, type PoolingMasks, type RowPooling } from './compute/pooling';
import { rowwise } from './compute/similarity';
import { encodeText, encodeWindows, isBlank, isPunctuationToken, loadTokenizer, type EncodedText, type TokenizerHandle } from './tokenizer';
import type { AttentionAnalysis, FloatTensor, Inspection, ModelSummary, PoolingName } from '../shared/types';

export interface EngineOptions {
  /** onnxruntime intra-op threads; 0 or undefined lets onnxruntime choose. */
  threads?: number;
  /** Where Hub models are cached; default as Python's huggingface_hub (HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub). */
  cacheDir?: string;
  /** How Hub ids are fetched (endpoint, token, offline); unset fields fall back to HF_* environment variables. */
  hub?: HubSettings;
  /** false: read attentions from the graph's Softmax outputs (the rewrite) even where they can be recomputed. Default true. */
  recomputeAttention?: boolean;
  /**
   * Where a loaded model's attention weights may wait in a temporary file, unlinked once open (AttentionRecompute);
   * default the OS's temporary folder. The extension passes its global storage: a tmpfs /tmp would hold them in memory.
   */
  scratchDir?: string;
}

/** Stage boundaries of a load and an inspection, in order, for progress reports. */
export type EnginePhase = 'resolving' | 'reading model' | 'creating session' | 'tokenise' | 'run' | 'analyse';

export interface LoadOptions {
  onnxFile?: string;
  /** Called as each stage starts (a memoised load reports nothing). */
  onPhase?: (phase: EnginePhase) => void;
  /** Download progress while a Hub model is fetched (during 'resolving'). */
  onDownload?: (p: HubProgress) => void;
  /** Stops a Hub download (the partial file is kept for a resume). */
  signal?: AbortSignal;
}

export interface InspectOptions {
  /** Cap on tokens including specials; defaults to the model's maximum. */
  maxTokens?: number;
  /** Read attentions at all (default true). */
  attentions?: boolean;
  /**
   * 'first' (default): what the side view and Vectors tab show first, as fast as a plain embedding run: vectors,
   * cosines and the [CLS] row of every head (clsAttention); attentions and analysis null (Engine.inspectFirst keeps
   * the means to compute them). 'full': also every layer's attention matrices and the analysis (the CLI's --json).
   */
  detail?: 'first' | 'full';
  signal?: AbortSignal;
}

/**
 * What embed can pool: the registry's poolings and the probe's `first`, `middle`, `last` content token (`last` is
 * `lastToken` under the probe's name).
 */
export type EmbedPooling = PoolingName | 'first' | 'middle' | 'last';

/**
 * What an inspection leaves for later (inspectFirst): the full attention of one layer, and the analysis over all
 * layers (shares, entropy, rollout), computed when asked from the run's kept hidden states (or kept attentions).
 */
export interface KeptAttention {
  /** [heads, T, T] of layer l (0-based), or null when l is out of range. */
  layer(l: number): Promise<FloatTensor | null>;
  /** Everything of AttentionAnalysis; computed once, then memoised. */
  analysis(): Promise<AttentionAnalysis>;
  /** Every layer, [L, heads, T, T] (the CLI's full inspection); not kept. */
  all(): Promise<FloatTensor>;
}

/** An inspection with only what is shown first: `attentions` and `analysis` are null, `clsAttention` is set. */
export interface FirstInspection {
  inspection: Inspection;
  /** Null when the model's attention cannot be read. */
  attention: KeptAttention | null;
}

export interface EmbedOptions {
  /** Poolings to return (default cls and mean). The pooler is returned when the model has one and it is asked for. */
  poolings?: EmbedPooling[];
  /** Every layer (when readable) or only the last (default). */
  layers?: 'all' | 'last';
  maxTokens?: number;
  /** Budget of padded tokens per batch (rows × longest row); default 8192. */
  batchTokens?: number;
  /** Most rows per batch; default 64. */
  maxBatch?: number;
  /** Texts read ahead, sorted by length and batched together; bounds memory. Default 512. */
  chunk?: number;
  signal?: AbortSignal;
  /** Called after each batch with the number of texts embedded so far. */
  onProgress?: (done: number) => void;
  /** Called after each batch with its texts, before onProgress; the generator yields the same objects later. */
  onBatch?: (items: EmbeddedText[]) => void;
}

export interface EmbeddedText {
  /** Position of the text in the input. */
  index: number;
  tokens: number;
  truncated: boolean;
  blank: boolean;
  layerIds: number[];
  /** Each [layerIds.length × H] row-major (the pooler: [H]). */
  vectors: Partial<Record<EmbedPooling, Float32Array>>;
}

export interface LoadedModel {
  key: string;
  folder: ModelFolder;
  tokenizer: TokenizerHandle;
  encoder: Encoder;
  /** Attention analysis on onnxruntime; null when the model's attentions cannot be read. */
  analysis: AnalysisSession | null;
  summary: ModelSummary;
}

const now = () => performance.now();

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}

/** Stack row `b` of each [B, ...rest] tensor into one [n, ...rest] tensor (per-layer outputs → one tensor). */
export function stackRows(tensors: FloatTensor[], b = 0): FloatTensor {
  const rest = tensors[0].dims.slice(1);
  const per = rest.reduce((x, y) => x * y, 1);
  const out = new Float32Array(tensors.length * per);
  tensors.forEach((t, i) => out.set(t.data.subarray(b * per, (b + 1) * per), i * per));
  return { data: out, dims: [tensors.length, ...rest] };
}

/** [L, heads, T] rows of query q from [L, heads, T, T]. */
function queryRowsOf(all: FloatTensor, q: number): FloatTensor {
  const [L, Hd, T] = all.dims;
  const out = new Float32Array(L * Hd * T);
  for (let lh = 0; lh < L * Hd; lh++) out.set(all.data.subarray(lh * T * T + q * T, lh * T * T + q * T + T), lh * T);
  return { data: out, dims: [L, Hd, T] };
}

/** [heads, T, T] of layer l of [L, heads, T, T] (a view), or null out of range. */
function layerOf(all: FloatTensor, l: number): FloatTensor | null {
  const [L, Hd, T] = all.dims;
  if (!Number.isInteger(l) || l < 0 || l >= L) return null;
  return { data: all.data.subarray(l * Hd * T * T, (l + 1) * Hd * T * T), dims: [Hd, T, T] };
}

function keptAttention(m: LoadedModel, classes: TokenClasses, layer: (l: number) => Promise<FloatTensor | null>, kept: FloatTensor | null): KeptAttention {
  const L = m.summary.layers;
  const all = async (): Promise<FloatTensor> => {
    if (kept) return kept;
    const layers: FloatTensor[] = [];
    for (let l = 0; l < L; l++) layers.push((await layer(l))!);
    return stackRows(layers.map((t) => ({ data: t.data, dims: [1, ...t.dims] })));
  };
  let analysis: Promise<AttentionAnalysis> | null = null;
  return {
    layer,
    all,
    analysis: () => {
      // one layer at a time: only one layer's [heads, T, T] is alive at once
      analysis ??= m.analysis!.analyseLayers(L, async (l) => (await layer(l))!, classes);
      analysis.catch(() => { analysis = null; });
      return analysis;
    },
  };
}

export class Engine {
  private readonly models = new Map<string, Promise<LoadedModel>>();
  /** One hidden-states buffer given back by `recycleHidden`, for the next inspection to write into. */
  private spareHidden: Float32Array | null = null;

  constructor(private readonly opts: EngineOptions = {}) {}

  /**
   * Give back the hidden states of an inspection nothing reads any more (the worker does when it drops a kept run):
   * the next inspection that fits writes into that buffer instead of a fresh one. A fresh 5.5 MB buffer per
   * inspection (MiniLM, 512 tokens) cost onnxruntime's run 7 ms of first-touch page faults and the GC that external
   * memory brings (71.6 against 78.8 ms, interleaved). One spare is kept: the worker keeps 2 runs and drops one per
   * inspection.
   */
  recycleHidden(hidden: FloatTensor): void {
    const d = hidden.data;
    if (d.byteOffset !== 0 || d.buffer.byteLength === 0 || !(d.buffer instanceof ArrayBuffer)) return;
    this.spareHidden = new Float32Array(d.buffer);
  }

  /** The spare buffer when it holds n floats and is not more than 4× larger (a 512-token buffer for a 16-token run would hold memory for nothing); it is handed out once. */
  private takeSpare(n: number): Float32Array | undefined {
    const s = this.spareHidden;
    if (!s || s.length < n || s.length > 4 * n) return undefined;
    this.spareHidden = null;
    return s.subarray(0, n);
  }

  /** The options the engine was made with (the worker's `download` job falls back to them). */
  get options(): Readonly<EngineOptions> {
    return this.opts;
  }

  /** Load (memoised per model reference and ONNX file). A failed load is forgotten so that a fix can be retried. */
  load(ref: string, opts: LoadOptions = {}): Promise<LoadedModel> {
    const key = `${ref}\u0000${opts.onnxFile ?? ''}`;
    let p = this.models.get(key);
    if (!p) {
      p = this.loadUncached(key, ref, opts);
      this.models.set(key, p);
      p.catch(() => { if (this.models.get(key) === p) this.models.delete(key); });
    }
    return p;
  }

  private async loadUncached(key: string, ref: string, opts: LoadOptions): Promise<LoadedModel> {
    opts.onPhase?.('resolving');
    const folderPath = await resolveModelRef(ref, { ...this.opts.hub, cacheDir: this.opts.cacheDir, onnxFile: opts.onnxFile, signal: opts.signal, onProgress: opts.onDownload });
    opts.onPhase?.('reading model');
    const folder = readModelFolder(folderPath, { onnxFile: opts.onnxFile });
    let tokenizer: TokenizerHandle;
    try {
      tokenizer = loadTokenizer(folder.folder);
    } catch (e) {
      if (e instanceof EngineError) throw e;
      throw new EngineError('tokenizer', (e as Error).message);
    }
    opts.onPhase?.('creating session');
    const encoder = await Encoder.create(folder, { threads: this.opts.threads, recompute: this.opts.recomputeAttention, scratchDir: this.opts.scratchDir });
    const analysis = encoder.hasAttentions ? await AnalysisSession.create(folder.config.layers, this.opts.threads) : null;
    const c = folder.config;
    const warnings: string[] = [];
    if (encoder.vocabRows !== null && tokenizer.vocabSize > encoder.vocabRows) {
      warnings.push(`The tokenizer has ${tokenizer.vocabSize} tokens but the embedding matrix only ${encoder.vocabRows} rows; texts that produce ids beyond it are refused.`);
    }
    warnings.push(...tokenizer.warnings);
    if (c.randomWeights) warnings.push('This model has random weights (made by the CLS Lens generator): its vectors show the plumbing, not what a trained model learned.');
    const summary: ModelSummary = {
      ref, name: c.name, folder: folder.folder, onnxFile: folder.onnxFile, modelType: c.modelType,
      layers: c.layers, heads: c.heads, hidden: c.hidden, maxTokens: usableMaxTokens(c, tokenizer.modelMaxLength),
      vocabSize: tokenizer.vocabSize, inputs: encoder.plan.inputs,
      attentions: encoder.plan.attentionsCap, hiddenStates: encoder.plan.hiddenCap,
      hasPooler: encoder.plan.pooler !== null, poolingMode: folder.poolingMode, randomWeights: c.randomWeights, warnings,
    };
    return { key, folder, tokenizer, encoder, analysis, summary };
  }

  private checkVocab(m: LoadedModel, ids: ArrayLike<number>): void {
    const rows = m.encoder.vocabRows;
    if (rows === null) return;
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] >= rows || ids[i] < 0) {
        throw new EngineError('vocab-mismatch', `Token id ${ids[i]} is outside the model's embedding matrix (${rows} rows): the tokenizer does not belong to this model.`,
          'Use the tokenizer.json that was exported with the ONNX file.');
      }
    }
  }

  /** The token cap for a request: the caller's (above the 2 specials) within the model's maximum. */
  private maxTokens(m: LoadedModel, requested?: number): number {
    return Math.min(requested && requested > 2 ? requested : m.summary.maxTokens, m.summary.maxTokens);
  }

  private refuseBlank(text: string): void {
    if (isBlank(text)) throw new EngineError('empty-text', 'The text is empty or only whitespace.', undefined, 'text');
  }

  private classes(m: LoadedModel, enc: EncodedText): TokenClasses {
    const T = enc.tokens.length;
    const cls = new Uint8Array(T), sep = new Uint8Array(T), punct = new Uint8Array(T);
    const h = m.tokenizer;
    enc.tokens.forEach((t, i) => {
      if (t.special && (t.id === h.clsId || (i === 0 && t.start === null))) cls[i] = 1;
      else if (t.special && t.id === h.sepId) sep[i] = 1;
      else if (!t.special && isPunctuationToken(h, t.text)) punct[i] = 1;
    });
    return { cls, sep, punct };
  }

  private masks(enc: EncodedText): PoolingMasks {
    return masksFromSpecials(enc.tokens.map((t) => t.special && t.start === null));
  }

  /** One text: what is shown first (detail 'first', the default), or everything (detail 'full': the CLI's `inspect --json`). */
  async inspect(ref: string, text: string, opts: InspectOptions & LoadOptions = {}): Promise<Inspection> {
    const { inspection: ins, attention } = await this.inspectFirst(ref, text, opts);
    if (!attention || opts.detail !== 'full') return ins;
    const tAn = now();
    ins.attentions = await attention.all();
    ins.analysis = await attention.analysis();
    const more = now() - tAn;
    ins.timings.analyseMs += more;
    ins.timings.totalMs += more;
    return ins;
  }

  /**
   * What the side view and the Vectors tab show first: every layer's pooled vectors, the [CLS] row of every head of
   * every layer, cosines; the full attention matrices and the analysis are left in `attention`, computed on request.
   */
  async inspectFirst(ref: string, text: string, opts: InspectOptions & LoadOptions = {}): Promise<FirstInspection> {
    const t0 = now();
    const m = await this.load(ref, opts);
    throwIfAborted(opts.signal);
    this.refuseBlank(text);
    const maxTokens = this.maxTokens(m, opts.maxTokens);
    opts.onPhase?.('tokenise');
    const tTok = now();
    const enc = encodeText(m.tokenizer, text, { maxTokens });
    this.checkVocab(m, enc.ids);
    const tokenizeMs = now() - tTok;
    throwIfAborted(opts.signal);

    const wantAttn = opts.attentions !== false && m.encoder.hasAttentions;
    // attentions come out of the session only where they cannot be recomputed (the rewrite's fallback)
    const fromGraph = wantAttn && m.encoder.plan.attentions !== null;
    const T = enc.ids.length;
    opts.onPhase?.('run');
    const tRun = now();
    const out = await m.encoder.run({ ids: enc.ids, batch: 1, seq: T, attentionMask: enc.attentionMask, tokenTypeIds: enc.tokenTypeIds },
      { hiddenStates: 'all', attentions: fromGraph, pooler: true, stacked: true, into: this.takeSpare((m.summary.layers + 1) * T * m.summary.hidden), queryRows: wantAttn && !fromGraph });
    const runMs = now() - tRun;
    throwIfAborted(opts.signal);

    opts.onPhase?.('analyse');
    const tAn = now();
    const L = m.summary.layers;
    const hidden = out.stacked ?? stackRows(out.hiddenStates);
    const layerIds = out.hiddenStates.length === L + 1 ? Array.from({ length: L + 1 }, (_, i) => i) : [L];
    const { pooled, clsToken } = poolAllWithClsCosine(hidden, this.masks(enc));
    const vectors: Inspection['vectors'] = { ...pooled };
    if (out.pooler) vectors.pooler = { data: out.pooler.data, dims: [1, out.pooler.dims[1]] };
    const norms: Inspection['norms'] = {};
    for (const [k, v] of Object.entries(vectors) as [PoolingName, FloatTensor][]) norms[k] = rowNorms(v);

    let attention: KeptAttention | null = null;
    let clsAttention: FloatTensor | null = null;
    if (wantAttn) {
      const classes = this.classes(m, enc);
      const q = Math.max(0, classes.cls.indexOf(1));
      const mask = Float32Array.from(enc.attentionMask);
      if (out.attentions) {
        const all = stackRows(out.attentions);
        clsAttention = queryRowsOf(all, q);
        attention = keptAttention(m, classes, async (l) => layerOf(all, l), all);
      } else {
        // the rows the encoder's run read from its own Softmax (first query only), else recomputed
        clsAttention = (q === 0 ? out.queryRows : null) ?? await m.encoder.queryRows(hidden, mask, q);
        const H = m.summary.hidden;
        attention = keptAttention(m, classes, async (l) => {
          const a = await m.encoder.layerAttention(l, { data: hidden.data.subarray(l * T * H, (l + 1) * T * H), dims: [1, T, H] }, mask);
          return a ? { data: a.data, dims: a.dims.slice(1) } : null;
        }, null);
      }
    }
    const similarity = { clsMean: rowwise('cosine', pooled.cls, pooled.mean), clsToken };
    const analyseMs = now() - tAn;
    const inspection: Inspection = {
      model: m.summary, text, tokens: enc.tokens, truncation: enc.truncation, hidden, layerIds, vectors, norms,
      attentions: null, analysis: null, clsAttention, similarity, timings: { tokenizeMs, runMs, analyseMs, totalMs: now() - t0 },
    };
    return { inspection, attention };
  }

  /**
   * Pooled vectors of a text longer than the model allows: sliding windows (stride = content tokens shared by
   * neighbouring windows), each pooled, then averaged (max pooling takes the element-wise max).
   */
  async inspectWindows(ref: string, text: string, opts: { stride: number; maxTokens?: number; signal?: AbortSignal } & LoadOptions): Promise<{ windows: number; vectors: Record<Exclude<PoolingName, 'pooler'>, FloatTensor> }> {
    const m = await this.load(ref, opts);
    this.refuseBlank(text);
    const maxTokens = this.maxTokens(m, opts.maxTokens);
    const wins = encodeWindows(m.tokenizer, text, { maxTokens, stride: opts.stride });
    let acc: Record<string, FloatTensor> | null = null;
    for (const enc of wins) {
      throwIfAborted(opts.signal);
      this.checkVocab(m, enc.ids);
      const out = await m.encoder.run({ ids: enc.ids, batch: 1, seq: enc.ids.length, attentionMask: enc.attentionMask, tokenTypeIds: enc.tokenTypeIds },
        { hiddenStates: 'all', attentions: false, pooler: false });
      const pooled = poolAll(stackRows(out.hiddenStates), this.masks(enc)) as Record<string, FloatTensor>;
      if (!acc) { acc = pooled; continue; }
      for (const [k, v] of Object.entries(pooled)) {
        const a = acc[k].data;
        for (let i = 0; i < a.length; i++) a[i] = k === 'max' ? Math.max(a[i], v.data[i]) : a[i] + v.data[i];
      }
    }
    for (const [k, v] of Object.entries(acc!)) if (k !== 'max') for (let i = 0; i < v.data.length; i++) v.data[i] /= wins.length;
    return { windows: wins.length, vectors: acc as Record<Exclude<PoolingName, 'pooler'>, FloatTensor> };
  }

  /**
   * Embed many texts: each chunk of texts is sorted by length and cut into batches under a padded-token budget, so
   * little time goes to padding; results come out in input order, chunk by chunk, so memory stays bounded.
   */
  async *embed(ref: string, texts: Iterable<string> | AsyncIterable<string>, opts: EmbedOptions & LoadOptions = {}): AsyncGenerator<EmbeddedText> {
    const m = await this.load(ref, opts);
    const poolings = opts.poolings ?? ['cls', 'mean'];
    const maxTokens = this.maxTokens(m, opts.maxTokens);
    const budget = Math.max(opts.batchTokens ?? 8192, maxTokens);
    const maxBatch = Math.max(1, opts.maxBatch ?? 64);
    const chunkSize = Math.max(1, opts.chunk ?? 512);
    const padId = m.tokenizer.padId ?? 0;
    let index = 0, done = 0;
    let chunk: string[] = [];
    const flush = async function* (this: Engine): AsyncGenerator<EmbeddedText> {
      const encs = chunk.map((t) => encodeText(m.tokenizer, t, { maxTokens }));
      for (const e of encs) this.checkVocab(m, e.ids);
      const base = index;
      const order = encs.map((_, i) => i).sort((a, b) => encs[a].ids.length - encs[b].ids.length);
      const results: EmbeddedText[] = new Array(encs.length);
      for (let s = 0; s < order.length;) {
        throwIfAborted(opts.signal);
        let e = s + 1;
        while (e < order.length && e - s < maxBatch && (e - s + 1) * encs[order[e]].ids.length <= budget) e++;
        const rowsIdx = order.slice(s, e);
        const T = encs[order[e - 1]].ids.length;
        const B = rowsIdx.length;
        const ids = new Int32Array(B * T).fill(padId), mask = new Int32Array(B * T), types = new Int32Array(B * T);
        rowsIdx.forEach((ri, b) => {
          const enc = encs[ri];
          for (let t = 0; t < enc.ids.length; t++) { ids[b * T + t] = enc.ids[t]; mask[b * T + t] = 1; types[b * T + t] = enc.tokenTypeIds[t]; }
        });
        const out = await m.encoder.run({ ids, batch: B, seq: T, attentionMask: mask, tokenTypeIds: types },
          { hiddenStates: opts.layers === 'all' ? 'all' : 'last', attentions: false, pooler: poolings.includes('pooler') });
        const L = m.summary.layers;
        const layerIds = out.hiddenStates.length === L + 1 ? Array.from({ length: L + 1 }, (_, i) => i) : [L];
        const rowPoolings = poolings.filter((p): p is RowPooling => p !== 'pooler');
        const all = new Uint8Array(T), content = new Uint8Array(T);
        rowsIdx.forEach((ri, b) => {
          const enc = encs[ri];
          all.fill(0); content.fill(0);
          let any = false;
          enc.tokens.forEach((tk, t) => { all[t] = 1; if (!(tk.special && tk.start === null)) { content[t] = 1; any = true; } });
          if (!any) content.set(all); // a text of only specials: as masksFromSpecials
          const vectors: EmbeddedText['vectors'] = poolBatchRow(out.hiddenStates, b, { all, content }, rowPoolings);
          if (poolings.includes('pooler') && out.pooler) vectors.pooler = out.pooler.data.slice(b * m.summary.hidden, (b + 1) * m.summary.hidden);
          results[ri] = { index: base + ri, tokens: enc.ids.length, truncated: enc.truncation.truncated, blank: isBlank(chunk[ri]), layerIds, vectors };
        });
        done += B;
        opts.onBatch?.(rowsIdx.map((ri) => results[ri]));
        opts.onProgress?.(done);
        s = e;
      }
      index += results.length;
      for (const r of results) yield r;
      chunk = [];
    };
    for await (const t of texts as AsyncIterable<string>) {
      chunk.push(t);
      if (chunk.length >= chunkSize) yield* flush.call(this);
    }
    if (chunk.length) yield* flush.call(this);
  }

  /** Release every session. The engine can load again afterwards. */
  async dispose(): Promise<void> {
    const loads = [...this.models.values()];
    this.models.clear();
    for (const p of loads) {
      try {
        const m = await p;
        await m.encoder.dispose();
        await m.analysis?.dispose();
      } catch { /* a failed load has nothing to release */ }
    }
  }
}
