import { runMatrix } from '../../compute/matrix';
import type { JobHandler } from './context';

/** One layer of a kept run's attention, token cosine or rollout; null when the layer does not exist for that run. */
export const matrix: JobHandler<'matrix'> = async (args, ctx) => runMatrix(ctx.runs.get(args.runId), args);
