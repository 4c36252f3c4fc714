// Webview test harness: the BUILT webview bundle (dist/webview/main.js + main.css) in headless Debian chromium,
// in the page the extension writes (src/extension/views/html.ts, imported here): the same CSP (default-src 'none',
// script by nonce, styles/fonts/images only from the webview origin), <body data-surface="panel|side">, <div id="app">.
// A stub acquireVsCodeApi, installed before any page script, records what the webview posts and keeps
// getState/setState. Host messages are delivered with window.postMessage (structured clone, as VS Code does),
// so typed arrays arrive as typed arrays.
//
// Usage (node:test):
//   import { after } from 'node:test';
//   import { closeBrowser, openWebview, snapshotMessage } from './harness.mjs';
//   after(closeBrowser);
//   const w = await openWebview({ surface: 'panel' });
//   await w.post(snapshotMessage({ seq: 1, selection: selectionInfo('hello') }));
//   assert.equal(await w.text('#selection'), 'hello');
//   assert.deepEqual(await w.problems(), []);
//   await w.close();
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = path.join(ROOT, 'dist/webview');
/** Stands in for `webview.cspSource`: every asset is served from here, nothing else is reachable. */
export const ORIGIN = 'https://webview.cls-lens.test';

/** Imports a source module of the extension (no vscode, no Node imports), bundled by esbuild in memory. */
function compileTs(file) {
  return esbuild.build({
    entryPoints: [path.join(ROOT, file)], bundle: true, format: 'esm', platform: 'neutral', write: false, logLevel: 'silent',
  }).then((r) => import(`data:text/javascript;base64,${Buffer.from(r.outputFiles[0].text).toString('base64')}`));
}

const CONTENT_TYPES = {
  '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.map': 'application/json',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.json': 'application/json', '.html': 'text/html',
};

// A few of the --vscode-* variables VS Code injects into every webview (Dark Modern / Light Modern values).
const THEMES = {
  dark: {
    'font-family': 'system-ui, sans-serif', 'font-size': '13px', 'font-weight': 'normal',
    'editor-font-family': 'monospace', 'editor-font-size': '14px',
    foreground: '#cccccc', 'editor-background': '#1f1f1f', 'editor-foreground': '#cccccc',
    'sideBar-background': '#181818', descriptionForeground: '#9d9d9d', errorForeground: '#f85149',
    'button-background': '#0078d4', 'button-foreground': '#ffffff', 'button-hoverBackground': '#026ec1',
    'button-border': '#ffffff12', focusBorder: '#0078d4', 'textCodeBlock-background': '#2b2b2b',
    'panel-border': '#2b2b2b', 'widget-border': '#313131', 'input-background': '#313131', 'input-foreground': '#cccccc',
    'dropdown-background': '#313131', 'dropdown-foreground': '#cccccc', 'dropdown-border': '#3c3c3c',
    'charts-red': '#f14c4c', 'charts-blue': '#3794ff', 'charts-yellow': '#cca700', 'charts-green': '#89d185',
    'charts-orange': '#d18616', 'charts-purple': '#b180d7', 'charts-foreground': '#cccccc', 'charts-lines': '#cccccc80',
  },
  light: {
    'font-family': 'system-ui, sans-serif', 'font-size': '13px', 'font-weight': 'normal',
    'editor-font-family': 'monospace', 'editor-font-size': '14px',
    foreground: '#3b3b3b', 'editor-background': '#ffffff', 'editor-foreground': '#3b3b3b',
    'sideBar-background': '#f8f8f8', descriptionForeground: '#3b3b3b', errorForeground: '#f85149',
    'button-background': '#005fb8', 'button-foreground': '#ffffff', 'button-hoverBackground': '#0258a8',
    'button-border': '#0000001a', focusBorder: '#005fb8', 'textCodeBlock-background': '#f8f8f8',
    'panel-border': '#e5e5e5', 'widget-border': '#e5e5e5', 'input-background': '#ffffff', 'input-foreground': '#3b3b3b',
    'dropdown-background': '#ffffff', 'dropdown-foreground': '#3b3b3b', 'dropdown-border': '#cecece',
    'charts-red': '#e51400', 'charts-blue': '#1a85ff', 'charts-yellow': '#bf8803', 'charts-green': '#388a34',
    'charts-orange': '#d18616', 'charts-purple': '#652d90', 'charts-foreground': '#616161', 'charts-lines': '#61616180',
  },
};

function themeCss(theme, vars) {
  const all = { ...(THEMES[theme] ?? THEMES.dark), ...vars };
  return `:root {\n${Object.entries(all).map(([k, v]) => `  --vscode-${k}: ${v};`).join('\n')}\n}\n`;
}

// ---- browser (one per test file; node --test runs each file in its own process) ----------------------------
let browserPromise;
export function browser() {
  browserPromise ??= chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  return browserPromise;
}
/**
 * The end of every webview test: optionally a screenshot, then the page closes and must have logged no page error,
 * console error, CSP violation or failed request. Each test file calls it from its afterEach with the page it opened.
 */
export async function closePageClean(w, screenshotPath) {
  if (!w) return;
  if (screenshotPath) await w.screenshot(screenshotPath).catch(() => {});
  const problems = await w.problems();
  await w.close();
  assert.deepEqual(problems, [], 'no page errors, console errors, CSP violations or failed requests');
}

export async function closeBrowser() {
  const p = browserPromise;
  browserPromise = undefined;
  if (p) await (await p).close();
}

// ---- typed arrays across the Node <-> page boundary ----------------------------------------------------------
// Playwright serialises evaluate() arguments and results as plain data; typed arrays are tagged with their type
// and raw bytes (base64, so NaN payloads and -0 survive) and rebuilt on the other side.
const TYPED = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];

export function encodeForPage(v) {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    return { __typedArray: v.constructor.name, base64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  }
  if (Array.isArray(v)) return v.map(encodeForPage);
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeForPage(x)]));
  }
  return v;
}

export function decodeFromPage(v) {
  if (Array.isArray(v)) return v.map(decodeFromPage);
  if (v && typeof v === 'object') {
    if (typeof v.__typedArray === 'string' && TYPED.includes(v.__typedArray)) {
      const bytes = Buffer.from(v.base64, 'base64');
      const Ctor = globalThis[v.__typedArray];
      const copy = new Uint8Array(bytes).buffer;   // aligned copy
      return new Ctor(copy, 0, copy.byteLength / Ctor.BYTES_PER_ELEMENT);
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decodeFromPage(x)]));
  }
  return v;
}

// Runs in the page before any other script (page.addInitScript): the VS Code webview API stub, the typed-array
// codec, and the recorders of CSP violations.
function pageInit(initialState) {
  const typed = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
    'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];
  const toB64 = (u8) => { let s = ''; for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode(...u8.subarray(i, i + 0x8000)); return btoa(s); };
  const fromB64 = (b64) => { const s = atob(b64); const u8 = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) u8[i] = s.charCodeAt(i); return u8; };
  const encode = (v) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      return { __typedArray: v.constructor.name, base64: toB64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
    }
    if (Array.isArray(v)) return v.map(encode);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
    return v;
  };
  const decode = (v) => {
    if (Array.isArray(v)) return v.map(decode);
    if (v && typeof v === 'object') {
      if (typeof v.__typedArray === 'string' && typed.includes(v.__typedArray)) {
        const Ctor = globalThis[v.__typedArray];
        const u8 = fromB64(v.base64);
        return new Ctor(u8.buffer, 0, u8.byteLength / Ctor.BYTES_PER_ELEMENT);
      }
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
    }
    return v;
  };
  const h = {
    posted: [], state: initialState, acquired: 0, cspViolations: [], encode, decode,
  };
  Object.defineProperty(window, '__harness', { value: h });
  window.acquireVsCodeApi = () => {
    // As in VS Code: the API may be acquired once per page.
    if (h.acquired++) throw new Error('An instance of the VS Code API has already been acquired');
    return Object.freeze({
      postMessage: (message) => { h.posted.push(structuredClone(message)); },
      getState: () => h.state,
      setState: (s) => { h.state = structuredClone(s); return s; },
    });
  };
  document.addEventListener('securitypolicyviolation', (e) => {
    h.cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
  });
}

// The real HTML shell and CSP (src/extension/views/html.ts, pure), compiled on the fly like the protocol below.
let shellPromise;
export function shell() {
  shellPromise ??= compileTs('src/extension/views/html.ts');
  return shellPromise;
}

/**
 * The page HTML: src/extension/views/html.ts's webviewHtml with the harness origin as cspSource, the harness theme
 * stylesheet first, and the theme classes VS Code puts on <body>.
 */
export async function webviewHtml({ surface, nonce, title = 'CLS Lens', theme = 'dark', bundle = 'main' }) {
  const kind = theme === 'light' ? 'vscode-light' : 'vscode-dark';
  const html = (await shell()).webviewHtml({
    cspSource: ORIGIN, nonce, scriptUri: `${ORIGIN}/dist/webview/${bundle}.js`, surface, title,
    styleUris: [`${ORIGIN}/harness/theme.css`, `${ORIGIN}/dist/webview/codicon.css`, `${ORIGIN}/dist/webview/main.css`,
      ...(bundle === 'main' ? [] : [`${ORIGIN}/dist/webview/${bundle}.css`])],
  });
  const body = `<body data-surface="${surface}">`;
  if (!html.includes(body)) throw new Error(`src/extension/views/html.ts no longer writes ${body}: update webviewHtml in test/webview/harness.mjs`);
  return html.replace(body, `<body data-surface="${surface}" class="${kind}" data-vscode-theme-kind="${kind}">`);
}

/**
 * Opens the built webview in a fresh page.
 * @param {object} [o]
 * @param {'panel'|'side'} [o.surface='panel']
 * @param {unknown} [o.state]  what getState() returns at start (a revived webview)
 * @param {'dark'|'light'} [o.theme='dark']
 * @param {Record<string,string>} [o.cssVars]  extra or overriding --vscode-* variables, without the prefix
 * @param {{width:number,height:number}} [o.viewport]
 * @param {boolean} [o.waitForReady=true]  wait until the bundle has posted its first message
 * @param {string} [o.bundle='main']  the bundle under dist/webview/ (e.g. 'experiments': experiments.js and .css)
 */
export async function openWebview(o = {}) {
  const { surface = 'panel', state, theme = 'dark', cssVars = {}, viewport = { width: 900, height: 700 }, waitForReady = true, bundle = 'main' } = o;
  if (!fs.existsSync(path.join(DIST, `${bundle}.js`))) {
    throw new Error(`${path.relative(ROOT, DIST)}/${bundle}.js is missing: run "node scripts/build.mjs" (npm run test:webview does)`);
  }
  const b = await browser();
  const context = await b.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const nonce = crypto.randomBytes(18).toString('base64url');
  const w = new WebviewPage(page, context);
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') w.consoleMessages.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => w.pageErrors.push(String(e?.stack ?? e)));
  page.on('requestfailed', (r) => w.failedRequests.push(`${r.url()} (${r.failure()?.errorText})`));

  // Nothing but the harness origin is reachable (later routes take precedence over earlier ones).
  await context.route('**/*', (route) => { w.failedRequests.push(`${route.request().url()} (outside the harness origin)`); return route.abort(); });
  await context.route(`${ORIGIN}/**`, async (route) => {
    const { pathname } = new URL(route.request().url());
    if (pathname === '/index.html') return route.fulfill({ status: 200, contentType: 'text/html', body: await webviewHtml({ surface, nonce, theme, bundle }) });
    if (pathname === '/harness/theme.css') return route.fulfill({ status: 200, contentType: 'text/css', body: themeCss(theme, cssVars) });
    if (pathname.startsWith('/dist/webview/')) {
      const file = path.join(DIST, path.normalize(decodeURIComponent(pathname.slice('/dist/webview/'.length))));
      if (file.startsWith(DIST + path.sep) && fs.existsSync(file)) {
        return route.fulfill({ status: 200, contentType: CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', body: fs.readFileSync(file) });
      }
    }
    w.failedRequests.push(`${route.request().url()} (404)`);
    return route.fulfill({ status: 404, body: 'not found' });
  });
  await page.addInitScript(pageInit, encodeForPage(state));
  await page.goto(`${ORIGIN}/index.html`);
  if (waitForReady) await w.waitForMessage(() => true);
  return w;
}

export class WebviewPage {
  constructor(page, context) {
    this.page = page;
    this.context = context;
    this.consoleMessages = [];
    this.pageErrors = [];
    this.failedRequests = [];
  }

  /** Everything the webview posted to the host, oldest first (typed arrays intact). */
  async messages() {
    return decodeFromPage(await this.page.evaluate(() => window.__harness.encode(window.__harness.posted)));
  }

  /** Forgets the posted messages recorded so far. */
  async clearMessages() { await this.page.evaluate(() => { window.__harness.posted.length = 0; }); }

  /** Waits for a posted message matching `pred` (Node-side predicate); returns it. */
  async waitForMessage(pred, { timeout = 5_000 } = {}) {
    const end = Date.now() + timeout;
    for (;;) {
      const found = (await this.messages()).find(pred);
      if (found) return found;
      if (Date.now() > end) throw new Error(`no posted message matched within ${timeout} ms; posted: ${JSON.stringify(await this.messages())}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** What the webview last stored with setState. */
  async state() { return decodeFromPage(await this.page.evaluate(() => window.__harness.encode(window.__harness.state))); }

  /**
   * Delivers a host message (as webview.postMessage does) and waits until the webview has handled it and
   * painted. Typed arrays in `message` arrive as typed arrays.
   */
  async post(message) {
    await this.page.evaluate((m) => { window.postMessage(window.__harness.decode(m), '*'); }, encodeForPage(message));
    await this.flush();
  }

  /**
   * Builds the message in the page and delivers it: for large data, or values that only exist there.
   * `build` runs in the page with `arg`; e.g. w.postFrom((n) => ({ type: 'x', data: new Float32Array(n) }), 1e6).
   */
  async postFrom(build, arg) {
    await this.page.evaluate(([src, a]) => {
      const fn = new Function(`return (${src})`)();
      window.postMessage(fn(a), '*');
    }, [build.toString(), arg]);
    await this.flush();
  }

  /** Resolves once every message posted before it has been dispatched, then two animation frames. */
  async flush() {
    await this.page.evaluate(() => new Promise((resolve) => {
      const id = `flush-${Math.random()}`;
      const onMessage = (e) => {
        if (e.data?.__harnessFlush !== id) return;
        window.removeEventListener('message', onMessage);
        requestAnimationFrame(() => requestAnimationFrame(() => resolve()));
      };
      window.addEventListener('message', onMessage);
      window.postMessage({ __harnessFlush: id }, '*');
    }));
  }

  /** textContent of the first element matching `selector` (null when absent). */
  async text(selector) {
    const l = this.page.locator(selector);
    return (await l.count()) ? l.first().textContent() : null;
  }

  locator(selector) { return this.page.locator(selector); }

  /**
   * RGBA (0..255) of a canvas at (x, y) in CSS pixels from the canvas's top-left corner, mapped onto its backing
   * store. Works for 2D canvases (and WebGL ones drawn with preserveDrawingBuffer).
   */
  async canvasPixel(selector, x, y) {
    return this.page.locator(selector).first().evaluate((canvas, [px, py]) => {
      if (!(canvas instanceof HTMLCanvasElement)) throw new Error('not a canvas');
      const r = canvas.getBoundingClientRect();
      const cx = Math.min(canvas.width - 1, Math.floor(px * canvas.width / (r.width || canvas.width)));
      const cy = Math.min(canvas.height - 1, Math.floor(py * canvas.height / (r.height || canvas.height)));
      // Copy the one pixel to a scratch canvas: leaves the page's own context alone (no readback warnings on it)
      // and also works for WebGL canvases.
      const scratch = document.createElement('canvas');
      scratch.width = 1; scratch.height = 1;
      const ctx = scratch.getContext('2d', { willReadFrequently: true });
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(canvas, cx, cy, 1, 1, 0, 0, 1, 1);
      return Array.from(ctx.getImageData(0, 0, 1, 1).data);
    }, [x, y]);
  }

  /** RGBA of the rendered page (DOM and canvases composited) at viewport point (x, y), from a screenshot. */
  async pagePixel(x, y) {
    const png = await this.page.screenshot({ clip: { x, y, width: 1, height: 1 }, type: 'png' });
    return this.page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas'); c.width = 1; c.height = 1;
      const ctx = c.getContext('2d', { willReadFrequently: true }); ctx.drawImage(img, 0, 0);
      return Array.from(ctx.getImageData(0, 0, 1, 1).data);
    }, png.toString('base64'));
  }

  /** Page errors, console errors/warnings, CSP violations and blocked or missing requests so far. */
  async problems() {
    const csp = this.page.isClosed() ? [] : await this.page.evaluate(() => window.__harness.cspViolations.slice());
    return [...this.pageErrors.map((e) => `pageerror: ${e}`), ...this.consoleMessages, ...csp.map((c) => `csp: ${c}`),
      ...this.failedRequests.map((r) => `request: ${r}`)];
  }

  async screenshot(file) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await this.page.screenshot({ path: file });
  }

  async close() { await this.context.close(); }
}

// ---- host-message fixtures --------------------------------------------------------------------------------
// The real guards of src/shared/protocol.ts, compiled on the fly: fixtures are checked against them so a protocol
// change fails here with a clear message instead of as "the webview rendered nothing".
let protocolPromise;
export function protocol() {
  protocolPromise ??= compileTs('src/shared/protocol.ts');
  return protocolPromise;
}

/** The protocol version the host and the bundle speak (fixtures use it). */
export const PROTOCOL_VERSION = (await protocol()).PROTOCOL_VERSION;

/** A SelectionInfo for `text` (document sample.txt, line 0 unless given). */
export function selectionInfo(text, o = {}) {
  return { text, uri: 'file:///workspace/sample.txt', document: 'sample.txt', line: 0, character: 0, offset: 0, ...o };
}

export const DEFAULT_VIEW_OPTIONS = { layer: -1, head: -1, measure: 'clsAttention', pooling: 'cls', followSelection: false, decorations: true };

/** A snapshot message with the store's defaults (src/extension/store.ts), overridden by `snapshot`. Not validated. */
export function snapshotMessage(snapshot = {}) {
  return {
    type: 'snapshot', version: PROTOCOL_VERSION,
    snapshot: {
      surface: 'panel', status: 'idle', selection: null, message: null, seq: 1,
      inspection: null, compare: null, options: { ...DEFAULT_VIEW_OPTIONS }, progress: null, model: 'bert-mini', ...snapshot,
    },
  };
}

/** Like snapshotMessage, but fails when src/shared/protocol.ts's isHostMessage would reject it. */
export async function validSnapshotMessage(snapshot = {}) {
  const m = snapshotMessage(snapshot);
  const { isHostMessage } = await protocol();
  if (!isHostMessage(m)) {
    throw new Error('snapshotMessage() no longer matches src/shared/protocol.ts (update the fixture in test/webview/harness.mjs): '
      + JSON.stringify(m).slice(0, 400));
  }
  return m;
}

