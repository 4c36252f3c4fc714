import * as vscode from 'vscode';
import type { LensController } from '../inspection/controller';
import { isViewOptions, isWebviewMessage, PROTOCOL_VERSION, type HostMessage, type Surface, type ViewOptions, type WebviewMessage } from '../../shared/protocol';
import type { LensStore, StoreChange } from '../store';
import { optionsEcho, partMessages } from './messages';
import { renderWebviewHtml, webviewOptions } from './webviewHtml';

/** What every surface shares (built once in extension.ts). */
export interface SurfaceServices {
  extensionUri: vscode.Uri;
  store: LensStore;
  controller: LensController;
  log: vscode.LogOutputChannel;
}

/** One surface: its webview, which surface it is, and its document title. */
export interface SurfaceContext extends SurfaceServices {
  webview: vscode.Webview;
  surface: Surface;
  title: string;
}

/**
 * Binds one webview (panel or side view) to the store: sets the HTML, waits for the webview's `ready`, then posts
 * a full snapshot, and after that the smallest messages that carry each store change (a snapshot when the
 * inspection changed, else options / status / compare); answers the webview's requests for large matrices.
 * Messages before `ready` are not sent (the webview would drop them); a post that fails, or a webview that says it
 * lost track (requestSnapshot), gets a snapshot next.
 */
export class WebviewSurface implements vscode.Disposable {
  private ready = false;
  /** False until a snapshot went out, and after a post that did not reach the webview. */
  private synced = false;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly webview: vscode.Webview;
  private readonly surface: Surface;
  private readonly store: LensStore;
  private readonly controller: LensController;
  private readonly log: vscode.LogOutputChannel;

  constructor(ctx: SurfaceContext) {
    ({ webview: this.webview, surface: this.surface, store: this.store, controller: this.controller, log: this.log } = ctx);
    this.webview.options = webviewOptions(ctx.extensionUri);
    this.webview.html = renderWebviewHtml(this.webview, ctx.extensionUri, ctx.surface, ctx.title);
    this.disposables.push(
      this.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      this.store.onDidChange((c) => this.onChange(c)),
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
      case 'requestSnapshot':
        if (this.ready) this.push();
        break;
      case 'runCommand':
        void vscode.commands.executeCommand(m.command);
        break;
      case 'requestMatrix': {
        const request = m.request;
        void this.controller.matrix(request).then((payload) => {
          // a negative answer too: the webview stops waiting for it and says why
          if ('error' in payload) this.post({ type: 'matrixFailed', version: PROTOCOL_VERSION, request, error: payload.error });
          else this.post({ type: 'matrix', version: PROTOCOL_VERSION, request, ...payload });
        });
        break;
      }
      case 'requestAnalysis': {
        const runId = m.runId;
        // the answer is a snapshot with the summary (the store changes); a failure goes to the asking view
        void this.controller.analysis(runId).then((r) => { if (r) this.post({ type: 'analysisFailed', version: PROTOCOL_VERSION, runId, error: r.error }); });
        break;
      }
      case 'setOptions': {
        // accept only the fields that make valid options once merged
        const merged = { ...this.store.current.options, ...m.options } as ViewOptions;
        const seq = this.store.seq;
        if (isViewOptions(merged)) this.controller.setOptions(merged);
        // nothing changed (clamped back, or refused): only this webview holds an override, so only it is told
        const echo = optionsEcho(seq, this.store.current, this.store.seq);
        if (echo && this.ready) this.post(echo);
        break;
      }
      case 'savePng':
        void this.controller.savePng(m.name, m.dataUrl);
        break;
    }
  }

  private post(msg: HostMessage): void {
    // A disposed webview rejects; closing a view mid-run must leave no error behind. A hidden one may drop it.
    this.webview.postMessage(msg).then((delivered) => { if (!delivered) this.synced = false; }, () => { this.synced = false; });
  }

  private onChange(change: StoreChange): void {
    if (!this.ready) return;
    const parts = this.synced ? partMessages(change, this.store.current) : null;
    if (!parts) { this.push(); return; }
    for (const msg of parts) this.post(msg);
  }

  /** Posts a full snapshot of the store. */
  push(): void {
    if (!this.ready) return;
    this.synced = true;
    this.post({ type: 'snapshot', version: PROTOCOL_VERSION, snapshot: this.store.snapshot(this.surface) });
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
