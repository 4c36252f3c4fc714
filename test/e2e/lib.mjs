// Playwright helpers for the E2E tests: a real VS Code (code-server) in Debian's chromium.
// test/e2e/run.sh starts code-server and sets CLS_LENS_E2E_URL, CLS_LENS_E2E_WORKSPACE, CLS_LENS_E2E_PROFILE,
// CLS_LENS_E2E_OUT and (unless CLS_LENS_E2E_SETTINGS is given) CLS_LENS_E2E_MODEL, the folder clsLens.model names.
//
// VS Code draws a webview as an outer <iframe class="webview ready" src=".../index.html?...&extensionId=...">
// (with `purpose=webviewView` for views in a side bar) holding an inner <iframe id="active-frame" title="...">
// with the extension's HTML: the panel's title, or the view's name.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const EXTENSION_ID = 'cls-lens.cls-lens';
export const PANEL_TITLE = 'CLS Lens Inspector';
export const CONTAINER_TITLE = 'CLS Lens';
export const SIDE_VIEW_NAME = 'Selection';

function requiredEnv(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the E2E tests with "bash test/e2e/run.sh" (npm run test:e2e)`);
  return v;
}

export const env = {
  get url() { return requiredEnv('CLS_LENS_E2E_URL'); },
  get workspace() { return requiredEnv('CLS_LENS_E2E_WORKSPACE'); },
  get out() { return process.env.CLS_LENS_E2E_OUT ?? path.resolve('.e2e/out'); },
  /** The code-server profile the VSIX is installed in (user-data, extensions). */
  get profile() { return process.env.CLS_LENS_E2E_PROFILE ?? path.join(requiredEnv('CLS_LENS_E2E_WORKSPACE'), '..', 'profile'); },
  /** The model folder the workspace's clsLens.model names, or undefined (tests that need it skip). */
  get model() { return process.env.CLS_LENS_E2E_MODEL || undefined; },
};

/**
 * Resident memory (MiB) of the extension host that runs the current window's CLS Lens engine (its worker is a thread
 * of that process), from /proc. code-server keeps the extension hosts of earlier windows (earlier test files) alive
 * for a while, so: among processes whose command line names the extension host, whose environment has this run's
 * HF_HUB_CACHE (test/e2e/run.sh exports it before starting code-server) and which have onnxruntime loaded, the one
 * started last. Null when none is found (not Linux, or another layout).
 */
export function extensionHostRssMiB() {
  const cache = `HF_HUB_CACHE=${path.join(path.dirname(env.profile), 'hf-cache')}`;
  let procs = [];
  try { procs = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)); } catch { return null; }
  let best = null;
  for (const pid of procs) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('extensionHost')) continue;
      if (!fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(cache)) continue;
      if (!fs.readFileSync(`/proc/${pid}/maps`, 'utf8').includes('onnxruntime')) continue;
      // field 22 of /proc/PID/stat (after the parenthesised name): start time in clock ticks since boot
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const started = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
      const kb = Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
      if (Number.isFinite(kb) && (!best || started > best.started)) best = { started, mib: Math.round(kb / 1024) };
    } catch { /* gone, or not ours to read */ }
  }
  return best?.mib ?? null;
}

/** The folder of the installed extension in the test profile (what the extension host runs). */
export function installedExtensionDir(extensionId = EXTENSION_ID) {
  const dir = path.join(env.profile, 'extensions');
  const hit = fs.readdirSync(dir).filter((d) => d.toLowerCase().startsWith(`${extensionId.toLowerCase()}-`)).sort().pop();
  if (!hit) throw new Error(`${extensionId} is not installed in ${dir}`);
  return path.join(dir, hit);
}

/**
 * Runs the installed extension's own CLI (dist/cli.js of the VSIX: the engine the extension host uses) and returns
 * its parsed JSON, e.g. cli(['inspect', '--model', dir, '--text', text, '--json']).
 */
export function cli(args, { timeout = 180_000 } = {}) {
  const out = execFileSync(process.execPath, [path.join(installedExtensionDir(), 'dist', 'cli.js'), ...args],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout, stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out);
}

/**
 * Changes the test workspace's .vscode/settings.json on disk (VS Code picks the change up by itself); a value of
 * undefined removes the key. Returns the previous file text, for restoreWorkspaceSettings.
 */
export function setWorkspaceSettings(patch) {
  const file = path.join(env.workspace, '.vscode', 'settings.json');
  const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  const next = { ...(before ? JSON.parse(before) : {}) };
  for (const [k, v] of Object.entries(patch)) { if (v === undefined) delete next[k]; else next[k] = v; }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(next, null, 2) + '\n');
  return before;
}

/** Puts back the settings file text setWorkspaceSettings returned (null: the file did not exist). */
export function restoreWorkspaceSettings(text) {
  const file = path.join(env.workspace, '.vscode', 'settings.json');
  if (text === null) fs.rmSync(file, { force: true }); else fs.writeFileSync(file, text);
}

/** Text of a file in the test workspace, as the editor sees it. */
export function workspaceText(name) {
  return fs.readFileSync(path.join(env.workspace, name), 'utf8');
}

/**
 * Starts Debian's chromium (never a downloaded browser) and opens the workbench on the test workspace.
 * Resolves once the extension's activity-bar entry exists, i.e. the extension host is up.
 */
export async function openWorkbench({ viewport = { width: 1400, height: 900 } } = {}) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport });
  await page.goto(`${env.url}/?folder=${encodeURIComponent(env.workspace)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
  await activityBarItem(page, CONTAINER_TITLE).waitFor({ timeout: 90_000 });
  // A previous test file may have left editors open in this workspace's window state.
  await closeAllEditors(page);
  return { browser, page };
}

export function activityBarItem(page, title) {
  return page.locator(`.activitybar .action-label[aria-label^="${title}"]`);
}

/** Shows a view container of the activity bar (a click on an already shown one would close it). */
export async function openViewContainer(page, title) {
  const shown = page.locator(`.activitybar .action-item.checked .action-label[aria-label^="${title}"]`);
  if (await shown.count() === 0) await activityBarItem(page, title).click();
  await shown.waitFor();
}

const quickInput = (page) => page.locator('.quick-input-widget input');
// The row Enter would pick. Waiting for it (not just for some row) matters: Quick Open lists recently opened
// files before the filter applies, so a matching row can be on screen while another one is still focused.
const focusedRow = (page, text) => page.locator('.quick-input-list .monaco-list-row.focused', { hasText: text });

/**
 * Opens a quick input with a key (the next of `keys` on each try), types `text` and waits until the row with `rowText`
 * is the focused one. Keyboard focus can sit inside a webview's iframe (a view just shown takes it) where the key does
 * not reach the workbench yet, and a webview that takes focus as it opens closes a quick input already shown: then
 * focus goes back to the workbench and it starts again, up to 4 tries.
 */
export async function quickPick(page, keys, text, rowText) {
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) await page.evaluate(() => { const a = document.activeElement; if (a instanceof HTMLIFrameElement) a.blur(); });
    await page.keyboard.press(keys[attempt % keys.length]);
    try {
      await quickInput(page).waitFor({ timeout: 5_000 });
      await quickInput(page).fill(text, { timeout: 5_000 });
      await focusedRow(page, rowText).waitFor({ timeout: 15_000 });
      return;
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}

/**
 * Runs a command by its palette title, e.g. "CLS Lens: Inspect Selection". Resolves to Date.now() at the moment
 * Enter ran it (for timings measured from the command).
 */
export async function runCommand(page, title) {
  await quickPick(page, ['F1', 'Control+Shift+P'], `>${title}`, title);
  const at = Date.now();
  await page.keyboard.press('Enter');
  await quickInput(page).waitFor({ state: 'hidden' });
  return at;
}

/** Opens a workspace file with Quick Open and waits until its tab is active and its editor has focus. */
export async function openFile(page, name) {
  await quickPick(page, ['Control+P'], name, name);
  await page.keyboard.press('Enter');
  await page.locator(`.tabs-container .tab.active[aria-label^="${name}"]`).waitFor();
  await activeEditor(page).locator('.monaco-editor.focused').waitFor();
}

/** The editor of the active editor group. */
export function activeEditor(page) {
  return page.locator('.editor-group-container.active .editor-instance');
}

/** Moves the cursor of the focused editor to a 1-based line and column (Go to Line), dropping the selection. */
export async function goTo(page, line, column = 1) {
  await page.keyboard.press('Control+G');
  await quickInput(page).waitFor();
  await quickInput(page).fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
  await quickInput(page).waitFor({ state: 'hidden' });
}

/**
 * Selects text in the focused editor from (line, column) to (toLine, toColumn), 1-based, end exclusive.
 * `toColumn` undefined selects to the end of `toLine`. Moves with the keyboard, so columns assume lines
 * without leading whitespace, and lines spanning several rows (word wrap, e.g. Markdown) only with `toColumn`
 * undefined.
 */
export async function selectRange(page, { line, column = 1, toLine = line, toColumn }) {
  await goTo(page, line, column);
  for (let i = line; i < toLine; i++) await page.keyboard.press('Shift+ArrowDown');
  if (toColumn === undefined) {
    // End stops at the end of a wrapped row; pressed again there, it goes to the end of the line.
    await page.keyboard.press('Shift+End');
    await page.keyboard.press('Shift+End');
  } else {
    if (toLine !== line) await page.keyboard.press('Shift+Home');
    const from = toLine === line ? column : 1;
    for (let c = from; c < toColumn; c++) await page.keyboard.press('Shift+ArrowRight');
  }
}

export const selectLine = (page, line) => selectRange(page, { line });
export const selectAll = (page) => page.keyboard.press('Control+A');

/**
 * Right-clicks the middle of the editor's selection and picks a context-menu item. VS Code ignores a
 * click that lands right after the menu opened, so click until the menu closes.
 */
export async function contextMenu(page, itemName) {
  // Monaco draws the selection on a later frame than the keys that made it, and redraws its pieces: take the
  // first piece that has a size, waiting for one.
  let box;
  for (const end = Date.now() + 10_000; !box && Date.now() < end;) {
    box = (await activeEditor(page).locator('.selected-text').evaluateAll((els) => els
      .map((e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; })
      .filter((r) => r.width > 0 && r.height > 0)))[0];
    if (!box) await page.waitForTimeout(100);
  }
  if (!box) throw new Error('contextMenu: the active editor has no visible selection');
  await page.mouse.click(box.x + Math.min(box.width / 2, 40), box.y + box.height / 2, { button: 'right' });
  // The accessible name is the label followed by the keybinding, if any ("Inspect Selection Ctrl+Alt+I").
  const label = itemName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const item = page.getByRole('menuitem', { name: new RegExp(`^${label}(\\s|$)`) });
  await item.waitFor();
  for (let i = 0; i < 10 && await item.isVisible(); i++) {
    await item.click({ timeout: 2_000 }).catch(() => {});
    await page.waitForTimeout(300);
  }
  if (await item.isVisible()) throw new Error(`contextMenu: "${itemName}" stayed open after 10 clicks`);
}

/** Closes every editor (webview panels included) and waits until no editor webview is left. */
export async function closeAllEditors(page) {
  await runCommand(page, 'View: Close All Editors');
  await page.locator('.editor-group-container .tab').first().waitFor({ state: 'detached' });
}

/** Frame of an extension's webview panel, found by its title. */
export function panelFrame(page, title = PANEL_TITLE, extensionId = EXTENSION_ID) {
  return page
    .frameLocator(`iframe.webview.ready[src*="extensionId=${extensionId}"]:not([src*="purpose=webviewView"])`)
    .frameLocator(`iframe#active-frame[title="${title}"]`);
}

/** Frame of an extension's webview view (side bar), found by the view's name. */
export function viewFrame(page, name = SIDE_VIEW_NAME, extensionId = EXTENSION_ID) {
  return page
    .frameLocator(`iframe.webview.ready[src*="extensionId=${extensionId}"][src*="purpose=webviewView"]`)
    .frameLocator(`iframe#active-frame[title="${name}"]`);
}

/**
 * The Playwright Frame (for evaluate) of the document inside an extension's webview: the inspector panel, or with
 * `{ side: true }` the side view. Waits until it exists.
 */
export async function webviewFrame(page, { side = false, title = side ? SIDE_VIEW_NAME : PANEL_TITLE, extensionId = EXTENSION_ID, timeout = 30_000 } = {}) {
  const outer = `iframe.webview.ready[src*="extensionId=${extensionId}"]${side ? '[src*="purpose=webviewView"]' : ':not([src*="purpose=webviewView"])'}`;
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const h of await page.locator(outer).elementHandles()) {
      const inner = await (await h.contentFrame())?.$(`iframe#active-frame[title="${title}"]`);
      const frame = await inner?.contentFrame();
      if (frame) return frame;
    }
    if (Date.now() > deadline) throw new Error(`webviewFrame: no webview titled "${title}" after ${timeout} ms`);
    await page.waitForTimeout(200);
  }
}

/**
 * What a canvas holds: its backing size, how many pixels are opaque and how many distinct opaque colours it has
 * (a drawn heatmap has many; a blank or cleared one has 0 or 1). `root` is a Frame or Page.
 */
export async function canvasStats(root, selector) {
  return root.evaluate((sel) => {
    const c = document.querySelector(sel);
    if (!(c instanceof HTMLCanvasElement)) return null;
    if (!c.width || !c.height) return { width: c.width, height: c.height, opaque: 0, colours: 0 };
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    let opaque = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] === 0) continue;
      opaque++;
      if (seen.size < 4096) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    }
    return { width: c.width, height: c.height, opaque, colours: seen.size };
  }, selector);
}

/** The editor tab of a title (e.g. the inspector panel's). */
export function editorTab(page, title) {
  return page.locator(`.tabs-container .tab[aria-label^="${title}"]`);
}

/** A notification toast whose text matches, once its fade-in has finished (so screenshots show it). */
export function notification(page, text) {
  return page.locator('.notifications-toasts .notification-toast.notification-fade-in-done', { hasText: text });
}

/** Clears every notification (so toasts from one test do not cover the next). */
export async function clearNotifications(page) {
  await runCommand(page, 'Notifications: Clear All Notifications');
}

/** Saves a PNG under the output folder; returns its path. */
export async function screenshot(page, name) {
  fs.mkdirSync(env.out, { recursive: true });
  const file = path.join(env.out, `${name.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '')}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Saves a PNG of one element (e.g. the inspector's webview) under the output folder; returns its path. */
export async function screenshotElement(locator, name) {
  fs.mkdirSync(env.out, { recursive: true });
  const file = path.join(env.out, `${name.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '')}.png`);
  await locator.screenshot({ path: file });
  return file;
}

/**
 * For node:test's afterEach: a screenshot named after the test file and test, taken whatever the outcome.
 * Usage: afterEach((t) => screenshotAfterEach(page, import.meta.url, t));
 */
export async function screenshotAfterEach(page, fileUrl, t) {
  if (!page || page.isClosed()) return;
  const base = path.basename(new URL(fileUrl).pathname).replace(/\.test\.mjs$/, '');
  await screenshot(page, `${base}-${t.name}`).catch((e) => console.error('screenshot failed:', e.message));
}
