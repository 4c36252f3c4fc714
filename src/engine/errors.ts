// Errors the engine raises for bad input: each names its cause and the next step, so every surface
// (CLI, notifications, webviews) can show them as they are.

export type EngineErrorCode =
  | 'model-not-found'
  | 'model-files'
  | 'model-config'
  | 'onnx-invalid'
  | 'onnx-unsupported'
  | 'tokenizer'
  | 'vocab-mismatch'
  | 'empty-text'
  | 'cancelled'
  | 'run-expired'
  | 'internal';

export class EngineError extends Error {
  /** `message` is the cause followed by the next step; `summary` is the cause alone. */
  constructor(readonly code: EngineErrorCode, readonly summary: string, readonly next?: string) {
    super(next ? `${summary} ${next}` : summary);
    this.name = 'EngineError';
  }
}

/** A plain, cloneable description of an error, for the worker boundary. */
export interface ErrorInfo {
  code: EngineErrorCode;
  message: string;
  next?: string;
}

export function toErrorInfo(e: unknown): ErrorInfo {
  if (e instanceof EngineError) return { code: e.code, message: e.summary, next: e.next };
  const msg = e instanceof Error ? e.message : String(e);
  return { code: 'internal', message: `Unexpected engine error: ${msg}` };
}

export function fromErrorInfo(info: ErrorInfo): EngineError {
  return info.code === 'cancelled' ? new CancelledError() : new EngineError(info.code, info.message, info.next);
}

export class CancelledError extends EngineError {
  constructor() {
    super('cancelled', 'The run was cancelled.');
  }
}
