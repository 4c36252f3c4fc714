// The heavy tensors of the last few inspections, kept in the worker so that the host can ask for one matrix at a time.
import { EngineError } from '../errors';
import type { RunTensors } from '../compute/matrix';
import type { KeptAttention } from '../engine';

/**
 * A kept run: its hidden states (the attention of a layer is recomputed from them on request), and, where the model's
 * attentions come out of the graph instead, those. `attention` computes a layer or the analysis on request.
 */
export interface KeptRun extends RunTensors {
  attention?: KeptAttention | null;
}

export class RunStore {
  private readonly runs = new Map<string, KeptRun>();
  private next = 1;

  /**
   * `prefix` makes ids unique across workers (a restarted worker must not answer for its predecessor's runs).
   * `onDrop` gets each run as it is dropped; nothing reads it after that (the worker runs one job at a time, and no
   * message holds a kept buffer: they are copied, never transferred), so its buffers can be reused.
   */
  constructor(private readonly prefix: string, readonly keep = 2, private readonly onDrop?: (run: KeptRun) => void) {}

  /** Keep a run (the oldest beyond `keep` is dropped) and return its id. */
  add(run: KeptRun): string {
    const id = `${this.prefix}-${this.next++}`;
    this.runs.set(id, run);
    while (this.runs.size > this.keep) {
      const oldest = this.runs.keys().next().value!;
      const dropped = this.runs.get(oldest)!;
      this.runs.delete(oldest);
      this.onDrop?.(dropped);
    }
    return id;
  }

  /** The run's tensors, or an error naming the cause when this worker no longer holds it. */
  get(id: string): KeptRun {
    const run = this.runs.get(id);
    if (!run) {
      throw new EngineError('run-expired', `The engine no longer holds run ${id}: it keeps the tensors of the last ${this.keep} inspections only, and a restarted engine keeps none.`,
        'Inspect the selection again.');
    }
    return run;
  }

  /** Buffers the kept runs own: never transferred out of the worker (that would detach them here). */
  buffers(): Set<ArrayBuffer> {
    const out = new Set<ArrayBuffer>();
    for (const r of this.runs.values()) {
      for (const t of [r.hidden, r.attentions, r.rollout]) if (t && t.data.buffer instanceof ArrayBuffer) out.add(t.data.buffer);
    }
    return out;
  }
}
