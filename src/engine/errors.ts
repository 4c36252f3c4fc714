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
  | 'internal'
  | HubErrorCode;

/**
 * Hub errors (src/engine/models/hub). Their `next` is phrased for no surface in particular; the CLI and the
 * extension can name their own flags or settings by code.
 */
export type HubErrorCode =
  | 'hub-repo-not-found' // no such repo, or private without a (valid) token
  | 'hub-revision-not-found'
  | 'hub-file-not-found' // a file asked for is not in the repo
  | 'hub-no-onnx' // the repo has no ONNX file
  | 'hub-no-tokenizer' // the repo has no tokenizer.json
  | 'hub-gated' // 403: accept the model's terms on its page
  | 'hub-token-rejected' // 401 without a repo error code
  | 'hub-offline' // offline and not (completely) cached
  | 'hub-network' // the endpoint cannot be reached, or answered with an unexpected status
  | 'hub-integrity' // downloaded bytes do not match the size or hash the Hub announced
  | 'cache-write'; // writing the cache failed (disk full, read-only, permissions)

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
