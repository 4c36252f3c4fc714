// The job protocol between the engine client (extension host or CLI) and the engine worker thread.
// The client starts a job; the worker answers with any number of `progress` and `partial` events for it and ends it
// with exactly one terminal message, `result` or `error`. `cancel` drops a queued job at once and stops a running one
// at its next stage boundary; a cancelled job ends with an `error` of code 'cancelled'.
import type { EmbeddedText } from '../engine';
import type { ErrorInfo } from '../errors';
import type { MatrixPayload } from '../compute/matrix';
import type { MatrixKind } from '../../shared/protocol';
import type { HubModel } from '../models/hub/types';
import type { ExperimentArgs } from '../../experiments/types';
import type { ExperimentResult } from '../../shared/experiments';
import type { AttentionAnalysis, FloatTensor, Inspection, ModelSummary, PoolingName } from '../../shared/types';

export interface LoadArgs {
  ref: string;
  onnxFile?: string;
}

export interface InspectArgs {
  ref: string;
  text: string;
  maxTokens?: number;
  attentions?: boolean;
  onnxFile?: string;
  /** false: return what is shown first (vectors, [CLS] attention rows) and leave the analysis to an `analysis` job. Default true. */
  analysis?: boolean;
}

/** The attention analysis as the host gets it: the full rollout stays in the worker, its [CLS] rows travel. */
export type LightAnalysis = Omit<AttentionAnalysis, 'rollout'> & { /** [L, T] */ rolloutClsRow: FloatTensor };

export interface AnalysisArgs {
  runId: string;
}

/**
 * What the host receives for an inspection: the Inspection without the heavy tensors (hidden states, attentions,
 * the full rollout), which stay in the worker under `runId` for `matrix` jobs. The rollout's [CLS] rows are kept.
 */
export type InspectResult = Omit<Inspection, 'hidden' | 'attentions' | 'analysis'> & {
  /** Names the run's tensors kept in the worker (the last few runs only). */
  runId: string;
  /** Null when the model's attention cannot be read, or when the job was asked not to compute it (analysis: false). */
  analysis: LightAnalysis | null;
};

export interface EmbedArgs {
  ref: string;
  texts: string[];
  onnxFile?: string;
  poolings?: PoolingName[];
  layers?: 'all' | 'last';
  maxTokens?: number;
  batchTokens?: number;
  maxBatch?: number;
}

/** The texts of one batch, as soon as the batch is embedded (indices are positions in `texts`). */
export interface EmbedPartial {
  items: EmbeddedText[];
}

export interface EmbedResult {
  /** Texts embedded; every one was sent in exactly one partial. */
  count: number;
  truncated: number;
}

export interface MatrixArgs {
  runId: string;
  kind: MatrixKind;
  layer: number;
}

/**
 * Download a Hub model into the cache (or, offline, find it there). Progress: phase 'download' with `bytes`,
 * `done` (= bytes) and `total` (bytes to fetch). Unset fields fall back to the worker's engine options, then to
 * Python's environment variables (HF_ENDPOINT, HF_HUB_OFFLINE, HF_TOKEN, HF_HUB_CACHE/HF_HOME).
 */
export interface DownloadArgs {
  /** `org/name[@revision]` */
  ref: string;
  onnxFile?: string;
  endpoint?: string;
  offline?: boolean;
  /** A token string; false sends none (not even HF_TOKEN's). */
  token?: string | false;
  cacheDir?: string;
}

/** Every job kind: its arguments, the partial values it may stream, and its result. */
export interface JobKinds {
  load: { args: LoadArgs; partial: never; result: ModelSummary };
  inspect: { args: InspectArgs; partial: never; result: InspectResult };
  embed: { args: EmbedArgs; partial: EmbedPartial; result: EmbedResult };
  matrix: { args: MatrixArgs; partial: never; result: MatrixPayload | null };
  analysis: { args: AnalysisArgs; partial: never; result: LightAnalysis | null };
  download: { args: DownloadArgs; partial: never; result: HubModel };
  /** One experiment run (src/experiments/run.ts); partials are the result so far, marked partial. */
  experiment: { args: ExperimentArgs; partial: ExperimentResult; result: ExperimentResult };
}
export type JobKind = keyof JobKinds;
export type JobArgs<K extends JobKind> = JobKinds[K]['args'];
export type JobPartial<K extends JobKind> = JobKinds[K]['partial'];
export type JobResult<K extends JobKind> = JobKinds[K]['result'];

export interface JobProgress {
  /** What the job is doing now, e.g. 'reading model', 'run'. */
  phase: string;
  done?: number;
  total?: number;
  bytes?: number;
  /** The phase in words, for a progress notification. */
  message?: string;
}

// ---- client → worker
export interface StartMessage<K extends JobKind = JobKind> { type: 'start'; id: number; kind: K; args: JobArgs<K> }
export interface CancelMessage { type: 'cancel'; target: number }
export type ClientMessage = StartMessage | CancelMessage;

// ---- worker → client
export interface ProgressMessage { type: 'progress'; id: number; progress: JobProgress }
export interface PartialMessage { type: 'partial'; id: number; value: unknown }
export interface ResultMessage { type: 'result'; id: number; value: unknown }
export interface ErrorMessage { type: 'error'; id: number; error: ErrorInfo }
export type WorkerMessage = ProgressMessage | PartialMessage | ResultMessage | ErrorMessage;

export function isTerminal(m: WorkerMessage): m is ResultMessage | ErrorMessage {
  return m.type === 'result' || m.type === 'error';
}

/** Every ArrayBuffer under a value, once each, for a zero-copy postMessage transfer list. */
export function transferables(value: unknown): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > 8 || v === null || typeof v !== 'object') return;
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer) seen.add(v.buffer);
      return;
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) walk(x, depth + 1);
  };
  walk(value, 0);
  return [...seen];
}
