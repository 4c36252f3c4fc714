import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import type { Surface } from '../../shared/protocol';
import { webviewHtml } from './html';

/** The folder the webview may load from: the built webview bundle, its CSS and the codicon font. Nothing else. */
export function webviewRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [webviewRoot(extensionUri)] };
}

/** HTML shell for both surfaces (html.ts): strict CSP (default-src 'none', script by nonce), assets via asWebviewUri. */
export function renderWebviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, surface: Surface, title: string): string {
  const root = webviewRoot(extensionUri);
  const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(root, name)).toString();
  return webviewHtml({
    cspSource: webview.cspSource, nonce: crypto.randomBytes(18).toString('base64url'), scriptUri: asset('main.js'),
    styleUris: [asset('codicon.css'), asset('main.css')], surface, title,
  });
}
