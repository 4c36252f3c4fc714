import * as vscode from 'vscode';
import { WebviewSurface, type SurfaceServices } from './webviewSurface';

export const SIDE_VIEW_ID = 'clsLens.sideView';

/** The activity-bar view: a compact reading of the current selection. */
export class SideViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private surface: WebviewSurface | undefined;

  constructor(private readonly services: SurfaceServices) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.surface?.dispose();
    const surface = new WebviewSurface({ ...this.services, webview: view.webview, surface: 'side', title: 'CLS Lens' });
    this.surface = surface;
    view.onDidDispose(() => { surface.dispose(); if (this.surface === surface) this.surface = undefined; });
  }

  dispose(): void { this.surface?.dispose(); }
}
