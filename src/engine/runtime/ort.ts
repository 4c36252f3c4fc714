// The onnxruntime seam: the one place that loads the native module and sets the options every session shares.
import type * as Ort from 'onnxruntime-node';
import { EngineError } from '../errors';

let ortModule: typeof Ort | undefined;
/** onnxruntime-node is loaded lazily: the CLI's --help and the protocol never pay for the native addon. */
export function ort(): typeof Ort {
  if (!ortModule) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ortModule = require('onnxruntime-node') as typeof Ort;
    } catch (e) {
      throw new EngineError('internal', `The onnxruntime-node native module could not be loaded (${(e as Error).message.split('\n')[0]}).`,
        'Install the CLS Lens build for this platform (the linux-x64 VSIX on Linux x64), or run `npm ci` in a source checkout.');
    }
  }
  return ortModule;
}

/**
 * Options for every session the engine creates. Spinning is off: an inspection alternates the encoder session,
 * the analysis session and JavaScript work, and a pool that spins after its run takes the cores from the next step
 * (measured with two MiniLM sessions alternating at 128 tokens on 2 cores: 195 ms per pair spinning, 108 ms not).
 */
export function sessionOptionsFor(threads?: number, opts: { arena?: boolean } = {}): Ort.InferenceSession.SessionOptions {
  const o: Ort.InferenceSession.SessionOptions = {
    interOpNumThreads: 1, graphOptimizationLevel: 'all',
    // arena false: buffers go back to the allocator after each run (the on-request sessions, whose inputs vary in size)
    ...(opts.arena === false ? { enableCpuMemArena: false } : {}),
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
  if (threads && threads > 0) o.intraOpNumThreads = threads;
  return o;
}
