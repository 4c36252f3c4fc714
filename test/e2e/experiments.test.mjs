// Experiments in a real VS Code on the demo model (random weights) with the shipped sample sentences: the pooling
// probe from the palette, its results panel painting the chart and the table (numbers read from the DOM inside the
// webview), the JSON export compared with `cls-lens probe --json` on the same inputs (identical numbers), and a
// cancelled run showing its partial result as partial; a CSV with other column names and a class smaller than the
// folds. Three folds and two layers keep it short.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  canvasStats, cli, closeAllEditors, env, notification, openWorkbench, quickPick, restoreWorkspaceSettings, runCommand, screenshotAfterEach,
  screenshotElement, setWorkspaceSettings, webviewFrame,
} from './lib.mjs';

const MODEL = env.model;
const skip = MODEL ? false : 'CLS_LENS_E2E_MODEL is not set (run.sh sets it unless CLS_LENS_E2E_SETTINGS is given)';
const PROBE = 'CLS Lens: Run Pooling Probe…';
const FOLDS = 3, SEED = 0, LAYERS = '0,4';
const fmt = (v) => {
  if (Number.isNaN(v)) return 'n/a';
  const a = Math.abs(v);
  return a >= 1e4 || (a !== 0 && a < 1e-3) ? v.toExponential(2) : v.toFixed(3);
};

let browser, page, settingsBefore;
before(async () => {
  if (skip) return;
  settingsBefore = setWorkspaceSettings({ 'clsLens.experiments.folds': FOLDS, 'clsLens.experiments.seed': SEED, 'clsLens.experiments.layers': LAYERS });
  ({ browser, page } = await openWorkbench());
});
afterEach((t) => screenshotAfterEach(page, import.meta.url, t));
after(async () => {
  if (settingsBefore !== undefined) restoreWorkspaceSettings(settingsBefore);
  await browser?.close();
});

const quickInput = () => page.locator('.quick-input-widget input');

/**
 * Runs an experiment command from the palette and waits for its data pick. (lib's runCommand waits for the quick
 * input to close, but these commands open the next one at once.)
 */
async function runExperimentCommand(title) {
  await quickPick(page, ['F1', 'Control+Shift+P'], `>${title}`, title);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget input[placeholder^="Which texts"]').waitFor({ timeout: 30_000 });
}

/** Runs the probe from the palette on the builtin sentences; returns the results panel's frame. */
async function runProbeOnBuiltin() {
  await runExperimentCommand(PROBE);
  await quickInput().fill('sample sentences');
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'sample sentences' }).waitFor();
  await page.keyboard.press('Enter');
  const title = `Probe — ${path.basename(MODEL)} — builtin:sentences`;
  await page.locator(`.tabs-container .tab[aria-label^="${title}"]`).last().waitFor({ timeout: 30_000 });
  return webviewFrame(page, { title });
}

test('probe from the palette: chart and table painted, JSON export identical to cls-lens probe --json', { skip, timeout: 240_000 }, async () => {
  const frame = await runProbeOnBuiltin();
  await frame.locator('#exp-status[data-state="done"]').waitFor({ timeout: 150_000 });
  assert.equal(await frame.locator('#exp-random-badge').textContent(), 'random weights');
  assert.equal(await frame.locator('#exp-folds').textContent(), String(FOLDS));
  assert.equal(await frame.locator('#exp-seed').textContent(), String(SEED));
  assert.equal(await frame.locator('#exp-partial-badge').count(), 0);
  const stats = await canvasStats(frame, '#chart-probe-canvas');
  assert.ok(stats && stats.colours >= 4, `the chart is painted: ${JSON.stringify(stats)}`);
  const rows = await frame.locator('#probe-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.ok(rows.length >= 5, `table rows: ${rows.length}`);

  // Export JSON: code-server's save dialog is a quick input holding the default path; Enter accepts it
  const exported = path.join(env.workspace, `probe-${path.basename(MODEL)}-sentences.json`);
  fs.rmSync(exported, { force: true });
  await frame.locator('#exp-export-json').click();
  await quickInput().waitFor();
  await quickInput().press('Enter');
  const deadline = Date.now() + 20_000;
  while (!fs.existsSync(exported)) {
    if (Date.now() > deadline) throw new Error(`the export was not written to ${exported}`);
    await page.waitForTimeout(200);
  }
  const ours = JSON.parse(fs.readFileSync(exported, 'utf8'));

  const ref = cli(['probe', '--model', MODEL, '--data', 'builtin:sentences', '--folds', String(FOLDS), '--seed', String(SEED), '--layers', LAYERS, '--json']);
  assert.equal(ours.kind, 'probe');
  assert.equal(ours.data.sha256, ref.data.sha256);
  assert.equal(ours.data.n, ref.data.n);
  assert.deepEqual(ours.data.classes, ref.data.classes);
  assert.equal(ours.majority, ref.majority);
  assert.deepEqual(ours.layers, [0, 4]);
  assert.deepEqual(ref.layers, [0, 4]);
  assert.deepEqual(ours.results, ref.results, 'identical numbers in the extension and the CLI');

  // the table shows those numbers
  const byKey = new Map(ref.results.map((r) => [`${r.layer}:${r.pooling}`, r]));
  assert.equal(rows.length, ref.results.length);
  for (const [layer, pooling, accuracy, , , control] of rows) {
    const r = byKey.get(`${layer}:${pooling}`);
    assert.ok(r, `${layer}:${pooling} in the CLI's results`);
    assert.equal(accuracy, fmt(r.accuracy));
    assert.equal(control, fmt(r.control.accuracy));
  }
  await screenshotElement(page.locator('.editor-group-container.active'), 'experiments-probe');
  fs.rmSync(exported, { force: true });
});

test('cancel: the run stops and its partial result stays, marked partial', { skip, timeout: 240_000 }, async () => {
  // more folds, so that the run is still going when the first partial result is shown
  setWorkspaceSettings({ 'clsLens.experiments.folds': 5 });
  await closeAllEditors(page); // the panel of the test before has the same title
  const frame = await runProbeOnBuiltin();
  await frame.locator('#exp-partial-badge', { hasText: 'partial (running)' }).waitFor({ timeout: 150_000 });
  await notification(page, 'Run Pooling Probe').locator('.monaco-button', { hasText: 'Cancel' }).click();
  await frame.locator('#exp-status[data-state="cancelled"]').waitFor({ timeout: 30_000 });
  assert.equal(await frame.locator('#exp-partial-badge').textContent(), 'partial (cancelled)');
  assert.match(await frame.locator('#exp-message').textContent(), /partial/);
  assert.ok(await frame.locator('#probe-table tbody tr').count() >= 1, 'the rows computed before the cancel are shown');
});

test('bad input: a class smaller than the folds says so and offers fewer folds; the offer runs in the same panel', { skip, timeout: 240_000 }, async () => {
  setWorkspaceSettings({ 'clsLens.experiments.folds': FOLDS });
  await closeAllEditors(page);
  // columns that are not the defaults (text, label), so the command asks for them from the header
  const file = path.join(env.workspace, 'tiny-topics.csv');
  const rows = [...Array(6)].map((_, i) => [i, `the match ended with a late goal number ${i}`, 'sport'])
    .concat([...Array(6)].map((_, i) => [6 + i, `slice the onions and fry them gently ${i}`, 'cooking']))
    .concat([[12, 'rain is expected all day', 'weather'], [13, 'a cold wind from the north', 'weather']]);
  fs.writeFileSync(file, `id,sentence,topic\n${rows.map((r) => r.join(',')).join('\n')}\n`);
  try {
    await runExperimentCommand('CLS Lens: Run Position Test…');
    await quickInput().fill('Choose a file');
    await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Choose a file' }).waitFor();
    await page.keyboard.press('Enter');
    // code-server's open dialog is a quick input holding a path
    await page.locator('.quick-input-widget input').waitFor();
    await page.waitForTimeout(500);
    await quickInput().fill(file);
    await page.waitForTimeout(500);
    await quickInput().press('Enter');
    for (const column of ['sentence', 'topic']) {
      await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Which column' }).waitFor();
      await quickInput().fill(column);
      await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: column }).waitFor();
      await page.keyboard.press('Enter');
    }
    const frame = await webviewFrame(page, { title: `Position — ${path.basename(MODEL)} — tiny-topics.csv` });
    await frame.locator('#exp-status[data-state="error"]').waitFor({ timeout: 60_000 });
    assert.match(await frame.locator('#exp-message').textContent(), /Class "weather" has 2 texts, fewer than the 3 folds/);
    assert.equal(await frame.locator('#exp-offer-folds').textContent(), 'Run with 2 folds');
    await frame.locator('#exp-offer-folds').click();
    await frame.locator('#exp-status[data-state="done"]').waitFor({ timeout: 120_000 });
    assert.equal(await frame.locator('#exp-folds').textContent(), '2');
    assert.equal(await frame.locator('#exp-n').textContent(), '14');
    assert.equal(await frame.locator('#exp-classes').textContent(), 'sport 6, cooking 6, weather 2');
    assert.ok(await frame.locator('#chart-position-acc-table tbody tr').count() >= 2);
  } finally {
    fs.rmSync(file, { force: true });
  }
});

test('map: cls and mean side by side, the JSON export equals cls-lens map --json, a click inspects the text', { skip, timeout: 240_000 }, async () => {
  await closeAllEditors(page);
  await runExperimentCommand('CLS Lens: Show Embedding Map…');
  await quickInput().fill('sample sentences (builtin)');
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'sample sentences' }).waitFor();
  await page.keyboard.press('Enter');
  const frame = await webviewFrame(page, { title: `Map — ${path.basename(MODEL)} — builtin:sentences` });
  await frame.locator('#exp-status[data-state="done"]').waitFor({ timeout: 120_000 });
  assert.equal(await frame.locator('#map-layer-value').textContent(), '4');
  assert.equal(await frame.locator('#map-cls').getAttribute('data-points'), '400');
  assert.equal(await frame.locator('#map-mean').getAttribute('data-points'), '400');
  assert.ok((await canvasStats(frame, '#map-mean-canvas')).colours >= 5, 'points in several label colours');

  // identical numbers: the export and the CLI
  const exported = path.join(env.workspace, `map-${path.basename(MODEL)}-sentences.json`);
  fs.rmSync(exported, { force: true });
  await frame.locator('#exp-export-json').click();
  await quickInput().waitFor();
  await quickInput().press('Enter');
  for (const end = Date.now() + 20_000; !fs.existsSync(exported);) {
    if (Date.now() > end) throw new Error(`the export was not written to ${exported}`);
    await page.waitForTimeout(200);
  }
  const ours = JSON.parse(fs.readFileSync(exported, 'utf8'));
  fs.rmSync(exported, { force: true });
  const ref = cli(['map', '--model', MODEL, '--data', 'builtin:sentences', '--layers', LAYERS, '--seed', String(SEED), '--json']);
  assert.deepEqual(ours.maps, ref.maps);
  assert.deepEqual(ours.texts, ref.texts);

  // the most isolated point of the cls map at layer 4, found from the export, is clicked
  const m = ours.maps.find((x) => x.layer === 4 && x.pooling === 'cls');
  const n = ours.texts.length;
  let best = 0, bestD = -1;
  for (let i = 0; i < n; i++) {
    let d = Infinity;
    for (let j = 0; j < n; j++) if (j !== i) d = Math.min(d, (m.xy[2 * i] - m.xy[2 * j]) ** 2 + (m.xy[2 * i + 1] - m.xy[2 * j + 1]) ** 2);
    if (d > bestD) { bestD = d; best = i; }
  }
  const d = await frame.locator('#map-cls-canvas').evaluate((c) => ({ ...c.dataset }));
  const at = {
    x: Number(d.left) + ((m.xy[2 * best] - Number(d.xmin)) / (Number(d.xmax) - Number(d.xmin))) * Number(d.plotW),
    y: Number(d.top) + ((Number(d.ymax) - m.xy[2 * best + 1]) / (Number(d.ymax) - Number(d.ymin))) * Number(d.plotH),
  };
  await frame.locator('#map-cls-canvas').hover({ position: at });
  assert.match(await frame.locator('#map-cls-tooltip').textContent(), new RegExp(`· ${ours.texts[best].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  await frame.locator('#map-cls-canvas').click({ position: at });
  const untitled = page.locator('.tabs-container .tab[data-resource-name^="Untitled"]');
  try {
    await untitled.first().waitFor({ timeout: 30_000 });
    assert.match(await untitled.first().getAttribute('aria-label'), new RegExp(`^${ours.texts[best].slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const inspector = await webviewFrame(page, { title: 'CLS Lens Inspector', timeout: 60_000 });
    await inspector.locator('#selection', { hasText: ours.texts[best] }).waitFor({ timeout: 60_000 });
    await inspector.locator('#status[data-status="done"]').waitFor({ state: 'attached', timeout: 60_000 });
  } finally {
    // the untitled editor holds unsaved text: revert it, so that closing editors later asks nothing
    for (let k = 0; k < 3 && await untitled.count(); k++) {
      await untitled.first().click();
      await runCommand(page, 'View: Revert and Close Editor');
    }
  }
});
