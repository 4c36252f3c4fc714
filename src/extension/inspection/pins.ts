// Pinned selections for Compare: each pin keeps its text and pooled vectors; the store gets the comparison matrices.
import * as vscode from 'vscode';
import type { Inspection } from '../../shared/types';
import type { LensStore } from '../store';
import { compareView, pinLabel, type Pin } from './viewModel';

export class PinBoard {
  private pins: Pin[] = [];

  constructor(private readonly store: LensStore) {}

  /** Pin an inspection. Pins from a model with another layer count are dropped first (they cannot be compared). */
  pin(ins: Pick<Inspection, 'text' | 'layerIds' | 'vectors'> | undefined): void {
    if (!ins) { void vscode.window.showInformationMessage('CLS Lens: inspect a selection first, then pin it.'); return; }
    if (this.pins.length > 0 && this.pins[0].layerIds.length !== ins.layerIds.length) this.pins = [];
    const label = pinLabel(this.pins.length + 1, ins.text);
    this.pins.push({ label, text: ins.text, layerIds: ins.layerIds, vectors: ins.vectors });
    this.store.update({ compare: compareView(this.pins) });
    void vscode.window.showInformationMessage(`CLS Lens: pinned ${label} (${this.pins.length} pinned).`);
  }

  /** Show the comparison; false (with a hint) when fewer than two texts are pinned. */
  compare(): boolean {
    if (this.pins.length < 2) {
      void vscode.window.showInformationMessage(`CLS Lens: pin at least two selections to compare (${this.pins.length} pinned). Use "CLS Lens: Pin Selection for Comparison".`);
      return false;
    }
    this.store.update({ compare: compareView(this.pins) });
    return true;
  }

  clear(): void {
    this.pins = [];
    this.store.update({ compare: null });
  }
}
