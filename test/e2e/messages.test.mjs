// What the host sends the webviews, measured in a real VS Code: the messages and bytes each view (inspector panel,
// side view) receives for one inspection followed by three option changes made in the side view (layer, head,
// measure). Figures are printed (and written to .e2e/out/messages.json), never asserted; the test asserts only that
// both views show the new options. Bytes: JSON length of a message without its typed arrays + their byteLength.
// Run alone: CLS_LENS_E2E_ARGS=--test-name-pattern=messages: bash test/e2e/run.sh
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  CONTAINER_TITLE, env, openFile, openViewContainer, openWorkbench, panelFrame, runCommand, screenshotAfterEach, selectLine,
  viewFrame, webviewFrame,
} from './lib.mjs';

const skip = env.model ? false : 'CLS_LENS_E2E_MODEL is not set (run.sh sets it unless CLS_LENS_E2E_SETTINGS is given)';
let browser;
let page;

before(async () => {
  if (skip) return;
  ({ browser, page } = await openWorkbench({ viewport: { width: 1400, height: 1100 } }));
});
afterEach(async (t) => { await screenshotAfterEach(page, import.meta.url, t); });
after(async () => { await browser?.close(); });

/** Runs in a webview's document: records every host message (type, bytes) the webview receives from now on. */
function installCounter() {
  if (window.__clsLensCount) return;
  const log = [];
  Object.defineProperty(window, '__clsLensCount', { value: log });
  window.addEventListener('message', (e) => {
    const d = e.data;
    if (!d || typeof d !== 'object' || typeof d.type !== 'string' || !('version' in d)) return;   // not a host message
    let typed = 0;
    const json = JSON.stringify(d, (_k, v) => {
      if (ArrayBuffer.isView(v)) { typed += v.byteLength; return undefined; }
      return v;
    });
    log.push({ type: d.type, bytes: json.length + typed });
  });
}

const counted = (frame) => frame.evaluate(() => window.__clsLensCount.slice());

function summary(log) {
  const byType = {};
  for (const m of log) {
    byType[m.type] ??= { messages: 0, bytes: 0 };
    byType[m.type].messages++;
    byType[m.type].bytes += m.bytes;
  }
  return { messages: log.length, bytes: log.reduce((a, m) => a + m.bytes, 0), byType };
}

/** Waits until neither view has received anything for `quiet` ms (at most `timeout`). */
async function settle(frames, quiet = 2_000, timeout = 20_000) {
  const end = Date.now() + timeout;
  let last = JSON.stringify(await Promise.all(frames.map(counted)));
  let since = Date.now();
  while (Date.now() < end && Date.now() - since < quiet) {
    await page.waitForTimeout(250);
    const now = JSON.stringify(await Promise.all(frames.map(counted)));
    if (now !== last) { last = now; since = Date.now(); }
  }
}

test('messages: one inspection then three option changes (layer, head, measure), per view', { skip, timeout: 240_000 }, async () => {
  await openViewContainer(page, CONTAINER_TITLE);
  const sideFrame = await webviewFrame(page, { side: true });
  await openFile(page, 'sample.txt');
  await selectLine(page, 3);
  // the panel opens beside the editor (a file opened later in its group would hide it, and reload it when shown)
  await runCommand(page, 'CLS Lens: Open Inspector');
  const panelDoc = await webviewFrame(page);
  const panel = panelFrame(page), side = viewFrame(page);
  await panel.locator('#status').waitFor({ state: 'attached', timeout: 30_000 });
  await side.locator('#status').waitFor({ state: 'attached', timeout: 30_000 });
  const frames = [panelDoc, sideFrame];
  for (const f of frames) await f.evaluate(installCounter);
  await settle(frames, 1_000);
  const start = (await Promise.all(frames.map(counted))).map((l) => l.length);

  await runCommand(page, 'CLS Lens: Inspect Selection');
  await panel.locator('#token-count').waitFor({ timeout: 60_000 });
  await side.locator('#chips .chip').first().waitFor({ timeout: 60_000 });
  await settle(frames);
  const afterRun = (await Promise.all(frames.map(counted))).map((l) => l.length);

  await side.locator('#side-layer').selectOption('1');
  await side.locator('#chips-measure', { hasText: 'layer 1,' }).waitFor();
  await side.locator('#side-head').selectOption('0');
  await side.locator('#chips-measure', { hasText: 'head 1' }).waitFor();
  await side.locator('#side-measure').selectOption('clsCosine');
  await side.locator('#chips-measure', { hasText: 'cos([CLS], token) at layer 1' }).waitFor();
  await panel.locator('#vectors-layer').waitFor();
  for (let i = 0; i < 100 && await panel.locator('#vectors-layer').inputValue() !== '1'; i++) await page.waitForTimeout(100);
  assert.equal(await panel.locator('#vectors-layer').inputValue(), '1', 'the panel shows the layer chosen in the side view');
  assert.equal(await side.locator('#side-measure').inputValue(), 'clsCosine');
  await settle(frames);

  const all = await Promise.all(frames.map(counted));
  const result = {};
  for (const [i, name] of ['panel', 'side'].entries()) {
    const log = all[i].slice(start[i]);
    const run = summary(log.slice(0, afterRun[i] - start[i])), opts = summary(log.slice(afterRun[i] - start[i])), total = summary(log);
    result[name] = { total, inspection: run, optionChanges: opts };
    console.log(`[messages] ${name}: messages=${total.messages} bytes=${total.bytes}`
      + ` (inspection: messages=${run.messages} bytes=${run.bytes}; 3 option changes: messages=${opts.messages} bytes=${opts.bytes})`
      + ` by type ${JSON.stringify(total.byType)}`);
  }
  fs.mkdirSync(env.out, { recursive: true });
  fs.writeFileSync(path.join(env.out, 'messages.json'), JSON.stringify(result, null, 2) + '\n');

  // leave the options as the other E2E files expect them
  await side.locator('#side-measure').selectOption('clsAttention');
  await side.locator('#side-head').selectOption('-1');
  const layers = await side.locator('#side-layer option').count();
  await side.locator('#side-layer').selectOption(String(layers - 1));
});
