import * as vscode from 'vscode';
import type { LensController } from '../inspection/controller';
import type { LensStore } from '../store';
import { WebviewSurface } from './webviewSurface';

export const SIDE_VIEW_ID = 'clsLens.sideView';

/** The activity-bar view: a compact reading of the current selection. */
export class SideViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private surface: WebviewSurface | undefined;

  constructor(private readonly extensionUri: vscode.Uri, private readonly store: LensStore, private readonly controller: LensController, private readonly log: vscode.LogOutputChannel) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.surface?.dispose();
    const surface = new WebviewSurface(view.webview, this.extensionUri, 'side', 'CLS Lens', this.store, this.controller, this.log);
    this.surface = surface;
    view.onDidDispose(() => { surface.dispose(); if (this.surface === surface) this.surface = undefined; });
  }

  dispose(): void { this.surface?.dispose(); }
}
