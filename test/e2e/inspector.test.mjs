// The inspector in a real VS Code with a real model (run.sh generates a random-weight BERT-mini and points
// clsLens.model at it): what the panel, the side view and the editor show is checked against the installed
// extension's own CLI on the same text and model. Also the context menu, truncation, pins and compare, bad input,
// screenshots of every surface (.e2e/out/inspector-*.png), two timings and the extension host's memory (printed, never asserted).
// The tests share one window and run in order; each leaves the view options as it found them.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  canvasStats, clearNotifications, cli, CONTAINER_TITLE, contextMenu, env, extensionHostRssMiB, goTo, notification, openFile,
  openViewContainer, openWorkbench, panelFrame, restoreWorkspaceSettings, runCommand, screenshot, screenshotAfterEach, screenshotElement,
  selectLine, setWorkspaceSettings, viewFrame, webviewFrame, workspaceText,
} from './lib.mjs';

const MODEL = env.model;
const skip = MODEL ? false : 'CLS_LENS_E2E_MODEL is not set (run.sh sets it unless CLS_LENS_E2E_SETTINGS is given)';
const INSPECT = 'CLS Lens: Inspect Selection';
const PANEL_IFRAME = 'iframe.webview.ready[src*="extensionId=cls-lens.cls-lens"]:not([src*="purpose=webviewView"])';
const VIEW_IFRAME = 'iframe.webview.ready[src*="extensionId=cls-lens.cls-lens"][src*="purpose=webviewView"]';

let browser;
let page;
const line = (file, n) => workspaceText(file).split('\n')[n - 1];
const last = (a) => a[a.length - 1];

// ---- the CLI on the same model: the reference for every number shown -----------------------------------------
const cliCache = new Map();
function inspectCli(text) {
  if (!cliCache.has(text)) cliCache.set(text, cli(['inspect', '--model', MODEL, '--text', text, '--json', '--no-attentions']));
  return cliCache.get(text);
}

// The views print numbers with 3 decimals (webview/widgets/dom.ts fmt): equal "to the shown precision" means within half
// a unit of the last digit (plus float32 noise between two runs of the engine).
const SHOWN = 0.0005 + 1e-5;
const num = (s) => Number(String(s).trim().replace('−', '-'));
const tokenText = (t) => t.text.replace(/\n/g, '⏎').replace(/\t/g, '⇥').replace(/ /g, '␣') || '∅';
function cosine(a, b) {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return ab / Math.sqrt(aa * bb);
}

// ---- the panel ----------------------------------------------------------------------------------------------------
const panel = () => panelFrame(page);
const panelElement = () => page.locator(PANEL_IFRAME);

/**
 * Waits until the panel shows a finished inspection of exactly `text` with `tokens` tokens. The new selection
 * arrives with the 'running' snapshot, so once it is shown, 'done' is this run's.
 */
async function panelShows(text, tokens, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  const selection = panel().locator('#selection');
  while (await selection.textContent({ timeout }).catch(() => null) !== text) {
    if (Date.now() > deadline) assert.equal(await selection.textContent(), text, 'the panel shows the selection');
    await page.waitForTimeout(100);
  }
  await panel().locator('#status[data-status="done"]').waitFor({ state: 'attached', timeout });   // empty (no box) when all is well
  await panel().locator('#token-count', { hasText: new RegExp(`^${tokens}$`) }).waitFor({ timeout });
}

/** Gives the keyboard to the text editors' group (a click in the panel makes the panel's group the active one). */
const toEditor = () => runCommand(page, 'View: Focus First Editor Group');

async function showTab(id) {
  await panel().locator(`#tab-${id}`).click();
  await panel().locator(`#tab-${id}[aria-selected="true"]`).waitFor();
  await panel().locator(`#tabpanel-${id}:not([hidden])`).waitFor();
}

/** Waits until a heatmap is ready and its canvas holds a drawing (many colours), returns the canvas stats. */
async function heatmapDrawn(frame, id, timeout = 30_000) {
  await panel().locator(`#${id}[data-state="ready"]`).waitFor({ timeout });
  const deadline = Date.now() + timeout;
  for (;;) {
    const s = await canvasStats(frame, `#${id}-canvas`);
    if (s && s.colours >= 3) return s;
    if (Date.now() > deadline) throw new Error(`heatmap ${id} is ready but its canvas is blank: ${JSON.stringify(s)}`);
    await page.waitForTimeout(100);
  }
}

// ---- editor decorations: Monaco draws a decoration type's background as an overlay element --------------------
function tokenDecorations() {
  return page.evaluate(() => [...document.querySelectorAll('.monaco-editor .view-overlays *, .monaco-editor .view-lines span')]
    .map((e) => ({ e, bg: getComputedStyle(e).backgroundColor }))
    .filter((x) => /^rgba\(255, 140, 0, [\d.]+\)$/.test(x.bg))
    .map(({ e, bg }) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height, alpha: Number(bg.match(/([\d.]+)\)$/)[1]) }; })
    .filter((r) => r.width > 0 && r.height > 0));
}

/** Runs Inspect until the panel reaches `status` (a settings change on disk reaches the extension host a little later). */
async function inspectUntil(status, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    await runCommand(page, INSPECT);
    try {
      await panel().locator(`#status[data-status="${status}"]`).waitFor({ state: 'attached', timeout: 8_000 });
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    await clearNotifications(page);
  }
}

before(async () => {
  if (skip) return;
  ({ browser, page } = await openWorkbench({ viewport: { width: 1400, height: 1100 } }));
});
afterEach(async (t) => { await screenshotAfterEach(page, import.meta.url, t); });
after(async () => { await browser?.close(); });

test('Inspect Selection from the palette: model, badge, token count, and the Vectors tab agree with the CLI', { skip }, async () => {
  const text = line('sample.txt', 3);
  const ref = inspectCli(text);
  await openFile(page, 'sample.txt');
  await selectLine(page, 3);
  await runCommand(page, INSPECT);
  await panelShows(text, ref.tokens.length);

  assert.equal(await panel().locator('#model-name').textContent(), path.basename(MODEL));
  assert.equal(ref.model.randomWeights, true);
  await panel().locator('#random-badge').waitFor();
  assert.match(await panel().locator('#random-badge').textContent(), /random weights/);

  await showTab('vectors');
  const R = ref.layers.length;
  assert.equal(await panel().locator('#vectors-layer').inputValue(), String(R - 1), 'the last layer is shown first');
  const label = await panel().locator('#vectors-clsmean').locator('xpath=preceding-sibling::*[1]').textContent();
  assert.equal(label, `cos(cls, mean) at layer ${last(ref.layers)}`);
  const shown = num(await panel().locator('#vectors-clsmean').textContent());
  const want = last(ref.similarity.clsMean);
  assert.ok(Math.abs(shown - want) <= SHOWN, `cos(cls, mean) shown ${shown}, CLI ${want}`);

  // top-k of the [CLS] vector at the last layer: the CLI's largest |values|, largest first, with their values
  const v = last(ref.vectors.cls);
  const order = v.map((x, i) => i).sort((a, b) => Math.abs(v[b]) - Math.abs(v[a]) || a - b);
  const table = panel().locator('#topk-cls');
  const dims = (await table.locator('tr').nth(0).locator('td').allTextContents()).map(Number);
  const values = (await table.locator('tr').nth(1).locator('td').allTextContents()).map(num);
  assert.equal(dims.length, Math.min(10, v.length));
  dims.forEach((d, k) => {
    // ranks may swap only where the CLI's two |values| are equal to float32 noise
    assert.ok(d === order[k] || Math.abs(Math.abs(v[d]) - Math.abs(v[order[k]])) < 1e-4, `rank ${k + 1}: dim ${d} shown, CLI has dim ${order[k]}`);
    assert.ok(Math.abs(values[k] - v[d]) <= SHOWN, `dim ${d}: shown ${values[k]}, CLI ${v[d]}`);
  });
  await heatmapDrawn(await webviewFrame(page), 'vec-cls-strip');
  await screenshotElement(panelElement(), 'inspector-vectors');
});

test('Tokens tab draws cos([CLS], token) per layer and the token × token cosine', { skip }, async () => {
  const ref = inspectCli(line('sample.txt', 3));
  const T = ref.tokens.length, R = ref.layers.length;
  await showTab('tokens');
  const frame = await webviewFrame(page);
  await heatmapDrawn(frame, 'hm-cls-token');
  const clsTok = panel().locator('#hm-cls-token-canvas');
  assert.equal(await clsTok.getAttribute('data-rows'), String(R));
  assert.equal(await clsTok.getAttribute('data-cols'), String(T));
  await heatmapDrawn(frame, 'hm-token-cosine');   // asked from the host after the tab opened
  const cos = panel().locator('#hm-token-cosine-canvas');
  assert.equal(await cos.getAttribute('data-rows'), String(T));
  assert.equal(await cos.getAttribute('data-cols'), String(T));
  await screenshotElement(panelElement(), 'inspector-tokens');
});

test('Attention tab loads the layers × heads thumbnails, and a click opens that head', { skip }, async () => {
  const ref = inspectCli(line('sample.txt', 3));
  const L = ref.model.layers, H = ref.model.heads, T = ref.tokens.length;
  await showTab('attention');
  const grid = panel().locator('#attn-grid');
  await grid.waitFor();
  assert.equal(await grid.locator('canvas.thumb').count(), L * H);
  await panel().locator(`#attn-grid[data-loaded-layers="${L}"]`).waitFor({ timeout: 30_000 });
  assert.equal(await grid.locator('.thumb-row[data-loaded="true"]').count(), L);
  assert.equal(await panel().locator('#attn-loaded').textContent(), `${L} / ${L} layers loaded`);
  const frame = await webviewFrame(page);
  for (let l = 0; l < L; l++) {
    const s = await canvasStats(frame, `canvas.thumb[data-layer="${l}"][data-head="0"]`);
    assert.ok(s.colours >= 2, `thumbnail L${l + 1} H1 is blank: ${JSON.stringify(s)}`);
  }

  await grid.locator('canvas.thumb[data-layer="1"][data-head="2"]').click();
  await panel().locator('#hm-attn-head .heatmap-title', { hasText: 'Layer 2 · head 3' }).waitFor();
  await heatmapDrawn(frame, 'hm-attn-head');
  assert.equal(await panel().locator('#hm-attn-head-canvas').getAttribute('data-rows'), String(T));
  assert.equal(await panel().locator('#attention-layer').inputValue(), '1');
  assert.equal(await panel().locator('#attention-head').inputValue(), '2');
  await heatmapDrawn(frame, 'hm-rollout');
  await screenshotElement(panelElement(), 'inspector-attention');

  // the click made layer 2 / head 3 the view option for every surface: back to the last layer, mean of heads
  await panel().locator('#attention-layer').selectOption(String(L - 1));
  await panel().locator('#hm-attn-head .heatmap-title', { hasText: `Layer ${L} · head 3` }).waitFor();
  await panel().locator('#attention-head').selectOption('-1');
  await panel().locator('#hm-attn-head .heatmap-title', { hasText: `Layer ${L} · mean of heads` }).waitFor();
  await showTab('vectors');
  assert.equal(await panel().locator('#vectors-layer').inputValue(), String(ref.layers.length - 1));
});

test('the side view: chips are the CLI tokens, and the measure select recolours them', { skip }, async () => {
  const text = line('sample.txt', 3);
  const ref = inspectCli(text);
  await openViewContainer(page, CONTAINER_TITLE);
  const side = viewFrame(page);
  await side.locator('#selection').filter({ hasText: text }).waitFor({ timeout: 30_000 });
  const chips = side.locator('#chips .chip');
  await chips.first().waitFor();
  assert.equal(await chips.count(), ref.tokens.length);
  assert.deepEqual(await chips.allTextContents(), ref.tokens.map(tokenText));
  assert.ok(Math.abs(num(await side.locator('#side-clsmean').textContent()) - last(ref.similarity.clsMean)) <= SHOWN);

  assert.equal(await side.locator('#side-measure').inputValue(), 'clsAttention');
  const values = () => side.locator('#chips .chip').evaluateAll((cs) => cs.map((c) => c.getAttribute('data-value')));
  const colours = () => side.locator('#chips .chip').evaluateAll((cs) => cs.map((c) => c.style.background));
  const [before, beforeColours] = [await values(), await colours()];
  await side.locator('#side-measure').selectOption('clsCosine');
  await side.locator('#chips-measure', { hasText: 'cos([CLS], token)' }).waitFor();
  const after = await values();
  assert.notDeepEqual(after, before, 'data-value changed with the measure');
  assert.notDeepEqual(await colours(), beforeColours, 'the chips were recoloured');
  const want = last(ref.similarity.clsToken);
  after.forEach((x, i) => assert.ok(Math.abs(Number(x) - want[i]) < 1e-4, `chip ${i}: cos ${x}, CLI ${want[i]}`));
  await screenshotElement(page.locator(VIEW_IFRAME), 'inspector-side-view-cosine');

  await side.locator('#side-measure').selectOption('clsAttention');
  await side.locator('#chips-measure', { hasText: '[CLS] attention' }).waitFor();
  await screenshotElement(page.locator(VIEW_IFRAME), 'inspector-side-view');
  await screenshot(page, 'inspector-side-view-workbench');
});

test('editor decorations colour the inspected tokens, hover names them, typing removes them', { skip }, async () => {
  const ref = inspectCli(line('sample.txt', 3));
  const content = ref.tokens.filter((t) => !t.special && t.start !== null && t.end > t.start);
  let decos = [];
  for (let i = 0; i < 50 && decos.length === 0; i++) { decos = await tokenDecorations(); if (!decos.length) await page.waitForTimeout(200); }
  assert.ok(decos.length >= 2, `decorated ranges: ${decos.length}`);
  assert.ok(decos.length <= content.length, 'at most one decorated range per content token (touching ranges of one level merge)');
  assert.ok(new Set(decos.map((d) => d.alpha)).size >= 2, 'more than one colour level');
  assert.equal(new Set(decos.map((d) => Math.round(d.y))).size, 1, 'all on the selected line');

  // hover over the strongest decorated range
  const target = decos.reduce((a, b) => (b.alpha > a.alpha ? b : a));
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2 - 2);
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2);
  const hover = page.locator('.monaco-hover', { hasText: 'CLS Lens' }).first();
  await hover.waitFor({ state: 'visible', timeout: 15_000 });
  const hoverText = await hover.textContent();
  const m = hoverText.match(/CLS Lens\s*(\S+)\s*\(id (\d+)\)/);
  assert.ok(m, `hover text: ${hoverText}`);
  assert.ok(ref.tokens.some((t) => t.text === m[1] && t.id === Number(m[2])), `the hover names a CLI token: ${m[0]}`);
  assert.match(hoverText, /attention from \[CLS\], layer \d+, mean of heads: -?\d+\.\d{4}/);
  await screenshot(page, 'inspector-editor-decorations');

  await page.mouse.move(5, 500);
  await page.keyboard.press('Escape');
  await toEditor();
  await goTo(page, 4, 1);
  await page.keyboard.type('x');
  for (let i = 0; i < 50 && (await tokenDecorations()).length; i++) await page.waitForTimeout(200);
  assert.equal((await tokenDecorations()).length, 0, 'typing removed the decorations');
  await runCommand(page, 'File: Revert File');
  await page.locator('.tabs-container .tab.active.dirty').waitFor({ state: 'detached' });
});

test('the editor context menu inspects another selection', { skip }, async () => {
  const text = line('sample.txt', 1);
  const ref = inspectCli(text);
  await toEditor();
  await openFile(page, 'sample.txt');
  await selectLine(page, 1);
  await contextMenu(page, 'Inspect Selection');
  await panelShows(text, ref.tokens.length);
  assert.ok(Math.abs(num(await panel().locator('#vectors-clsmean').textContent()) - last(ref.similarity.clsMean)) <= SHOWN);
  assert.ok((await tokenDecorations()).length >= 2, 'the new selection is decorated');
});

test('time to the first painted heatmap and snapshot sizes at 128 and 512 tokens (printed, not asserted)', { skip }, async () => {
  // How: Date.now() in the test when Enter runs the command (both clocks are this machine's); in the panel, a
  // 'message' listener beside the webview's own records each host message as received (after VS Code's transfer:
  // UTF-8 bytes of its JSON with the typed arrays left out, the typed arrays' byteLength, and the byteLength of the
  // distinct ArrayBuffers under them, which is what VS Code copies), and a 5 ms poll reads the vectors strip's
  // pixels until the new run's strip has colours. The engine's own time is the status bar's "· N ms".
  await showTab('vectors');
  await toEditor();
  await openFile(page, 'long.txt');
  const rows = [];
  for (const n of [1, 2]) {
    const text = line('long.txt', n);
    const T = inspectCli(text).tokens.length;
    const frame = await webviewFrame(page);
    // In the panel: record every host message's size, and the first moment the new run's vectors strip has pixels.
    await frame.evaluate(({ T, chars }) => {
      const w = window;
      w.__e2eMessages = [];
      if (!w.__e2eListening) {
        w.__e2eListening = true;
        window.addEventListener('message', (e) => {
          const d = e.data;
          if (!d || !['snapshot', 'status', 'matrix'].includes(d.type) || !w.__e2eMessages) return;
          let typed = 0;
          const buffers = new Set();
          const json = JSON.stringify(d, (_k, v) => { if (ArrayBuffer.isView(v)) { typed += v.byteLength; buffers.add(v.buffer); return 0; } return v; });
          w.__e2eMessages.push({ type: d.type, status: d.snapshot?.status ?? d.status, tokens: d.snapshot?.inspection?.tokens.length, kind: d.request?.kind,
            engine: d.snapshot?.inspection?.timings.totalMs, summary: Boolean(d.snapshot?.inspection?.attention?.summary),
            json: new TextEncoder().encode(json).length, typed, buffers: [...buffers].reduce((a, b) => a + b.byteLength, 0), at: Date.now() });
        });
      }
      w.__e2ePainted = new Promise((resolve) => {
        const t0 = Date.now();
        const tick = () => {
          const ok = document.querySelector('#status')?.getAttribute('data-status') === 'done'
            && document.querySelector('#token-count')?.textContent === String(T)
            && document.querySelector('#selection')?.textContent.length === chars;
          const c = document.querySelector('#vec-cls-strip-canvas');
          if (ok && c instanceof HTMLCanvasElement && c.width > 0 && c.height > 0) {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            const seen = new Set();
            for (let i = 0; i < d.length && seen.size < 8; i += 4) if (d[i + 3]) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
            if (seen.size >= 8) { resolve(Date.now()); return; }
          }
          if (Date.now() - t0 > 120_000) { resolve(null); return; }
          setTimeout(tick, 5);
        };
        tick();
      });
    }, { T, chars: text.length });
    await selectLine(page, n);
    const t0 = await runCommand(page, INSPECT);
    const painted = await frame.evaluate(() => window.__e2ePainted);
    assert.ok(painted, `the ${T}-token run painted its vectors strip`);
    const messages = await frame.evaluate(() => window.__e2eMessages);
    const status = await page.locator('.statusbar-item', { hasText: path.basename(MODEL) }).first().textContent();
    const done = messages.find((m) => m.type === 'snapshot' && m.status === 'done' && m.tokens === T);
    const running = messages.find((m) => (m.type === 'snapshot' || m.type === 'status') && m.status === 'running');
    // the status bar shows the time the user waited (command → result in the views); the engine's own time travels in the snapshot
    rows.push({ T, ms: painted - t0, waited: status.match(/· (\d+) ms/)?.[1], engine: done && Math.round(done.engine), snapshot: done, running: running && running.at - t0, done: done && done.at - t0, render: done && painted - done.at });
    await panelShows(text, T);
  }
  // the extension host's memory (the engine worker is one of its threads) with the model loaded and these runs kept
  const hostRss = extensionHostRssMiB();
  // the large matrices of the 512-token run, asked for when the tabs open
  const frame = await webviewFrame(page);
  await frame.evaluate(() => { window.__e2eMessages = []; });
  const t1 = Date.now();
  await showTab('attention');
  await panel().locator(`#attn-grid[data-loaded-layers="${inspectCli(line('long.txt', 2)).model.layers}"]`).waitFor({ timeout: 60_000 });
  const attnMs = Date.now() - t1;
  await showTab('tokens');
  await heatmapDrawn(frame, 'hm-token-cosine', 60_000);
  const matrices = await frame.evaluate(() => window.__e2eMessages.filter((m) => m.type === 'matrix'));
  await screenshotElement(panelElement(), 'inspector-tokens-512');
  await showTab('vectors');

  const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
  for (const r of rows) {
    const s = r.snapshot;
    console.log(`[timing] ${r.T} tokens: Inspect command → first painted heatmap (vectors strip) ${r.ms} ms; engine total ${r.engine} ms (first paint − engine = ${r.ms - r.engine} ms); status bar (time the user waited) ${r.waited} ms;`
      + ` in the panel: 'running' status at +${r.running} ms, 'done' snapshot at +${r.done} ms, painted ${r.render} ms after it`);
    if (s) console.log(`[bytes] ${r.T} tokens: 'done' snapshot as received by the panel: ${kib(s.json)} JSON + ${kib(s.typed)} typed-array views over ${kib(s.buffers)} of ArrayBuffers (sent to each of the 2 surfaces)`);
  }
  console.log(`[timing] 512 tokens: Attention tab opened → all thumbnail layers loaded ${attnMs} ms`);
  const onnx = inspectCli(line('long.txt', 2)).model.onnxFile;
  const fileMiB = Math.round(fs.statSync(onnx).size / 1048576);
  console.log(`[memory] extension host RSS (engine worker included) after the inspections above: ${hostRss ?? 'not found'} MiB; the model's ONNX file ${fileMiB} MiB (issue #10's target: file + 500 MiB = ${fileMiB + 500} MiB)`);
  for (const m of matrices) console.log(`[bytes] 512 tokens: matrix ${m.kind}: ${kib(m.typed)} typed (${kib(m.buffers)} buffers) + ${kib(m.json)} JSON`);
});

test('a selection longer than the model allows shows the truncation notice', { skip }, async () => {
  const text = line('long.txt', 3);
  const ref = inspectCli(text);
  assert.equal(ref.truncation.truncated, true);
  await toEditor();
  await openFile(page, 'long.txt');
  await selectLine(page, 3);
  await runCommand(page, INSPECT);
  await panelShows(text, ref.model.maxTokens);
  const notice = panel().locator('#truncation');
  await notice.waitFor();
  assert.equal(await notice.textContent(),
    `${ref.truncation.droppedTokens} tokens dropped; only the first ${ref.truncation.keptChars} characters inspected (model maximum ${ref.truncation.maxTokens} tokens).`);
  // said once, by the notice: no second status message repeats it
  assert.equal(await panel().locator('#message', { hasText: 'Truncated' }).count(), 0);
  await screenshotElement(panelElement(), 'inspector-truncation');
});

test('pin two selections, compare them, clear the pins', { skip }, async () => {
  const [a, b] = [line('notes.md', 8), line('notes.md', 9)];
  const [ra, rb] = [inspectCli(a), inspectCli(b)];
  await runCommand(page, 'CLS Lens: Clear Pinned');
  await clearNotifications(page);
  await toEditor();
  await openFile(page, 'notes.md');
  await selectLine(page, 8);
  await runCommand(page, 'CLS Lens: Pin Selection for Comparison');
  await notification(page, '(1 pinned)').waitFor({ timeout: 60_000 });
  await showTab('compare');
  await panel().locator('#compare-count', { hasText: 'One text pinned' }).waitFor();

  await toEditor();
  await selectLine(page, 9);
  await contextMenu(page, 'Pin Selection for Comparison');
  await notification(page, '(2 pinned)').waitFor({ timeout: 60_000 });
  await runCommand(page, 'CLS Lens: Compare Pinned Selections');
  await panel().locator('#compare-pins').waitFor();
  assert.equal(await panel().locator('#compare-pins li').count(), 2);
  assert.match(await panel().locator('#compare-pins li').nth(0).textContent(), /^#1 The movie was wonderful/);
  assert.match(await panel().locator('#compare-pins li').nth(1).textContent(), /^#2 The service was slow/);
  const frame = await webviewFrame(page);
  await heatmapDrawn(frame, 'hm-compare');
  const canvas = panel().locator('#hm-compare-canvas');
  assert.equal(await canvas.getAttribute('data-rows'), '2');
  assert.equal(await panel().locator('#compare-pooling').inputValue(), 'cls');
  assert.equal(await panel().locator('#compare-layer').inputValue(), String(ra.layers.length - 1));
  // hover the off-diagonal cell: its tooltip has cos(A, B) of the [CLS] vectors at the last layer
  const g = await canvas.evaluate((c) => ({ left: +c.dataset.left, top: +c.dataset.top, w: +c.dataset.cellW, h: +c.dataset.cellH }));
  await canvas.hover({ position: { x: g.left + 1.5 * g.w, y: g.top + 0.5 * g.h } });
  const tip = panel().locator('#hm-compare-tooltip');
  await tip.waitFor({ state: 'visible' });
  const shown = num((await tip.textContent()).match(/cos = (\S+)/)[1]);
  const want = cosine(last(ra.vectors.cls), last(rb.vectors.cls));
  assert.ok(Math.abs(shown - want) <= SHOWN, `cos(A, B) shown ${shown}, from the CLI vectors ${want}`);
  await clearNotifications(page);                  // the "pinned" toasts cover the panel's lower right corner
  await canvas.hover({ position: { x: g.left + 1.5 * g.w, y: g.top + 0.5 * g.h } });
  await screenshotElement(panelElement(), 'inspector-compare');

  await runCommand(page, 'CLS Lens: Clear Pinned');
  await panel().locator('#compare-help').waitFor();
  assert.equal(await panel().locator('#compare-pins').count(), 0);
  assert.equal(await panel().locator('#compare-count').count(), 0);
  await showTab('vectors');
  await clearNotifications(page);
});

test('bad input: an empty selection, then a model folder that does not exist', { skip }, async () => {
  await toEditor();
  await openFile(page, 'sample.txt');
  await page.keyboard.press('Control+Home');         // a cursor, no selection
  await runCommand(page, INSPECT);
  await notification(page, 'selection is empty').waitFor({ timeout: 15_000 });
  await clearNotifications(page);

  const missing = path.join(env.workspace, 'no-such-model');
  const saved = setWorkspaceSettings({ 'clsLens.model': missing });
  try {
    await selectLine(page, 1);
    await inspectUntil('error');
    const toast = notification(page, missing);
    await toast.waitFor({ timeout: 15_000 });
    assert.match(await toast.textContent(), /CLS Lens: .*does not exist/);
    await toast.locator('.monaco-button', { hasText: 'Select Model…' }).waitFor();
    const message = await panel().locator('#message').textContent();
    assert.ok(message.includes(missing) && /does not exist/.test(message), `panel message: ${message}`);
    await panel().locator('#select-model').waitFor();
    await screenshot(page, 'inspector-error');
    await notification(page, 'inspecting selection').waitFor({ state: 'detached', timeout: 15_000 });   // the progress toast closed
  } finally {
    restoreWorkspaceSettings(saved);
  }
  await clearNotifications(page);
  const text = line('sample.txt', 1);
  await inspectUntil('done');
  await panelShows(text, inspectCli(text).tokens.length);
  await clearNotifications(page);
});
