// Entry of the engine's worker thread: inference never runs on the extension host's event loop.
// Jobs run one at a time (the CPU is the bottleneck), each by its handler in ./jobs. Every job ends with exactly one
// terminal message; a cancel drops a queued job at once and aborts a running one (its handler stops at the next
// stage boundary), which then ends with a 'cancelled' error.
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { Engine, type EngineOptions } from '../engine';
import { CancelledError, EngineError, toErrorInfo } from '../errors';
import { handlers, isJobKind } from './jobs';
import type { JobContext } from './jobs/context';
import { RunStore } from './runs';
import { transferables, type ClientMessage, type JobKind, type StartMessage, type WorkerMessage } from './protocol';

if (!parentPort) throw new Error('worker.js must run in a worker thread');
const port = parentPort;
const engine = new Engine((workerData ?? {}) as EngineOptions);
// a dropped run's hidden states buffer is what the next inspection writes into
const runs = new RunStore(`w${threadId}`, 2, (run) => engine.recycleHidden(run.hidden));
const queue: StartMessage[] = [];
let running: { id: number; ctl: AbortController } | null = null;

function post(msg: WorkerMessage): void {
  const kept = runs.buffers();
  const transfer = msg.type === 'result' || msg.type === 'partial' ? transferables(msg.value).filter((b) => !kept.has(b)) : [];
  try {
    port.postMessage(msg, transfer);
  } catch {
    port.postMessage(msg); // a buffer that cannot be transferred (e.g. Node's Buffer pool) is copied instead
  }
}

function fail(id: number, e: unknown): void {
  post({ type: 'error', id, error: toErrorInfo(e) });
}

async function execute(job: StartMessage, signal: AbortSignal): Promise<unknown> {
  const live = () => !signal.aborted; // nothing but the terminal message leaves a cancelled job
  const ctx: JobContext<JobKind> = {
    signal, engine, runs,
    progress: (progress) => { if (live()) post({ type: 'progress', id: job.id, progress }); },
    partial: (value) => { if (live()) post({ type: 'partial', id: job.id, value }); },
  };
  const handler = handlers[job.kind] as (args: unknown, ctx: JobContext<JobKind>) => Promise<unknown>;
  return handler(job.args, ctx);
}

async function pump(): Promise<void> {
  if (running) return;
  for (let job = queue.shift(); job; job = queue.shift()) {
    const ctl = new AbortController();
    running = { id: job.id, ctl };
    try {
      const value = await execute(job, ctl.signal);
      if (ctl.signal.aborted) throw new CancelledError();
      post({ type: 'result', id: job.id, value });
    } catch (e) {
      fail(job.id, ctl.signal.aborted ? new CancelledError() : e);
    } finally {
      running = null;
    }
  }
}

port.on('message', (msg: ClientMessage) => {
  if (msg.type === 'cancel') {
    const i = queue.findIndex((q) => q.id === msg.target);
    if (i >= 0) fail(queue.splice(i, 1)[0].id, new CancelledError());
    else if (running?.id === msg.target) running.ctl.abort();
    return;
  }
  if (!isJobKind(msg.kind)) {
    fail(msg.id, new EngineError('internal', `The engine worker has no job "${String(msg.kind)}"; it runs ${Object.keys(handlers).join(', ')}.`,
      'Rebuild the extension so that dist/worker.js matches the code that starts jobs.'));
    return;
  }
  queue.push(msg);
  void pump();
});
