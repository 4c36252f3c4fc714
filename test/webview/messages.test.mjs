// The small host messages (options, status, compare): applied to the snapshot the webview holds, redrawing only what
// they change; stale ones (lower seq) ignored; one that cannot apply (no snapshot yet, another run) asks for a
// snapshot instead of breaking the view. Also: the harness page carries the CSP of src/extension/views/html.ts.
// Runs the BUILT bundle (npm run test:webview builds it first).
import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeBrowser, closePageClean, openWebview, ORIGIN, protocol, PROTOCOL_VERSION, shell, validSnapshotMessage } from './harness.mjs';
import { fmt, fx, installFixtures, postInspection } from './fixtures.mjs';

let w;
afterEach(async () => {
  const page = w;
  w = undefined;
  await closePageClean(page);
});
after(closeBrowser);

const OPTIONS = { layer: -1, head: -1, measure: 'clsAttention', pooling: 'cls', followSelection: false, decorations: true };

/** A small host message, checked against src/shared/protocol.ts's guard. */
async function part(type, fields) {
  const m = { type, version: PROTOCOL_VERSION, ...fields };
  const { isHostMessage } = await protocol();
  assert.ok(isHostMessage(m), `the fixture is not a valid ${type} message for src/shared/protocol.ts: ${JSON.stringify(m)}`);
  return m;
}
const optionsMessage = (seq, runId, options) => part('options', { seq, runId, options: { ...OPTIONS, ...options } });
const statusMessage = (seq, runId, fields) => part('status', { seq, runId, status: 'done', progress: null, message: null, selection: null, model: 'bert-mini', ...fields });

/** Marks an element in the page: a redraw replaces it, so the mark tells whether it was redrawn. */
const mark = (sel) => w.locator(sel).evaluate((e) => { e.dataset.kept = 'yes'; });
const kept = async (sel) => (await w.locator(sel).getAttribute('data-kept')) === 'yes';
const requests = async () => (await w.messages()).filter((m) => m.type === 'requestSnapshot').length;

async function open(o = {}) {
  w = await openWebview({ viewport: { width: 1000, height: 900 }, ...o });
  await installFixtures(w);
}

test('an options message changes the layer and head without a snapshot; the header is not redrawn', async () => {
  await open({ surface: 'side', viewport: { width: 420, height: 900 } });
  await postInspection(w, { surface: 'side', seq: 1, runId: 7, L: 3, heads: 4, T: 12, H: 32 });
  const d = await fx(w, (f) => ({ clsMean: Array.from(f.last.inspection.clsMean), selection: f.last.selection }));
  assert.match(await w.text('#chips-measure'), /layer 3, mean of heads/);
  await mark('#model-header');
  await w.post(await optionsMessage(2, 7, { layer: 1, head: 1 }));
  assert.equal(await w.locator('#side-layer').inputValue(), '1');
  assert.equal(await w.locator('#side-head').inputValue(), '1');
  assert.match(await w.text('#chips-measure'), /\[CLS\] attention, layer 1, head 2/);
  assert.equal(await w.text('#side-clsmean'), fmt(d.clsMean[1]));
  assert.ok(await kept('#model-header'), 'the model header was not redrawn for an options change');
  assert.equal(await requests(), 0, 'no snapshot asked for');

  await w.close();
  await open();
  await postInspection(w, { seq: 1, runId: 7, L: 3, heads: 4, T: 12, H: 32 });
  assert.equal(await w.locator('#vectors-layer').inputValue(), '3');
  await w.post(await optionsMessage(2, 7, { layer: 1 }));
  assert.equal(await w.locator('#vectors-layer').inputValue(), '1');
  assert.equal(await w.text('#vectors-clsmean'), fmt(d.clsMean[1]));
});

test("an options echo with the snapshot's seq (the host kept its options) drops the webview's optimistic override", async () => {
  await open({ surface: 'side', viewport: { width: 420, height: 900 } });
  await postInspection(w, { surface: 'side', seq: 1, runId: 7, L: 3, heads: 4, T: 12, H: 32, options: { layer: 3 } });
  await w.locator('#side-layer').selectOption('1');
  assert.deepEqual((await w.waitForMessage((m) => m.type === 'setOptions')).options, { layer: 1 });
  assert.equal(await w.locator('#side-layer').inputValue(), '1', 'shown at once');
  // the host clamps it back: its store does not move, so it answers with the current options at the same seq
  await w.post(await optionsMessage(1, 7, { layer: 3 }));
  assert.equal(await w.locator('#side-layer').inputValue(), '3');
  assert.equal(await requests(), 0);
});

test("a status message 'running' keeps the shown inspection; 'done' clears the progress", async () => {
  await open();
  await postInspection(w, { seq: 1, runId: 4, L: 2, heads: 2, T: 8, H: 32 });
  const selection = await fx(w, (f) => f.last.selection);
  await mark('#model-header');
  await mark('[data-testid=vec-cls]');
  await w.post(await statusMessage(2, 4, { status: 'running', progress: 'Inspecting 40 characters of sample.txt…', selection }));
  assert.equal(await w.text('#progress .progress-text'), 'Inspecting 40 characters of sample.txt…');
  assert.equal(await w.locator('#status').getAttribute('data-status'), 'running');
  assert.equal(await w.text('#selection'), selection.text);
  assert.ok(await kept('#model-header'), 'the inspection header stays, not redrawn');
  assert.ok(await kept('[data-testid=vec-cls]'), 'the Vectors tab stays, not redrawn');
  await w.post(await statusMessage(3, 4, { status: 'done', message: 'Cancelled.', selection }));
  assert.equal(await w.locator('#progress').count(), 0);
  assert.equal(await w.text('#message'), 'Cancelled.');
  assert.equal(await w.locator('[data-testid=vec-cls]').count(), 1);
  assert.equal(await requests(), 0);
});

test('stale messages (lower seq than the last applied) are ignored, small or snapshot', async () => {
  await open();
  await postInspection(w, { seq: 5, runId: 2, L: 3, heads: 2, T: 8, H: 32 });
  await w.post(await optionsMessage(4, 2, { layer: 0 }));
  assert.equal(await w.locator('#vectors-layer').inputValue(), '3', 'seq 4 after seq 5: stale');
  await w.post(await statusMessage(3, 2, { status: 'error', message: 'old news' }));
  assert.equal(await w.locator('#message').count(), 0, 'a stale status is ignored');
  await w.post(await optionsMessage(6, 2, { layer: 0 }));
  assert.equal(await w.locator('#vectors-layer').inputValue(), '0');
  await postInspection(w, { seq: 5, reuse: true, options: { layer: 2 } });
  assert.equal(await w.locator('#vectors-layer').inputValue(), '0', 'a snapshot older than the options applied is stale');
  assert.equal(await requests(), 0);
});

test('an options message before any snapshot is harmless: the view asks for a snapshot, once, and waits', async () => {
  await open();
  await w.post(await optionsMessage(3, -1, { layer: 2 }));
  await w.post(await statusMessage(4, -1, { status: 'running', progress: 'working' }));
  assert.equal(await w.locator('#waiting').count(), 1, 'still waiting for the extension');
  assert.equal(await w.locator('#progress').count(), 0);
  assert.deepEqual((await w.messages()).map((m) => m.type), ['ready', 'requestSnapshot']);
  await w.post(await validSnapshotMessage({ seq: 4, status: 'idle', message: 'Select text, then inspect.' }));
  assert.equal(await w.locator('#waiting').count(), 0);
  assert.equal(await w.text('#message'), 'Select text, then inspect.');
  await w.post(await statusMessage(5, -1, { status: 'error', message: 'No model is configured.' }));
  assert.equal(await w.text('#message'), 'No model is configured.', 'small messages apply once a snapshot is there');
  assert.equal(await w.locator('#select-model').count(), 0, 'no fix named: no Select Model…');
  await w.post(await statusMessage(6, -1, { status: 'error', message: 'No model is configured.', fix: 'model' }));
  assert.equal(await w.locator('#select-model').count(), 1, 'the status message carries the fix');
  assert.equal(await requests(), 1);
});

test("a small message for another run is not applied: the view asks for that run's snapshot", async () => {
  await open();
  await postInspection(w, { seq: 1, runId: 1, L: 3, heads: 2, T: 8, H: 32 });
  await w.post(await optionsMessage(2, 9, { layer: 0 }));
  assert.equal(await w.locator('#vectors-layer').inputValue(), '3');
  assert.equal(await requests(), 1);
  await postInspection(w, { seq: 2, runId: 9, L: 3, heads: 2, T: 8, H: 32, options: { layer: 0 } });
  assert.equal(await w.locator('#vectors-layer').inputValue(), '0');
});

test('a compare message redraws the Compare tab; null clears it', async () => {
  await open({ state: { tab: 'compare' } });
  await postInspection(w, { seq: 1, runId: 3, L: 2, heads: 2, T: 8, H: 32 });
  assert.equal(await w.locator('#compare-help').count(), 1);
  await mark('#model-header');
  const R = 3, N = 2, cls = new Float32Array(R * N * N).fill(0.5);
  const pins = [{ label: '#1 first', text: 'first' }, { label: '#2 second', text: 'second' }];
  await w.post(await part('compare', { seq: 2, runId: 3, compare: { pins, layerIds: [0, 1, 2], matrices: { cls: { data: cls, dims: [R, N, N] } } } }));
  assert.deepEqual(await w.locator('#compare-pins li strong').allTextContents(), ['#1 first', '#2 second']);
  assert.ok(await kept('#model-header'));
  await w.post(await part('compare', { seq: 3, runId: 3, compare: null }));
  assert.equal(await w.locator('#compare-help').count(), 1);
});

test('the harness page carries the CSP and shell of src/extension/views/html.ts', async () => {
  w = await openWebview();
  const page = await w.page.evaluate(() => ({
    csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'),
    nonce: document.querySelector('script[src$="/main.js"]')?.nonce,
    surface: document.body.dataset.surface,
    app: document.querySelectorAll('#app').length,
  }));
  assert.ok(page.nonce, 'the bundle runs by nonce');
  assert.equal(page.csp, (await shell()).webviewCsp(ORIGIN, page.nonce));
  assert.match(page.csp, /^default-src 'none'; /);
  assert.deepEqual([page.surface, page.app], ['panel', 1]);
});

test('with no model set, the side view welcomes with buttons that run the model commands; it leaves once a model is set', async () => {
  await open({ surface: 'side', viewport: { width: 420, height: 900 } });
  await w.post(await validSnapshotMessage({ surface: 'side', seq: 1, status: 'idle', model: null, message: 'Select text in an editor, then run "CLS Lens: Inspect Selection".' }));
  await w.locator('#welcome').waitFor();
  assert.deepEqual(await w.locator('#welcome button').evaluateAll((bs) => bs.map((b) => b.id)), ['welcome-download', 'welcome-select', 'welcome-folder']);
  const commands = {};
  for (const id of ['welcome-download', 'welcome-select', 'welcome-folder']) {
    await w.clearMessages();
    await w.locator(`#${id}`).click();
    const m = await w.waitForMessage((x) => x.type === 'runCommand');
    const { isWebviewMessage } = await protocol();
    assert.ok(isWebviewMessage(m), `${id} posts a message the host accepts: ${JSON.stringify(m)}`);
    commands[id] = m.command;
  }
  assert.deepEqual(commands, { 'welcome-download': 'clsLens.downloadModel', 'welcome-select': 'clsLens.selectModel', 'welcome-folder': 'clsLens.chooseModelFolder' });
  // a model was chosen: the status message says so and the welcome goes, without a snapshot
  await w.post(await statusMessage(2, -1, { status: 'idle', model: 'bert-base-uncased' }));
  await w.locator('#welcome').waitFor({ state: 'detached' });
  assert.equal(await requests(), 0, 'no snapshot asked for');
  // with a model set from the start there is no welcome
  await w.post(await validSnapshotMessage({ surface: 'side', seq: 3, status: 'idle', model: 'bert-mini' }));
  await w.locator('#inspect-selection').waitFor();
  assert.equal(await w.locator('#welcome').count(), 0);
});
