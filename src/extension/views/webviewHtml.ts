import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import type { Surface } from '../../shared/protocol';

/** The folder the webview may load from: the built webview bundle, its CSS and the codicon font. Nothing else. */
export function webviewRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [webviewRoot(extensionUri)] };
}

/** HTML shell for both surfaces: strict CSP (default-src 'none', script by nonce), assets via asWebviewUri. */
export function renderWebviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, surface: Surface, title: string): string {
  const nonce = crypto.randomBytes(18).toString('base64url');
  const root = webviewRoot(extensionUri);
  const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(root, name)).toString();
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data: blob:`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${asset('codicon.css')}" rel="stylesheet">
<link href="${asset('main.css')}" rel="stylesheet">
<title>${title}</title>
</head>
<body data-surface="${surface}">
<div id="app" role="main"></div>
<script nonce="${nonce}" src="${asset('main.js')}"></script>
</body>
</html>`;
}
