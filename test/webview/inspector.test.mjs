// The inspector UI (panel tabs and side view) on synthetic inspections: what each view shows matches the data,
// controls post setOptions, matrices are requested per run and layer (stale answers ignored), exports post PNGs,
// keyboard navigation works, and the attention grid copes with 512 tokens × 12 layers × 12 heads.
// Runs the BUILT bundle (npm run test:webview builds it first).
import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { closeBrowser, closePageClean, openWebview, ROOT } from './harness.mjs';
import { answerMatrix, cellCenter, fmt, fx, hoverCell, installFixtures, postInspection, startHost } from './fixtures.mjs';

const OUT = path.join(ROOT, '.e2e/out');
let w;
afterEach(async () => {
  const page = w;
  w = undefined;
  await closePageClean(page);
});
after(closeBrowser);

async function open(o = {}) {
  w = await openWebview({ viewport: { width: 1100, height: 900 }, ...o });
  await installFixtures(w);
  return w;
}

const tab = async (id) => {
  await w.locator(`#tab-${id}`).click();
  await w.flush();
};
const posted = async (type) => (await w.messages()).filter((m) => m.type === type);
const differ = (a, b) => a.slice(0, 3).some((v, i) => Math.abs(v - b[i]) > 24);

test('vectors tab: norms, top-k, cos(cls, mean), strip hover and colours match the data', async () => {
  await open();
  await postInspection(w, { seq: 1, runId: 3, L: 4, heads: 4, T: 24, H: 64, randomWeights: true, warnings: ['opset 11: rewritten'] });
  const d = await fx(w, (f) => {
    const i = f.last.inspection, R = i.layerIds.length, H = i.vectors.cls.dims[1];
    const cls = Array.from(i.vectors.cls.data.subarray((R - 1) * H, R * H));
    return { R, H, cls, clsMean: Array.from(i.clsMean), normCls: i.norms.cls[R - 1], normMean: i.norms.mean[R - 1], pooler: Array.from(i.vectors.pooler.data) };
  });
  assert.equal(await w.text('#model-name'), 'synthetic-bert');
  assert.equal(await w.text('#random-badge'), 'random weights');
  assert.match(await w.text('#model-shape'), /4 layers × 4 heads × 64 hidden/);
  assert.match(await w.text('#attention-source'), /native/);
  assert.match(await w.text('#timings'), /tokenize 1 ms · run 49 ms · analyse 7 ms/);
  assert.equal(await w.text('#warnings li'), 'opset 11: rewritten');
  assert.equal(await w.locator('#tab-vectors').getAttribute('aria-selected'), 'true');

  assert.equal(await w.text('#vectors-clsmean'), fmt(d.clsMean[d.R - 1]), 'default layer -1 is the last layer');
  assert.equal(await w.text('#norm-cls'), fmt(d.normCls));
  assert.equal(await w.text('#norm-mean'), fmt(d.normMean));
  for (const p of ['cls', 'mean', 'meanWithSpecials', 'max', 'pooler']) assert.equal(await w.locator(`[data-testid=vec-${p}]`).count(), 1, p);

  const expected = d.cls.map((v, i) => [i, v]).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || a[0] - b[0]).slice(0, 10);
  const rows = await w.locator('#topk-cls tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.deepEqual(rows, [['dim', ...expected.map(([dim]) => String(dim))], ['value', ...expected.map(([, v]) => fmt(v))]]);

  const [maxDim] = expected.filter(([, v]) => v > 0)[0];
  const [minDim] = expected.filter(([, v]) => v < 0)[0];
  assert.equal(await hoverCell(w, 'vec-cls-strip', 0, maxDim), `dim ${maxDim}: ${fmt(d.cls[maxDim])}`);
  const pMax = await cellCenter(w, '#vec-cls-strip-canvas', 0, maxDim);
  const pMin = await cellCenter(w, '#vec-cls-strip-canvas', 0, minDim);
  const cMax = await w.canvasPixel('#vec-cls-strip-canvas', pMax.x, pMax.y), cMin = await w.canvasPixel('#vec-cls-strip-canvas', pMin.x, pMin.y);
  assert.ok(differ(cMax, cMin), `max ${cMax} vs min ${cMin}`);
  assert.equal(await w.locator('#vec-cls-strip-min').textContent(), fmt(-Math.max(...d.cls.map(Math.abs))), 'diverging legend is symmetric');

  assert.ok(Number(await w.locator('#chart-pooling-cos-canvas').getAttribute('data-series')) >= 1);
  assert.equal(await w.locator('#chart-pooling-cos .series-toggle').count(), 10, '5 poolings → 10 pairs');
  await w.locator('#chart-cls-mean-canvas').hover();
  assert.match(await w.text('#chart-cls-mean-tooltip'), /cos\(cls, mean\): -?\d/);

  // a control posts setOptions, and the view follows at once
  await w.clearMessages();
  await w.locator('#vectors-layer').focus();
  await w.locator('#vectors-layer').selectOption('2');
  assert.deepEqual(await w.waitForMessage((m) => m.type === 'setOptions'), { type: 'setOptions', options: { layer: 2 } });
  await w.flush();
  assert.equal(await w.text('#vectors-clsmean'), fmt(d.clsMean[2]));
  assert.equal(await w.locator('#vectors-layer').evaluate((s) => s === document.activeElement), true, 'focus stays on the select');
});

test('tokens tab: cls×token heatmap values, token cosine requested for the chosen layer and drawn', async () => {
  await open();
  await postInspection(w, { seq: 1, runId: 5, L: 3, heads: 2, T: 16, H: 32, options: { layer: 1 } });
  await w.clearMessages();
  await tab('tokens');
  const req = await w.waitForMessage((m) => m.type === 'requestMatrix');
  assert.deepEqual(req.request, { kind: 'tokenCosine', runId: 5, layer: 1 });
  assert.equal(await w.locator('#hm-token-cosine').getAttribute('data-state'), 'loading');

  const d = await fx(w, (f) => {
    const ct = f.last.inspection.clsToken, T = ct.dims[1];
    const data = Array.from(ct.data);
    let hi = 0, lo = 0;
    data.forEach((v, i) => { if (v > data[hi]) hi = i; if (v < data[lo]) lo = i; });
    return { T, data, hi: [Math.floor(hi / T), hi % T], lo: [Math.floor(lo / T), lo % T], tok3: f.last.inspection.tokens[3].text };
  });
  assert.equal(await hoverCell(w, 'hm-cls-token', 2, 3), `layer 2 · token 3 '${d.tok3}': cos = ${fmt(d.data[2 * d.T + 3])}`);
  const a = await cellCenter(w, '#hm-cls-token-canvas', ...d.hi), b = await cellCenter(w, '#hm-cls-token-canvas', ...d.lo);
  assert.ok(differ(await w.canvasPixel('#hm-cls-token-canvas', a.x, a.y), await w.canvasPixel('#hm-cls-token-canvas', b.x, b.y)));

  await answerMatrix(w, req.request);
  assert.equal(await w.locator('#hm-token-cosine').getAttribute('data-state'), 'ready');
  const expected = await fx(w, (f) => f.answer({ kind: 'tokenCosine', runId: 5, layer: 1 }).data[2 * 16 + 5]);
  assert.match(await hoverCell(w, 'hm-token-cosine', 2, 5), new RegExp(`cos = ${fmt(expected).replace('.', '\\.')}$`));

  // clicking a row of the cls×token map chooses that layer
  await w.clearMessages();
  const p = await cellCenter(w, '#hm-cls-token-canvas', 0, 2);
  await w.locator('#hm-cls-token-canvas').click({ position: p });
  assert.deepEqual((await w.waitForMessage((m) => m.type === 'setOptions')).options, { layer: 0 });
  assert.deepEqual((await w.waitForMessage((m) => m.type === 'requestMatrix')).request, { kind: 'tokenCosine', runId: 5, layer: 0 });
});

test('attention tab: layers requested per run when shown, thumbnails drawn, head detail, shares and rollout', async () => {
  await open();
  await postInspection(w, { seq: 1, runId: 7, L: 4, heads: 3, T: 20, H: 32 });
  assert.equal((await posted('requestMatrix')).length, 0, 'nothing is requested before the Attention tab opens');
  await tab('attention');
  await w.waitForMessage((m) => m.type === 'requestMatrix' && m.request.kind === 'attention');
  await w.page.waitForTimeout(100);
  const reqs = (await posted('requestMatrix')).map((m) => m.request);
  assert.ok(reqs.every((r) => r.runId === 7), JSON.stringify(reqs));
  const attn = reqs.filter((r) => r.kind === 'attention');
  assert.ok(attn.length <= 2, 'at most two layers in flight');
  assert.ok(attn.some((r) => r.layer === 0), 'the first visible layer is asked for');
  assert.deepEqual(reqs.filter((r) => r.kind === 'rollout'), [{ kind: 'rollout', runId: 7, layer: 3 }], 'rollout for the chosen (last) layer');

  await startHost(w);
  await w.page.waitForSelector('#attn-grid[data-loaded-layers="4"]');
  assert.equal(await w.locator('canvas.thumb').count(), 12);
  assert.equal(await w.locator('#hm-attn-head').getAttribute('data-state'), 'ready');
  assert.equal(await w.locator('#hm-rollout').getAttribute('data-state'), 'ready');
  const asked = (await posted('requestMatrix')).filter((m) => m.request.kind === 'attention').map((m) => m.request.layer).sort();
  assert.deepEqual(asked, [0, 1, 2, 3], 'each layer asked for once');

  // a thumbnail shows structure: its pixels are not all one colour
  const px = await w.locator('canvas.thumb[data-layer="0"][data-head="0"]').evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 4) seen.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
    return seen.size;
  });
  assert.ok(px > 3, `thumbnail colours: ${px}`);

  // click a thumbnail → options, UI state, detail of that head
  await w.clearMessages();
  await w.locator('canvas.thumb[data-layer="1"][data-head="2"]').click();
  assert.deepEqual((await w.waitForMessage((m) => m.type === 'setOptions')).options, { layer: 2, head: 2 });
  await w.flush();
  assert.deepEqual((await w.state()).thumb, { layer: 1, head: 2 });
  assert.equal(await w.locator('canvas.thumb.selected').count(), 1);
  const exp = await fx(w, (f) => {
    const m = f.answer({ kind: 'attention', runId: 7, layer: 1 });
    const T = 20, v = m.data[(2 * T + 4) * T + 6] / 255 * m.scale;
    return { v, q: f.last.inspection.tokens[4].text, k: f.last.inspection.tokens[6].text, cls: f.last.inspection.attention.clsRow.data[(1 * 3 + 2) * 20 + 6] };
  });
  assert.equal(await hoverCell(w, 'hm-attn-head', 4, 6), `4 '${exp.q}' → 6 '${exp.k}' = ${fmt(exp.v)}`);
  assert.match(await w.text('#hm-attn-head .heatmap-title'), /Layer 2 · head 3/);
  // the [CLS] row as bars, hover readout
  const bw = Number(await w.locator('#attn-cls-row-canvas').getAttribute('data-bar-w'));
  await w.locator('#attn-cls-row-canvas').hover({ position: { x: 4 + 6.5 * bw, y: 30 } });
  assert.equal(await w.text('#attn-cls-row-tooltip'), `[CLS] → 6 '${exp.k}' = ${fmt(exp.cls)}`);
  // rollout follows the chosen layer
  assert.ok((await posted('requestMatrix')).some((m) => m.request.kind === 'rollout' && m.request.layer === 1));
  await w.page.waitForFunction(() => /layer 2/.test(document.querySelector('#hm-rollout .heatmap-title').textContent)
    && document.getElementById('hm-rollout').dataset.state === 'ready');

  // per-head shares: values in the tooltip; a click selects the head
  const share = await fx(w, (f) => f.last.inspection.attention.summary.toCls.data[3 * 3 + 1]);
  assert.equal(await hoverCell(w, 'hm-share-toCls', 3, 1), `layer 4 head 2: to [CLS] = ${fmt(share)}`);
  for (const k of ['toSep', 'toPunct', 'toSelf', 'entropy']) assert.equal(await w.locator(`#hm-share-${k}`).getAttribute('data-state'), 'ready', k);
  await w.clearMessages();
  const c = await cellCenter(w, '#hm-share-toCls-canvas', 3, 1);
  await w.locator('#hm-share-toCls-canvas').click({ position: c });
  assert.deepEqual((await w.waitForMessage((m) => m.type === 'setOptions')).options, { layer: 4, head: 1 });

  // keyboard on the grid: arrows move, Enter picks
  await w.locator('canvas.thumb[tabindex="0"]').focus();
  await w.page.keyboard.press('ArrowUp');
  await w.page.keyboard.press('ArrowLeft');
  await w.clearMessages();
  await w.page.keyboard.press('Enter');
  assert.deepEqual((await w.waitForMessage((m) => m.type === 'setOptions')).options, { layer: 3, head: 0 });

  // a narrower panel: thumbnails are resized and redrawn from the cache, nothing is asked again
  const before = await w.locator('canvas.thumb').first().evaluate((c) => c.getBoundingClientRect().width);
  await w.clearMessages();
  await w.page.setViewportSize({ width: 260, height: 900 });
  await w.page.waitForFunction((b) => document.querySelector('canvas.thumb').getBoundingClientRect().width < b, before);
  await w.page.waitForSelector('#attn-grid[data-loaded-layers="4"]');
  assert.deepEqual((await posted('requestMatrix')).filter((m) => m.request.kind === 'attention'), []);
});

test('stale matrix answers (another runId) are ignored', async () => {
  await open();
  await postInspection(w, { seq: 1, runId: 11, L: 3, heads: 2, T: 12, H: 32 });
  await tab('attention');
  const first = await w.waitForMessage((m) => m.type === 'requestMatrix' && m.request.kind === 'attention');
  assert.equal(first.request.runId, 11);
  // a new run arrives before the answer
  await postInspection(w, { seq: 2, runId: 12, L: 3, heads: 2, T: 12, H: 32 });
  await w.waitForMessage((m) => m.type === 'requestMatrix' && m.request.runId === 12);
  await answerMatrix(w, first.request);                      // the old run's answer
  assert.equal(await w.locator('#attn-grid').getAttribute('data-loaded-layers'), '0');
  assert.equal(await w.locator('#hm-attn-head').getAttribute('data-state'), 'loading');
  await answerMatrix(w, { ...first.request, runId: 12 });  // the current one
  assert.equal(await w.locator('#attn-grid').getAttribute('data-loaded-layers'), '1');
});

test('a matrix the host cannot answer (matrixFailed) stops the waiting and says why', async () => {
  await open();
  await postInspection(w, { seq: 1, runId: 13, L: 3, heads: 2, T: 12, H: 32 });
  await tab('attention');
  const first = await w.waitForMessage((m) => m.type === 'requestMatrix' && m.request.kind === 'attention');
  const error = 'This run is no longer held by the engine: inspect again.';
  const fail = async (request) => {
    await w.page.evaluate(([r, e]) => { window.postMessage({ type: 'matrixFailed', version: 2, request: r, error: e }, '*'); }, [request, error]);
    await w.flush();
  };
  // the detail shows the chosen (last) layer: fail that one and its rollout
  await fail({ kind: 'attention', runId: 13, layer: 2 });
  await fail({ kind: 'rollout', runId: 13, layer: 2 });
  assert.equal(await w.locator('#hm-attn-head').getAttribute('data-state'), 'empty');
  assert.match(await w.text('#hm-attn-head'), /no longer held by the engine: inspect again/);
  assert.doesNotMatch(await w.text('#hm-attn-head'), /Loading/);
  assert.equal(await w.locator('#hm-rollout').getAttribute('data-state'), 'empty');
  assert.match(await w.text('#hm-rollout'), /no longer held by the engine/);
  // a failed layer leaves the in-flight slots: the other layers are still asked for, the failed one never again
  await fail(first.request);
  await w.page.waitForTimeout(50);
  const asked = (await posted('requestMatrix')).filter((m) => m.request.kind === 'attention').map((m) => m.request.layer);
  assert.deepEqual([...asked].sort(), [0, 1, 2], `each layer asked for once: ${asked}`);
  // a failure for another run changes nothing
  await fail({ kind: 'tokenCosine', runId: 99, layer: 0 });
});

test('Export PNG posts savePng with a PNG data URL', async () => {
  await open();
  await postInspection(w, { seq: 1, L: 2, heads: 2, T: 10, H: 32 });
  await w.clearMessages();
  await w.locator('#vec-cls-strip-export').click();
  const m = await w.waitForMessage((x) => x.type === 'savePng');
  assert.match(m.name, /\.png$/);
  assert.match(m.dataUrl, /^data:image\/png;base64,[A-Za-z0-9+/]{100,}/);
  await w.clearMessages();
  await w.locator('#chart-pooling-cos-export').click();
  assert.match((await w.waitForMessage((x) => x.type === 'savePng')).dataUrl, /^data:image\/png;base64,/);
});

test('a theme switch (body class) recolours the canvases; high contrast stays readable', async () => {
  await open();
  await postInspection(w, { seq: 1, L: 3, heads: 2, T: 12, H: 48 });
  const p = await cellCenter(w, '#vec-cls-strip-canvas', 0, 3);
  const dark = await w.canvasPixel('#vec-cls-strip-canvas', p.x, p.y);
  await w.page.evaluate(() => { document.body.className = 'vscode-high-contrast'; });
  await w.flush();
  const hc = await w.canvasPixel('#vec-cls-strip-canvas', p.x, p.y);
  assert.ok(differ(dark, hc), `dark ${dark} vs high contrast ${hc}`);
  await w.locator('#export-vectors').click();
  assert.deepEqual(await w.waitForMessage((m) => m.type === 'runCommand'), { type: 'runCommand', command: 'clsLens.exportVectors' });
  await tab('attention');
  await startHost(w);
  await w.page.waitForSelector('#attn-grid[data-loaded-layers="3"]');
  await w.screenshot(path.join(OUT, 'webview-attention-hc.png'));
});

test('tabs: keyboard navigation (arrows, Home, End) and the active tab survives a reload', async () => {
  await open();
  await postInspection(w, { seq: 1, L: 2, heads: 2, T: 10, H: 32, compare: 3 });
  assert.equal(await w.locator('[role=tablist] [role=tab]').count(), 4);
  await w.locator('#tab-vectors').focus();
  const current = () => w.page.evaluate(() => ({ sel: document.querySelector('[role=tab][aria-selected=true]').id, focus: document.activeElement.id }));
  await w.page.keyboard.press('ArrowRight');
  assert.deepEqual(await current(), { sel: 'tab-tokens', focus: 'tab-tokens' });
  assert.equal(await w.locator('#tabpanel-tokens').isVisible(), true);
  assert.equal(await w.locator('#tabpanel-vectors').isVisible(), false);
  await w.page.keyboard.press('End');
  assert.deepEqual(await current(), { sel: 'tab-compare', focus: 'tab-compare' });
  await w.page.keyboard.press('ArrowRight');
  assert.deepEqual(await current(), { sel: 'tab-vectors', focus: 'tab-vectors' }, 'wraps around');
  await w.page.keyboard.press('ArrowLeft');
  assert.deepEqual(await current(), { sel: 'tab-compare', focus: 'tab-compare' });
  await w.page.keyboard.press('Home');
  assert.deepEqual(await current(), { sel: 'tab-vectors', focus: 'tab-vectors' });
  await w.page.keyboard.press('ArrowRight');
  await w.page.keyboard.press('ArrowRight');
  assert.equal((await w.state()).tab, 'attention');
  assert.equal(await w.locator('#tab-attention').getAttribute('tabindex'), '0');
  assert.equal(await w.locator('#tab-vectors').getAttribute('tabindex'), '-1');
  const saved = await w.state();
  await w.close();

  // reload with the saved state: the tab (and a selected thumbnail) come back
  w = await openWebview({ state: { ...saved, thumb: { layer: 1, head: 0 } } });
  await installFixtures(w);
  await postInspection(w, { seq: 1, L: 2, heads: 2, T: 10, H: 32 });
  assert.equal(await w.locator('#tab-attention').getAttribute('aria-selected'), 'true');
  await startHost(w);
  await w.page.waitForSelector('canvas.thumb.selected[data-layer="1"][data-head="0"]');
  assert.match(await w.text('#hm-attn-head .heatmap-title'), /Layer 2 · head 1/);
});

test('compare tab: how-to without pins, matrix and cls/mean disagreement with pins, command buttons', async () => {
  await open();
  await postInspection(w, { seq: 1, L: 3, heads: 2, T: 10, H: 32 });
  await tab('compare');
  const help = await w.text('#compare-help');
  assert.match(help, /CLS Lens: Pin Selection for Comparison/);
  assert.match(help, /CLS Lens: Compare Pinned Selections/);
  await w.clearMessages();
  await w.locator('#compare-run').click();
  await w.locator('#compare-clear').click();
  assert.deepEqual((await posted('runCommand')).map((m) => m.command), ['clsLens.comparePinned', 'clsLens.clearPinned']);

  await postInspection(w, { seq: 2, L: 3, heads: 2, T: 10, H: 32, compare: 4, reuse: true, options: { pooling: 'mean', layer: 2 } });
  assert.equal(await w.locator('#compare-help').count(), 0);
  const d = await fx(w, (f) => {
    const c = f.last.compare;
    const m = c.matrices.mean.data, N = 4;
    return { v: m[(2 * N + 0) * N + 1], a: c.pins[0].label, b: c.pins[1].label };
  });
  assert.equal(await hoverCell(w, 'hm-compare', 0, 1), `${d.a} · ${d.b}: cos = ${fmt(d.v)}`);
  assert.equal(await w.locator('#compare-pins li').count(), 4);
  assert.equal(await w.locator('#chart-compare-disagree-canvas').count(), 1);
  await w.locator('#chart-compare-disagree-canvas').hover();
  const exp = await fx(w, (f) => {
    const { cls, mean } = f.last.compare.matrices, N = 4, r = 1;
    let s = 0, n = 0;
    for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) { s += Math.abs(cls.data[(r * N + i) * N + j] - mean.data[(r * N + i) * N + j]); n++; }
    return s / n;
  });
  assert.match(await w.text('#chart-compare-disagree-tooltip'), new RegExp(`^1\\nmean \\|Δcos\\|: ${fmt(exp).replace('.', '\\.')}$`));
  await w.clearMessages();
  await w.locator('#compare-pooling').selectOption('cls');
  assert.deepEqual((await w.waitForMessage((m) => m.type === 'setOptions')).options, { pooling: 'cls' });
});

test('side view: chips per token coloured by the measure, legend, stats, truncation, controls post setOptions', async () => {
  await open({ surface: 'side', viewport: { width: 420, height: 900 } });
  await postInspection(w, { surface: 'side', seq: 1, L: 3, heads: 4, T: 18, H: 32, truncated: true, droppedTokens: 37, randomWeights: true });
  const d = await fx(w, (f) => {
    const i = f.last.inspection, T = i.tokens.length, L = 3, heads = 4, R = 4;
    const mean = new Array(T).fill(0);
    for (let h = 0; h < heads; h++) for (let t = 0; t < T; t++) mean[t] += i.attention.clsRow.data[((L - 1) * heads + h) * T + t] / heads;
    return { T, mean, text: i.text, keptChars: i.truncation.keptChars, clsMean: i.clsMean[R - 1], normCls: i.norms.cls[R - 1], normMean: i.norms.mean[R - 1], tok: i.tokens[5], specials: i.tokens.map((t) => t.special) };
  });
  assert.equal(await w.locator('#chips .chip').count(), d.T);
  assert.equal(await w.text('#truncation'), `37 tokens dropped; only the first ${d.keptChars} characters inspected (model maximum 512 tokens).`);
  assert.equal(await w.text('#model-name'), 'synthetic-bert');
  assert.equal(await w.text('#random-badge'), 'random weights');
  assert.equal(await w.text('#side-clsmean'), fmt(d.clsMean));
  assert.equal(await w.text('#side-norm-cls'), fmt(d.normCls));
  assert.equal(await w.text('#side-norm-mean'), fmt(d.normMean));
  assert.match(await w.text('#chips-measure'), /\[CLS\] attention, layer 3, mean of heads/);
  assert.equal(await w.locator('.chip[data-index="5"]').getAttribute('title'), `${d.tok.text} · id ${d.tok.id} · [CLS] attention, layer 3, mean of heads: ${fmt(d.mean[5])}`);
  const content = d.mean.map((v, i) => [i, v]).filter(([i]) => !d.specials[i]);
  const hi = content.reduce((a, b) => (b[1] > a[1] ? b : a)), lo = content.reduce((a, b) => (b[1] < a[1] ? b : a));
  assert.equal(await w.text('#chips-legend-max'), fmt(hi[1]));
  assert.equal(await w.text('#chips-legend-min'), fmt(lo[1]));
  const bg = (i) => w.locator(`.chip[data-index="${i}"]`).evaluate((e) => getComputedStyle(e).backgroundColor);
  assert.notEqual(await bg(hi[0]), await bg(lo[0]));
  assert.equal(await w.locator('#open-inspector').count(), 1);

  await w.clearMessages();
  await w.locator('#side-head').selectOption('2');
  assert.deepEqual((await w.waitForMessage((m) => m.type === 'setOptions')).options, { head: 2 });
  await w.flush();
  assert.match(await w.text('#chips-measure'), /head 3/, 'instant feedback before the host echoes');
  await w.locator('#side-measure').selectOption('clsCosine');
  await w.locator('#side-layer').selectOption('1');
  await w.locator('#side-follow').check();
  const opts = (await posted('setOptions')).map((m) => m.options);
  assert.deepEqual(opts, [{ head: 2 }, { measure: 'clsCosine' }, { layer: 1 }, { followSelection: true }]);
  assert.match(await w.text('#chips-measure'), /cos\(\[CLS\], token\) at layer 1/);
  assert.equal(await w.locator('#side-head').isDisabled(), true, 'head only applies to [CLS] attention');
  // the host's echo is what counts from then on
  await postInspection(w, { surface: 'side', seq: 2, reuse: true, truncated: true, options: { measure: 'rollout', layer: 2 } });
  assert.equal(await w.locator('#side-measure').inputValue(), 'rollout');
  assert.match(await w.text('#chips-measure'), /rollout up to layer 2/);
  await w.screenshot(path.join(OUT, 'webview-side-dark.png'));
});

test('analysis on request: the first snapshot has the [CLS] rows only; the Attention tab asks once, shows the shares when they come, or why not', async () => {
  await open();
  await postInspection(w, { seq: 1, runId: 21, L: 3, heads: 2, T: 12, H: 16, summary: false });
  assert.equal((await posted('requestAnalysis')).length, 0, 'the Vectors tab does not need it');
  await tab('attention');
  await w.waitForMessage((m) => m.type === 'requestAnalysis');
  assert.deepEqual((await posted('requestAnalysis')).map((m) => m.runId), [21]);
  assert.match(await w.text('#attn-shares-pending'), /Computing the per-head shares/);
  assert.equal(await w.locator('#hm-share-toCls').count(), 0);
  // the [CLS] row of the chosen head is drawn from the snapshot at once
  assert.equal(await w.locator('#attn-cls-row').count(), 1);
  await startHost(w);
  await w.page.waitForSelector('#hm-share-toCls[data-state=ready]');
  const share = await fx(w, (f) => f.last.inspection.attention.summary.toCls.data[1 * 2 + 1]);
  assert.equal(await hoverCell(w, 'hm-share-toCls', 1, 1), `layer 2 head 2: to [CLS] = ${fmt(share)}`);
  assert.equal(await w.locator('#attn-shares-pending').count(), 0);
  assert.equal((await posted('requestAnalysis')).length, 1, 'asked once per run');
  // another run whose analysis the host cannot compute: the reason instead of the shares
  await fx(w, (f) => f.stopHost());
  await postInspection(w, { seq: 10, runId: 22, L: 3, heads: 2, T: 12, H: 16, summary: false });
  await w.waitForMessage((m) => m.type === 'requestAnalysis' && m.runId === 22);
  await w.page.evaluate(() => { window.postMessage(window.__fx.answerAnalysis(21, 'stale'), '*'); });
  await w.page.evaluate(() => { window.postMessage(window.__fx.answerAnalysis(22, 'This run is no longer held by the engine: inspect again.'), '*'); });
  await w.flush();
  assert.equal(await w.locator('#attn-shares-pending').getAttribute('data-state'), 'failed');
  assert.match(await w.text('#attn-shares-pending'), /cannot be computed: This run is no longer held/);
});

test('side view coloured by rollout: asks for the analysis and says it is coming', async () => {
  await open({ surface: 'side', viewport: { width: 420, height: 800 } });
  await postInspection(w, { surface: 'side', seq: 1, runId: 4, L: 2, heads: 2, T: 8, H: 32, summary: false, options: { measure: 'rollout', layer: 2 } });
  await w.waitForMessage((m) => m.type === 'requestAnalysis' && m.runId === 4);
  assert.match(await w.text('#attention-reason'), /Computing the attention rollout/);
  await startHost(w);
  await w.page.waitForFunction(() => /rollout up to layer 2/.test(document.getElementById('chips-measure')?.textContent ?? ''));
  assert.equal((await posted('requestAnalysis')).length, 1);
});

test('attention unavailable: the side view and the Attention tab say why', async () => {
  await open({ surface: 'side', viewport: { width: 420, height: 800 } });
  await postInspection(w, { surface: 'side', seq: 1, L: 2, heads: 2, T: 8, H: 32, attention: false, attentionReason: 'the graph fuses attention (FusedMHA)' });
  assert.match(await w.text('#attention-reason'), /FusedMHA/);
  assert.equal(await w.locator('#chips .chip').count(), 8, 'tokens are still listed');
  await w.close();
  w = await openWebview({ state: { tab: 'attention' } });
  await installFixtures(w);
  await postInspection(w, { seq: 1, L: 2, heads: 2, T: 8, H: 32, attention: false, attentionReason: 'the graph fuses attention (FusedMHA)' });
  assert.match(await w.text('#tabpanel-attention #attention-reason'), /unavailable.*FusedMHA/);
  assert.match(await w.text('#attention-source'), /unavailable \(the graph fuses attention \(FusedMHA\)\)/);
  assert.equal((await posted('requestMatrix')).length, 0);
});

test('status: running keeps the last inspection and shows progress; errors are prominent with a way out', async () => {
  await open();
  await postInspection(w, { seq: 1, L: 2, heads: 2, T: 8, H: 32 });
  await postInspection(w, { seq: 2, reuse: true, status: 'running', progress: 'Running the model… (layer 1 of 2)' });
  assert.equal(await w.text('#progress .progress-text'), 'Running the model… (layer 1 of 2)');
  assert.equal(await w.locator('#model-header').count(), 1);
  assert.equal(await w.locator('[data-testid=vec-cls]').count(), 1, 'the last inspection stays');
  // an error the text fixes offers no other model, whatever its words say
  await postInspection(w, { seq: 3, reuse: true, status: 'error', message: 'The text is empty or only whitespace. Select some words of the model folder.', fix: 'text', noInspection: true });
  assert.equal(await w.locator('#message.message.error').count(), 1);
  assert.equal(await w.locator('#select-model').count(), 0, 'Select Model… only where the engine says the model is the way out');
  assert.equal(await w.locator('#retry-inspect').count(), 1);
  await postInspection(w, { seq: 4, reuse: true, status: 'error', message: 'The model folder /models/x does not exist.', fix: 'model' });
  assert.equal(await w.locator('#progress').count(), 0);
  assert.equal(await w.locator('#message.message.error').count(), 1);
  assert.equal(await w.locator('#message').getAttribute('role'), 'alert');
  await w.clearMessages();
  await w.locator('#select-model').click();
  assert.deepEqual(await w.waitForMessage((m) => m.type === 'runCommand'), { type: 'runCommand', command: 'clsLens.selectModel' });
});

test('screenshots of every tab, dark and light', async () => {
  for (const theme of ['dark', 'light']) {
    await open({ theme, viewport: { width: 1200, height: 1000 } });
    await startHost(w);
    await postInspection(w, { seq: 1, runId: 2, L: 6, heads: 8, T: 28, H: 96, compare: 4, randomWeights: true, truncated: true, options: { layer: 4 } });
    await w.screenshot(path.join(OUT, `webview-vectors-${theme}.png`));
    await w.page.screenshot({ path: path.join(OUT, `webview-vectors-full-${theme}.png`), fullPage: true });
    await tab('tokens');
    await w.page.waitForSelector('#hm-token-cosine[data-state=ready]');
    await w.screenshot(path.join(OUT, `webview-tokens-${theme}.png`));
    await tab('attention');
    await w.page.waitForSelector('#attn-grid[data-loaded-layers="6"]');
    await w.page.waitForSelector('#hm-attn-head[data-state=ready]');
    await w.screenshot(path.join(OUT, `webview-attention-${theme}.png`));
    await w.locator('#attn-detail').scrollIntoViewIfNeeded();
    await w.page.screenshot({ path: path.join(OUT, `webview-attention-detail-${theme}.png`), fullPage: true });
    await tab('compare');
    await w.screenshot(path.join(OUT, `webview-compare-${theme}.png`));
    await w.close();
    await open({ theme, surface: 'side', viewport: { width: 380, height: 900 } });
    await postInspection(w, { surface: 'side', seq: 1, L: 6, heads: 8, T: 40, H: 96, randomWeights: true, truncated: true });
    await w.screenshot(path.join(OUT, `webview-side-${theme}.png`));
    const problems = await w.problems();
    await w.close();
    w = undefined;
    assert.deepEqual(problems, []);
  }
});

test('T=512, L=12, heads=12: the attention grid renders (timed)', async () => {
  await open({ viewport: { width: 1280, height: 1000 } });
  const tBuild = Date.now();
  await fx(w, (f) => { f.snapshotMessage({ seq: 1, runId: 42, L: 12, heads: 12, T: 512, H: 768 }); return 0; });
  const buildMs = Date.now() - tBuild;
  await startHost(w);
  const t0 = Date.now();
  await w.page.evaluate(() => { window.postMessage(window.__fx.snapshotMessage({ reuse: true, seq: 1, runId: 42 }), '*'); });
  await w.flush();
  const snapshotMs = Date.now() - t0;
  const t1 = Date.now();
  await tab('attention');
  const tabMs = Date.now() - t1;
  await w.page.waitForSelector('#attn-grid[data-loaded-layers="12"]', { timeout: 60_000 });
  const gridMs = Date.now() - t1;
  await w.page.waitForSelector('#hm-attn-head[data-state=ready]');
  await w.page.waitForSelector('#hm-rollout[data-state=ready]');
  const allMs = Date.now() - t1;
  assert.equal(await w.locator('canvas.thumb').count(), 144);
  // the detail of a 512 × 512 head still answers hover
  assert.match(await hoverCell(w, 'hm-attn-head', 300, 17), /^300 '.*' → 17 '.*' = /);
  const t2 = Date.now();
  await w.locator('canvas.thumb[data-layer="5"][data-head="7"]').click();
  await w.page.waitForFunction(() => /Layer 6 · head 8/.test(document.querySelector('#hm-attn-head .heatmap-title').textContent)
    && document.getElementById('hm-attn-head').dataset.state === 'ready' && document.getElementById('hm-rollout').dataset.state === 'ready');
  const pickMs = Date.now() - t2;
  const t3 = Date.now();
  await tab('tokens');
  await w.page.waitForSelector('#hm-token-cosine[data-state=ready]');
  const tokensMs = Date.now() - t3;
  const drawMs = await w.locator('#attn-grid').getAttribute('data-draw-ms');
  console.log(`[perf] T=512 L=12 heads=12 H=768: fixture build ${buildMs} ms (host stand-in), snapshot render ${snapshotMs} ms, `
    + `attention tab first paint ${tabMs} ms, all 144 thumbnails ${gridMs} ms (downsampling + painting ${drawMs} ms of it), with head detail + rollout ${allMs} ms, `
    + `pick another head ${pickMs} ms, tokens tab with 512×512 cosine ${tokensMs} ms`);
  await w.screenshot(path.join(OUT, 'webview-attention-512-dark.png'));
});
