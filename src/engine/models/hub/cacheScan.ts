// Listing the cache's models (for "Select Model…") and removing one snapshot with the blobs only it uses.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError } from '../../errors';
import { hubCacheDir } from './env';
import { isCommitHash, repoFolderName, repoFromFolderName } from './ref';
import { isOnnx, snapshotFiles } from './snapshot';
import type { CachedModel, CachedRevision, HubOptions, RemoveResult } from './types';

/** refs/ as name → commit (names with slashes, e.g. refs/pr/1, joined with '/'). */
function readRefs(repoDir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, prefix: string) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const name = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), name);
      else if (e.isFile() && !e.name.endsWith('.tmp')) {
        try {
          const c = fs.readFileSync(path.join(d, e.name), 'utf8').trim();
          if (isCommitHash(c)) out.set(name, c);
        } catch { /* unreadable ref: skipped */ }
      }
    }
  };
  walk(path.join(repoDir, 'refs'), '');
  return out;
}

/** A snapshot's files → the real files behind them (blobs, or the copies themselves), with their sizes. */
function snapshotBlobs(dir: string): { files: string[]; real: Map<string, { size: number; mtimeMs: number }> } {
  const files = snapshotFiles(dir);
  const real = new Map<string, { size: number; mtimeMs: number }>();
  for (const f of files) {
    const p = path.join(dir, f);
    try {
      const r = fs.realpathSync(p);
      const st = fs.statSync(r);
      real.set(r, { size: st.size, mtimeMs: st.mtimeMs });
    } catch { /* dangling link: its blob is missing */ }
  }
  return { files, real };
}

function scanRepo(repoDir: string, repo: string): CachedModel {
  const refs = readRefs(repoDir);
  const revisions: CachedRevision[] = [];
  let entries: string[] = [];
  try { entries = fs.readdirSync(path.join(repoDir, 'snapshots')); } catch { /* none */ }
  for (const commit of entries) {
    const folder = path.join(repoDir, 'snapshots', commit);
    if (!fs.statSync(folder).isDirectory()) continue;
    const { files, real } = snapshotBlobs(folder);
    const present = files.filter((f) => fs.existsSync(path.join(folder, f)));
    let size = 0, lastModified = 0;
    for (const v of real.values()) { size += v.size; lastModified = Math.max(lastModified, v.mtimeMs); }
    const onnxFiles = present.filter(isOnnx);
    revisions.push({
      commit, folder, size, files: present, onnxFiles, hasOnnx: onnxFiles.length > 0, hasTokenizer: present.includes('tokenizer.json'),
      refs: [...refs].filter(([, c]) => c === commit).map(([n]) => n).sort(), lastModified,
    });
  }
  revisions.sort((a, b) => b.lastModified - a.lastModified);
  let sizeOnDisk = 0;
  try {
    for (const b of fs.readdirSync(path.join(repoDir, 'blobs'))) {
      try { sizeOnDisk += fs.statSync(path.join(repoDir, 'blobs', b)).size; } catch { /* gone meanwhile */ }
    }
  } catch { /* no blobs/ */ }
  // copies (no symlinks) live in snapshots/ only
  for (const r of revisions) for (const f of r.files) {
    const p = path.join(r.folder, f);
    try { if (!fs.lstatSync(p).isSymbolicLink()) sizeOnDisk += fs.statSync(p).size; } catch { /* skip */ }
  }
  return { repo, folder: repoDir, sizeOnDisk, revisions };
}

/** Every `models--*` folder of the cache with its snapshots, their refs, sizes and whether they hold an ONNX file. */
export async function listCachedModels(opts: Pick<HubOptions, 'cacheDir'> = {}): Promise<CachedModel[]> {
  const dir = hubCacheDir(opts);
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return []; }
  const out: CachedModel[] = [];
  for (const n of names.sort()) {
    const repo = repoFromFolderName(n);
    if (!repo) continue;
    try {
      if (!fs.statSync(path.join(dir, n)).isDirectory()) continue;
      out.push(scanRepo(path.join(dir, n), repo));
    } catch { /* a folder removed while scanning */ }
  }
  return out;
}

/**
 * Remove the snapshot `commit` of `repo`: its folder, the refs that point at it, and the blobs no other snapshot
 * uses; the whole `models--…` folder when it was the last snapshot.
 */
export async function removeCachedSnapshot(repo: string, commit: string, opts: Pick<HubOptions, 'cacheDir'> = {}): Promise<RemoveResult> {
  const repoDir = path.join(hubCacheDir(opts), repoFolderName(repo));
  const snapDir = path.join(repoDir, 'snapshots', commit);
  if (!isCommitHash(commit) || !fs.existsSync(snapDir)) {
    throw new EngineError('model-not-found', `${repo} has no cached snapshot ${commit}.`, 'List the cache again: it may have been removed already.');
  }
  const blobsDir = fs.existsSync(path.join(repoDir, 'blobs')) ? fs.realpathSync(path.join(repoDir, 'blobs')) : path.join(repoDir, 'blobs');
  const mine = snapshotBlobs(snapDir).real;
  const others = new Set<string>();
  for (const c of fs.readdirSync(path.join(repoDir, 'snapshots'))) {
    if (c === commit) continue;
    for (const r of snapshotBlobs(path.join(repoDir, 'snapshots', c)).real.keys()) others.add(r);
  }
  let freedBytes = 0;
  for (const [r, v] of mine) {
    if (path.dirname(r) === blobsDir && !others.has(r)) { fs.rmSync(r, { force: true }); freedBytes += v.size; }
    else if (!r.startsWith(blobsDir + path.sep)) freedBytes += v.size; // a copy inside the snapshot
  }
  fs.rmSync(snapDir, { recursive: true, force: true });
  for (const [name, c] of readRefs(repoDir)) if (c === commit) fs.rmSync(path.join(repoDir, 'refs', ...name.split('/')), { force: true });
  const left = fs.readdirSync(path.join(repoDir, 'snapshots'));
  if (left.length === 0) {
    fs.rmSync(repoDir, { recursive: true, force: true });
    return { freedBytes, removedRepo: true };
  }
  return { freedBytes, removedRepo: false };
}
