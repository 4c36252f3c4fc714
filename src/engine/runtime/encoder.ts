// One onnxruntime session per model, over the stock graph with its hidden states exposed; typed outputs {data, dims}.
// Attention probabilities are recomputed from those hidden states (runtime/attention.ts) where the graph's query and
// key projections are recognised, and exposed by the rewrite (the graph's Softmax outputs) only where they are not.
// Where they are recomputed, the [CLS] row of every head is still read from the graph's own Softmax in the same run
// (rewrite.ts, queryRowTaps): it is what the views show first.
import * as fs from 'node:fs';
import type * as Ort from 'onnxruntime-node';
import { EngineError } from '../errors';
import { readFully } from '../io/files';
import { outputsSuffix, planOutputs, queryRowTaps, type OutputPlan } from '../onnx/rewrite';
import { familyOf } from '../models/families';
import type { ModelFolder } from '../models/modelFolder';
import { concatBytes, decodeModel, TensorType, type ModelProto } from '../onnx';
import { AttentionRecompute, findQkPattern, type QkPattern } from './attention';
import type { FloatTensor } from '../../shared/types';
import { ort, sessionOptionsFor } from './ort';

const KNOWN_INPUTS = new Set(['input_ids', 'attention_mask', 'token_type_ids', 'position_ids']);

export interface EncoderBatch {
  /** [B][T] token ids, all rows the same length (padded). */
  ids: Int32Array | number[];
  batch: number;
  seq: number;
  attentionMask: ArrayLike<number>;
  tokenTypeIds?: ArrayLike<number>;
}

export interface EncoderOutputs {
  /** Each [B, T, H]; L+1 entries when hidden states are available, else only the last. */
  hiddenStates: FloatTensor[];
  /**
   * With `stacked`, for one sequence: every hidden state in one [L+1, T, H] buffer that onnxruntime wrote into
   * directly (`hiddenStates` are views of it); null when the request or the graph (fp16 outputs) did not allow it.
   */
  stacked: FloatTensor | null;
  /** Each [B, heads, T, T], L entries, when requested and available (recomputed or read from the graph). */
  attentions: FloatTensor[] | null;
  pooler: FloatTensor | null;
  /** With `queryRows`: the first query's row of every head of every layer, [L, heads, T], read in this run; else null. */
  queryRows: FloatTensor | null;
}

export interface RunRequest {
  hiddenStates: 'all' | 'last';
  attentions: boolean;
  pooler: boolean;
  /**
   * Batch 1, every hidden state: have onnxruntime write them into one preallocated [L+1, T, H] buffer (no output
   * buffers of its own, no stacking copy: at 512 tokens the copy alone cost MiniLM's inspection 6–16 ms).
   */
  stacked?: boolean;
  /** With `stacked`: the buffer to write into, when it holds exactly (L+1)·T·H floats (else a fresh one is made). */
  into?: Float32Array;
  /**
   * Batch 1: also return the first query's attention row of every head (the [CLS] row), read from the graph's own
   * Softmax in the same run where the graph allows it (`Encoder.rowsInRun`); null otherwise.
   */
  queryRows?: boolean;
}

function toBigInt64(src: ArrayLike<number>, n: number): BigInt64Array {
  const out = new BigInt64Array(n);
  for (let i = 0; i < n; i++) out[i] = BigInt(src[i]);
  return out;
}

function asFloat32(t: Ort.Tensor, name: string): FloatTensor {
  const dims = t.dims.map(Number);
  if (t.type === 'float32') return { data: t.data as Float32Array, dims };
  if (t.type === 'float16') {
    const src = t.data as Uint16Array;
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = halfToFloat(src[i]);
    return { data: out, dims };
  }
  throw new EngineError('onnx-unsupported', `Output ${name} has type ${t.type}; CLS Lens reads float32 or float16 outputs.`, 'Use an fp32 or fp16 export.');
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Rows of the word-embedding matrix: the Gather fed by input_ids (ids at or beyond it are out of vocabulary). */
function embeddingRows(model: ModelProto): number | null {
  const inits = new Map(model.graph.initializer.map((t) => [t.name, t]));
  const gather = model.graph.node.find((n) => n.opType === 'Gather' && n.input[1] === 'input_ids' && inits.has(n.input[0]));
  return gather ? (inits.get(gather.input[0])?.dims[0] ?? null) : null;
}

/**
 * The capability's reason for recomputed attention. For quantised query/key weights it says that the recompute is fp32
 * with the dequantised weights while the graph quantises its activations too, and how far apart the two were measured
 * (test/integration/quantize.test.ts, random-weight MiniLM- and tiny-shaped models, int8 and uint8, per tensor and per
 * column: [CLS] rows and full layers against the int8 graph's own Softmax outputs).
 */
export function recomputedReason(found: Extract<QkPattern, { ok: true }>): string {
  const where = found.pattern === 'fused' ? 'read from the fused Attention nodes' : 'found above each attention Softmax';
  const s = found.storage;
  if (s.kind === 'fp32') {
    return `Recomputed on request from each layer's input hidden state with the graph's own query and key weights (${where}); the encoder runs its stock graph.`;
  }
  const form = s.kind === 'dynamic' ? 'dynamically quantised (MatMulInteger)' : 'DequantizeLinear';
  return `Recomputed on request in fp32 from each layer's input hidden state with the dequantised ${s.type} query and key weights `
    + `(${form}, ${s.perChannel ? 'per channel' : 'per tensor'}; ${where}); the encoder runs its stock graph. `
    + (s.kind === 'dynamic'
      ? `The graph's own attention also quantises the hidden state to 8 bits, which this recompute does not: measured against the graph's own int8 attention, probabilities differ by ${INT8_MEASURED}.`
      : 'The graph multiplies the same dequantised weights in fp32, so this matches its attention to float rounding.');
}

/**
 * What test/integration/quantize.test.ts measured between the recompute and the int8 graph's Softmax outputs (random
 * weights, tiny and MiniLM-shaped, 24–512 tokens, int8 and uint8, per tensor and per channel): max 0.008–0.033, mean
 * 0.00005–0.0006; the int8 graph's own attention was further from its fp32 model's (max 0.021–0.090).
 */
export const INT8_MEASURED = 'up to about 0.03 (mean under 0.001) on test models, less than the int8 graph\'s own attention differs from its fp32 model\'s (up to about 0.09)';

/** What the capability's reason adds where the [CLS] rows come out of the encoder's own run. */
export const ROWS_IN_RUN = 'The [CLS] rows shown first are read from the graph\'s own attention Softmax in the encoder\'s run.';

/** Room after the file's bytes for the added graph outputs: ≈ 60 bytes per output, a few hundred outputs. */
const OUTPUTS_SLACK = 64 * 1024;

/** The file read into a buffer `slack` bytes longer than it (the file's bytes first). */
function readWithSlack(file: string, slack: number): Uint8Array {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const out = new Uint8Array(size + slack);
    readFully(fd, out.subarray(0, size), 0);
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

export class Encoder {
  private constructor(
    private readonly session: Ort.InferenceSession,
    readonly plan: OutputPlan,
    readonly vocabRows: number | null,
    private readonly positionOffset: number,
    private readonly recompute: AttentionRecompute | null = null,
    /** The config's hidden size (the width of each hidden state), for preallocated outputs. */
    private readonly hidden = 0,
    /** The graph output holding the first query's row of every layer's attention (queryRowTaps), or null. */
    private readonly rowTaps: { output: string; layers: number; heads: number } | null = null,
  ) {}

  static async create(folder: ModelFolder, opts: { threads?: number; /** false: expose the graph's Softmax outputs even where attention can be recomputed. */ recompute?: boolean; /** EngineOptions.scratchDir */ scratchDir?: string } = {}): Promise<Encoder> {
    let bytes: Uint8Array | null;
    /** The file's bytes followed by room for the graph outputs the engine adds (written there, not copied). */
    let buffer: Uint8Array | null;
    try {
      buffer = readWithSlack(folder.onnxFile, OUTPUTS_SLACK);
      bytes = buffer.subarray(0, buffer.length - OUTPUTS_SLACK);
    } catch (e) {
      throw new EngineError('model-files', `Cannot read the ONNX file ${folder.onnxFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`, 'Check the model folder.');
    }
    if (bytes.length === 0) throw new EngineError('onnx-invalid', `The ONNX file ${folder.onnxFile} is empty.`, 'Re-download or re-export the model.');
    let model: ModelProto;
    try {
      model = decodeModel(bytes);
    } catch (e) {
      throw new EngineError('onnx-invalid', `The ONNX file cannot be read: ${(e as Error).message}`, 'The file may be truncated or not an ONNX model: re-download or re-export it.');
    }
    const c = folder.config;
    const plan = planOutputs(model, c.layers);
    const unknown = plan.inputs.filter((n) => !KNOWN_INPUTS.has(n));
    if (unknown.length > 0 || !plan.inputs.includes('input_ids')) {
      throw new EngineError('onnx-unsupported',
        `The graph's inputs are [${plan.inputs.join(', ')}]; CLS Lens feeds input_ids, attention_mask, token_type_ids and position_ids${unknown.length ? ` and does not know ${unknown.join(', ')}` : ''}.`,
        'Export the encoder alone (optimum task "feature-extraction"); models with past key values or pixel inputs are not encoders.');
    }
    // attention: native outputs as they are; otherwise recomputed from the hidden states when the pattern is known
    let pattern: Extract<QkPattern, { ok: true }> | null = null;
    if (plan.attentionsCap.source !== 'native' && opts.recompute !== false) {
      const found = findQkPattern(model, c, plan.hiddenStates);
      if (found.ok) {
        pattern = found;
        plan.attentions = null;
        plan.attentionsCap = { source: 'recomputed', reason: recomputedReason(found) };
      } else if (plan.attentionsCap.source === 'rewritten') {
        plan.attentionsCap = { ...plan.attentionsCap, reason: `${plan.attentionsCap.reason} (Not recomputed: ${found.reason}.)` };
      }
    }
    const existing = new Set(model.graph.output.map((o) => o.name));
    const wanted = [...new Set([...(plan.hiddenStates ?? []), ...(plan.attentions ?? [])])].filter((n) => !existing.has(n));
    const rows = embeddingRows(model);
    // where attention is recomputed, the [CLS] rows shown first are read from the graph's own Softmax in the same run
    const taps = pattern ? queryRowTaps(model, c.layers, plan.floatType) : null;
    if (taps) plan.attentionsCap = { ...plan.attentionsCap, reason: `${plan.attentionsCap.reason} ${ROWS_IN_RUN}` };
    // the outputs are appended after the file's bytes (a second graph field, merged by the parser): in the slack read
    // with the file when they fit, so that onnxruntime gets the model without a copy of it
    const suffix = outputsSuffix(wanted, plan.floatType, taps ?? undefined);
    let graphBytes: Uint8Array | null = suffix.length <= OUTPUTS_SLACK
      ? (buffer!.set(suffix, bytes.length), buffer!.subarray(0, bytes.length + suffix.length))
      : concatBytes([bytes, suffix]);
    model = undefined as unknown as ModelProto;
    const O = ort();
    let session: Ort.InferenceSession;
    try {
      session = await O.InferenceSession.create(graphBytes, sessionOptionsFor(opts.threads));
    } catch (e) {
      throw new EngineError('onnx-invalid', `onnxruntime could not load ${folder.onnxFile}: ${(e as Error).message.split('\n')[0]}`, 'Re-export the model (opset 11–17) or use another ONNX file in the folder.', 'onnxFile');
    } finally {
      graphBytes = null;
    }
    // the Q/K weights are copied out of the file's bytes after onnxruntime made its own copy of the model (allocations
    // in that order leave fewer holes in the native heap); then the file's bytes and the decoded graph can go
    const weights = pattern?.build() ?? null;
    pattern = null;
    bytes = null;
    buffer = null;
    let recompute: AttentionRecompute | null = null;
    try {
      recompute = weights ? await AttentionRecompute.create(weights, opts.threads, { spill: taps !== null, spillDir: opts.scratchDir }) : null;
    } catch (e) {
      await session.release();
      throw new EngineError('internal', `The attention sessions could not be created: ${(e as Error).message.split('\n')[0]}`, 'Report this with the model; meanwhile set clsLens.threads or use another export.');
    }
    return new Encoder(session, plan, rows, familyOf(c.modelType).positionOffset, recompute, c.hidden, taps && { output: taps.output, layers: c.layers, heads: c.heads });
  }

  /** Whether `run` can return the [CLS] rows of every head from the encoder's own run (`RunRequest.queryRows`). */
  get rowsInRun(): boolean {
    return this.rowTaps !== null;
  }

  /** Whether the recompute holds the query/key weights in memory (false: in a temporary file); null without a recompute. */
  get attentionWeightsInMemory(): boolean | null {
    return this.recompute ? this.recompute.weightsInMemory : null;
  }

  /** Whether attention can be had at all (read from the graph or recomputed). */
  get hasAttentions(): boolean {
    return this.plan.attentions !== null || this.recompute !== null;
  }

  /**
   * The row of query `qpos` of every head of every layer, [L, heads, T], for a single sequence whose L+1 hidden states
   * came from `run`: one stacked tensor [L+1, T, H] or one [1, T, H] tensor per layer. Null when attentions are read
   * from the graph instead (take the rows from them).
   */
  async queryRows(hiddenStates: FloatTensor | FloatTensor[], mask: ArrayLike<number>, qpos = 0): Promise<FloatTensor | null> {
    if (!this.recompute) return null;
    return this.recompute.queryRows(Array.isArray(hiddenStates) ? hiddenStates.slice(0, this.recompute.layers) : hiddenStates, mask, qpos);
  }

  /** Layer l's probabilities [B, heads, T, T], recomputed from its input hidden state (null when not recomputable). */
  async layerAttention(l: number, input: FloatTensor, mask: ArrayLike<number>): Promise<FloatTensor | null> {
    if (!this.recompute || l < 0 || l >= this.recompute.layers) return null;
    return this.recompute.layer(l, input, mask);
  }

  async run(b: EncoderBatch, req: RunRequest): Promise<EncoderOutputs> {
    const O = ort();
    const n = b.batch * b.seq;
    const shape = [b.batch, b.seq];
    const feeds: Record<string, Ort.Tensor> = {};
    for (const name of this.plan.inputs) {
      switch (name) {
        case 'input_ids': feeds[name] = new O.Tensor('int64', toBigInt64(b.ids, n), shape); break;
        case 'attention_mask': feeds[name] = new O.Tensor('int64', toBigInt64(b.attentionMask, n), shape); break;
        case 'token_type_ids': feeds[name] = new O.Tensor('int64', b.tokenTypeIds ? toBigInt64(b.tokenTypeIds, n) : new BigInt64Array(n), shape); break;
        case 'position_ids': {
          const pos = new BigInt64Array(n);
          for (let r = 0; r < b.batch; r++) for (let t = 0; t < b.seq; t++) pos[r * b.seq + t] = BigInt(t + this.positionOffset);
          feeds[name] = new O.Tensor('int64', pos, shape);
          break;
        }
      }
    }
    const p = this.plan;
    const fetch: string[] = [];
    const recompute = req.attentions && this.recompute ? this.recompute : null;
    const hiddenNames = (req.hiddenStates === 'all' || recompute) && p.hiddenStates ? p.hiddenStates : [p.lastHidden];
    fetch.push(...hiddenNames);
    if (req.attentions && p.attentions) fetch.push(...p.attentions);
    if (req.pooler && p.pooler) fetch.push(p.pooler);
    const rowsOutput = req.queryRows && b.batch === 1 ? this.rowTaps?.output ?? null : null;
    if (rowsOutput) fetch.push(rowsOutput);
    // preallocated outputs: each hidden state written into its slice of one buffer (float32 graphs, one sequence)
    let stacked: FloatTensor | null = null;
    let views: FloatTensor[] | null = null;
    const fetches: Record<string, Ort.Tensor | null> = {};
    for (const name of fetch) fetches[name] = null;
    if (req.stacked && b.batch === 1 && req.hiddenStates === 'all' && p.hiddenStates && p.floatType === TensorType.FLOAT && this.hidden > 0) {
      const H = this.hidden, per = b.seq * H;
      const data = req.into?.length === hiddenNames.length * per ? req.into : new Float32Array(hiddenNames.length * per);
      stacked = { data, dims: [hiddenNames.length, b.seq, H] };
      const vs = hiddenNames.map((_, i) => ({ data: data.subarray(i * per, (i + 1) * per), dims: [1, b.seq, H] }));
      hiddenNames.forEach((name, i) => { fetches[name] = new O.Tensor('float32', vs[i].data, vs[i].dims); });
      views = vs;
    }
    let out: Ort.InferenceSession.OnnxValueMapType;
    try {
      out = await this.session.run(feeds, fetches);
    } catch (e) {
      throw new EngineError('internal', `onnxruntime failed while running the model: ${(e as Error).message.split('\n')[0]}`, 'Check that the tokenizer belongs to this model.');
    }
    const get = (name: string) => asFloat32(out[name] as Ort.Tensor, name);
    const hiddenStates = views ?? hiddenNames.map(get);
    let attentions: FloatTensor[] | null = req.attentions && p.attentions ? p.attentions.map(get) : null;
    if (recompute) {
      const mask = Float32Array.from(b.attentionMask as ArrayLike<number>);
      attentions = [];
      for (let l = 0; l < recompute.layers; l++) attentions.push(await recompute.layer(l, hiddenStates[l], mask));
    }
    return {
      hiddenStates: req.hiddenStates === 'all' ? hiddenStates : [hiddenStates[hiddenStates.length - 1]],
      stacked,
      attentions,
      pooler: req.pooler && p.pooler ? get(p.pooler) : null,
      queryRows: rowsOutput ? this.rowsOf(get(rowsOutput), b.seq) : null,
    };
  }

  /** The taps' output as [L, heads, T]; null when its size says the Softmax was not laid out [B, heads, T, T]. */
  private rowsOf(t: FloatTensor, T: number): FloatTensor | null {
    const { layers: L, heads } = this.rowTaps!;
    return t.data.length === L * heads * T ? { data: t.data, dims: [L, heads, T] } : null;
  }

  async dispose(): Promise<void> {
    await this.session.release();
    await this.recompute?.dispose();
  }
}
