// Errors the engine raises for bad input: each names its cause and the next step. The engine runs under several
// surfaces (the VS Code extension, the CLI), so its words name no surface's controls: where the user has to change an
// input, `fix` says which one, and each surface phrases that in its own terms (a setting and a command, a flag).

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
  | DataErrorCode
  | HubErrorCode;

/** Data set errors (src/experiments/data): a missing file, a wrong column, bytes that are not UTF-8, labels that cannot train a probe. */
export type DataErrorCode = 'data-not-found' | 'data-format' | 'data-encoding' | 'data-column' | 'data-labels'
  | 'experiment-args' // a layer, pooling or shard the run cannot have
  | 'features'; // feature folders (embed --out, the embedding cache) that are missing, damaged or do not belong together

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

/** The input a user changes to get past an error: the model folder, the ONNX file inside it, or the text. */
export const ERROR_FIXES = ['model', 'onnxFile', 'text'] as const;
export type ErrorFix = (typeof ERROR_FIXES)[number];

/**
 * The input to change for the codes where one is the rule: a model whose folder, files, graph or tokenizer are wrong is
 * got past by choosing another model; blank text by selecting other text. An explicit `fix` wins.
 */
const DEFAULT_FIX: Partial<Record<EngineErrorCode, ErrorFix>> = {
  'model-not-found': 'model', 'model-files': 'model', 'model-config': 'model', 'onnx-invalid': 'model', 'onnx-unsupported': 'model',
  tokenizer: 'model', 'vocab-mismatch': 'model', 'empty-text': 'text',
};

export class EngineError extends Error {
  /** The input to change, which each surface names in its own terms (see phraseError). */
  readonly fix: ErrorFix | undefined;

  /**
   * `summary` is the cause; `next` a surface-neutral next step; `fix` the input to change (default: the code's rule in
   * DEFAULT_FIX). `message` is the cause and the neutral next step.
   */
  constructor(readonly code: EngineErrorCode, readonly summary: string, readonly next?: string, fix?: ErrorFix, readonly retry?: ErrorRetry) {
    super(next ? `${summary} ${next}` : summary);
    this.name = 'EngineError';
    this.fix = fix ?? DEFAULT_FIX[code];
  }
}

/** Settings with which the same request would work, for a surface to offer as one click ("Run with 3 folds"). */
export interface ErrorRetry {
  folds?: number;
}

/** A plain, cloneable description of an error, for the worker boundary. */
export interface ErrorInfo {
  code: EngineErrorCode;
  message: string;
  next?: string;
  fix?: ErrorFix;
  retry?: ErrorRetry;
}

export function toErrorInfo(e: unknown): ErrorInfo {
  if (e instanceof EngineError) return { code: e.code, message: e.summary, next: e.next, fix: e.fix, ...(e.retry ? { retry: { ...e.retry } } : {}) };
  const msg = e instanceof Error ? e.message : String(e);
  return { code: 'internal', message: `Unexpected engine error: ${msg}` };
}

export function fromErrorInfo(info: ErrorInfo): EngineError {
  const fix = (ERROR_FIXES as readonly unknown[]).includes(info.fix) ? info.fix : undefined;
  const retry = typeof info.retry?.folds === 'number' && Number.isInteger(info.retry.folds) ? { folds: info.retry.folds } : undefined;
  return info.code === 'cancelled' ? new CancelledError() : new EngineError(info.code, info.message, info.next, fix, retry);
}

/** How one surface tells the user to change each input, e.g. the CLI's `Pass --model DIR …`. */
export type FixPhrases = Readonly<Record<ErrorFix, string>>;

/** An error's text for one surface: the cause, the neutral next step, then how to change the input there. */
export function phraseError(e: unknown, phrases: FixPhrases): string {
  if (!(e instanceof EngineError)) return e instanceof Error ? e.message : String(e);
  return [e.summary, e.next, e.fix ? phrases[e.fix] : undefined].filter((s) => s).join(' ');
}

export class CancelledError extends EngineError {
  constructor() {
    super('cancelled', 'The run was cancelled.');
  }
}
