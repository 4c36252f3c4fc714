// Engine job progress → a VS Code progress report (phase text, and increments where the job counts its steps).
// Typed structurally (no `vscode` import) so that it is unit-tested in plain Node.
import type { JobProgress } from '../../engine/worker/protocol';

export interface ProgressSink {
  report(value: { message?: string; increment?: number }): void;
}

/** A listener for one job: each event shows its message; done/total advances the bar, never backwards. */
export function progressReporter(sink: ProgressSink): (p: JobProgress) => void {
  let shown = 0; // percent reported so far
  return (p) => {
    const message = p.message ?? p.phase;
    if (p.total && p.total > 0 && p.done !== undefined) {
      const pct = Math.min(100, Math.max(0, (p.done / p.total) * 100));
      if (pct > shown) {
        const increment = pct - shown;
        shown = pct;
        sink.report({ message, increment });
        return;
      }
    }
    sink.report({ message });
  };
}

/**
 * A sink that keeps what was reported (the last message, the increments' sum) and forwards it to every sink attached,
 * replaying the state to each as it is attached: a notification that appears only once a run has lasted starts where
 * the status bar's progress is.
 */
export class LateSink implements ProgressSink {
  private message: string | undefined;
  private total = 0;
  private readonly targets: ProgressSink[] = [];

  report(value: { message?: string; increment?: number }): void {
    if (value.message !== undefined) this.message = value.message;
    if (value.increment) this.total += value.increment;
    for (const t of this.targets) t.report(value);
  }

  attach(target: ProgressSink): void {
    this.targets.push(target);
    if (this.message !== undefined || this.total > 0) target.report({ message: this.message, ...(this.total > 0 ? { increment: this.total } : {}) });
  }
}
