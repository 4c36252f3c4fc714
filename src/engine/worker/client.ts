// Host side of the engine worker: typed jobs with progress and partial results, latest-wins lanes, cancellation,
// crash recovery, dispose. No `vscode` import: the extension and the tests use it (the CLI runs Engine in-process).
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EngineOptions } from '../engine';
import { CancelledError, EngineError, fromErrorInfo } from '../errors';
import { isTerminal, type ClientMessage, type JobArgs, type JobKind, type JobPartial, type JobProgress, type JobResult, type WorkerMessage } from './protocol';

/** VS Code's CancellationToken shape. */
export interface CancelToken {
  isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

/** A CancelToken with its trigger, for callers outside VS Code (CLI, tests). */
export class CancelSource {
  private readonly listeners = new Set<() => void>();
  readonly token: CancelToken = {
    isCancellationRequested: false,
    onCancellationRequested: (l) => { this.listeners.add(l); return { dispose: () => this.listeners.delete(l) }; },
  };

  cancel(): void {
    if (this.token.isCancellationRequested) return;
    this.token.isCancellationRequested = true;
    for (const l of [...this.listeners]) l();
  }
}

export interface JobOptions<K extends JobKind> {
  /** A newer job in the same lane cancels this one (latest wins). */
  lane?: string;
  token?: CancelToken;
  onProgress?: (p: JobProgress) => void;
  /** Partial values in the order the worker sent them, all before the job's result (only for kinds that stream). */
  onPartial?: [JobPartial<K>] extends [never] ? never : (value: JobPartial<K>) => void;
}

interface Pending {
  lane?: string;
  onProgress?: (p: JobProgress) => void;
  onPartial?: (value: never) => void;
  resolve(value: unknown): void;
  reject(e: Error): void;
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
    w.on('message', (msg: WorkerMessage) => this.onMessage(msg));
    w.on('error', (err) => {
      if (this.worker === w) this.worker = undefined; // it is exiting: the next job must not be posted to it
      this.failAll(new EngineError('internal', `The engine worker failed: ${err.message}`, 'The next request starts a fresh one.'));
    });
    w.on('exit', (code) => {
      // only the current worker's exit fails pending jobs: a worker that already failed ('error') has been replaced,
      // and the jobs pending now belong to its successor
      const current = this.worker === w;
      if (current) this.worker = undefined;
      if (current && !this.disposed && this.pending.size) this.failAll(new EngineError('internal', `The engine worker stopped (exit code ${code}).`, 'The next request starts a fresh one.'));
    });
    this.worker = w;
    return w;
  }

  private failAll(err: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    this.lanes.clear();
    this.worker?.unref(); // nothing pending: an idle worker must not hold the process open
    for (const p of all) p.reject(err);
  }

  /** Forget a job on this side; the worker is kept alive (ref'd) only while some job is pending. */
  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    if (p.lane && this.lanes.get(p.lane) === id) this.lanes.delete(p.lane);
    if (this.pending.size === 0) this.worker?.unref();
    return p;
  }

  private onMessage(msg: WorkerMessage): void {
    const p = this.pending.get(msg.id);
    if (!p) return; // a job cancelled (or failed) on this side: whatever the worker still sends is ignored
    if (isTerminal(msg)) {
      this.settle(msg.id);
      if (msg.type === 'result') p.resolve(msg.value);
      else p.reject(fromErrorInfo(msg.error));
      return;
    }
    try {
      if (msg.type === 'progress') p.onProgress?.(msg.progress);
      else p.onPartial?.(msg.value as never);
    } catch (e) {
      // a listener that throws ends its job with that error
      this.cancel(msg.id, e instanceof Error ? e : new Error(String(e)));
    }
  }

  /**
   * Run a job in the worker. Progress and partial values go to the callbacks until the job ends; cancelling (token
   * or lane) rejects at once with CancelledError and nothing more is delivered for the job.
   */
  run<K extends JobKind>(kind: K, args: JobArgs<K>, opts: JobOptions<K> = {}): Promise<JobResult<K>> {
    if (this.disposed) return Promise.reject(new EngineError('internal', 'The engine has been disposed.'));
    if (opts.token?.isCancellationRequested) return Promise.reject(new CancelledError());
    const id = this.nextId++;
    if (opts.lane) {
      const prev = this.lanes.get(opts.lane);
      if (prev !== undefined) this.cancel(prev);
      this.lanes.set(opts.lane, id);
    }
    const w = this.ensureWorker();
    w.ref(); // keep the process alive while a job is pending; idle workers never hold it open
    return new Promise<JobResult<K>>((resolve, reject) => {
      const sub = opts.token?.onCancellationRequested(() => this.cancel(id));
      this.pending.set(id, {
        lane: opts.lane, onProgress: opts.onProgress, onPartial: opts.onPartial as ((v: never) => void) | undefined,
        resolve: (v) => { sub?.dispose(); resolve(v as JobResult<K>); },
        reject: (e) => { sub?.dispose(); reject(e); },
      });
      this.post({ type: 'start', id, kind, args });
    });
  }

  /** Load a model (the `load` job). */
  load(ref: string, onnxFile?: string, opts: JobOptions<'load'> = {}): Promise<JobResult<'load'>> {
    return this.run('load', { ref, onnxFile }, opts);
  }

  private post(msg: ClientMessage): void {
    this.worker?.postMessage(msg);
  }

  /** Reject a job at once and tell the worker to drop it (queued) or stop it at its next stage boundary (running). */
  private cancel(id: number, reason: Error = new CancelledError()): void {
    const p = this.settle(id);
    if (!p) return;
    this.post({ type: 'cancel', target: id });
    p.reject(reason);
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
