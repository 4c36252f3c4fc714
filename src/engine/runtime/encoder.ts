// One onnxruntime session per model, over the rewritten graph; typed outputs {data, dims}.
import * as fs from 'node:fs';
import type * as Ort from 'onnxruntime-node';
import { EngineError } from '../errors';
import { prepareGraph, type OutputPlan } from '../onnx/rewrite';
import { familyOf } from '../models/families';
import type { ModelFolder } from '../models/modelFolder';
import type { ModelProto } from '../onnx';
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
  /** Each [B, heads, T, T], L entries, when requested and available. */
  attentions: FloatTensor[] | null;
  pooler: FloatTensor | null;
}

export interface RunRequest {
  hiddenStates: 'all' | 'last';
  attentions: boolean;
  pooler: boolean;
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

export class Encoder {
  private constructor(
    private readonly session: Ort.InferenceSession,
    readonly plan: OutputPlan,
    readonly vocabRows: number | null,
    private readonly positionOffset: number,
  ) {}

  static async create(folder: ModelFolder, opts: { threads?: number } = {}): Promise<Encoder> {
    let bytes: Uint8Array;
    try {
      bytes = fs.readFileSync(folder.onnxFile);
    } catch (e) {
      throw new EngineError('model-files', `Cannot read the ONNX file ${folder.onnxFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`, 'Check the model folder.');
    }
    if (bytes.length === 0) throw new EngineError('onnx-invalid', `The ONNX file ${folder.onnxFile} is empty.`, 'Re-download or re-export the model.');
    const prepared = prepareGraph(bytes, folder.config.layers);
    const unknown = prepared.plan.inputs.filter((n) => !KNOWN_INPUTS.has(n));
    if (unknown.length > 0 || !prepared.plan.inputs.includes('input_ids')) {
      throw new EngineError('onnx-unsupported',
        `The graph's inputs are [${prepared.plan.inputs.join(', ')}]; CLS Lens feeds input_ids, attention_mask, token_type_ids and position_ids${unknown.length ? ` and does not know ${unknown.join(', ')}` : ''}.`,
        'Export the encoder alone (optimum task "feature-extraction"); models with past key values or pixel inputs are not encoders.');
    }
    const O = ort();
    let session: Ort.InferenceSession;
    try {
      const sessionOptions = sessionOptionsFor(opts.threads);
      session = await O.InferenceSession.create(prepared.bytes, sessionOptions);
    } catch (e) {
      throw new EngineError('onnx-invalid', `onnxruntime could not load ${folder.onnxFile}: ${(e as Error).message.split('\n')[0]}`, 'Re-export the model (opset 11–17) or use another ONNX file in the folder.', 'onnxFile');
    }
    const rows = embeddingRows(prepared.model);
    return new Encoder(session, prepared.plan, rows, familyOf(folder.config.modelType).positionOffset);
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
    const hiddenNames = req.hiddenStates === 'all' && p.hiddenStates ? p.hiddenStates : [p.lastHidden];
    fetch.push(...hiddenNames);
    if (req.attentions && p.attentions) fetch.push(...p.attentions);
    if (req.pooler && p.pooler) fetch.push(p.pooler);
    let out: Ort.InferenceSession.OnnxValueMapType;
    try {
      out = await this.session.run(feeds, [...new Set(fetch)]);
    } catch (e) {
      throw new EngineError('internal', `onnxruntime failed while running the model: ${(e as Error).message.split('\n')[0]}`, 'Check that the tokenizer belongs to this model.');
    }
    const get = (name: string) => asFloat32(out[name] as Ort.Tensor, name);
    return {
      hiddenStates: hiddenNames.map(get),
      attentions: req.attentions && p.attentions ? p.attentions.map(get) : null,
      pooler: req.pooler && p.pooler ? get(p.pooler) : null,
    };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
