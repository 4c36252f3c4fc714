// What a job handler gets: its cancellation signal, progress and partial channels, and the worker's shared state.
// A new job kind is one handler (args, ctx) => result plus a line in the table in index.ts; the plumbing stays.
import type { Engine, EnginePhase } from '../../engine';
import type { RunStore } from '../runs';
import type { JobArgs, JobKind, JobPartial, JobProgress, JobResult } from '../protocol';

export interface JobContext<K extends JobKind> {
  /** Aborted when the job is cancelled: check it at each stage boundary (or pass it to the engine). */
  signal: AbortSignal;
  progress(p: JobProgress): void;
  /** Stream a partial value; its ArrayBuffers are transferred, so do not read them afterwards. */
  partial(value: JobPartial<K>): void;
  engine: Engine;
  runs: RunStore;
}

export type JobHandler<K extends JobKind> = (args: JobArgs<K>, ctx: JobContext<K>) => Promise<JobResult<K>>;
export type JobTable = { [K in JobKind]: JobHandler<K> };

const PHASE_TEXT: Record<EnginePhase, string> = {
  'resolving': 'Resolving the model…',
  'reading model': 'Reading the model files…',
  'creating session': 'Starting onnxruntime…',
  'tokenise': 'Tokenising…',
  'run': 'Running the encoder…',
  'analyse': 'Analysing attention and similarity…',
};

/** A progress event for an engine stage; `steps` numbers the stages when they are this job's own. */
export function phaseProgress(phase: EnginePhase, steps?: readonly EnginePhase[]): JobProgress {
  const k = steps ? steps.indexOf(phase) : -1;
  return k >= 0 ? { phase, done: k, total: steps!.length, message: PHASE_TEXT[phase] } : { phase, message: PHASE_TEXT[phase] };
}
