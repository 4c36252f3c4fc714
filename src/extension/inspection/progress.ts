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
