// Entry of the engine's worker thread: inference never runs on the extension host's event loop.
// One request runs at a time (the CPU is the bottleneck); a cancel aborts a queued request at once
// and a running one at its next stage boundary.
import { parentPort, workerData } from 'node:worker_threads';
import { Engine, type EngineOptions } from '../engine';
import { CancelledError, toErrorInfo } from '../errors';
import { transferables, type WorkerRequest, type WorkerResponse, type WorkerResult } from './protocol';

if (!parentPort) throw new Error('worker.js must run in a worker thread');
const port = parentPort;
const engine = new Engine((workerData ?? {}) as EngineOptions);
const queue: WorkerRequest[] = [];
const controllers = new Map<number, AbortController>();
let busy = false;

function reply(msg: WorkerResponse): void {
  port.postMessage(msg, msg.ok ? transferables(msg.result) : []);
}

async function execute(req: WorkerRequest, signal: AbortSignal): Promise<WorkerResult> {
  switch (req.op) {
    case 'load': return (await engine.load(req.ref, { onnxFile: req.onnxFile })).summary;
    case 'inspect': return engine.inspect(req.ref, req.text, { maxTokens: req.maxTokens, attentions: req.attentions, onnxFile: req.onnxFile, signal });
    case 'cancel': return null;
  }
}

async function pump(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    for (let req = queue.shift(); req; req = queue.shift()) {
      const ctl = new AbortController();
      controllers.set(req.id, ctl);
      try {
        const result = await execute(req, ctl.signal);
        if (ctl.signal.aborted) throw new CancelledError();
        reply({ id: req.id, ok: true, result });
      } catch (e) {
        reply({ id: req.id, ok: false, error: toErrorInfo(e) });
      } finally {
        controllers.delete(req.id);
      }
    }
  } finally {
    busy = false;
  }
}

port.on('message', (req: WorkerRequest) => {
  if (req.op === 'cancel') {
    const i = queue.findIndex((q) => q.id === req.target);
    if (i >= 0) {
      const [dropped] = queue.splice(i, 1);
      reply({ id: dropped.id, ok: false, error: toErrorInfo(new CancelledError()) });
    }
    controllers.get(req.target)?.abort();
    return;
  }
  queue.push(req);
  void pump();
});
