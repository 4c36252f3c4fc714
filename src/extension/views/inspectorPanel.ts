import * as vscode from 'vscode';
import type { LensController } from '../inspection/controller';
import type { LensStore } from '../store';
import { webviewOptions } from './webviewHtml';
import { WebviewSurface, type SurfaceServices } from './webviewSurface';

export const PANEL_VIEW_TYPE = 'clsLens.inspector';
export const PANEL_TITLE = 'CLS Lens Inspector';

/** The full inspector: one panel at a time, revived after a reload by the serializer. */
export class InspectorPanel implements vscode.Disposable {
  private static current: InspectorPanel | undefined;
  private readonly surface: WebviewSurface;
  private readonly disposables: vscode.Disposable[] = [];

  static show(extensionUri: vscode.Uri, store: LensStore, controller: LensController, log: vscode.LogOutputChannel): InspectorPanel {
    if (InspectorPanel.current) {
      InspectorPanel.current.panel.reveal(undefined, true);
      return InspectorPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, PANEL_TITLE,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { ...webviewOptions(extensionUri), retainContextWhenHidden: false });
    return new InspectorPanel(panel, { extensionUri, store, controller, log });
  }

  static registerSerializer(services: SurfaceServices): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
        InspectorPanel.current?.dispose();
        new InspectorPanel(panel, services);
      },
    });
  }

  private constructor(readonly panel: vscode.WebviewPanel, services: SurfaceServices) {
    InspectorPanel.current = this;
    panel.iconPath = vscode.Uri.joinPath(services.extensionUri, 'media', 'icon.svg');
    this.surface = new WebviewSurface({ ...services, webview: panel.webview, surface: 'panel', title: PANEL_TITLE });
    this.disposables.push(this.surface, panel.onDidDispose(() => this.dispose()));
  }

  dispose(): void {
    if (InspectorPanel.current === this) InspectorPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
