// End to end: the worker's `download` job fetches a Hub model from the local stand-in; with the server stopped,
// `inspect` of the Hub id (offline, or with the endpoint unreachable) gives the numbers of the same model read from
// its folder. The CLI: `download` prints the snapshot folder, two processes fetch one blob once, Hub ids work for
// --model, and errors name flags and environment variables.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Engine } from '../../src/engine/engine';
import { CancelSource, EngineClient } from '../../src/engine/worker/client';
import { CancelledError } from '../../src/engine/errors';
import type { JobProgress } from '../../src/engine/worker/protocol';
import { hubWorld, listTree, REPO, repoDir, sha256, removeTempCaches, tempCache, until, type HubWorld } from '../support/hubFixtures';

const root = path.resolve(__dirname, '..', '..', '..');
const workerFile = path.join(root, 'dist', 'worker.js');
const cliFile = path.join(root, 'dist', 'cli.js');
const TEXT = 'Paris is the capital of France.';
const run = promisify(execFile);

/** The CLI in a child process (async: this process serves its requests meanwhile), without the caller's HF_* settings. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, HF_TOKEN: '', HUGGING_FACE_HUB_TOKEN: '', HF_HUB_OFFLINE: '', TRANSFORMERS_OFFLINE: '', HF_ENDPOINT: '', HF_HUB_CACHE: '', HF_HOME: tempCache('hfhome') };
  try {
    const { stdout, stderr } = await run(process.execPath, [cliFile, ...args], { env, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('Hub models through the worker and the CLI', { timeout: 300_000 }, () => {
  let w: HubWorld;
  const cache = tempCache('e2e');
  const clients: EngineClient[] = [];
  const client = (opts: ConstructorParameters<typeof EngineClient>[0]) => { const c = new EngineClient({ threads: 1, ...opts }, workerFile); clients.push(c); return c; };
  before(async () => { w = await hubWorld(); });
  after(async () => { await w.server.stop(); for (const c of clients) await c.dispose(); removeTempCaches(); });

  test('download job → snapshot; inspect of the Hub id offline, server stopped, gives the folder\'s numbers', async () => {
    const c = client({});
    const progress: JobProgress[] = [];
    const m = await c.run('download', { ref: REPO, endpoint: w.server.endpoint, cacheDir: cache, token: false }, { onProgress: (p) => progress.push(p) });
    assert.equal(m.folder, path.join(repoDir(cache), 'snapshots', w.server.commitOf(REPO)));
    assert.equal(m.commit, w.server.commitOf(REPO));
    const total = m.files.reduce((a, f) => a + f.size, 0);
    const dl = progress.filter((p) => p.phase === 'download' && p.bytes !== undefined);
    assert.ok(dl.length > 0 && dl.at(-1)!.bytes === total && dl.at(-1)!.total === total, 'byte progress up to the total');
    assert.ok(dl.some((p) => /Downloading onnx\/model\.onnx/.test(p.message ?? '')));

    const reference = await c.run('inspect', { ref: w.model, text: TEXT });
    await w.server.stop();
    const offline = client({ cacheDir: cache, hub: { offline: true } });
    const r = await offline.run('inspect', { ref: REPO, text: TEXT });
    assert.equal(r.model.folder, m.folder);
    assert.equal(r.model.ref, REPO);
    assert.deepEqual(r.tokens.map((t) => t.id), reference.tokens.map((t) => t.id));
    assert.deepEqual(Array.from(r.vectors.cls!.data), Array.from(reference.vectors.cls!.data));
    assert.deepEqual(Array.from(r.vectors.mean!.data), Array.from(reference.vectors.mean!.data));
    assert.deepEqual(Array.from(r.similarity.clsMean), Array.from(reference.similarity.clsMean));

    // not offline, endpoint gone: the engine falls back to the cache as Python does
    const engine = new Engine({ threads: 1, cacheDir: cache, hub: { endpoint: w.server.endpoint } });
    try {
      const again = await engine.inspect(REPO, TEXT, { attentions: false });
      assert.deepEqual(Array.from(again.vectors.cls!.data), Array.from(reference.vectors.cls!.data));
    } finally {
      await engine.dispose();
    }
    w = await hubWorld(); // a fresh server for the tests below
  });

  test('inspect of an uncached Hub id downloads first, with byte progress before the inference stages', async () => {
    const c = client({ cacheDir: tempCache('inspect'), hub: { endpoint: w.server.endpoint, token: false } });
    const phases: JobProgress[] = [];
    const r = await c.run('inspect', { ref: `${REPO}@v1`, text: TEXT }, { onProgress: (p) => phases.push(p) });
    const firstRun = phases.findIndex((p) => p.phase === 'tokenise');
    const lastDownload = phases.map((p) => p.phase).lastIndexOf('download');
    assert.ok(lastDownload >= 0 && lastDownload < firstRun, phases.map((p) => p.phase).join(','));
    assert.match(r.model.folder, /snapshots/);
  });

  test('cancelling the download job stops it mid-file: the partial stays, nothing is linked; the next job resumes', async () => {
    const dir = tempCache('jobcancel');
    const c = client({});
    const hold = w.server.hold('onnx/model.onnx', 700_000);
    const cancel = new CancelSource();
    const args = { ref: REPO, endpoint: w.server.endpoint, cacheDir: dir, token: false as const };
    const p = c.run('download', args, { token: cancel.token });
    const rejected = assert.rejects(p, (e) => e instanceof CancelledError);
    await hold.reached;
    const blobs = path.join(repoDir(dir), 'blobs');
    const partial = () => listTree(blobs).find((f) => f.endsWith('.incomplete'));
    await until(() => { const f = partial(); return !!f && fs.statSync(path.join(blobs, f)).size === 700_000; });
    cancel.cancel();
    await rejected;
    hold.release();
    // the worker stops the transfer; the next job runs after it and resumes from the partial
    const m = await c.run('download', args);
    assert.ok(fs.readFileSync(path.join(m.folder, 'onnx/model.onnx')).equals(w.files['onnx/model.onnx']));
    const gets = w.server.log.filter((r) => r.server === 'cdn' && r.method === 'GET' && r.path.endsWith(sha256(w.files['onnx/model.onnx'])));
    assert.equal(gets.at(-1)!.range, 'bytes=700000-');
  });

  test('cls-lens download prints the snapshot folder; two processes at once fetch the blob once', async () => {
    const dir = tempCache('cli');
    const hold = w.server.hold('onnx/model.onnx', 500_000);
    const onnxGets = () => w.server.log.filter((r) => r.server === 'cdn' && r.method === 'GET' && r.path.endsWith(sha256(w.files['onnx/model.onnx']))).length;
    const g0 = onnxGets();
    const args = ['download', REPO, '--endpoint', w.server.endpoint, '--cache-dir', dir];
    const a = cli(args);
    await hold.reached;
    const heads = () => w.server.log.filter((r) => r.method === 'HEAD' && r.path.endsWith('/onnx/model.onnx')).length;
    const h0 = heads();
    const b = cli(args);
    await until(() => heads() > h0);
    hold.release();
    const [ra, rb] = await Promise.all([a, b]);
    const folder = path.join(repoDir(dir), 'snapshots', w.server.commitOf(REPO));
    for (const r of [ra, rb]) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${folder}\n`);
      assert.equal(r.stderr, '', 'no progress when stderr is not a terminal');
    }
    assert.equal(onnxGets() - g0, 1, 'fetched once');
    assert.deepEqual(listTree(path.join(repoDir(dir), 'blobs')).filter((f) => f.startsWith(sha256(w.files['onnx/model.onnx']))), [sha256(w.files['onnx/model.onnx'])]);
    assert.ok(fs.readFileSync(path.join(folder, 'onnx/model.onnx')).equals(w.files['onnx/model.onnx']));

    const viaFolder = await cli(['inspect', '--model', w.model, '--text', TEXT, '--json', '--no-attentions']);
    const viaHub = await cli(['inspect', '--model', REPO, '--offline', '--cache-dir', dir, '--text', TEXT, '--json', '--no-attentions']);
    assert.equal(viaHub.code, 0, viaHub.stderr);
    const x = JSON.parse(viaFolder.stdout) as { vectors: unknown; tokens: unknown }, y = JSON.parse(viaHub.stdout) as typeof x;
    assert.deepEqual(y.vectors, x.vectors);
    assert.deepEqual(y.tokens, x.tokens);
    const json = await cli(['download', REPO, '--offline', '--cache-dir', dir, '--json']);
    const info = JSON.parse(json.stdout) as { commit: string; folder: string; fromCache: boolean; files: { path: string }[] };
    assert.equal(info.commit, w.server.commitOf(REPO));
    assert.equal(info.folder, folder);
    assert.equal(info.fromCache, true);
  });

  test('CLI errors name flags and environment variables, never VS Code commands', async () => {
    const dir = tempCache('clierr');
    const cases: [string[], RegExp[]][] = [
      [['download', 'test-org/private-bert', '--endpoint', w.server.endpoint, '--cache-dir', dir], [/private/, /HF_TOKEN/]],
      [['download', REPO, '--offline', '--cache-dir', dir], [/--offline or HF_HUB_OFFLINE/, /not in the Hugging Face cache/]],
      [['download', REPO, '--endpoint', 'http://127.0.0.1:1', '--cache-dir', dir], [/Cannot reach/, /--endpoint or HF_ENDPOINT/]],
      [['download', REPO, '--endpoint', w.server.endpoint, '--cache-dir', dir, '--onnx-file', 'nope.onnx'], [/--onnx-file F/]],
      [['inspect', '--model', './no/such/folder', '--text', 'x'], [/--model/]],
    ];
    for (const [args, patterns] of cases) {
      const r = await cli(args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      for (const p of patterns) assert.match(r.stderr, p, args.join(' '));
      assert.doesNotMatch(r.stderr, /CLS Lens:|Select Model|clsLens\./, args.join(' '));
    }
    const usage = await cli(['download', 'not-a-hub-id']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /ORG\/NAME\[@REV\]/);
  });
});
