import { CancelledError } from '../../errors';
import { rolloutClsRows } from '../../compute/matrix';
import type { FirstInspection } from '../../engine';
import type { AttentionAnalysis, FloatTensor } from '../../../shared/types';
import type { InspectResult, LightAnalysis } from '../protocol';
import type { KeptRun, RunStore } from '../runs';
import { phaseProgress, type JobHandler } from './context';
import { downloadProgress } from './download';

const STEPS = ['tokenise', 'run', 'analyse'] as const;

const copy = (t: FloatTensor): FloatTensor => ({ data: t.data.slice(), dims: [...t.dims] });

/** The analysis without the full rollout (its [CLS] rows instead), in fresh buffers that can be transferred. */
export function lightAnalysis(a: AttentionAnalysis): LightAnalysis {
  return {
    clsRow: copy(a.clsRow), toCls: copy(a.toCls), toSep: copy(a.toSep), toPunct: copy(a.toPunct), toSelf: copy(a.toSelf),
    entropy: copy(a.entropy), rolloutClsRow: rolloutClsRows(a.rollout),
  };
}

/** Keep the heavy tensors of an inspection in `runs` (the analysis is computed on request); return the rest. */
export function keepRun(first: FirstInspection, runs: RunStore): InspectResult {
  const { hidden, attentions, analysis, ...rest } = first.inspection;
  const run: KeptRun = { hidden, layerIds: rest.layerIds, attentions, rollout: analysis?.rollout ?? null, attention: first.attention };
  const runId = runs.add(run);
  return { ...rest, runId, analysis: analysis ? lightAnalysis(analysis) : null };
}

/** The analysis of a kept run (shares, entropy, rollout): computed once on request, the full rollout kept for `matrix`. */
export async function runAnalysis(run: KeptRun): Promise<LightAnalysis | null> {
  if (!run.attention) return null;
  const a = await run.attention.analysis();
  run.rollout = a.rollout;
  return lightAnalysis(a);
}

/**
 * Inspect one text: progress per stage (and the load's stages on first use); the heavy tensors stay in the worker.
 * `analysis: false` returns what is shown first (vectors, the [CLS] attention rows) and leaves the analysis to an
 * `analysis` job.
 */
export const inspect: JobHandler<'inspect'> = async (args, ctx) => {
  const first = await ctx.engine.inspectFirst(args.ref, args.text, {
    maxTokens: args.maxTokens, attentions: args.attentions, onnxFile: args.onnxFile, signal: ctx.signal,
    onPhase: (phase) => ctx.progress(phaseProgress(phase, STEPS)), onDownload: (p) => ctx.progress(downloadProgress(p)),
  });
  if (ctx.signal.aborted) throw new CancelledError(); // a cancelled run must not push out a kept one
  const result = keepRun(first, ctx.runs);
  if (args.analysis !== false && first.attention) {
    const t0 = performance.now();
    result.analysis = await runAnalysis(ctx.runs.get(result.runId));
    const ms = performance.now() - t0;
    result.timings = { ...result.timings, analyseMs: result.timings.analyseMs + ms, totalMs: result.timings.totalMs + ms };
  }
  return result;
};

/** The analysis of a kept run, on request; null when the model's attention cannot be read. */
export const analysis: JobHandler<'analysis'> = async (args, ctx) => runAnalysis(ctx.runs.get(args.runId));
