// The `experiment` job: one experiment run (src/experiments/run.ts) in the worker, so the extension host never
// blocks. The runner's progress becomes job progress, its partial results job partials (cloned: the runner may keep
// filling the arrays it reported, and a partial's buffers are transferred), the job's cancel its abort signal.
import { runExperiment } from '../../../experiments/run';
import type { ExperimentProgress } from '../../../experiments/types';
import type { JobProgress } from '../protocol';
import type { JobHandler } from './context';

/** A runner's progress as a job progress event (the same fields; the phase stands in for a missing message). */
export function experimentProgress(p: ExperimentProgress): JobProgress {
  const out: JobProgress = { phase: p.phase, message: p.message ?? p.phase };
  if (p.done !== undefined) out.done = p.done;
  if (p.total !== undefined) out.total = p.total;
  return out;
}

export const experiment: JobHandler<'experiment'> = (args, ctx) => runExperiment(ctx.engine, args, {
  signal: ctx.signal,
  onProgress: (p) => ctx.progress(experimentProgress(p)),
  onPartial: (r) => ctx.partial(structuredClone({ ...r, partial: true })),
});
