// Messages between the engine client (extension host or CLI) and the engine worker thread.
import type { ErrorInfo } from '../errors';
import type { Inspection, ModelSummary } from '../../shared/types';

export interface InspectArgs {
  ref: string;
  text: string;
  maxTokens?: number;
  attentions?: boolean;
  onnxFile?: string;
}

export type WorkerRequest =
  | { id: number; op: 'load'; ref: string; onnxFile?: string }
  | ({ id: number; op: 'inspect' } & InspectArgs)
  | { id: number; op: 'cancel'; target: number };

export type WorkerResult = ModelSummary | Inspection | null;

export type WorkerResponse =
  | { id: number; ok: true; result: WorkerResult }
  | { id: number; ok: false; error: ErrorInfo };

/** Every ArrayBuffer under a value, once each, for a zero-copy postMessage transfer list. */
export function transferables(value: unknown, seen = new Set<ArrayBuffer>(), depth = 0): ArrayBuffer[] {
  if (depth > 8 || value === null || typeof value !== 'object') return [...seen];
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) seen.add(value.buffer);
    return [...seen];
  }
  for (const v of Array.isArray(value) ? value : Object.values(value)) transferables(v, seen, depth + 1);
  return [...seen];
}
