import { CancelledError } from '../../errors';
import { rolloutClsRows } from '../../compute/matrix';
import type { Inspection } from '../../../shared/types';
import type { InspectResult } from '../protocol';
import type { RunStore } from '../runs';
import { phaseProgress, type JobHandler } from './context';
import { downloadProgress } from './download';

const STEPS = ['tokenise', 'run', 'analyse'] as const;

/** Keep the heavy tensors of an inspection in `runs`; return the rest, which is what the host needs to draw it. */
export function keepRun(ins: Inspection, runs: RunStore): InspectResult {
  const { hidden, attentions, analysis, ...rest } = ins;
  const runId = runs.add({ hidden, layerIds: ins.layerIds, attentions, rollout: analysis?.rollout ?? null });
  if (!analysis) return { ...rest, runId, analysis: null };
  const { rollout, ...light } = analysis;
  return { ...rest, runId, analysis: { ...light, rolloutClsRow: rolloutClsRows(rollout) } };
}

/** Inspect one text: progress per stage (and the load's stages on first use); the heavy tensors stay in the worker. */
export const inspect: JobHandler<'inspect'> = async (args, ctx) => {
  const ins = await ctx.engine.inspect(args.ref, args.text, {
    maxTokens: args.maxTokens, attentions: args.attentions, onnxFile: args.onnxFile, signal: ctx.signal,
    onPhase: (phase) => ctx.progress(phaseProgress(phase, STEPS)), onDownload: (p) => ctx.progress(downloadProgress(p)),
  });
  if (ctx.signal.aborted) throw new CancelledError(); // a cancelled run must not push out a kept one
  return keepRun(ins, ctx.runs);
};
