import * as vscode from 'vscode';
import type { RunStatus, SelectionInfo, Snapshot, Surface } from './protocol';

/** The state every surface renders. One owner; surfaces read snapshots of it. */
export interface LensState {
  status: RunStatus;
  selection: SelectionInfo | null;
  message: string | null;
}

export class LensStore implements vscode.Disposable {
  private state: LensState = { status: 'idle', selection: null, message: 'Select text in an editor, then run "CLS Lens: Inspect Selection".' };
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
    return { surface, seq: this.seq, status: this.state.status, selection: this.state.selection, message: this.state.message };
  }

  dispose(): void { this.emitter.dispose(); }
}
