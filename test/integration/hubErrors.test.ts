// What the Hub client says when it cannot give a model: Hub error codes, a repo without ONNX or tokenizer.json,
// offline without the files, an unreachable endpoint (the cache answers when it can). The token never shows.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { downloadModel, listRepoOnnxFiles } from '../../src/engine/models/hub';
import { EngineError } from '../../src/engine/errors';
import { GOOD_TOKEN, hubWorld, REPO, repoDir, removeTempCaches, tempCache, type HubWorld } from '../support/hubFixtures';

const FAST = { backoffMs: 1, retries: 1 };

function expectCode(code: string, ...patterns: RegExp[]) {
  return (e: unknown) => {
    assert.ok(e instanceof EngineError, `expected EngineError ${code}, got ${String((e as Error)?.stack ?? e)}`);
    assert.equal(e.code, code, e.message);
    for (const p of patterns) assert.match(e.message, p);
    assert.ok(!e.message.includes('hf_'), 'no token in the message');
    return true;
  };
}

describe('Hub errors and offline', { timeout: 120_000 }, () => {
  let w: HubWorld;
  before(async () => { w = await hubWorld(); });
  after(async () => { await w.server.stop(); removeTempCaches(); });
  const opts = (more: object = {}) => ({ endpoint: w.server.endpoint, cacheDir: tempCache('err'), token: false as const, ...more });

  test('401 RepositoryNotFound: no such repo, or private (set a token)', async () => {
    await assert.rejects(downloadModel('test-org/nope', opts()), expectCode('hub-repo-not-found', /test-org\/nope/, /private/, /set a token/));
    await assert.rejects(downloadModel('test-org/private-bert', opts()), expectCode('hub-repo-not-found', /private/));
    const m = await downloadModel('test-org/private-bert', opts({ token: GOOD_TOKEN }), FAST);
    assert.ok(fs.existsSync(path.join(m.folder, 'onnx/model.onnx')), 'a good token opens it');
  });

  test('401 without a code: the token was rejected', async () => {
    await assert.rejects(downloadModel(REPO, opts({ token: 'hf_bad_token' })), expectCode('hub-token-rejected', /rejected the token/));
  });

  test('gated: accept its terms on the model page', async () => {
    const page = `${w.server.endpoint}/test-org/gated-bert`;
    await assert.rejects(downloadModel('test-org/gated-bert', opts({ token: GOOD_TOKEN })), expectCode('hub-gated', /gated/, new RegExp(`Accept its terms on ${page}`)));
    await assert.rejects(downloadModel('test-org/gated-bert', opts()), expectCode('hub-gated', new RegExp(page)));
  });

  test('404 RevisionNotFound and EntryNotFound', async () => {
    await assert.rejects(downloadModel(`${REPO}@no-such-branch`, opts()), expectCode('hub-revision-not-found', /no revision "no-such-branch"/));
    w.server.unresolvable.add('tokenizer_config.json');
    try {
      await assert.rejects(downloadModel(REPO, opts()), expectCode('hub-file-not-found', /has no file tokenizer_config\.json/));
    } finally {
      w.server.unresolvable.delete('tokenizer_config.json');
    }
    await assert.rejects(downloadModel(REPO, opts({ onnxFile: 'onnx/model_int8.onnx' })), expectCode('hub-file-not-found', /no ONNX file onnx\/model_int8\.onnx; it has onnx\/model\.onnx/));
  });

  test('a repo without ONNX says how to get one; without tokenizer.json says so', async () => {
    await assert.rejects(downloadModel('test-org/no-onnx', opts()), expectCode('hub-no-onnx', /no ONNX file/, /Xenova\/no-onnx/, /optimum-cli export onnx --model test-org\/no-onnx DIR/));
    await assert.rejects(downloadModel('test-org/no-tokenizer', opts()), expectCode('hub-no-tokenizer', /no tokenizer\.json/));
  });

  test('offline reads refs/ and snapshots/ only, and names what is missing', async () => {
    const cache = tempCache('offline');
    const o = { endpoint: w.server.endpoint, cacheDir: cache, token: false as const };
    await assert.rejects(downloadModel(REPO, { ...o, offline: true }), expectCode('hub-offline', /Offline/, /test-org\/tiny-bert@main/, /no refs\/main/));
    const online = await downloadModel(REPO, o, FAST);
    const from = w.server.log.length;
    const off = await downloadModel(REPO, { ...o, offline: true });
    assert.equal(w.server.log.length, from, 'no request offline');
    assert.equal(off.fromCache, true);
    assert.equal(off.folder, online.folder);
    assert.deepEqual(off.files.map((f) => [f.path, f.size, f.etag]).sort(), online.files.map((f) => [f.path, f.size, f.etag]).sort());
    await assert.rejects(downloadModel(`${REPO}@v1`, { ...o, offline: true }), expectCode('hub-offline', /test-org\/tiny-bert@v1/));
    await assert.rejects(downloadModel(REPO, { ...o, offline: true, onnxFile: 'onnx/model_quantized.onnx' }), expectCode('hub-offline', /onnx\/model_quantized\.onnx/));
    assert.deepEqual((await listRepoOnnxFiles(REPO, { ...o, offline: true })).map((f) => f.path), ['onnx/model.onnx']);
    // a blob gone (dangling link) counts as missing
    fs.rmSync(fs.realpathSync(path.join(online.folder, 'tokenizer.json')));
    await assert.rejects(downloadModel(REPO, { ...o, offline: true }), expectCode('hub-offline', /tokenizer\.json/));
  });

  test('HF_HUB_OFFLINE=1 means offline; the option overrides it', async () => {
    const cache = tempCache('env-offline');
    const saved = process.env.HF_HUB_OFFLINE;
    process.env.HF_HUB_OFFLINE = '1';
    try {
      await assert.rejects(downloadModel(REPO, { endpoint: w.server.endpoint, cacheDir: cache, token: false }), expectCode('hub-offline'));
      const m = await downloadModel(REPO, { endpoint: w.server.endpoint, cacheDir: cache, token: false, offline: false }, FAST);
      assert.equal(m.fromCache, false);
    } finally {
      if (saved === undefined) delete process.env.HF_HUB_OFFLINE; else process.env.HF_HUB_OFFLINE = saved;
    }
  });

  test('an unreachable endpoint: the cache answers if it has the model, else a network error', async () => {
    const cache = tempCache('unreachable');
    const dead = 'http://127.0.0.1:1';
    await assert.rejects(downloadModel(REPO, { endpoint: dead, cacheDir: cache, token: false }, FAST), expectCode('hub-network', /Cannot reach http:\/\/127\.0\.0\.1:1/));
    const m = await downloadModel(REPO, { endpoint: w.server.endpoint, cacheDir: cache, token: false }, FAST);
    const again = await downloadModel(REPO, { endpoint: dead, cacheDir: cache, token: false }, FAST);
    assert.equal(again.fromCache, true);
    assert.equal(again.folder, m.folder);
    w.server.down = true; // an outage (503) is answered from the cache too, as Python does
    try {
      assert.equal((await downloadModel(REPO, { endpoint: w.server.endpoint, cacheDir: cache, token: false }, FAST)).fromCache, true);
      await assert.rejects(downloadModel(REPO, { endpoint: w.server.endpoint, cacheDir: tempCache('outage'), token: false }, FAST),
        expectCode('hub-network', /answered HTTP 503/));
    } finally {
      w.server.down = false;
    }
    await assert.rejects(downloadModel(REPO, { endpoint: 'ftp://x', cacheDir: cache, token: false }), expectCode('hub-network', /not an http\(s\) URL/));
  });

  test('a connection that keeps dropping ends with a network error and keeps the partial for a resume', async () => {
    const cache = tempCache('drops');
    w.server.drops.set('onnx/model.onnx', { bytes: 300_000, times: 10 });
    try {
      await assert.rejects(downloadModel(REPO, { endpoint: w.server.endpoint, cacheDir: cache, token: false }, { backoffMs: 1, retries: 2 }),
        expectCode('hub-network', /broke off 3 times/, /kept for a resume/));
    } finally {
      w.server.drops.delete('onnx/model.onnx');
    }
    const blobs = fs.readdirSync(path.join(repoDir(cache), 'blobs'));
    assert.equal(blobs.filter((b) => b.endsWith('.incomplete')).length, 1);
    assert.ok(!fs.existsSync(path.join(repoDir(cache), 'snapshots')));
  });

  test('a full disk while writing a blob: a clear cache-write error, the partial removed, no snapshot', async () => {
    const cache = tempCache('full');
    const realOpen = fs.promises.open;
    // fault injection: writes to a partial blob fail with ENOSPC after the first chunk
    (fs.promises as { open: typeof realOpen }).open = async (...args: Parameters<typeof realOpen>) => {
      const fh = await realOpen(...args);
      if (!String(args[0]).endsWith('.incomplete')) return fh;
      let writes = 0;
      const write = fh.write.bind(fh) as (...a: unknown[]) => Promise<unknown>;
      (fh as unknown as { write: (...a: unknown[]) => Promise<unknown> }).write = (...a: unknown[]) =>
        ++writes > 1 ? Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })) : write(...a);
      return fh;
    };
    try {
      await assert.rejects(downloadModel(REPO, { endpoint: w.server.endpoint, cacheDir: cache, token: false }, FAST),
        expectCode('cache-write', /the disk is full \(ENOSPC\)/, /Nothing was added/, /Free some space/));
    } finally {
      (fs.promises as { open: typeof realOpen }).open = realOpen;
    }
    const dir = repoDir(cache);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'blobs')).filter((b) => b.endsWith('.incomplete')), []);
    assert.ok(!fs.existsSync(path.join(dir, 'snapshots')));
  });

  test('a write error (read-only cache) is a clear cache-write error and leaves no snapshot', { skip: process.getuid?.() === 0 ? 'root ignores file permissions' : false }, async () => {
    const cache = tempCache('rofs');
    const blobs = path.join(repoDir(cache), 'blobs');
    fs.mkdirSync(blobs, { recursive: true });
    fs.chmodSync(blobs, 0o555);
    try {
      await assert.rejects(downloadModel(REPO, { endpoint: w.server.endpoint, cacheDir: cache, token: false }, FAST), expectCode('cache-write', /Cannot write/, /permission denied/));
    } finally {
      fs.chmodSync(blobs, 0o755);
    }
    assert.ok(!fs.existsSync(path.join(repoDir(cache), 'snapshots')));
  });
});
