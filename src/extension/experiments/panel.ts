// One webview panel per experiment run: the results view (webview/experiments/) under the same CSP as the inspector.
// Holds the run's status and latest result, so a webview that (re)loads gets both after its `ready`; forwards each
// partial result as it arrives; answers export / savePng / openText / rerun from the view.
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { EXPERIMENT_PROTOCOL_VERSION, isExperimentWebviewMessage, type ExperimentHostMessage, type ExperimentWebviewMessage, type RunStatus } from '../../shared/experimentProtocol';
import type { ExperimentResult } from '../../shared/experiments';
import { webviewHtml } from '../views/html';
import { webviewOptions, webviewRoot } from '../views/webviewHtml';
import { savePng } from '../files';
import { exportResult } from './export';

export const EXPERIMENT_VIEW_TYPE = 'clsLens.experiment';

export interface PanelHooks {
  /** Run the same experiment again (with other folds when given). */
  rerun(folds: number | null): void;
  log: vscode.LogOutputChannel;
}

export class ExperimentPanel implements vscode.Disposable {
  /** Open panels, for tests and for closing on deactivate. */
  static readonly open = new Set<ExperimentPanel>();
  private ready = false;
  private status: RunStatus = { state: 'running', message: 'Starting…', offerFolds: null };
  private result: ExperimentResult | null = null;
  private seq = 0;
  private disposed = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly hooks: PanelHooks) {
    ExperimentPanel.open.add(this);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.svg');
    const webview = panel.webview;
    webview.options = webviewOptions(extensionUri);
    const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot(extensionUri), name)).toString();
    webview.html = webviewHtml({
      cspSource: webview.cspSource, nonce: crypto.randomBytes(18).toString('base64url'), scriptUri: asset('experiments.js'),
      styleUris: [asset('codicon.css'), asset('main.css'), asset('experiments.css')], surface: 'panel', title: panel.title,
    });
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  static create(extensionUri: vscode.Uri, title: string, hooks: PanelHooks): ExperimentPanel {
    const panel = vscode.window.createWebviewPanel(EXPERIMENT_VIEW_TYPE, title, { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
      { ...webviewOptions(extensionUri), retainContextWhenHidden: false });
    return new ExperimentPanel(panel, extensionUri, hooks);
  }

  get isDisposed(): boolean { return this.disposed; }
  /** Fires once, when the panel closes (a run going on for it is cancelled then). */
  readonly onDidClose = (listener: () => void): vscode.Disposable => this.panel.onDidDispose(listener);
  get current(): ExperimentResult | null { return this.result; }
  get state(): RunStatus { return this.status; }

  setStatus(status: RunStatus): void {
    this.status = status;
    this.post({ type: 'status', version: EXPERIMENT_PROTOCOL_VERSION, status });
  }

  setResult(result: ExperimentResult): void {
    this.result = result;
    this.post({ type: 'result', version: EXPERIMENT_PROTOCOL_VERSION, seq: ++this.seq, result });
  }

  private onMessage(m: unknown): void {
    if (!isExperimentWebviewMessage(m)) {
      this.hooks.log.warn(`[experiment] ignored a malformed webview message: ${JSON.stringify(m)?.slice(0, 200)}`);
      return;
    }
    this.handle(m);
  }

  private handle(m: ExperimentWebviewMessage): void {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.post({ type: 'status', version: EXPERIMENT_PROTOCOL_VERSION, status: this.status });
        if (this.result) this.post({ type: 'result', version: EXPERIMENT_PROTOCOL_VERSION, seq: this.seq, result: this.result });
        break;
      case 'export':
        if (this.result) void exportResult(this.result, m.format, this.hooks.log);
        else void vscode.window.showInformationMessage('CLS Lens: there is no result to export yet.');
        break;
      case 'savePng':
        void savePng(m.name.replace(/\.png$/i, ''), m.dataUrl);
        break;
      case 'openText':
        void openAndInspect(m.text);
        break;
      case 'rerun':
        this.hooks.rerun(m.folds);
        break;
    }
  }

  private post(msg: ExperimentHostMessage): void {
    if (!this.ready || this.disposed) return; // sent again after `ready`
    // a panel closed mid-run rejects; a hidden one may drop the message: `ready` brings the state back
    this.panel.webview.postMessage(msg).then(undefined, () => undefined);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    ExperimentPanel.open.delete(this);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

/** A text of the data set in an untitled editor, selected, then inspected (the map's click). */
export async function openAndInspect(text: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({ content: text, language: 'plaintext' });
  const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  editor.selection = new vscode.Selection(doc.positionAt(0), doc.positionAt(text.length));
  await vscode.commands.executeCommand('clsLens.inspectSelection');
}
