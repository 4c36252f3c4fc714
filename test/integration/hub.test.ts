// Downloads from a local stand-in of the Hub into Python's cache layout: links, refs, the token only on the
// endpoint's host, resume after a dropped connection and after a cancel, progress, one blob for two downloaders,
// corrupt bytes refused, a corrupt cached blob fetched again.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { downloadModel, listRepoOnnxFiles } from '../../src/engine/models/hub';
import type { HubProgress } from '../../src/engine/models/hub/types';
import { CancelledError, EngineError } from '../../src/engine/errors';
import { GOOD_TOKEN, gitSha1, hubWorld, listTree, REPO, repoDir, sha256, removeTempCaches, tempCache, until, V1, type HubWorld } from '../support/hubFixtures';

const FAST = { backoffMs: 1 };

describe('Hub downloads', { timeout: 120_000 }, () => {
  let w: HubWorld;
  before(async () => { w = await hubWorld(); });
  after(async () => { await w.server.stop(); removeTempCaches(); });
  const opts = (cacheDir: string, more: object = {}) => ({ endpoint: w.server.endpoint, cacheDir, token: false as const, ...more });
  const cdnGets = (file: string) => w.server.log.filter((r) => r.server === 'cdn' && r.method === 'GET' && r.path.startsWith('/blobs/') && r.path.endsWith(sha256(w.files[file])));

  test('downloads the model into the Python layout: blobs by etag, relative links in snapshots/{commit}, refs/main', async () => {
    const cache = tempCache('layout');
    const progress: HubProgress[] = [];
    const m = await downloadModel(REPO, opts(cache, { onProgress: (p: HubProgress) => progress.push(p) }), FAST);
    const commit = w.server.commitOf(REPO);
    const dir = repoDir(cache);
    assert.equal(m.commit, commit);
    assert.equal(m.folder, path.join(dir, 'snapshots', commit));
    assert.equal(m.onnxFile, 'onnx/model.onnx');
    assert.deepEqual(m.files.map((f) => f.path).sort(), ['config.json', 'onnx/model.onnx', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
    assert.equal(fs.readFileSync(path.join(dir, 'refs', 'main'), 'utf8'), commit);
    for (const f of m.files) {
      const link = path.join(m.folder, f.path);
      const target = fs.readlinkSync(link);
      assert.ok(!path.isAbsolute(target) && target.startsWith('..'), `${f.path} → ${target} is relative`);
      assert.equal(path.resolve(path.dirname(link), target), path.join(dir, 'blobs', f.etag));
      const want = w.files[f.path];
      assert.equal(f.etag, f.path.endsWith('.onnx') ? sha256(want) : gitSha1(want), `${f.path}: sha256 for LFS files, git sha1 for small ones`);
      assert.ok(fs.readFileSync(link).equals(want), `${f.path} content`);
      assert.equal(f.downloaded, true);
    }
    assert.deepEqual(listTree(path.join(dir, 'blobs')).filter((b) => b.includes('.')), [], 'no partial files left');
    const total = m.files.reduce((a, f) => a + f.size, 0);
    assert.equal(m.downloadedBytes, total);
    const dl = progress.filter((p) => p.phase === 'downloading');
    for (let i = 1; i < dl.length; i++) assert.ok(dl[i].bytes >= dl[i - 1].bytes, 'bytes never go back');
    assert.equal(dl.at(-1)!.bytes, total);
    assert.equal(dl.at(-1)!.total, total);
    assert.equal(progress.at(-1)!.phase, 'done');

    const gets = cdnGets('onnx/model.onnx').length;
    const again = await downloadModel(REPO, opts(cache), FAST);
    assert.equal(again.folder, m.folder);
    assert.equal(again.downloadedBytes, 0);
    assert.ok(again.files.every((f) => !f.downloaded));
    assert.equal(cdnGets('onnx/model.onnx').length, gets, 'a cached blob is not fetched again');
  });

  test('the token goes to the endpoint (relative redirects too) and never to the CDN host', async () => {
    const cache = tempCache('auth');
    const from = w.server.log.length;
    await downloadModel('old-org/tiny-bert', opts(cache, { token: GOOD_TOKEN }), FAST);
    const log = w.server.log.slice(from);
    const hub = log.filter((r) => r.server === 'hub'), cdn = log.filter((r) => r.server === 'cdn');
    assert.ok(hub.some((r) => r.path.startsWith('/old-org/')) && hub.some((r) => r.path.startsWith(`/${REPO}/`)), 'followed the rename');
    assert.ok(hub.length > 0 && hub.every((r) => r.auth === `Bearer ${GOOD_TOKEN}`), 'every request to the endpoint carries the token');
    assert.ok(cdn.length > 0 && cdn.every((r) => r.auth === undefined), 'no request to the CDN carries it');
  });

  test('a tag writes refs/{tag}; a commit hash writes no ref', async () => {
    const cache = tempCache('refs');
    const m = await downloadModel(`${REPO}@v1`, opts(cache), FAST);
    assert.equal(m.commit, V1);
    assert.equal(fs.readFileSync(path.join(repoDir(cache), 'refs', 'v1'), 'utf8'), V1);
    const main = w.server.commitOf(REPO);
    const byCommit = await downloadModel(`${REPO}@${main}`, opts(cache), FAST);
    assert.equal(byCommit.commit, main);
    assert.deepEqual(listTree(path.join(repoDir(cache), 'refs')), ['v1']);
    assert.deepEqual(listTree(path.join(repoDir(cache), 'snapshots')).filter((f) => !f.includes(path.sep)).sort(), [main, V1].sort());
  });

  test('a connection dropped halfway is resumed with Range', async () => {
    const cache = tempCache('drop');
    w.server.drops.set('onnx/model.onnx', { bytes: 1_000_000, times: 2 });
    const before = cdnGets('onnx/model.onnx').length;
    const m = await downloadModel(REPO, opts(cache), FAST);
    const gets = cdnGets('onnx/model.onnx').slice(before);
    // each retry asks for the rest from what is on disk (node may drop bytes it buffered when the socket closed)
    assert.equal(gets.length, 3);
    assert.equal(gets[0].range, undefined);
    const starts = gets.slice(1).map((g) => Number(/^bytes=(\d+)-$/.exec(g.range ?? '')?.[1]));
    assert.ok(starts[0] > 0 && starts[0] <= 1_000_000 && starts[1] > starts[0] && starts[1] <= starts[0] + 1_000_000, `ranges ${starts}`);
    assert.ok(fs.readFileSync(path.join(m.folder, 'onnx/model.onnx')).equals(w.files['onnx/model.onnx']));
  });

  test('progress mid-file, cancel keeps the partial and links nothing, the next download resumes from it', async () => {
    const cache = tempCache('cancel');
    const half = 1_500_000;
    const hold = w.server.hold('onnx/model.onnx', half);
    const ctl = new AbortController();
    const seen: HubProgress[] = [];
    const p = downloadModel(REPO, opts(cache, { signal: ctl.signal, onProgress: (x: HubProgress) => seen.push(x) }), FAST);
    const rejected = assert.rejects(p, (e) => e instanceof CancelledError);
    await hold.reached;
    const onnxStart = () => seen.find((x) => x.phase === 'downloading' && x.file === 'onnx/model.onnx');
    await until(() => { const s = onnxStart(); return !!s && seen.at(-1)!.bytes >= s.bytes + half; });
    const last = seen.at(-1)!;
    assert.ok(last.bytes < last.total, 'a report while the file is half there');
    ctl.abort();
    await rejected;
    hold.release();
    const dir = repoDir(cache);
    const partials = listTree(path.join(dir, 'blobs')).filter((b) => b.endsWith('.incomplete'));
    assert.equal(partials.length, 1);
    assert.ok(partials[0].startsWith(sha256(w.files['onnx/model.onnx'])));
    assert.equal(fs.statSync(path.join(dir, 'blobs', partials[0])).size, half);
    assert.ok(!fs.existsSync(path.join(dir, 'snapshots')), 'nothing under snapshots/');
    assert.ok(!fs.existsSync(path.join(dir, 'refs')), 'no ref to a half model');

    const before = cdnGets('onnx/model.onnx').length;
    const m = await downloadModel(REPO, opts(cache), FAST);
    assert.deepEqual(cdnGets('onnx/model.onnx').slice(before).map((g) => g.range), [`bytes=${half}-`]);
    assert.ok(fs.readFileSync(path.join(m.folder, 'onnx/model.onnx')).equals(w.files['onnx/model.onnx']));
    assert.equal(m.downloadedBytes, w.files['onnx/model.onnx'].length - half, 'only the rest of the file (the small files came with the first try)');
    assert.deepEqual(listTree(path.join(dir, 'blobs')).filter((b) => b.endsWith('.incomplete')), []);
  });

  test('two downloads of one blob at once end with one correct blob, fetched once', async () => {
    const cache = tempCache('twice');
    const hold = w.server.hold('onnx/model.onnx', 500_000);
    const before = cdnGets('onnx/model.onnx').length;
    const a = downloadModel(REPO, opts(cache), FAST);
    await hold.reached;
    const heads = () => w.server.log.filter((r) => r.method === 'HEAD' && r.path.endsWith('/onnx/model.onnx')).length;
    const h0 = heads();
    const b = downloadModel(REPO, opts(cache), FAST);
    await until(() => heads() > h0); // the second has looked the blob up and goes for the lock next
    hold.release();
    const [ma, mb] = await Promise.all([a, b]);
    assert.equal(ma.folder, mb.folder);
    assert.equal(cdnGets('onnx/model.onnx').length - before, 1, 'fetched once');
    const blobs = listTree(path.join(repoDir(cache), 'blobs'));
    assert.deepEqual(blobs.filter((x) => x.startsWith(sha256(w.files['onnx/model.onnx']))), [sha256(w.files['onnx/model.onnx'])]);
    assert.ok(fs.readFileSync(path.join(ma.folder, 'onnx/model.onnx')).equals(w.files['onnx/model.onnx']));
    assert.deepEqual(listTree(path.join(cache, '.locks', 'models--test-org--tiny-bert')), [], 'the lock is released');
  });

  test('bytes that do not match the etag are refused (sha256 and git sha1); nothing is kept', async () => {
    for (const file of ['onnx/model.onnx', 'config.json']) {
      const cache = tempCache('corrupt');
      w.server.corrupt.add(file);
      try {
        await assert.rejects(downloadModel(REPO, opts(cache), FAST), (e) => e instanceof EngineError && e.code === 'hub-integrity' && e.message.includes(file));
      } finally {
        w.server.corrupt.delete(file);
      }
      const dir = repoDir(cache);
      const etag = file.endsWith('.onnx') ? sha256(w.files[file]) : gitSha1(w.files[file]);
      assert.deepEqual(listTree(path.join(dir, 'blobs')).filter((b) => b.startsWith(etag)), [], `no blob or partial for ${file}`);
      assert.ok(!fs.existsSync(path.join(dir, 'snapshots')));
    }
  });

  test('a corrupt cached blob is found when used: fetched again online, named offline', async () => {
    const cache = tempCache('rot');
    const m = await downloadModel(REPO, opts(cache), FAST);
    const blob = path.join(repoDir(cache), 'blobs', sha256(w.files['onnx/model.onnx']));
    const spoil = () => {
      const b = fs.readFileSync(blob);
      b[100] ^= 0xff;
      fs.writeFileSync(blob, b);
      fs.utimesSync(blob, new Date(1e12), new Date(1e12));
    };
    spoil();
    await assert.rejects(downloadModel(REPO, opts(cache, { offline: true })), (e) => e instanceof EngineError && e.code === 'hub-offline' && /corrupt/.test(e.message) && e.message.includes('onnx/model.onnx'));
    const before = cdnGets('onnx/model.onnx').length;
    const again = await downloadModel(REPO, opts(cache), FAST);
    assert.equal(cdnGets('onnx/model.onnx').length, before + 1);
    assert.equal(again.files.find((f) => f.path === 'onnx/model.onnx')!.downloaded, true);
    assert.ok(fs.readFileSync(path.join(m.folder, 'onnx/model.onnx')).equals(w.files['onnx/model.onnx']));
    fs.truncateSync(blob, 10); // a size mismatch too
    await downloadModel(REPO, opts(cache), FAST);
    assert.ok(fs.readFileSync(blob).equals(w.files['onnx/model.onnx']));
  });

  test('ONNX files with sizes and external data; the external data is downloaded with its model', async () => {
    const list = await listRepoOnnxFiles('test-org/variants', opts(tempCache('list')));
    assert.deepEqual(list, [
      { path: 'onnx/model.onnx', size: 5, externalData: 'onnx/model.onnx_data', externalDataSize: 3000 },
      { path: 'onnx/model_quantized.onnx', size: w.files['onnx/model.onnx'].length },
    ]);
    w.server.plainListing = true; // a listing without sizes: the files, no sizes; downloads take sizes from HEAD
    try {
      assert.deepEqual(await listRepoOnnxFiles('test-org/variants', opts(tempCache('plain'))), [
        { path: 'onnx/model.onnx', externalData: 'onnx/model.onnx_data' }, { path: 'onnx/model_quantized.onnx' }]);
      const plain = await downloadModel(REPO, opts(tempCache('plain')), FAST);
      assert.equal(plain.files.find((f) => f.path === 'onnx/model.onnx')!.size, w.files['onnx/model.onnx'].length);
    } finally {
      w.server.plainListing = false;
    }
    w.server.noApi = true; // a mirror without the file API: commit from X-Repo-Commit, files found by HEAD
    try {
      const noApi = await downloadModel(`${REPO}@v1`, opts(tempCache('noapi')), FAST);
      assert.equal(noApi.commit, V1);
      assert.deepEqual(noApi.files.map((f) => f.path).sort(), ['config.json', 'onnx/model.onnx', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
      assert.deepEqual((await listRepoOnnxFiles('test-org/variants', opts(tempCache('noapi')))).map((f) => [f.path, f.externalData]),
        [['onnx/model.onnx', 'onnx/model.onnx_data'], ['onnx/model_quantized.onnx', undefined]]);
    } finally {
      w.server.noApi = false;
    }
    const cache = tempCache('variants');
    const m = await downloadModel('test-org/variants', opts(cache), FAST);
    assert.ok(m.files.some((f) => f.path === 'onnx/model.onnx_data'));
    assert.ok(fs.existsSync(path.join(m.folder, 'onnx/model.onnx_data')));
    assert.equal(fs.statSync(path.join(m.folder, 'special_tokens_map.json')).size, 0, 'an empty file is a blob too');
    const q = await downloadModel('test-org/variants', opts(cache, { onnxFile: 'onnx/model_quantized.onnx' }), FAST);
    assert.equal(q.onnxFile, 'onnx/model_quantized.onnx');
    assert.deepEqual(q.files.filter((f) => f.downloaded).map((f) => f.path), ['onnx/model_quantized.onnx'], 'only the new file is fetched');
  });
});
