// The experiment results panel (dist/webview/experiments.js) in headless Chromium under the real CSP, on hand-made
// results of every kind (src/shared/experiments.ts): the header states model, hashes, data, seed, folds and flags
// random weights and partial runs; charts paint; every chart's table holds the result's numbers; partial results
// redraw as they arrive (older ones ignored); buttons post export / savePng / rerun / openText as the protocol says.
import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeBrowser, closePageClean, openWebview } from './harness.mjs';
import { fmt } from './fixtures.mjs';

const VERSION = 1; // EXPERIMENT_PROTOCOL_VERSION (src/shared/experimentProtocol.ts)
let w;
afterEach(async () => {
  const page = w;
  w = undefined;
  await closePageClean(page);
});
after(closeBrowser);

const open = async () => { w = await openWebview({ bundle: 'experiments', viewport: { width: 1200, height: 900 } }); return w; };
const status = (state, message = null, offerFolds = null) => ({ type: 'status', version: VERSION, status: { state, message, offerFolds } });
const resultMsg = (seq, result) => ({ type: 'result', version: VERSION, seq, result });

function meta(kind, o = {}) {
  return {
    kind, version: 1,
    model: { ref: '/models/bert-mini-random', name: 'bert-mini-random', onnxFile: 'onnx/model.onnx', onnxSha256: 'ab12cd34ef56'.padEnd(64, '0'), commit: null, layers: 4, heads: 4, hidden: 64, randomWeights: true },
    data: { file: '/ws/sentences.csv', format: 'csv', sha256: '9f8e7d6c5b4a'.padEnd(64, '1'), n: 40, textColumn: 'text', labelColumn: 'label', classes: { sport: 20, food: 12, tech: 8 }, skipped: { 'blank text': 2 } },
    seed: 7, folds: 3, layers: [0, 1, 2, 3, 4], poolings: ['cls', 'mean'], maxTokens: 0, partial: false, notes: ['pooler skipped: the model has no pooler output'],
    startedAt: '2026-12-01T11:00:00.000Z', elapsedMs: 1234, ...o,
  };
}

/** A probe result over `layers` × cls/mean with distinct, checkable numbers. */
function probe(layers, o = {}) {
  const results = [];
  for (const layer of layers) for (const [k, pooling] of ['cls', 'mean'].entries()) {
    const accuracy = 0.3 + 0.1 * layer + 0.05 * k;
    results.push({ layer, pooling, accuracy, accuracyStd: 0.01 * (layer + 1), macroF1: accuracy - 0.02, control: { accuracy: 0.34 + 0.001 * layer }, selectivity: accuracy - (0.34 + 0.001 * layer) });
  }
  return { ...meta('probe', o), majority: 0.5, C: 1, results };
}

const tableRows = (sel) => w.locator(`${sel} tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));

test('probe: header, partial results redraw as they arrive, final table and chart match the result', async () => {
  await open();
  assert.deepEqual((await w.messages())[0], { type: 'ready' }, 'the webview says ready first');
  await w.post(status('running', 'training 3/10'));
  assert.equal(await w.locator('#exp-status').getAttribute('data-state'), 'running');
  assert.equal(await w.text('#exp-message'), 'training 3/10');
  assert.equal(await w.locator('#exp-waiting').count(), 1);

  await w.post(resultMsg(1, probe([0, 1], { partial: true })));
  assert.equal(await w.text('#exp-partial-badge'), 'partial (running)');
  assert.equal((await tableRows('#probe-table')).length, 4);
  assert.equal(await w.locator('#chart-probe').getAttribute('data-points'), '8', 'points of the rows so far');
  // the x axis keeps the run's five layers (meta.layers): the right end is layer 4, not yet computed
  const pd = await w.locator('#chart-probe-canvas').evaluate((c) => ({ ...c.dataset }));
  await w.locator('#chart-probe-canvas').hover({ position: { x: Number(pd.left) + Number(pd.plotW) - 1, y: Number(pd.top) + 5 } });
  assert.match(await w.text('#chart-probe-tooltip'), /^layer 4 · cls: — · cls control: —/);
  await w.post(resultMsg(2, probe([0, 1, 2, 3, 4])));
  await w.post(status('done', 'Done in 1.2 s.'));
  assert.equal(await w.locator('#exp-status').getAttribute('data-state'), 'done');
  assert.equal(await w.locator('#exp-partial-badge').count(), 0, 'a final result is not marked partial');

  // header
  assert.equal(await w.text('#exp-kind'), 'Pooling probe');
  assert.equal(await w.text('#exp-model'), 'bert-mini-random');
  assert.equal(await w.text('#exp-random-badge'), 'random weights');
  assert.match(await w.text('#exp-onnx-sha'), /^ab12cd34ef56$/);
  assert.equal(await w.text('#exp-commit'), '—');
  assert.equal(await w.text('#exp-data'), 'sentences.csv');
  assert.equal(await w.text('#exp-data-sha'), '9f8e7d6c5b4a');
  assert.equal(await w.text('#exp-n'), '40');
  assert.equal(await w.text('#exp-classes'), 'sport 20, food 12, tech 8');
  assert.equal(await w.text('#exp-skipped'), '2 blank text');
  assert.equal(await w.text('#exp-seed'), '7');
  assert.equal(await w.text('#exp-folds'), '3');
  assert.equal(await w.text('#exp-layers'), '0–4');
  assert.equal(await w.text('#exp-notes li'), 'pooler skipped: the model has no pooler output');
  assert.equal(await w.text('#probe-majority'), fmt(0.5));

  // table: every row of the result, its numbers formatted as the views format them
  const r = probe([0, 1, 2, 3, 4]);
  assert.deepEqual(await tableRows('#probe-table'), r.results.map((x) => [String(x.layer), x.pooling, fmt(x.accuracy), fmt(x.accuracyStd), fmt(x.macroF1), fmt(x.control.accuracy), fmt(x.selectivity)]));

  // chart: 2 poolings + 2 controls, 5 points each; the cls line's point at layer 4 is painted in its colour
  const chart = w.locator('#chart-probe');
  assert.equal(await chart.getAttribute('data-series'), '4');
  assert.equal(await chart.getAttribute('data-points'), '20');
  const d = await w.locator('#chart-probe-canvas').evaluate((c) => ({ ...c.dataset }));
  const yOf = (v) => Number(d.top) + ((Number(d.ymax) - v) / (Number(d.ymax) - Number(d.ymin))) * Number(d.plotH);
  const x4 = Number(d.left) + Number(d.plotW);
  const onPoint = await w.canvasPixel('#chart-probe-canvas', x4 - 1, yOf(0.7));
  const background = await w.canvasPixel('#chart-probe-canvas', Number(d.left) + Number(d.plotW) / 2, yOf(0.95));
  assert.ok(onPoint.slice(0, 3).some((v, i) => Math.abs(v - background[i]) > 40), `point ${onPoint} vs background ${background}`);
  // the majority rule is painted across the plot
  const onRule = await w.canvasPixel('#chart-probe-canvas', Number(d.left) + Number(d.plotW) * 0.37, yOf(0.5));
  assert.ok(onRule.slice(0, 3).some((v, i) => Math.abs(v - background[i]) > 40), `rule ${onRule} vs background ${background}`);

  // hover readout
  await w.locator('#chart-probe-canvas').hover({ position: { x: x4 - 1, y: yOf(0.7) } });
  assert.match(await w.text('#chart-probe-tooltip'), new RegExp(`layer 4 · cls: ${fmt(0.7).replace('.', '\\.')}`));

  // exports
  await w.clearMessages();
  await w.locator('#exp-export-json').click();
  await w.locator('#exp-export-csv').click();
  await w.locator('#chart-probe-export').click();
  const posted = await w.messages();
  assert.deepEqual(posted.slice(0, 2), [{ type: 'export', format: 'json' }, { type: 'export', format: 'csv' }]);
  assert.equal(posted[2].type, 'savePng');
  assert.equal(posted[2].name, 'probe-accuracy.png');
  assert.match(posted[2].dataUrl, /^data:image\/png;base64,/);
});

test('an older result, a wrong version or a malformed message is ignored', async () => {
  await open();
  await w.post(resultMsg(5, probe([0, 1, 2])));
  await w.post(resultMsg(4, probe([0])));
  assert.equal((await tableRows('#probe-table')).length, 6, 'seq 4 after seq 5 is ignored');
  await w.post({ ...resultMsg(6, probe([0])), version: 99 });
  await w.post({ type: 'result', version: VERSION, seq: 7, result: { kind: 'nonsense' } });
  await w.post({ type: 'status', version: VERSION, status: { state: 'exploded', message: null, offerFolds: null } });
  assert.equal((await tableRows('#probe-table')).length, 6);
  assert.equal(await w.locator('#exp-render-error').count(), 0);
});

test('cancelled: the partial result stays, marked partial; an error with a folds offer posts rerun', async () => {
  await open();
  await w.post(resultMsg(1, probe([0, 1], { partial: true })));
  assert.equal(await w.text('#exp-partial-badge'), 'partial (running)');
  await w.post(status('cancelled', 'Cancelled after 4 of 10 probes: the results below are partial.'));
  assert.equal(await w.locator('#exp-status').getAttribute('data-state'), 'cancelled');
  assert.match(await w.text('#exp-message'), /partial/);
  assert.equal(await w.text('#exp-partial-badge'), 'partial (cancelled)');
  assert.equal((await tableRows('#probe-table')).length, 4);

  await w.post(status('error', 'The class "tech" has 2 texts, fewer than the 5 folds.', 2));
  assert.match(await w.locator('#exp-message').getAttribute('class'), /error/);
  await w.clearMessages();
  await w.locator('#exp-offer-folds').click();
  assert.equal(await w.text('#exp-offer-folds'), 'Run with 2 folds');
  assert.deepEqual(await w.messages(), [{ type: 'rerun', folds: 2 }]);
});

test('position and layer story: charts with their tables', async () => {
  await open();
  const rows = [];
  for (const layer of [0, 1, 2]) for (const variant of ['end', 'middle', 'none']) {
    rows.push({ layer, variant, cosine: variant === 'none' ? null : 0.9 - 0.1 * layer, cosineStd: variant === 'none' ? null : 0.01, accuracy: 0.4 + 0.1 * layer, clsAccuracy: 0.5 + 0.1 * layer });
  }
  await w.post(resultMsg(1, { ...meta('position'), majority: 0.5, rows }));
  assert.equal(await w.locator('#chart-position-cos').getAttribute('data-series'), '2', 'no cosine for "none"');
  assert.equal(await w.locator('#chart-position-cos').getAttribute('data-points'), '6');
  assert.deepEqual((await tableRows('#chart-position-acc-table'))[2], ['2', fmt(0.7), fmt(0.6), fmt(0.6), fmt(0.6), fmt(0.5)]);

  const lrows = [0, 1, 2, 3].map((layer) => ({ layer, clsMean: 0.2 * layer, clsToken: 0.1 * layer, clsNorm: 10 + layer, tokenNorm: 8, anisotropy: { cls: 0.9, mean: 0.8, token: 0.3 + 0.01 * layer } }));
  await w.post(resultMsg(2, { ...meta('layers'), rows: lrows }));
  for (const id of ['clsmean', 'clstoken', 'norm', 'aniso']) assert.equal(await w.locator(`#chart-layers-${id}`).count(), 1, id);
  assert.deepEqual((await tableRows('#chart-layers-clsmean-table'))[3], ['3', fmt(0.6000000000000001), fmt(0.9), fmt(0.8)]);
  assert.deepEqual((await tableRows('#chart-layers-norm-table')).map((r) => r[1]), ['10.000', '11.000', '12.000', '13.000']);
});

test('census: five layer × head heatmaps, sinks listed and marked', async () => {
  await open();
  await w.page.evaluate((v) => {
    const L = 4, H = 3, t = (f) => { const d = new Float32Array(L * H); for (let i = 0; i < d.length; i++) d[i] = f(Math.floor(i / H), i % H); return { data: d, dims: [L, H] }; };
    window.postMessage({ type: 'result', version: v, seq: 1, result: {
      kind: 'census', version: 1, model: { ref: 'm', name: 'm', onnxFile: 'model.onnx', onnxSha256: 'aa', commit: 'c0ffee', layers: 4, heads: 3, hidden: 64, randomWeights: false },
      data: { file: 'builtin:sentences', format: 'csv', sha256: 'bb', n: 10, textColumn: 'text', labelColumn: 'label', classes: {}, skipped: {} },
      seed: 0, folds: null, layers: [1, 2, 3, 4], poolings: [], maxTokens: 0, partial: false, notes: [], startedAt: '', elapsedMs: 5,
      texts: 10, toCls: t((l, h) => (l === 2 && h === 1 ? 0.7 : 0.1)), toSep: t(() => 0.05), toPunct: t(() => 0.02), toSelf: t((l, h) => 0.01 * (l + h)), entropy: t((l) => 1 + l),
      sinks: [{ layer: 3, head: 1, toCls: 0.7, toSep: 0.05 }] } }, '*');
  }, VERSION);
  await w.flush();
  assert.equal(await w.locator('#exp-random-badge').count(), 0, 'no badge for a trained model');
  assert.equal(await w.text('#exp-commit'), 'c0ffee');
  assert.equal(await w.text('#exp-folds'), '—');
  for (const k of ['toCls', 'toSep', 'toPunct', 'toSelf', 'entropy']) {
    assert.equal(await w.locator(`#hm-census-${k}`).getAttribute('data-state'), 'ready', k);
    assert.equal(await w.locator(`#hm-census-${k}-canvas`).getAttribute('data-rows'), '4');
  }
  // the runner names a sink's layer as its row's layer id (1..L) and its head from 0; the view shows heads from 1
  assert.deepEqual(await tableRows('#census-sinks'), [['3', '2', fmt(0.7), fmt(0.05)]]);
  assert.equal(await w.locator('#census-table-toCls tbody tr').nth(2).locator('th').textContent(), 'layer 3');
  assert.equal(await w.locator('#census-table-toCls td.sink').count(), 1);
  assert.equal(await w.locator('#census-table-toCls td.sink').textContent(), fmt(0.7));
  assert.equal(await w.text('#hm-census-entropy-max'), fmt(4));
});

test('recovery: bag-of-words chart with baseline, identification, MLM reason, occlusion bars', async () => {
  await open();
  const rows = [];
  for (const layer of [0, 1, 2]) for (const pooling of ['cls', 'mean']) rows.push({ layer, pooling, precisionAtK: pooling === 'cls' ? 0.2 : 0.5 + 0.1 * layer, recallAtK: 0.3 });
  await w.post(resultMsg(1, { ...meta('recover'),
    bow: { vocabulary: 50, k: 5, words: ['the'], rows, baseline: { precisionAtK: 0.25, recallAtK: 0.2 } },
    mlm: { available: false, reason: 'The ONNX file has no masked-LM head (no `logits` output).', texts: [] },
    occlusion: [{ text: 'the cat sat', tokens: ['the', 'cat', 'sat'], cls: [0.01, 0.2, 0.05], mean: [0.1, 0.3, 0.2] }],
    identification: [{ layer: 2, pooling: 'cls', accuracy: 0.9, chance: 0.025 }] }));
  assert.equal(await w.locator('#chart-recover-bow').getAttribute('data-points'), '12');
  assert.deepEqual((await tableRows('#chart-recover-bow-table'))[1], ['1', fmt(0.2), fmt(0.6), fmt(0.3), fmt(0.3), fmt(0.25)]);
  assert.deepEqual(await tableRows('#recover-ident'), [['2', 'cls', fmt(0.9), fmt(0.025)]]);
  assert.match(await w.text('#recover-mlm-reason'), /no masked-LM head/);
  const widths = await w.locator('#recover-occlusion .bar').evaluateAll((bs) => bs.map((b) => b.style.width));
  // per token: cls bar, mean bar, scaled to the largest move (mean, "cat": 0.3) = 120 px
  assert.deepEqual(widths, ['4px', '40px', '80px', '120px', '20px', '80px']);
});

test('map: cls and mean side by side, hover shows the text, click posts openText, the slider changes layer', async () => {
  await open();
  await w.page.evaluate((v) => {
    const n = 6, texts = ['alpha one', 'beta two', 'gamma three', 'delta four', 'epsilon five', 'zeta six'];
    const xy = (layer, shift) => { const d = new Float32Array(2 * n); for (let i = 0; i < n; i++) { d[2 * i] = i + shift; d[2 * i + 1] = (i % 2) * (layer + 1); } return d; };
    window.postMessage({ type: 'result', version: v, seq: 1, result: {
      kind: 'map', version: 1, model: { ref: 'm', name: 'm', onnxFile: 'model.onnx', onnxSha256: 'aa', commit: null, layers: 2, heads: 2, hidden: 32, randomWeights: true },
      data: { file: '/d/x.jsonl', format: 'jsonl', sha256: 'bb', n, textColumn: null, labelColumn: null, classes: { a: 3, b: 3 }, skipped: {} },
      seed: 0, folds: null, layers: [0, 2], poolings: ['cls', 'mean'], maxTokens: 0, partial: false, notes: [], startedAt: '', elapsedMs: 5,
      method: 'pca', labels: ['a', 'b'], labelOf: new Uint16Array([0, 1, 0, 1, 0, 1]), texts,
      maps: [0, 2].flatMap((layer) => [{ layer, pooling: 'cls', xy: xy(layer, 0) }, { layer, pooling: 'mean', xy: xy(layer, 10) }]) } }, '*');
  }, VERSION);
  await w.flush();
  assert.equal(await w.text('#map-layer-value'), '2', 'the last layer first');
  assert.equal(await w.locator('#map-cls').getAttribute('data-points'), '6');
  assert.equal(await w.locator('#map-mean').getAttribute('data-points'), '6');
  const d = await w.locator('#map-cls-canvas').evaluate((c) => ({ ...c.dataset }));
  const at = (x, y) => ({ x: Number(d.left) + ((x - Number(d.xmin)) / (Number(d.xmax) - Number(d.xmin))) * Number(d.plotW), y: Number(d.top) + ((Number(d.ymax) - y) / (Number(d.ymax) - Number(d.ymin))) * Number(d.plotH) });
  const p3 = at(3, 3); // text 3 at layer 2: (3, 1·3)
  await w.locator('#map-cls-canvas').hover({ position: p3 });
  assert.equal(await w.text('#map-cls-tooltip'), 'b · delta four');
  await w.clearMessages();
  await w.locator('#map-cls-canvas').click({ position: p3 });
  assert.deepEqual(await w.messages(), [{ type: 'openText', text: 'delta four' }]);

  await w.locator('#map-layer').fill('0');
  await w.flush();
  assert.equal(await w.text('#map-layer-value'), '0');
  assert.match(await w.text('#map-cls .heatmap-title'), /layer 0/);
  assert.equal((await tableRows('#map-table')).length, 6);
});
