// Blobs: checking a cached one against its etag, and fetching one into blobs/{etag} under the lock, with resume.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancelledError, EngineError } from '../../errors';
import { hubRequest, NetworkError, safeUrl, statusError, type HubContext } from './http';
import { acquireLock } from './lock';

export type BlobCheck = 'ok' | 'missing' | 'size' | 'hash';

const SHA256 = /^[0-9a-f]{64}$/;
const SHA1 = /^[0-9a-f]{40}$/;

/** The hash an etag names: sha256 of the content (LFS), the git blob sha1 (small files), or none (other servers). */
export function etagKind(etag: string): 'sha256' | 'git-sha1' | null {
  return SHA256.test(etag) ? 'sha256' : SHA1.test(etag) ? 'git-sha1' : null;
}

async function hashFile(file: string, kind: 'sha256' | 'git-sha1', size: number): Promise<string> {
  const h = crypto.createHash(kind === 'sha256' ? 'sha256' : 'sha1');
  if (kind === 'git-sha1') h.update(`blob ${size}\0`);
  for await (const c of fs.createReadStream(file, { highWaterMark: 1 << 20 })) h.update(c as Buffer);
  return h.digest('hex');
}

/** Files that passed a check in this process, by path → size, mtime and inode: each blob is hashed once. */
const verified = new Map<string, string>();
const stamp = (st: fs.Stats) => `${st.size}:${st.mtimeMs}:${st.ino}`;

/** Check `file` against `etag` (hash when the etag names one) and `size` when known. */
export async function checkBlob(file: string, etag: string, size?: number): Promise<BlobCheck> {
  let st: fs.Stats;
  try { st = fs.statSync(file); } catch { return 'missing'; }
  if (!st.isFile()) return 'missing';
  if (size !== undefined && st.size !== size) return 'size';
  if (verified.get(file) === stamp(st)) return 'ok';
  const kind = etagKind(etag);
  if (kind && (await hashFile(file, kind, st.size)) !== etag) return 'hash';
  verified.set(file, stamp(st));
  return 'ok';
}

export interface BlobSpec {
  repo: string;
  /** Repo path, for messages. */
  file: string;
  /** resolve URL at the commit */
  url: string;
  etag: string;
  size: number;
}

export interface FetchOptions {
  /** The repo's cache folder (`models--org--name`). */
  repoDir: string;
  /** `.locks/models--org--name` */
  locksDir: string;
  /** Bytes of this file on disk so far (a resumed partial counts from its length). */
  onBytes?: (bytes: number) => void;
  /** Reconnections after a dropped connection (default 5). */
  retries?: number;
  lockStaleMs?: number;
  /** Pause before reconnecting, ms (default 500 × attempt). */
  backoffMs?: number;
}

const DISK_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO', 'EFBIG']);
const DISK_WORDS: Record<string, string> = { ENOSPC: 'the disk is full', EDQUOT: 'the disk quota is exhausted', EROFS: 'the file system is read-only', EACCES: 'permission denied', EPERM: 'permission denied', EIO: 'an I/O error', EFBIG: 'the file is too large for the file system' };

/** An EngineError for a write error in the cache, or the error itself when it is not one. */
export function diskError(e: unknown, where: string): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (!code || !DISK_CODES.has(code)) return e;
  return new EngineError('cache-write', `Cannot write to the Hugging Face cache at ${where}: ${DISK_WORDS[code]} (${code}). Nothing was added to the model's snapshot.`,
    code === 'ENOSPC' || code === 'EDQUOT' ? 'Free some space (or choose another cache folder) and try again.' : 'Choose a cache folder you can write to, or fix its permissions.');
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(done, ms);
  function done() { clearTimeout(t); signal?.removeEventListener('abort', done); resolve(); }
  signal?.addEventListener('abort', done, { once: true });
});

const sizeOf = (f: string) => { try { return fs.statSync(f).size; } catch { return 0; } };

/** A partial left by an earlier run of ours (`{etag}.{random}.incomplete`), the longest, renamed to `mine`. */
function adoptPartial(blobsDir: string, etag: string, mine: string): void {
  const re = new RegExp(`^${etag.replace(/[.-]/g, '\\$&')}\\.[a-z0-9]+\\.incomplete$`);
  let best: string | null = null, bestSize = -1;
  for (const f of fs.readdirSync(blobsDir)) {
    if (!re.test(f)) continue;
    const s = sizeOf(path.join(blobsDir, f));
    if (s > bestSize) { best = f; bestSize = s; }
  }
  if (best) { try { fs.renameSync(path.join(blobsDir, best), mine); } catch { /* taken by another process: start afresh */ } }
}

/** One GET from `have` bytes on (Range), appended to `partial`. Resolves when the body ended; NetworkError when it broke. */
async function getFrom(ctx: HubContext, spec: BlobSpec, partial: string, onBytes?: (n: number) => void): Promise<void> {
  let have = sizeOf(partial);
  if (have > spec.size) { fs.truncateSync(partial, 0); have = 0; }
  const r = await hubRequest(ctx, spec.url, { follow: 'all', headers: have > 0 ? { range: `bytes=${have}-` } : {} });
  if (r.status === 416) { r.res.resume(); fs.truncateSync(partial, 0); throw new NetworkError(safeUrl(r.url), 'HTTP 416'); }
  if (r.status >= 500) { r.res.resume(); throw new NetworkError(safeUrl(r.url), `HTTP ${r.status}`); }
  if (r.status >= 400) throw statusError(ctx, r, { repo: spec.repo, file: spec.file });
  let pos = 0;
  if (r.status === 206) {
    const m = /bytes\s+(\d+)-/i.exec(String(r.res.headers['content-range'] ?? ''));
    pos = m ? Number(m[1]) : -1;
    if (pos !== have) { r.res.resume(); fs.truncateSync(partial, 0); throw new NetworkError(safeUrl(r.url), 'bad Content-Range'); }
  } else if (r.status !== 200) {
    r.res.resume();
    throw new EngineError('hub-network', `Unexpected answer ${r.status} for ${safeUrl(r.url)}.`, 'Check the Hub endpoint.');
  }
  const fh = await fs.promises.open(partial, pos === 0 ? 'w' : 'r+');
  try {
    onBytes?.(pos);
    for await (const chunk of r.res as AsyncIterable<Buffer>) {
      await fh.write(chunk, 0, chunk.length, pos);
      pos += chunk.length;
      onBytes?.(pos);
    }
  } catch (e) {
    if (ctx.signal?.aborted) throw new CancelledError();
    if ((e as NodeJS.ErrnoException).code && DISK_CODES.has((e as NodeJS.ErrnoException).code!)) throw e;
    throw new NetworkError(safeUrl(r.url), (e as NodeJS.ErrnoException).code ?? 'aborted');
  } finally {
    await fh.close();
  }
  if (ctx.signal?.aborted) throw new CancelledError();
  if (!r.res.complete && pos < spec.size) throw new NetworkError(safeUrl(r.url), 'connection closed early');
}

/**
 * Make blobs/{etag} hold the verified content: fetch it under the lock (or find it fetched by another process),
 * resuming a partial from an earlier run and reconnecting with Range after a dropped connection. Returns whether
 * this call downloaded it. On cancel the partial is kept; on a mismatch it is deleted.
 */
export async function fetchBlob(ctx: HubContext, spec: BlobSpec, opts: FetchOptions): Promise<boolean> {
  const blobsDir = path.join(opts.repoDir, 'blobs');
  const blob = path.join(blobsDir, spec.etag);
  try {
    fs.mkdirSync(blobsDir, { recursive: true });
  } catch (e) { throw diskError(e, blobsDir); }
  for (;;) {
    const check = await checkBlob(blob, spec.etag, spec.size);
    if (check === 'ok') return false;
    if (check !== 'missing') fs.rmSync(blob, { force: true }); // corrupt: fetched again
    const lock = await acquireLock(path.join(opts.locksDir, `${spec.etag}.lock`), {
      signal: ctx.signal, staleMs: opts.lockStaleMs, done: () => fs.existsSync(blob) && sizeOf(blob) === spec.size,
    });
    if (!lock) continue; // another process finished it: check it
    try {
      if ((await checkBlob(blob, spec.etag, spec.size)) === 'ok') return false;
      await fetchLocked(ctx, spec, opts, blobsDir, blob);
      return true;
    } finally {
      lock.release();
    }
  }
}

async function fetchLocked(ctx: HubContext, spec: BlobSpec, opts: FetchOptions, blobsDir: string, blob: string): Promise<void> {
  const partial = path.join(blobsDir, `${spec.etag}.${process.pid.toString(36)}${Math.random().toString(36).slice(2, 8)}.incomplete`);
  const retries = opts.retries ?? 5;
  adoptPartial(blobsDir, spec.etag, partial);
  let mismatches = 0;
  for (let attempt = 0; ;) {
    try {
      if (sizeOf(partial) < spec.size || !fs.existsSync(partial)) await getFrom(ctx, spec, partial, opts.onBytes);
    } catch (e) {
      if (e instanceof NetworkError && attempt < retries) {
        attempt++;
        await sleep((opts.backoffMs ?? 500) * attempt, ctx.signal);
        if (ctx.signal?.aborted) throw new CancelledError();
        continue;
      }
      if (e instanceof NetworkError) {
        throw new EngineError('hub-network', `The download of ${spec.file} from ${spec.repo} broke off ${attempt + 1} times (${e.causeCode}); ${sizeOf(partial)} of ${spec.size} bytes are kept for a resume.`,
          'Check the connection and try again: the download resumes where it stopped.');
      }
      const d = diskError(e, blobsDir);
      if (d !== e) fs.rmSync(partial, { force: true });
      throw d;
    }
    const check = await checkBlob(partial, spec.etag, spec.size);
    if (check === 'ok') break;
    fs.rmSync(partial, { force: true });
    if (++mismatches >= 2) {
      throw new EngineError('hub-integrity', `${spec.file} from ${spec.repo} arrived with the wrong ${check === 'size' ? 'size' : 'hash'} twice (expected ${spec.size} bytes, ${etagKind(spec.etag) ?? 'etag'} ${spec.etag}); nothing was kept.`,
        'Try again later; if it persists, the endpoint (or a proxy) is changing the files.');
    }
  }
  try {
    fs.renameSync(partial, blob);
  } catch (e) { throw diskError(e, blobsDir); }
  const v = verified.get(partial);
  verified.delete(partial);
  if (v) verified.set(blob, v);
}
