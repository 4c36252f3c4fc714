import * as vscode from 'vscode';
import type { Snapshot, Surface, ViewOptions } from '../shared/protocol';
import { errorFix } from './views/messages';
import { applyPatch, changedKeys, type LensState, type StoreChange } from './stateChange';

export type { LensState, StateKey, StoreChange } from './stateChange';

export const DEFAULT_OPTIONS: ViewOptions = { layer: -1, head: -1, measure: 'clsAttention', pooling: 'cls', followSelection: false, decorations: true };

/** The one owner of LensState. Every update that changes something bumps seq and says which keys changed. */
export class LensStore implements vscode.Disposable {
  private state: LensState = {
    status: 'idle', selection: null, progress: null, fix: null, inspection: null, compare: null, options: { ...DEFAULT_OPTIONS }, model: null,
    message: 'Select text in an editor, then run "CLS Lens: Inspect Selection".',
  };
  private counter = 0;
  private readonly emitter = new vscode.EventEmitter<StoreChange>();
  /** Fires once per update that changed something, with the changed keys and the new seq. */
  readonly onDidChange = this.emitter.event;

  get current(): Readonly<LensState> { return this.state; }
  get seq(): number { return this.counter; }

  /** Applies `patch` and records which keys really changed; an update that changes nothing fires nothing. */
  update(patch: Partial<LensState>): void {
    const keys = changedKeys(this.state, patch);
    if (keys.size === 0) return;
    this.state = applyPatch(this.state, patch);
    this.counter++;
    this.emitter.fire({ keys, seq: this.counter });
  }

  snapshot(surface: Surface): Snapshot {
    const s = this.state;
    return { surface, seq: this.counter, status: s.status, selection: s.selection, message: s.message, progress: s.progress,
      ...errorFix(s), inspection: s.inspection, compare: s.compare, options: s.options, model: s.model };
  }

  dispose(): void { this.emitter.dispose(); }
}
