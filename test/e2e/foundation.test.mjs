// The vertical slice in a real VS Code: Inspect Selection (palette, context menu), the side view and
// the empty-selection message. The tests share one window and run in order.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  activityBarItem, clearNotifications, closeAllEditors, CONTAINER_TITLE, contextMenu, editorTab, notification, openFile, openWorkbench,
  PANEL_TITLE, panelFrame, runCommand, screenshot, screenshotAfterEach, selectAll, selectLine, viewFrame, workspaceText,
} from './lib.mjs';

let browser;
let page;
const sample = () => workspaceText('sample.txt');

before(async () => { ({ browser, page } = await openWorkbench()); });
afterEach(async (t) => { await screenshotAfterEach(page, import.meta.url, t); });
after(async () => { await browser?.close(); });

test('Inspect Selection from the palette shows the selected line in the inspector panel', async () => {
  await openFile(page, 'sample.txt');
  await selectLine(page, 1);
  await runCommand(page, 'CLS Lens: Inspect Selection');
  const selection = panelFrame(page).locator('#selection');
  await selection.waitFor({ timeout: 30_000 });
  assert.equal(await selection.textContent(), sample().split('\n')[0]);
  await screenshot(page, 'panel');
});

test('Inspect Selection from the editor context menu shows the whole text', async () => {
  await closeAllEditors(page);
  await openFile(page, 'sample.txt');
  await selectAll(page);
  await contextMenu(page, 'Inspect Selection');
  const selection = panelFrame(page).locator('#selection');
  await selection.waitFor({ timeout: 30_000 });
  assert.equal(await selection.textContent(), sample());
});

test('the side view shows the same selection, and its button opens the inspector', async () => {
  await closeAllEditors(page);
  await activityBarItem(page, CONTAINER_TITLE).click();
  const side = viewFrame(page).locator('#selection');
  await side.waitFor({ timeout: 30_000 });
  assert.equal(await side.textContent(), sample());
  assert.equal(await editorTab(page, PANEL_TITLE).count(), 0, 'the panel is closed before the click');

  await viewFrame(page).locator('#open-inspector').click();
  await editorTab(page, PANEL_TITLE).waitFor({ timeout: 30_000 });
  const panel = panelFrame(page).locator('#selection');
  await panel.waitFor({ timeout: 30_000 });
  assert.equal(await panel.textContent(), sample());
  assert.equal(await page.locator(`.tabs-container .tab.active[aria-label^="${PANEL_TITLE}"]`).count(), 1,
    'the inspector is the active tab of its group');
  await screenshot(page, 'side-view');
});

test('an empty selection gives a message and leaves the panel as it was', async () => {
  await runCommand(page, 'CLS Lens: Open Inspector');
  const before = await panelFrame(page).locator('#selection').textContent();
  assert.equal(before, sample());

  await openFile(page, 'notes.md');
  await page.keyboard.press('Control+Home');         // a cursor, no selection
  await runCommand(page, 'CLS Lens: Inspect Selection');
  await notification(page, 'selection is empty').waitFor({ timeout: 15_000 });
  await screenshot(page, 'empty-selection');

  await runCommand(page, 'CLS Lens: Open Inspector');
  const panel = panelFrame(page).locator('#selection');
  await panel.waitFor({ timeout: 30_000 });
  assert.equal(await panel.textContent(), before);
});

test('a new inspection updates the open side view and the panel together', async () => {
  await clearNotifications(page);
  await closeAllEditors(page);
  await openFile(page, 'sample.txt');
  await selectLine(page, 2);
  await runCommand(page, 'CLS Lens: Inspect Selection');
  const line2 = sample().split('\n')[1];
  const panel = panelFrame(page).locator('#selection');
  await panel.filter({ hasText: line2 }).waitFor({ timeout: 30_000 });
  assert.equal(await panel.textContent(), line2);
  const side = viewFrame(page).locator('#selection');
  await side.filter({ hasText: line2 }).waitFor({ timeout: 30_000 });
  assert.equal(await side.textContent(), line2);
  await clearNotifications(page);
  await screenshot(page, 'overview');
});
