// Hub models in a real VS Code, against a local stand-in for the Hugging Face Hub (test/support/hubServer.ts, bundled
// here with esbuild; it listens on 127.0.0.1 only) that serves run.sh's generated BERT-mini under two repo ids.
// run.sh points HF_HUB_CACHE (code-server's and this process's) at an empty folder of the run.
// In order: with clsLens.model unset the side view welcomes; its Download button, the repo id quick pick and the
// ONNX file quick pick download the model, which becomes clsLens.model and inspects like the folder it came from;
// a cancelled download keeps its partial file and leaves that model in use; offline, with the server stopped, the
// cached model inspects to the same numbers.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import {
  clearNotifications, closeAllEditors, env, notification, openFile, openViewContainer, openWorkbench, restoreWorkspaceSettings, runCommand,
  CONTAINER_TITLE, quickPick, screenshot, screenshotAfterEach, selectLine, setWorkspaceSettings, viewFrame, workspaceText,
} from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CACHE = process.env.HF_HUB_CACHE;
const skip = !env.model ? 'CLS_LENS_E2E_MODEL is not set (run.sh sets it unless CLS_LENS_E2E_SETTINGS is given)'
  : !CACHE ? 'HF_HUB_CACHE is not set (run.sh points it at an empty folder of the run)' : false;
const REPO = 'e2e-org/bert-mini';
const REPO_B = 'e2e-org/bert-mini-b';
const FILE = 'sample.txt';
const LINE = 1;

let browser, page, server, savedSettings;
const repoDir = (repo) => path.join(CACHE, `models--${repo.replace('/', '--')}`);
const settingsOnDisk = () => JSON.parse(fs.readFileSync(path.join(env.workspace, '.vscode', 'settings.json'), 'utf8'));
const quickInput = () => page.locator('.quick-input-widget input');
const focusedRow = (text) => page.locator('.quick-input-list .monaco-list-row.focused', { hasText: text });

/** Bundles the TypeScript Hub stand-in for this plain-JS test and starts it with the two repos. */
async function startHub() {
  const out = path.join(ROOT, '.e2e', 'hubServer.mjs');
  await esbuild.build({ entryPoints: [path.join(ROOT, 'test/support/hubServer.ts')], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'warning' });
  const { HubServer, filesOf } = await import(pathToFileURL(out).href);
  const files = filesOf(env.model);
  const s = await new HubServer().start(30 * 60_000);
  // two ONNX files, so that the download asks which one
  s.addRepo({ id: REPO, files: { ...files, 'onnx/model_quantized.onnx': files['onnx/model.onnx'] } });
  s.addRepo({ id: REPO_B, files });
  assert.match(s.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
  return s;
}

/** Waits until the extension's log says something (VS Code writes LogOutputChannels under the profile's logs/). */
async function logSays(text, timeout = 60_000) {
  const root = path.join(env.profile, 'user-data', 'logs');
  const deadline = Date.now() + timeout;
  for (;;) {
    const logs = fs.existsSync(root) ? fs.readdirSync(root, { recursive: true }).map(String).filter((f) => f.endsWith('CLS Lens.log')) : [];
    if (logs.some((f) => fs.readFileSync(path.join(root, f), 'utf8').includes(text))) return;
    if (Date.now() > deadline) throw new Error(`the CLS Lens log never said "${text}" (logs: ${logs.join(', ') || 'none'})`);
    await page.waitForTimeout(200);
  }
}

/** Runs Inspect Selection on the line and returns the side view's numbers once it shows that run. */
async function inspectLine() {
  const text = workspaceText(FILE).split('\n')[LINE - 1];
  await runCommand(page, 'CLS Lens: Clear Results and Decorations');
  const side = viewFrame(page);
  await side.locator('#selection').waitFor({ state: 'detached' });
  await openFile(page, FILE);
  await selectLine(page, LINE);
  await runCommand(page, 'CLS Lens: Inspect Selection');
  await side.locator('#selection').filter({ hasText: text }).waitFor({ timeout: 120_000 });
  await side.locator('#status[data-status="done"]').waitFor({ state: 'attached', timeout: 120_000 });
  await side.locator('#chips .chip').first().waitFor();
  return {
    values: await side.locator('#chips .chip').evaluateAll((cs) => cs.map((c) => c.getAttribute('data-value'))),
    clsMean: await side.locator('#side-clsmean').textContent(),
    model: await side.locator('#model-name').textContent(),
  };
}

before(async () => {
  if (skip) return;
  server = await startHub();
  savedSettings = setWorkspaceSettings({ 'clsLens.hubEndpoint': server.endpoint, 'clsLens.offline': false });
  ({ browser, page } = await openWorkbench());
});
afterEach((t) => screenshotAfterEach(page, import.meta.url, t));
after(async () => {
  if (savedSettings !== undefined) restoreWorkspaceSettings(savedSettings);
  await browser?.close();
  await server?.stop();
});

let folderRun, hubRun;

test('hub: the folder model inspects (the reference numbers)', { skip }, async () => {
  await openViewContainer(page, CONTAINER_TITLE);
  folderRun = await inspectLine();
  assert.ok(folderRun.values.length > 2);
});

test('hub: with no model set the side view welcomes; Download, the repo id and the ONNX file pick download it and it is used', { skip }, async () => {
  setWorkspaceSettings({ 'clsLens.model': undefined });
  await runCommand(page, 'CLS Lens: Clear Results and Decorations');
  const side = viewFrame(page);
  await side.locator('#welcome').waitFor({ timeout: 30_000 });
  await screenshot(page, 'hub-welcome');
  await side.locator('#welcome-download').click();
  await quickInput().waitFor();
  await quickInput().fill(REPO);
  await focusedRow(REPO).waitFor();
  await page.keyboard.press('Enter');
  // the repo has two ONNX files: the pick lists both with sizes; the default comes first
  await page.locator('.quick-input-title', { hasText: `which ONNX file of ${REPO}` }).waitFor({ timeout: 30_000 });
  const rows = await page.locator('.quick-input-list .monaco-list-row').allTextContents();
  assert.equal(rows.length, 2, rows.join(' | '));
  assert.match(rows[0], /onnx\/model\.onnx.*MB.*fp32.*default/);
  assert.match(rows[1], /onnx\/model_quantized\.onnx.*MB.*int8/);
  await focusedRow('onnx/model.onnx').waitFor();
  await page.keyboard.press('Enter');
  await notification(page, 'now in use').waitFor({ timeout: 180_000 });
  const s = settingsOnDisk();
  assert.equal(s['clsLens.model'], REPO);
  assert.equal(s['clsLens.onnxFile'], undefined, 'the default ONNX file leaves clsLens.onnxFile unset');
  const snaps = fs.readdirSync(path.join(repoDir(REPO), 'snapshots'));
  assert.equal(snaps.length, 1);
  assert.ok(fs.existsSync(path.join(repoDir(REPO), 'snapshots', snaps[0], 'onnx', 'model.onnx')));
  assert.ok(!fs.existsSync(path.join(repoDir(REPO), 'snapshots', snaps[0], 'onnx', 'model_quantized.onnx')), 'only the chosen ONNX file');
  await side.locator('#welcome').waitFor({ state: 'detached' });
  await clearNotifications(page);
  hubRun = await inspectLine();
  assert.deepEqual(hubRun.values, folderRun.values, 'the downloaded model gives the folder’s numbers');
  assert.equal(hubRun.clsMean, folderRun.clsMean);
  assert.equal(hubRun.model, REPO, 'the side view names the model by its Hub id, not its snapshot folder');
  const gets = server.log.filter((r) => r.method === 'GET' && r.path.endsWith('/onnx/model.onnx'));
  assert.equal(gets.length, 1, 'the ONNX file was fetched once');
});

test('hub: Model Info shows the repo, commit, precision, shape and where the outputs come from', { skip }, async () => {
  assert.ok(hubRun, 'needs the download test');
  await runCommand(page, 'CLS Lens: Model Info');
  await page.locator('.tabs-container .tab.active', { hasText: 'model info' }).waitFor({ timeout: 60_000 });
  const lines = page.locator('.editor-group-container.active .view-lines');
  await lines.filter({ hasText: 'Hub repo' }).waitFor();
  const text = (await lines.textContent()).replace(/\u00a0/g, ' ');
  const commit = fs.readdirSync(path.join(repoDir(REPO), 'snapshots'))[0];
  for (const want of [`| Hub repo | ${REPO} |`, `| Commit | ${commit} |`, '| Precision | fp32', '| Layers | 4 |', '| Attention heads | 4 |', '| Hidden size | 256 |', '| Attentions | recomputed (from the hidden states']) {
    assert.ok(text.includes(want), `Model Info lacks "${want}": ${text.slice(0, 600)}`);
  }
  await screenshot(page, 'hub-model-info');
  await closeAllEditors(page);
});

test('hub: a cancelled download keeps its partial file and leaves the model in use working', { skip }, async () => {
  assert.ok(hubRun, 'needs the download test');
  const hold = server.hold('onnx/model.onnx', 8 << 20);
  // from the palette: the command opens its own quick pick, so runCommand (which waits for the palette to close) is not used
  await quickPick(page, ['F1', 'Control+Shift+P'], '>CLS Lens: Download Model from the Hugging Face Hub', 'CLS Lens: Download Model from the Hugging Face Hub');
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget input[placeholder^="org/name"]').waitFor();
  await quickInput().fill(REPO_B);
  await focusedRow(REPO_B).waitFor();
  await page.keyboard.press('Enter');
  await hold.reached;
  const toast = notification(page, `downloading ${REPO_B}`);
  await toast.filter({ hasText: / of \d+\.\d MB/ }).waitFor({ timeout: 30_000 });
  await screenshot(page, 'hub-download-progress');
  await toast.getByRole('button', { name: 'Cancel' }).click();
  await notification(page, `download of ${REPO_B} cancelled`).waitFor({ timeout: 30_000 });
  hold.release();
  assert.equal(settingsOnDisk()['clsLens.model'], REPO, 'the model in use did not change');
  const blobs = fs.readdirSync(path.join(repoDir(REPO_B), 'blobs'));
  assert.ok(blobs.some((b) => b.endsWith('.incomplete')), `the partial file is kept for a resume: ${blobs.join(', ')}`);
  const snaps = path.join(repoDir(REPO_B), 'snapshots');
  assert.ok(!fs.existsSync(snaps) || fs.readdirSync(snaps).length === 0, 'no snapshot of a half model');
  await clearNotifications(page);
  const again = await inspectLine();
  assert.deepEqual(again.values, hubRun.values);
});

test('hub: offline with the server stopped, the cached model inspects to the same numbers', { skip }, async () => {
  assert.ok(hubRun, 'needs the download test');
  await server.stop();
  const before = server.log.length;
  setWorkspaceSettings({ 'clsLens.offline': true });
  // the engine worker restarts with the new setting: the model is then read from the cache, not from memory
  await logSays('offline on');
  const offline = await inspectLine();
  assert.deepEqual(offline.values, hubRun.values);
  assert.equal(offline.clsMean, hubRun.clsMean);
  assert.equal(server.log.length, before, 'no request reached the Hub');
});
