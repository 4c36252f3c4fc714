// Messages between the extension host and an experiment results panel (webview/experiments/). One panel shows one
// run. The webview posts `ready` first; the host answers with the run's state (`status`) and its latest result
// (`result`), then sends each partial result as it arrives (a whole result each time: the view redraws from it), the
// final result, and status changes. Typed arrays (census heatmaps, map coordinates) cross as typed arrays.
// No Node, no `vscode`: the webview imports this.
import { isExperimentKind, type ExperimentResult } from './experiments';

export const EXPERIMENT_PROTOCOL_VERSION = 1;

/** What the run is doing: running (results so far may be partial), done, cancelled (partial shown), failed. */
export const RUN_STATES = ['running', 'done', 'cancelled', 'error'] as const;
export type RunState = (typeof RUN_STATES)[number];

// ---- host → webview
export interface RunStatus {
  state: RunState;
  /** Progress in words while running ("training 12/91"), the error or the cancel notice otherwise. */
  message: string | null;
  /** Set when the run failed because a class has fewer texts than folds: the folds it can run with. */
  offerFolds: number | null;
}
export interface StatusMessage { type: 'status'; version: number; status: RunStatus }
/** A result (partial while the run goes on, `result.partial`); `seq` rises with every result of the run. */
export interface ResultMessage { type: 'result'; version: number; seq: number; result: ExperimentResult }
export type ExperimentHostMessage = StatusMessage | ResultMessage;

// ---- webview → host
export interface ExpReadyMessage { type: 'ready' }
/** Export the shown result as JSON or CSV (the host writes it where the user chooses). */
export interface ExportMessage { type: 'export'; format: 'json' | 'csv' }
/** A chart's canvas as PNG (same shape as the inspector's, so the shared widgets' export buttons work here). */
export interface ExpSavePngMessage { type: 'savePng'; name: string; dataUrl: string }
/** Open a text of the data set in an untitled editor and inspect it (map: a click on a point). */
export interface OpenTextMessage { type: 'openText'; text: string }
/** Run the same experiment again, with other folds when given (the "Run with N folds" offer). */
export interface RerunMessage { type: 'rerun'; folds: number | null }
export type ExperimentWebviewMessage = ExpReadyMessage | ExportMessage | ExpSavePngMessage | OpenTextMessage | RerunMessage;

// ---- guards
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const PNG_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/;
const isFoldCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 2 && v <= 100;

export function isRunStatus(v: unknown): v is RunStatus {
  return isObject(v) && (RUN_STATES as readonly unknown[]).includes(v.state)
    && (v.message === null || typeof v.message === 'string')
    && (v.offerFolds === null || isFoldCount(v.offerFolds));
}

/** The common fields of every result, enough for the view to know what it draws (the rest it reads defensively). */
export function isExperimentResultShape(v: unknown): v is ExperimentResult {
  return isObject(v) && isExperimentKind(v.kind) && v.version === 1 && isObject(v.model) && isObject(v.data)
    && typeof v.partial === 'boolean' && Array.isArray(v.notes) && Array.isArray(v.layers);
}

export function isExperimentHostMessage(v: unknown): v is ExperimentHostMessage {
  if (!isObject(v) || v.version !== EXPERIMENT_PROTOCOL_VERSION) return false;
  switch (v.type) {
    case 'status': return isRunStatus(v.status);
    case 'result': return typeof v.seq === 'number' && Number.isInteger(v.seq) && v.seq >= 0 && isExperimentResultShape(v.result);
    default: return false;
  }
}

export function isExperimentWebviewMessage(v: unknown): v is ExperimentWebviewMessage {
  if (!isObject(v)) return false;
  switch (v.type) {
    case 'ready': return true;
    case 'export': return v.format === 'json' || v.format === 'csv';
    case 'savePng': return typeof v.name === 'string' && typeof v.dataUrl === 'string' && PNG_DATA_URL.test(v.dataUrl);
    case 'openText': return typeof v.text === 'string' && v.text.trim().length > 0 && v.text.length <= 100_000;
    case 'rerun': return v.folds === null || isFoldCount(v.folds);
    default: return false;
  }
}
