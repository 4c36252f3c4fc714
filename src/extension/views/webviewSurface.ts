import * as vscode from 'vscode';
import type { LensController } from '../inspection/controller';
import { isViewOptions, isWebviewMessage, PROTOCOL_VERSION, type HostMessage, type Surface, type ViewOptions, type WebviewMessage } from '../../shared/protocol';
import type { LensStore } from '../store';
import { renderWebviewHtml, webviewOptions } from './webviewHtml';

/**
 * Binds one webview (panel or side view) to the store: sets the HTML, waits for the webview's `ready`,
 * then posts a full snapshot on every change, and answers the webview's requests for large matrices.
 * Messages before `ready` are not sent (the webview would drop them).
 */
export class WebviewSurface implements vscode.Disposable {
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly webview: vscode.Webview,
    extensionUri: vscode.Uri,
    private readonly surface: Surface,
    title: string,
    private readonly store: LensStore,
    private readonly controller: LensController,
    private readonly log: vscode.LogOutputChannel,
  ) {
    webview.options = webviewOptions(extensionUri);
    webview.html = renderWebviewHtml(webview, extensionUri, surface, title);
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      store.onDidChange(() => this.push()),
    );
  }

  private onMessage(m: unknown): void {
    if (!isWebviewMessage(m)) {
      this.log.warn(`[${this.surface}] ignored a malformed webview message: ${JSON.stringify(m)?.slice(0, 200)}`);
      return;
    }
    this.handle(m);
  }

  private handle(m: WebviewMessage): void {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.push();
        break;
      case 'runCommand':
        void vscode.commands.executeCommand(m.command);
        break;
      case 'requestMatrix': {
        const request = m.request;
        void this.controller.matrix(request).then((payload) => {
          if (payload) this.post({ type: 'matrix', version: PROTOCOL_VERSION, request, ...payload });
        });
        break;
      }
      case 'setOptions': {
        // accept only the fields that make valid options once merged
        const merged = { ...this.store.current.options, ...m.options } as ViewOptions;
        if (isViewOptions(merged)) this.controller.setOptions(merged);
        break;
      }
      case 'savePng':
        void this.controller.savePng(m.name, m.dataUrl);
        break;
    }
  }

  private post(msg: HostMessage): void {
    // A disposed webview rejects; closing a view mid-run must leave no error behind.
    this.webview.postMessage(msg).then(undefined, () => undefined);
  }

  push(): void {
    if (!this.ready) return;
    this.post({ type: 'snapshot', version: PROTOCOL_VERSION, snapshot: this.store.snapshot(this.surface) });
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
