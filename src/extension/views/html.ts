// The webview's HTML shell and Content-Security-Policy as a pure function (no vscode, no Node): used by
// webviewHtml.ts with the real webview's cspSource and asset URIs, and by the webview test harness
// (test/webview/harness.mjs) with its own origin, so the harness runs the bundle under the same CSP.
import type { Surface } from '../../shared/protocol';

export interface WebviewHtmlParts {
  /** `webview.cspSource`: the only origin styles, fonts and images may come from. */
  cspSource: string;
  /** A fresh random nonce per render: the only script allowed runs with it. */
  nonce: string;
  scriptUri: string;
  /** Stylesheets, linked in this order. */
  styleUris: readonly string[];
  surface: Surface;
  title: string;
}

const escapeAttr = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The strict CSP: nothing by default, scripts by nonce only, styles/fonts/images from the webview origin. */
export function webviewCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data: blob:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

/** HTML shell for both surfaces: <body data-surface>, <div id="app">, one script by nonce. */
export function webviewHtml(p: WebviewHtmlParts): string {
  const styles = p.styleUris.map((u) => `<link href="${escapeAttr(u)}" rel="stylesheet">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(webviewCsp(p.cspSource, p.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles}
<title>${escapeAttr(p.title)}</title>
</head>
<body data-surface="${escapeAttr(p.surface)}">
<div id="app" role="main"></div>
<script nonce="${escapeAttr(p.nonce)}" src="${escapeAttr(p.scriptUri)}"></script>
</body>
</html>`;
}
