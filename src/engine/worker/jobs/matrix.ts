import { quantise, runMatrix } from '../../compute/matrix';
import type { JobHandler } from './context';

/**
 * One layer of a kept run's attention, token cosine or rollout; null when the layer does not exist for that run.
 * Attention is recomputed for the layer from the run's hidden states (or read from the kept attentions); the
 * rollout comes from the run's analysis, computed on first request.
 */
export const matrix: JobHandler<'matrix'> = async (args, ctx) => {
  const run = ctx.runs.get(args.runId);
  if (args.kind === 'attention' && !run.attentions && run.attention) {
    if (!Number.isInteger(args.layer)) return null;
    const a = await run.attention.layer(args.layer);
    return a ? { ...quantise(a.data), dims: a.dims } : null;
  }
  if (args.kind === 'rollout' && !run.rollout && run.attention) run.rollout = (await run.attention.analysis()).rollout;
  return runMatrix(run, args);
};
