import type { JobHandler } from './context';
import { phaseProgress } from './context';

/**
 * Embed many texts in length-bucketed batches. Each batch streams as one partial (its texts, with their input
 * indices) followed by a progress event (texts done of total); the result counts what was sent.
 */
export const embed: JobHandler<'embed'> = async (args, ctx) => {
  const total = args.texts.length;
  ctx.progress({ phase: 'embed', done: 0, total, message: `Embedding ${total} texts…` });
  let count = 0, truncated = 0;
  const texts = ctx.engine.embed(args.ref, args.texts, {
    onnxFile: args.onnxFile, poolings: args.poolings, layers: args.layers, maxTokens: args.maxTokens,
    batchTokens: args.batchTokens, maxBatch: args.maxBatch, signal: ctx.signal,
    onPhase: (phase) => ctx.progress(phaseProgress(phase)),
    onBatch: (items) => ctx.partial({ items }),
    onProgress: (done) => ctx.progress({ phase: 'embed', done, total, message: `Embedded ${done} of ${total} texts` }),
  });
  // the vectors went out with the partials (transferred): only the counts are read here
  for await (const t of texts) { count++; if (t.truncated) truncated++; }
  return { count, truncated };
};
