// Playwright helpers for the E2E tests: a real VS Code (code-server) in Debian's chromium.
// test/e2e/run.sh starts code-server and sets CLS_LENS_E2E_URL, CLS_LENS_E2E_WORKSPACE and CLS_LENS_E2E_OUT.
//
// VS Code draws a webview as an outer <iframe class="webview ready" src=".../index.html?...&extensionId=...">
// (with `purpose=webviewView` for views in a side bar) holding an inner <iframe id="active-frame" title="...">
// with the extension's HTML: the panel's title, or the view's name.
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
};

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

const quickInput = (page) => page.locator('.quick-input-widget input');
// The row Enter would pick. Waiting for it (not just for some row) matters: Quick Open lists recently opened
// files before the filter applies, so a matching row can be on screen while another one is still focused.
const focusedRow = (page, text) => page.locator('.quick-input-list .monaco-list-row.focused', { hasText: text });

/** Runs a command by its palette title, e.g. "CLS Lens: Inspect Selection". */
export async function runCommand(page, title) {
  await page.keyboard.press('F1');
  await quickInput(page).waitFor();
  await quickInput(page).fill(`>${title}`);
  await focusedRow(page, title).waitFor();
  await page.keyboard.press('Enter');
  await quickInput(page).waitFor({ state: 'hidden' });
}

/** Opens a workspace file with Quick Open and waits until its tab is active and its editor has focus. */
export async function openFile(page, name) {
  await page.keyboard.press('Control+P');
  await quickInput(page).waitFor();
  await quickInput(page).fill(name);
  await focusedRow(page, name).waitFor();
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
 * without leading whitespace.
 */
export async function selectRange(page, { line, column = 1, toLine = line, toColumn }) {
  await goTo(page, line, column);
  for (let i = line; i < toLine; i++) await page.keyboard.press('Shift+ArrowDown');
  if (toColumn === undefined) {
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
  const box = await activeEditor(page).locator('.selected-text').first().boundingBox();
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

/**
 * For node:test's afterEach: a screenshot named after the test file and test, taken whatever the outcome.
 * Usage: afterEach((t) => screenshotAfterEach(page, import.meta.url, t));
 */
export async function screenshotAfterEach(page, fileUrl, t) {
  if (!page || page.isClosed()) return;
  const base = path.basename(new URL(fileUrl).pathname).replace(/\.test\.mjs$/, '');
  await screenshot(page, `${base}-${t.name}`).catch((e) => console.error('screenshot failed:', e.message));
}
