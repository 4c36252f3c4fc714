import type { JobHandler } from './context';
import { phaseProgress } from './context';
import { downloadProgress } from './download';

const STEPS = ['resolving', 'reading model', 'creating session'] as const;

/** Load a model (memoised in the worker's engine): progress per stage, result the model summary. */
export const load: JobHandler<'load'> = async (args, ctx) => {
  const m = await ctx.engine.load(args.ref, { onnxFile: args.onnxFile, onPhase: (phase) => ctx.progress(phaseProgress(phase, STEPS)),
    signal: ctx.signal, onDownload: (p) => ctx.progress(downloadProgress(p)) });
  return m.summary;
};
