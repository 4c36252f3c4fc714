// A lock file per blob, `.locks/models--org--name/{etag}.lock` as Python names it, created with O_EXCL.
//
// Python's huggingface_hub locks the same path with flock(), which node cannot take; Python also leaves its lock
// files behind after releasing them. So this lock is advisory: it keeps two CLS Lens processes (two VS Code windows,
// the CLI) from fetching one blob twice, and the holder touches it every few seconds so that a crashed holder's lock
// goes stale. Correctness does not rest on it: every writer downloads into its own uniquely named
// `{etag}.{random}.incomplete`, checks size and hash, and renames into place atomically, so even two writers that
// both believe they hold the lock (a lock wrongly judged stale, a Python process) end with one correct blob.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancelledError } from '../../errors';

export interface LockOptions {
  /** A lock whose file has not been touched for this long is stale and may be broken (default 30 s). */
  staleMs?: number;
  /** How often a waiter looks again (default 200 ms). */
  pollMs?: number;
  signal?: AbortSignal;
  /** Checked while waiting: true ends the wait without the lock (e.g. the blob appeared). */
  done?: () => boolean;
}

export interface Lock {
  release(): void;
}

interface Owner { pid: number; host: string; at: number }

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(done, ms);
  function done() { clearTimeout(t); signal?.removeEventListener('abort', done); resolve(); }
  signal?.addEventListener('abort', done, { once: true });
});

function isStale(file: string, staleMs: number): boolean {
  let st: fs.Stats;
  try { st = fs.statSync(file); } catch { return false; } // gone: not stale, just retry the create
  try {
    const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as Owner;
    if (owner.host === os.hostname() && Number.isInteger(owner.pid) && owner.pid !== process.pid) {
      try { process.kill(owner.pid, 0); } catch (e) { if ((e as NodeJS.ErrnoException).code === 'ESRCH') return true; }
    }
  } catch { /* Python's (empty) lock file, or one being written: judge by its age */ }
  return Date.now() - st.mtimeMs > staleMs;
}

/** Break a stale lock: move it aside first, so that of two breakers only one removes it. */
function breakLock(file: string): void {
  const aside = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.stale`;
  try { fs.renameSync(file, aside); } catch { return; }
  fs.rmSync(aside, { force: true });
}

/**
 * Take the lock at `file`, waiting while another live holder has it. Resolves to null when `done()` became true
 * while waiting. Throws CancelledError when the signal aborts.
 */
export async function acquireLock(file: string, opts: LockOptions = {}): Promise<Lock | null> {
  const staleMs = opts.staleMs ?? 30_000;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (;;) {
    if (opts.signal?.aborted) throw new CancelledError();
    if (opts.done?.()) return null;
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (isStale(file, staleMs)) breakLock(file);
      else await sleep(opts.pollMs ?? 200, opts.signal);
      continue;
    }
    const owner: Owner = { pid: process.pid, host: os.hostname(), at: Date.now() };
    try { fs.writeSync(fd, JSON.stringify(owner)); } finally { fs.closeSync(fd); }
    const beat = setInterval(() => {
      const now = new Date();
      try { fs.utimesSync(file, now, now); } catch { /* broken by someone else: the blob rename is still atomic */ }
    }, Math.max(50, Math.floor(staleMs / 4)));
    beat.unref();
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        clearInterval(beat);
        try {
          const o = JSON.parse(fs.readFileSync(file, 'utf8')) as Owner;
          if (o.pid === owner.pid && o.at === owner.at && o.host === owner.host) fs.rmSync(file, { force: true });
        } catch { /* already gone */ }
      },
    };
  }
}
