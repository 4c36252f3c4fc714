// The webview bundle's contract with the host: ready first, snapshots rendered, stale or malformed messages
// ignored, buttons post commands. Runs the BUILT bundle (npm run test:webview builds it first).
import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { closeBrowser, closePageClean, openWebview, protocol, ROOT, selectionInfo, snapshotMessage, validSnapshotMessage } from './harness.mjs';

const OUT = path.join(ROOT, '.e2e/out/webview');
let w;
afterEach(async (t) => {
  const page = w;
  w = undefined;
  await closePageClean(page, path.join(OUT, `foundation-${t.name.replace(/\W+/g, '_')}.png`));
});
after(closeBrowser);

test('the panel posts ready first', async () => {
  w = await openWebview({ surface: 'panel' });
  const [first] = await w.messages();
  assert.deepEqual(first, { type: 'ready', surface: 'panel' });
});

test('the side view says which surface it is', async () => {
  w = await openWebview({ surface: 'side' });
  assert.deepEqual((await w.messages())[0], { type: 'ready', surface: 'side' });
});

test('a snapshot renders the selection text and the message', async () => {
  w = await openWebview();
  const text = 'The quick brown fox.\n  indented <b>not bold</b> & more';
  await w.post(await validSnapshotMessage({ seq: 1, status: 'done', selection: selectionInfo(text), message: 'hello there' }));
  assert.equal(await w.text('#selection'), text);
  assert.equal(await w.text('#message'), 'hello there');
  assert.equal(await w.locator('#selection b').count(), 0, 'text is never parsed as HTML');
});

test('a stale snapshot (lower seq) is ignored', async () => {
  w = await openWebview();
  await w.post(await validSnapshotMessage({ seq: 5, selection: selectionInfo('newer') }));
  await w.post(await validSnapshotMessage({ seq: 3, selection: selectionInfo('older') }));
  assert.equal(await w.text('#selection'), 'newer');
  await w.post(await validSnapshotMessage({ seq: 6, selection: selectionInfo('newest') }));
  assert.equal(await w.text('#selection'), 'newest');
});

test('malformed messages are ignored', async () => {
  w = await openWebview();
  await w.post(await validSnapshotMessage({ seq: 1, selection: selectionInfo('kept') }));
  const bad = snapshotMessage({ seq: 2, selection: selectionInfo('bad') });
  const malformed = [
    null, 'snapshot', 42, [], {}, { type: 'snapshot' },
    { ...bad, version: 999 },
    { ...bad, type: 'nonsense' },
    { ...bad, snapshot: { ...bad.snapshot, seq: 'two' } },
    { ...bad, snapshot: { ...bad.snapshot, seq: 2.5 } },
    { ...bad, snapshot: { ...bad.snapshot, status: 'exploded' } },
    { ...bad, snapshot: { ...bad.snapshot, selection: { text: 7 } } },
    { ...bad, snapshot: { ...bad.snapshot, message: 12 } },
  ];
  const { isHostMessage } = await protocol();
  for (const m of malformed) {
    assert.equal(isHostMessage(m), false, `the fixture is malformed for src/shared/protocol.ts: ${JSON.stringify(m)}`);
    await w.post(m);
  }
  assert.equal(await w.text('#selection'), 'kept');
  assert.deepEqual((await w.messages()).map((m) => m.type), ['ready'], 'nothing is posted back for bad input');
});

test('the side view button asks the host to open the inspector', async () => {
  w = await openWebview({ surface: 'side' });
  await w.post(await validSnapshotMessage({ surface: 'side', seq: 1, selection: selectionInfo('side text') }));
  assert.equal(await w.text('#selection'), 'side text');
  await w.clearMessages();
  await w.locator('#open-inspector').click();
  assert.deepEqual(await w.waitForMessage((m) => m.type === 'runCommand'), { type: 'runCommand', command: 'clsLens.openInspector' });
});

test('harness: typed arrays reach the page as typed arrays, both ways', async () => {
  w = await openWebview();
  await w.page.evaluate(() => {
    window.addEventListener('message', (e) => {
      if (e.data?.type === 'probe') window.__probe = { isF32: e.data.data instanceof Float32Array, values: Array.from(e.data.data) };
    });
  });
  await w.post({ type: 'probe', data: new Float32Array([1.5, -0, NaN, 3]) });
  assert.deepEqual(await w.page.evaluate(() => window.__probe), { isF32: true, values: [1.5, -0, NaN, 3] });
  await w.postFrom((n) => ({ type: 'probe', data: new Float32Array(n).fill(0.25) }), 4);
  assert.deepEqual(await w.page.evaluate(() => window.__probe), { isF32: true, values: [0.25, 0.25, 0.25, 0.25] });
  // the stub keeps what the page posts, typed arrays included
  await w.page.evaluate(() => window.__harness.posted.push({ type: 'echo', data: new Uint8Array([1, 2, 255]) }));
  const echo = await w.waitForMessage((m) => m.type === 'echo');
  assert.ok(echo.data instanceof Uint8Array);
  assert.deepEqual([...echo.data], [1, 2, 255]);
});

test('harness: canvas pixels can be read back', async () => {
  w = await openWebview();
  await w.page.evaluate(() => {
    const c = document.createElement('canvas');
    c.id = 'probe-canvas'; c.width = 20; c.height = 10; c.style.width = '40px'; c.style.height = '20px';
    const ctx = c.getContext('2d');
    ctx.fillStyle = 'rgb(255, 0, 0)'; ctx.fillRect(0, 0, 10, 10);
    ctx.fillStyle = 'rgb(0, 0, 255)'; ctx.fillRect(10, 0, 10, 10);
    document.body.prepend(c);
  });
  assert.deepEqual(await w.canvasPixel('#probe-canvas', 5, 5), [255, 0, 0, 255]);
  assert.deepEqual(await w.canvasPixel('#probe-canvas', 35, 15), [0, 0, 255, 255]);
  const box = await w.locator('#probe-canvas').boundingBox();
  assert.deepEqual(await w.pagePixel(box.x + 30, box.y + 10), [0, 0, 255, 255]);
});
