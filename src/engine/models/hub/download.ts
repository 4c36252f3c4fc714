// Downloading a model's files into the cache, as Python's snapshot_download does for the files CLS Lens needs:
// list the repo at the revision (its commit), HEAD each file at that commit (etag, size), fetch the blobs that are
// missing or corrupt, then link them all into snapshots/{commit} and write refs/{revision}.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancelledError, EngineError } from '../../errors';
import { fetchBlob, checkBlob } from './blobs';
import { hubCacheDir, hubEndpoint, hubOffline, hubToken } from './env';
import { header, hubRequest, infoUrl, NetworkError, normalizeEtag, readJson, resolveUrl, statusError, type HubContext } from './http';
import { probeRepo, type RepoInfo, type Sibling } from './probe';
import { parseHubId, repoFolderName } from './ref';
import { externalDataOf, isOnnx, linkSnapshot, planFiles, readRef, resolveCached, snapshotDir, snapshotFiles, writeRef } from './snapshot';
import type { DownloadOptions, HubFile, HubModel, HubOptions, HubProgress, HubRef, RepoOnnxFile } from './types';

/** Test and tuning knobs that are not part of the public options. */
export interface DownloadTuning {
  retries?: number;
  backoffMs?: number;
  lockStaleMs?: number;
  idleTimeoutMs?: number;
}


function toHubRef(ref: string | HubRef): HubRef {
  if (typeof ref !== 'string') return ref;
  const h = parseHubId(ref);
  if (!h) throw new EngineError('model-not-found', `"${ref}" is not a Hugging Face Hub id.`, 'Use org/name, optionally with @revision (a branch, tag or commit).');
  return h;
}

function context(opts: HubOptions, tuning: DownloadTuning): HubContext {
  const endpoint = hubEndpoint(opts);
  let ok = false;
  try { ok = /^https?:$/.test(new URL(endpoint).protocol); } catch { /* not a URL */ }
  if (!ok) throw new EngineError('hub-network', `The Hub endpoint "${endpoint}" is not an http(s) URL.`, 'Set the endpoint to a URL such as https://huggingface.co.');
  return { endpoint, token: hubToken(opts), signal: opts.signal, idleTimeoutMs: tuning.idleTimeoutMs };
}

/** A server error (5xx) counts as the Hub being unavailable: the cache may answer, as in Python. */
function unavailable(r: { status: number; url: string; res: { resume(): void } }): void {
  if (r.status < 500) return;
  r.res.resume();
  throw new NetworkError(r.url, `HTTP ${r.status}`);
}

/**
 * `GET {endpoint}/api/models/{repo}/revision/{revision}`: the commit and the files (sizes when given). Null when the
 * endpoint has no such API (a plain 404, no Hub error code): the caller probes files instead (probe.ts).
 */
export async function fetchRepoInfo(ctx: HubContext, hub: HubRef): Promise<RepoInfo | null> {
  const r = await hubRequest(ctx, infoUrl(ctx.endpoint, hub.repo, hub.revision), { follow: 'relative' });
  unavailable(r);
  if ((r.status === 404 || r.status === 405 || r.status === 501) && !header(r.res, 'x-error-code')) { r.res.resume(); return null; }
  if (r.status >= 400) throw statusError(ctx, r, { repo: hub.repo, revision: hub.revision });
  if (r.status !== 200) { r.res.resume(); throw new EngineError('hub-network', `The Hub answered ${r.status} when listing ${hub.repo}.`, 'Check the Hub endpoint.'); }
  const body = await readJson(r) as { sha?: unknown; siblings?: unknown };
  if (typeof body.sha !== 'string' || !/^[0-9a-f]{40}$/.test(body.sha) || !Array.isArray(body.siblings)) {
    throw new EngineError('hub-network', `The listing of ${hub.repo} from ${ctx.endpoint} has no commit (sha) or files (siblings).`, 'Check that the endpoint is a Hugging Face Hub (or a mirror of its API).');
  }
  const siblings: Sibling[] = [];
  for (const s of body.siblings as { rfilename?: unknown; size?: unknown; lfs?: { size?: unknown } }[]) {
    if (typeof s?.rfilename !== 'string') continue;
    const size = typeof s.lfs?.size === 'number' ? s.lfs.size : typeof s.size === 'number' ? s.size : undefined;
    siblings.push({ path: s.rfilename, size });
  }
  return { commit: body.sha, siblings };
}

interface FileMeta { path: string; etag: string; size: number; url: string }

/** HEAD a file at the commit: etag (X-Linked-Etag, else ETag) and size (X-Linked-Size, else Content-Length). */
async function fileMeta(ctx: HubContext, hub: HubRef, commit: string, file: string, listed?: number): Promise<FileMeta> {
  const url = resolveUrl(ctx.endpoint, hub.repo, commit, file);
  const r = await hubRequest(ctx, url, { method: 'HEAD', follow: 'relative' });
  unavailable(r);
  if (r.status >= 400) throw statusError(ctx, r, { repo: hub.repo, revision: hub.revision, file });
  r.res.resume();
  const etag = normalizeEtag(header(r.res, 'x-linked-etag') ?? header(r.res, 'etag'));
  const sizeText = header(r.res, 'x-linked-size') ?? header(r.res, 'content-length');
  const size = sizeText !== undefined && /^\d+$/.test(sizeText) ? Number(sizeText) : listed;
  if (!etag || size === undefined) {
    throw new EngineError('hub-network', `${ctx.endpoint} gave no ETag or size for ${hub.repo}/${file}.`, 'Check that the endpoint is a Hugging Face Hub (or a mirror of its API).');
  }
  if (!/^[\w.-]+$/.test(etag)) throw new EngineError('hub-network', `${ctx.endpoint} gave an unusable ETag for ${hub.repo}/${file}.`, 'Check the Hub endpoint.');
  return { path: file, etag, size, url };
}

/**
 * Progress reports: every file's bytes add up. 'downloading' reports come at most every 100 ms (the last one of a
 * burst is sent when the 100 ms are up, so a stalled transfer shows its true count); other phases at once.
 */
function reporter(opts: HubOptions) {
  const state: HubProgress = { phase: 'listing', bytes: 0, total: 0, filesDone: 0, filesTotal: 0 };
  let last = 0;
  let trailing: NodeJS.Timeout | undefined;
  const send = () => {
    clearTimeout(trailing);
    trailing = undefined;
    last = Date.now();
    opts.onProgress?.({ ...state });
  };
  const emit = (p: Partial<HubProgress>, force = true) => {
    Object.assign(state, p);
    if (!opts.onProgress) return;
    const wait = 100 - (Date.now() - last);
    if (force || wait <= 0) send();
    else if (!trailing) { trailing = setTimeout(send, wait); trailing.unref(); }
  };
  const stop = () => { clearTimeout(trailing); trailing = undefined; };
  return { state, emit, stop };
}

const unreachable = (e: unknown) => e instanceof NetworkError;

export async function downloadModel(ref: string | HubRef, opts: DownloadOptions = {}, tuning: DownloadTuning = {}): Promise<HubModel> {
  const hub = toHubRef(ref);
  const cacheDir = hubCacheDir(opts);
  const repoDir = path.join(cacheDir, repoFolderName(hub.repo));
  const fromCache = async (why: string): Promise<HubModel> => {
    const c = await resolveCached(repoDir, hub.repo, hub.revision, opts.onnxFile, why);
    opts.onProgress?.({ phase: 'done', bytes: 0, total: 0, filesDone: 0, filesTotal: 0 });
    return { repo: hub.repo, revision: hub.revision, commit: c.commit, folder: c.folder, onnxFile: c.onnx, files: c.files, downloadedBytes: 0, fromCache: true };
  };
  if (hubOffline(opts)) return fromCache('Offline (HF_HUB_OFFLINE or the offline option)');
  const ctx = context(opts, tuning);
  try {
    return await downloadOnline(ctx, hub, repoDir, cacheDir, opts, tuning);
  } catch (e) {
    if (!unreachable(e)) throw e;
    const cause = (e as NetworkError).causeCode;
    try {
      return await fromCache(cause.startsWith('HTTP') ? `${ctx.endpoint} answered ${cause}` : `Cannot reach ${ctx.endpoint} (${cause})`);
    } catch (c) {
      if (c instanceof EngineError && c.code === 'hub-offline') {
        throw new EngineError('hub-network', c.summary, 'Check the connection or the Hub endpoint (or a proxy), then try again.');
      }
      throw c;
    }
  }
}

async function downloadOnline(ctx: HubContext, hub: HubRef, repoDir: string, cacheDir: string, opts: DownloadOptions, tuning: DownloadTuning): Promise<HubModel> {
  const { state, emit, stop } = reporter(opts);
  try {
    return await fetchAll(ctx, hub, repoDir, cacheDir, opts, tuning, state, emit);
  } finally {
    stop();
  }
}

type Emit = ReturnType<typeof reporter>['emit'];

async function fetchAll(ctx: HubContext, hub: HubRef, repoDir: string, cacheDir: string, opts: DownloadOptions, tuning: DownloadTuning, state: HubProgress, emit: Emit): Promise<HubModel> {
  emit({ phase: 'listing' });
  const info = (await fetchRepoInfo(ctx, hub)) ?? (await probeRepo(ctx, hub, opts.onnxFile, false));
  const sizes = new Map(info.siblings.map((s) => [s.path, s.size]));
  const plan = planFiles(hub.repo, info.siblings.map((s) => s.path), opts.onnxFile, `${hub.repo}@${hub.revision}`);
  const metas: FileMeta[] = [];
  for (const f of plan.files) {
    emit({ phase: 'checking', file: f });
    metas.push(await fileMeta(ctx, hub, info.commit, f, sizes.get(f)));
  }
  // blobs already cached and intact are not fetched; corrupt ones are (fetchBlob deletes them first)
  const todo: FileMeta[] = [];
  for (const m of metas) {
    if (ctx.signal?.aborted) throw new CancelledError();
    emit({ phase: 'verifying', file: m.path });
    if ((await checkBlob(path.join(repoDir, 'blobs', m.etag), m.etag, m.size)) !== 'ok') todo.push(m);
  }
  const total = todo.reduce((a, m) => a + m.size, 0);
  emit({ phase: 'downloading', total, filesTotal: todo.length, filesDone: 0, bytes: 0 });
  const downloaded = new Set<string>();
  let before = 0, fetched = 0;
  for (const m of todo) {
    emit({ phase: 'downloading', file: m.path, bytes: before });
    let fileStart = -1;
    const did = await fetchBlob(ctx, { repo: hub.repo, file: m.path, url: m.url, etag: m.etag, size: m.size }, {
      repoDir, locksDir: path.join(cacheDir, '.locks', repoFolderName(hub.repo)),
      retries: tuning.retries, backoffMs: tuning.backoffMs, lockStaleMs: tuning.lockStaleMs,
      onBytes: (n) => {
        if (fileStart < 0) fileStart = n; // a resumed partial was on disk already
        emit({ phase: 'downloading', file: m.path, bytes: before + n }, false);
      },
    });
    if (did) { downloaded.add(m.path); fetched += m.size - Math.max(0, fileStart); }
    before += m.size;
    emit({ phase: 'downloading', file: m.path, bytes: before, filesDone: state.filesDone + 1 });
  }
  if (ctx.signal?.aborted) throw new CancelledError();
  emit({ phase: 'linking', file: undefined });
  linkSnapshot(repoDir, info.commit, metas);
  writeRef(repoDir, hub.revision, info.commit);
  emit({ phase: 'done' });
  const files: HubFile[] = metas.map((m) => ({ path: m.path, size: m.size, etag: m.etag, downloaded: downloaded.has(m.path) }));
  return { repo: hub.repo, revision: hub.revision, commit: info.commit, folder: snapshotDir(repoDir, info.commit), onnxFile: plan.onnx, files, downloadedBytes: fetched, fromCache: false };
}

function onnxList(paths: { path: string; size?: number }[]): RepoOnnxFile[] {
  const sizes = new Map(paths.map((p) => [p.path, p.size]));
  return paths.filter((p) => isOnnx(p.path)).map((p) => {
    const data = externalDataOf(p.path, (f) => sizes.has(f));
    const out: RepoOnnxFile = { path: p.path };
    if (p.size !== undefined) out.size = p.size;
    if (data) { out.externalData = data; const s = sizes.get(data); if (s !== undefined) out.externalDataSize = s; }
    return out;
  }).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The repo's ONNX files with sizes: online from the file API; offline (or unreachable) from the cached snapshot. */
export async function listRepoOnnxFiles(ref: string | HubRef, opts: HubOptions = {}, tuning: DownloadTuning = {}): Promise<RepoOnnxFile[]> {
  const hub = toHubRef(ref);
  const repoDir = path.join(hubCacheDir(opts), repoFolderName(hub.repo));
  const cached = async (why: string) => {
    const commit = readRef(repoDir, hub.revision);
    const dir = commit ? snapshotDir(repoDir, commit) : null;
    if (!dir) throw new EngineError('hub-offline', `${why}, and ${hub.repo}@${hub.revision} is not in the Hugging Face cache.`, 'List it once while online.');
    return onnxList(snapshotFiles(dir).filter((f) => fs.existsSync(path.join(dir, f))).map((f) => ({ path: f, size: fs.statSync(path.join(dir, f)).size })));
  };
  if (hubOffline(opts)) return cached('Offline');
  const ctx = context(opts, tuning);
  try {
    return onnxList(((await fetchRepoInfo(ctx, hub)) ?? (await probeRepo(ctx, hub, undefined, true))).siblings);
  } catch (e) {
    if (unreachable(e)) return cached(`Cannot reach ${ctx.endpoint} (${(e as NetworkError).causeCode})`);
    throw e;
  }
}
