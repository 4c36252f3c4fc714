// Host side of the engine worker: request ids, latest-wins lanes, cancellation, crash recovery, dispose.
// No `vscode` import, so the CLI and the tests use it too.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EngineOptions } from '../engine';
import { CancelledError, EngineError, fromErrorInfo } from '../errors';
import type { Inspection, ModelSummary } from '../../shared/types';
import type { InspectArgs, WorkerRequest, WorkerResponse, WorkerResult } from './protocol';

type Pending = { resolve: (v: WorkerResult) => void; reject: (e: Error) => void; lane?: string };
type NewRequest = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export interface CancelToken {
  isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export class EngineClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly lanes = new Map<string, number>();
  private disposed = false;

  /** `workerFile` is the built dist/worker.js; by default it sits beside the bundle that imports this module. */
  constructor(private readonly opts: EngineOptions = {}, private readonly workerFile = path.join(__dirname, 'worker.js')) {}

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.workerFile, { workerData: this.opts });
    w.on('message', (msg: WorkerResponse) => this.onMessage(msg));
    w.on('error', (err) => this.failAll(new EngineError('internal', `The engine worker failed: ${err.message}`, 'The next request starts a fresh one.')));
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = undefined;
      if (!this.disposed && this.pending.size) this.failAll(new EngineError('internal', `The engine worker stopped (exit code ${code}).`, 'The next request starts a fresh one.'));
    });
    this.worker = w;
    return w;
  }

  private failAll(err: Error): void {
    for (const [id, p] of this.pending) { this.pending.delete(id); p.reject(err); }
    this.lanes.clear();
  }

  private onMessage(msg: WorkerResponse): void {
    const p = this.pending.get(msg.id);
    this.pending.delete(msg.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (!p) return; // a reply to a request cancelled on this side
    if (p.lane && this.lanes.get(p.lane) === msg.id) this.lanes.delete(p.lane);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(fromErrorInfo(msg.error));
  }

  private request(req: NewRequest, lane?: string, token?: CancelToken): Promise<WorkerResult> {
    if (this.disposed) return Promise.reject(new EngineError('internal', 'The engine has been disposed.'));
    if (token?.isCancellationRequested) return Promise.reject(new CancelledError());
    const id = this.nextId++;
    if (lane) {
      const prev = this.lanes.get(lane);
      if (prev !== undefined) this.cancel(prev);
      this.lanes.set(lane, id);
    }
    const w = this.ensureWorker();
    w.ref(); // keep the process alive while a request is pending; idle workers never hold it open
    return new Promise<WorkerResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, lane });
      const sub = token?.onCancellationRequested(() => this.cancel(id));
      const done = () => sub?.dispose();
      const p = this.pending.get(id)!;
      p.resolve = (v) => { done(); resolve(v); };
      p.reject = (e) => { done(); reject(e); };
      w.postMessage({ ...req, id } as WorkerRequest);
    });
  }

  /**
   * Cancel one request: it rejects with CancelledError at once, and the worker drops it if still queued or stops it
   * at its next stage boundary (a result that arrives later is ignored).
   */
  cancel(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (p.lane && this.lanes.get(p.lane) === id) this.lanes.delete(p.lane);
    this.worker?.postMessage({ id: this.nextId++, op: 'cancel', target: id } satisfies WorkerRequest);
    p.reject(new CancelledError());
  }

  load(ref: string, onnxFile?: string): Promise<ModelSummary> {
    return this.request({ op: 'load', ref, onnxFile }) as Promise<ModelSummary>;
  }

  /** Inspect a text. With a `lane`, a newer request in the same lane cancels this one (latest wins). */
  inspect(args: InspectArgs, lane?: string, token?: CancelToken): Promise<Inspection> {
    return this.request({ op: 'inspect', ...args }, lane, token) as Promise<Inspection>;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.failAll(new CancelledError());
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }
}
