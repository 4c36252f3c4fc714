// The Hub cache without a network: a cache laid out by hand the way Python's huggingface_hub writes it (blobs named
// by sha256 / git sha1, relative symlinks in snapshots/, refs/main) resolved offline; listing and removal; reference
// parsing; settings precedence; the blob lock.
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { downloadModel, hubCacheDir, hubEndpoint, hubOffline, hubToken, listCachedModels, parseHubId, parseModelRef, removeCachedSnapshot } from '../../src/engine/models/hub';
import { acquireLock } from '../../src/engine/models/hub/lock';
import { normalizeEtag } from '../../src/engine/models/hub/http';
import { EngineError } from '../../src/engine/errors';

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const gitSha1 = (b: Buffer) => crypto.createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
const C1 = 'a'.repeat(40), C2 = 'b'.repeat(40);

/** Write `files` into a Python-style cache: each a blob + a relative link in snapshots/{commit}; refs as given. */
function pythonCache(root: string, repo: string, commit: string, files: Record<string, Buffer>, refs: Record<string, string> = {}): string {
  const dir = path.join(root, `models--${repo.replace('/', '--')}`);
  for (const [p, b] of Object.entries(files)) {
    const etag = p.endsWith('.onnx') ? sha256(b) : gitSha1(b);
    const blob = path.join(dir, 'blobs', etag);
    fs.mkdirSync(path.dirname(blob), { recursive: true });
    fs.writeFileSync(blob, b);
    const link = path.join(dir, 'snapshots', commit, p);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.relative(path.dirname(link), blob), link);
  }
  for (const [name, c] of Object.entries(refs)) {
    fs.mkdirSync(path.dirname(path.join(dir, 'refs', name)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'refs', name), c); // Python writes no newline
  }
  return dir;
}

const MODEL = {
  'config.json': Buffer.from('{"model_type":"bert"}'),
  'tokenizer.json': Buffer.from('{"model":{}}'),
  'onnx/model.onnx': crypto.randomBytes(2048),
};

const temps: string[] = [];
const tmp = () => { const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-lens-hubcache-')); temps.push(d); return d; };
after(() => { for (const d of temps) fs.rmSync(d, { recursive: true, force: true }); });

function withEnv<T>(vars: Record<string, string | undefined>, f: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
  try { return f(); } finally {
    for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
  }
}

describe('a cache written the way Python writes it', () => {
  test('resolves offline through refs/main to the snapshot, checking each blob', async () => {
    const root = tmp();
    const dir = pythonCache(root, 'org/model', C1, MODEL, { main: C1 });
    const m = await downloadModel('org/model', { cacheDir: root, offline: true });
    assert.equal(m.folder, path.join(dir, 'snapshots', C1));
    assert.equal(m.commit, C1);
    assert.equal(m.onnxFile, 'onnx/model.onnx');
    assert.equal(m.fromCache, true);
    assert.deepEqual(m.files.map((f) => f.path), ['config.json', 'tokenizer.json', 'onnx/model.onnx']);
    assert.equal(m.files[2].etag, sha256(MODEL['onnx/model.onnx']));
    // a commit revision needs no ref
    assert.equal((await downloadModel(`org/model@${C1}`, { cacheDir: root, offline: true })).folder, m.folder);
    // HF_HUB_CACHE points at it too
    const viaEnv = await withEnv({ HF_HUB_CACHE: root, HF_HUB_OFFLINE: '1' }, () => downloadModel('org/model'));
    assert.equal(viaEnv.folder, m.folder);
  });

  test('a blob whose content does not match its name is reported, not loaded', async () => {
    const root = tmp();
    const dir = pythonCache(root, 'org/model', C1, MODEL, { main: C1 });
    fs.writeFileSync(path.join(dir, 'blobs', gitSha1(MODEL['config.json'])), '{"model_type":"bart"}');
    await assert.rejects(downloadModel('org/model', { cacheDir: root, offline: true }),
      (e) => e instanceof EngineError && e.code === 'hub-offline' && /config\.json/.test(e.message) && /corrupt/.test(e.message));
  });

  test('lists models with revisions, refs, sizes and ONNX presence; removes a snapshot with only its own blobs', async () => {
    const root = tmp();
    const shared = MODEL['onnx/model.onnx'];
    const dir = pythonCache(root, 'org/model', C1, MODEL, { main: C1 });
    pythonCache(root, 'org/model', C2, { ...MODEL, 'config.json': Buffer.from('{"model_type":"bert","v":2}') }, { 'refs/pr/1': C2 });
    pythonCache(root, 'other/tok-only', C1, { 'config.json': MODEL['config.json'], 'tokenizer.json': MODEL['tokenizer.json'] }, { main: C1 });
    fs.mkdirSync(path.join(root, '.locks'));
    fs.mkdirSync(path.join(root, 'datasets--x--y'));
    const list = await listCachedModels({ cacheDir: root });
    assert.deepEqual(list.map((m) => m.repo), ['org/model', 'other/tok-only']);
    const model = list[0];
    const byCommit = Object.fromEntries(model.revisions.map((r) => [r.commit, r]));
    assert.deepEqual(byCommit[C1].refs, ['main']);
    assert.deepEqual(byCommit[C2].refs, ['refs/pr/1']);
    assert.equal(byCommit[C1].size, MODEL['config.json'].length + MODEL['tokenizer.json'].length + shared.length);
    assert.deepEqual(byCommit[C1].onnxFiles, ['onnx/model.onnx']);
    assert.equal(byCommit[C1].hasTokenizer, true);
    const blobsTotal = fs.readdirSync(path.join(dir, 'blobs')).reduce((a, b) => a + fs.statSync(path.join(dir, 'blobs', b)).size, 0);
    assert.equal(model.sizeOnDisk, blobsTotal);
    assert.equal(list[1].revisions[0].hasOnnx, false);

    const r = await removeCachedSnapshot('org/model', C1, { cacheDir: root });
    assert.equal(r.removedRepo, false);
    assert.equal(r.freedBytes, MODEL['config.json'].length, 'only the config blob was C1\'s alone');
    assert.ok(fs.existsSync(path.join(dir, 'blobs', sha256(shared))), 'the shared ONNX blob stays');
    assert.ok(!fs.existsSync(path.join(dir, 'snapshots', C1)));
    assert.ok(!fs.existsSync(path.join(dir, 'refs', 'main')), 'the ref to the removed commit goes');
    assert.ok(fs.existsSync(path.join(dir, 'refs', 'refs', 'pr', '1')));
    const again = await downloadModel('org/model@refs/pr/1', { cacheDir: root, offline: true });
    assert.equal(again.commit, C2);

    const last = await removeCachedSnapshot('org/model', C2, { cacheDir: root });
    assert.equal(last.removedRepo, true);
    assert.ok(!fs.existsSync(dir));
    await assert.rejects(removeCachedSnapshot('org/model', C2, { cacheDir: root }), (e) => e instanceof EngineError && e.code === 'model-not-found');
  });
});

describe('references and settings', () => {
  test('Hub ids, revisions and folders', () => {
    assert.deepEqual(parseHubId('Xenova/bert-base-uncased'), { repo: 'Xenova/bert-base-uncased', revision: 'main' });
    assert.deepEqual(parseHubId('Xenova/all-MiniLM-L6-v2@main'), { repo: 'Xenova/all-MiniLM-L6-v2', revision: 'main' });
    assert.deepEqual(parseHubId(`a/b@${C1}`), { repo: 'a/b', revision: C1 });
    assert.deepEqual(parseHubId('a/b@refs/pr/3'), { repo: 'a/b', revision: 'refs/pr/3' });
    for (const bad of ['bert-base-uncased', 'a/b/c', 'a--b/c', '-a/b', 'a/b@', 'a/b@../x', '/abs/path']) assert.equal(parseHubId(bad), null, bad);
    const base = tmp();
    fs.mkdirSync(path.join(base, 'org', 'name'), { recursive: true });
    assert.deepEqual(parseModelRef('org/name', base), { kind: 'folder', folder: path.join(base, 'org', 'name') }, 'an existing folder wins');
    assert.deepEqual(parseModelRef('org/other', base), { kind: 'hub', hub: { repo: 'org/other', revision: 'main' } });
    assert.equal(parseModelRef('./org/other', base).kind, 'missing');
  });

  test('endpoint, cache, offline and token follow huggingface_hub', () => {
    const home = tmp();
    withEnv({ HF_ENDPOINT: undefined, HF_HUB_CACHE: undefined, HUGGINGFACE_HUB_CACHE: undefined, HF_HOME: undefined, XDG_CACHE_HOME: undefined, HF_HUB_OFFLINE: undefined, TRANSFORMERS_OFFLINE: undefined, HF_TOKEN: undefined, HUGGING_FACE_HUB_TOKEN: undefined, HF_TOKEN_PATH: undefined }, () => {
      assert.equal(hubEndpoint(), 'https://huggingface.co');
      assert.equal(hubCacheDir(), path.join(os.homedir(), '.cache', 'huggingface', 'hub'));
      assert.equal(hubOffline(), false);
      assert.equal(withEnv({ TRANSFORMERS_OFFLINE: '1' }, () => hubOffline()), true);
      assert.equal(withEnv({ HUGGING_FACE_HUB_TOKEN: 'hf_old_name' }, () => hubToken()), 'hf_old_name');
      withEnv({ HF_ENDPOINT: 'https://mirror.example/', HF_HOME: home, HF_HUB_OFFLINE: 'true' }, () => {
        assert.equal(hubEndpoint(), 'https://mirror.example');
        assert.equal(hubEndpoint({ endpoint: 'http://127.0.0.1:9' }), 'http://127.0.0.1:9');
        assert.equal(hubCacheDir(), path.join(home, 'hub'));
        assert.equal(hubCacheDir({ cacheDir: '/x/y' }), '/x/y');
        assert.equal(withEnv({ HF_HUB_CACHE: '/c' }, () => hubCacheDir()), '/c');
        assert.equal(hubOffline(), true);
        assert.equal(hubOffline({ offline: false }), false);
        assert.equal(hubToken(), undefined);
        fs.writeFileSync(path.join(home, 'token'), 'hf_from_file\n');
        assert.equal(hubToken(), 'hf_from_file');
        withEnv({ HF_TOKEN: 'hf_from_env' }, () => {
          assert.equal(hubToken(), 'hf_from_env', 'HF_TOKEN beats the token file');
          assert.equal(hubToken({ token: 'hf_explicit' }), 'hf_explicit', 'the explicit token beats both');
          assert.equal(hubToken({ token: false }), undefined, 'false sends none');
        });
      });
      withEnv({ XDG_CACHE_HOME: home }, () => assert.equal(hubCacheDir(), path.join(home, 'huggingface', 'hub')));
    });
  });

  test('ETags lose W/ and quotes', () => {
    assert.equal(normalizeEtag('W/"abc"'), 'abc');
    assert.equal(normalizeEtag('"abc"'), 'abc');
    assert.equal(normalizeEtag('abc'), 'abc');
    assert.equal(normalizeEtag(undefined), undefined);
  });
});

describe('the blob lock', () => {
  test('a second taker waits until the first releases; done() ends the wait', async () => {
    const file = path.join(tmp(), '.locks', 'models--a--b', 'x.lock');
    const first = await acquireLock(file);
    assert.ok(first);
    let got = false;
    const second = acquireLock(file, { pollMs: 5 }).then((l) => { got = true; return l; });
    const third = acquireLock(file, { pollMs: 5, done: () => !fs.existsSync(file) || got });
    await new Promise((r) => setImmediate(r));
    assert.equal(got, false, 'still held');
    first.release();
    const l2 = await second;
    assert.ok(l2);
    assert.equal(await third, null, 'done() ended the third wait without the lock');
    l2.release();
    assert.ok(!fs.existsSync(file));
  });

  test('a stale lock (old file, or a dead pid on this host) is broken; a cancelled wait throws', async () => {
    const dir = tmp();
    const old = path.join(dir, 'old.lock');
    fs.writeFileSync(old, ''); // Python leaves empty lock files behind
    fs.utimesSync(old, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    const a = await acquireLock(old, { staleMs: 60_000 });
    assert.ok(a);
    a.release();
    const dead = path.join(dir, 'dead.lock');
    fs.writeFileSync(dead, JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), at: Date.now() }));
    const b = await acquireLock(dead, { staleMs: 3_600_000 });
    assert.ok(b);
    const ctl = new AbortController();
    const waiting = acquireLock(dead, { staleMs: 3_600_000, pollMs: 5, signal: ctl.signal });
    ctl.abort();
    await assert.rejects(waiting, (e) => e instanceof EngineError && e.code === 'cancelled');
    b.release();
  });
});
