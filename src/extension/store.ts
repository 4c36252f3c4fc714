import * as vscode from 'vscode';
import type { CompareView, InspectionView, RunStatus, SelectionInfo, Snapshot, Surface, ViewOptions } from '../shared/protocol';

/** The state every surface renders. One owner; surfaces read snapshots of it. */
export interface LensState {
  status: RunStatus;
  selection: SelectionInfo | null;
  message: string | null;
  progress: string | null;
  inspection: InspectionView | null;
  compare: CompareView | null;
  options: ViewOptions;
}

export const DEFAULT_OPTIONS: ViewOptions = { layer: -1, head: -1, measure: 'clsAttention', pooling: 'cls', followSelection: false, decorations: true };

export class LensStore implements vscode.Disposable {
  private state: LensState = {
    status: 'idle', selection: null, progress: null, inspection: null, compare: null, options: { ...DEFAULT_OPTIONS },
    message: 'Select text in an editor, then run "CLS Lens: Inspect Selection".',
  };
  private seq = 0;
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;

  get current(): Readonly<LensState> { return this.state; }

  update(patch: Partial<LensState>): void {
    this.state = { ...this.state, ...patch };
    this.seq++;
    this.emitter.fire();
  }

  snapshot(surface: Surface): Snapshot {
    const s = this.state;
    return { surface, seq: this.seq, status: s.status, selection: s.selection, message: s.message, progress: s.progress,
      inspection: s.inspection, compare: s.compare, options: s.options };
  }

  dispose(): void { this.emitter.dispose(); }
}
