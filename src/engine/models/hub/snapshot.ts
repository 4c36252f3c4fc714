// snapshots/ and refs/: which files a model needs, linking blobs into a snapshot once all are present, reading a
// snapshot offline.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError } from '../../errors';
import { ONNX_CANDIDATES } from '../modelFolder';
import { checkBlob, diskError } from './blobs';
import { isCommitHash } from './ref';
import type { HubFile } from './types';

/** Files fetched besides the ONNX file: the first two are required. */
export const REQUIRED_FILES = ['config.json', 'tokenizer.json'];
export const OPTIONAL_FILES = ['tokenizer_config.json', 'special_tokens_map.json', '1_Pooling/config.json'];

export const isOnnx = (f: string) => f.toLowerCase().endsWith('.onnx');

/** `<file>_data` or `<file>.data` when listed. */
export function externalDataOf(onnx: string, has: (f: string) => boolean): string | undefined {
  return [`${onnx}_data`, `${onnx}.data`].find(has);
}

export interface FilePlan {
  onnx: string;
  files: string[];
}

/** Which files to fetch (or find) among `available`; throws when the repo cannot give a loadable model. */
export function planFiles(repo: string, available: readonly string[], onnxFile: string | undefined, where: string): FilePlan {
  const has = new Set(available);
  const onnxFiles = available.filter(isOnnx);
  let onnx: string | undefined;
  if (onnxFile) {
    onnx = onnxFile.replace(/^\.?\//, '');
    if (!has.has(onnx)) {
      throw new EngineError('hub-file-not-found', `${where} has no ONNX file ${onnx}${onnxFiles.length ? `; it has ${onnxFiles.join(', ')}` : ''}.`,
        onnxFiles.length ? 'Choose one of those ONNX files.' : 'Leave the ONNX file unset.', 'onnxFile');
    }
  } else {
    onnx = ONNX_CANDIDATES.find((c) => has.has(c));
    if (!onnx && onnxFiles.length) {
      throw new EngineError('hub-no-onnx', `${where} has none of the usual ONNX files (${ONNX_CANDIDATES.slice(0, 2).join(', ')}); it has ${onnxFiles.join(', ')}.`,
        'Choose one of those ONNX files.', 'onnxFile');
    }
    if (!onnx) {
      const name = repo.split('/')[1] ?? repo;
      throw new EngineError('hub-no-onnx', `${where} has no ONNX file: CLS Lens runs ONNX models.`,
        `Use an ONNX conversion of it (many models have one under Xenova/, e.g. Xenova/${name}), or export one with \`optimum-cli export onnx --model ${repo} DIR\` and open DIR.`, 'model');
    }
  }
  for (const f of REQUIRED_FILES) {
    if (has.has(f)) continue;
    if (f === 'tokenizer.json') {
      throw new EngineError('hub-no-tokenizer', `${where} has no tokenizer.json (CLS Lens reads the fast-tokenizer file).`,
        `Use a conversion that has one (e.g. under Xenova/), or save it with transformers: AutoTokenizer.from_pretrained("${repo}").save_pretrained(DIR), and open DIR.`, 'model');
    }
    throw new EngineError('model-files', `${where} has no ${f}.`, 'Use a repo in the Hugging Face layout (config.json, tokenizer.json, an ONNX file).', 'model');
  }
  const data = externalDataOf(onnx, (f) => has.has(f));
  return { onnx, files: [...REQUIRED_FILES, ...OPTIONAL_FILES.filter((f) => has.has(f)), onnx, ...(data ? [data] : [])] };
}

export const snapshotDir = (repoDir: string, commit: string) => path.join(repoDir, 'snapshots', commit);
const blobPath = (repoDir: string, etag: string) => path.join(repoDir, 'blobs', etag);
const tmpName = (p: string) => `${p}.${process.pid.toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`;

function linkOne(repoDir: string, dst: string, etag: string): boolean {
  const blob = blobPath(repoDir, etag);
  const target = path.relative(path.dirname(dst), blob);
  try {
    const st = fs.lstatSync(dst);
    if (st.isSymbolicLink() && fs.readlinkSync(dst) === target) return false;
  } catch { /* absent */ }
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  const tmp = tmpName(dst);
  try {
    fs.symlinkSync(target, tmp);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOSPC') throw e;
    // no symlinks here (Windows without developer mode, some network drives): a copy, made beside the blob so that
    // no half-written file appears under snapshots/
    const copy = tmpName(blob);
    fs.copyFileSync(blob, copy);
    fs.renameSync(copy, dst);
    return true;
  }
  fs.renameSync(tmp, dst);
  return true;
}

/**
 * Link `files` (repo path → blob etag; every blob present) into snapshots/{commit}. A failure removes the links
 * this call made, so the snapshot never gains a partial model.
 */
export function linkSnapshot(repoDir: string, commit: string, files: { path: string; etag: string }[]): void {
  const dir = snapshotDir(repoDir, commit);
  const made: string[] = [];
  try {
    for (const f of files) {
      const dst = path.join(dir, ...f.path.split('/'));
      if (linkOne(repoDir, dst, f.etag)) made.push(dst);
    }
  } catch (e) {
    for (const m of made) fs.rmSync(m, { force: true });
    throw diskError(e, dir);
  }
}

/** Write refs/{revision} = commit (Python's layout: a revision with slashes makes folders). Not for commit hashes. */
export function writeRef(repoDir: string, revision: string, commit: string): void {
  if (isCommitHash(revision)) return;
  const file = path.join(repoDir, 'refs', ...revision.split('/'));
  try {
    if (fs.readFileSync(file, 'utf8').trim() === commit) return;
  } catch { /* absent */ }
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = tmpName(file);
    fs.writeFileSync(tmp, commit);
    fs.renameSync(tmp, file);
  } catch (e) { throw diskError(e, path.dirname(file)); }
}

export function readRef(repoDir: string, revision: string): string | null {
  if (isCommitHash(revision)) return revision;
  try {
    const c = fs.readFileSync(path.join(repoDir, 'refs', ...revision.split('/')), 'utf8').trim();
    return isCommitHash(c) ? c : null;
  } catch {
    return null;
  }
}

/** Repo paths of the files in a snapshot (links followed), sorted. */
export function snapshotFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, prefix: string) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      if (e.name.endsWith('.tmp')) continue;
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), rel);
      else out.push(rel);
    }
  };
  walk(dir, '');
  return out.sort();
}

/** The etag of a snapshot file: the name of the blob its link points to, or null for a copy. */
export function linkedEtag(file: string): string | null {
  try {
    return fs.lstatSync(file).isSymbolicLink() ? path.basename(fs.readlinkSync(file)) : null;
  } catch {
    return null;
  }
}

export interface CachedFiles {
  commit: string;
  folder: string;
  onnx: string;
  files: HubFile[];
}

/**
 * Find a model in the cache without the network: refs/{revision} (or the commit itself), then the files of
 * snapshots/{commit}, each checked against its blob's name (sha256 / git sha1). Throws hub-offline naming what is
 * missing or corrupt; `why` says why the network was not used.
 */
export async function resolveCached(repoDir: string, repo: string, revision: string, onnxFile: string | undefined, why: string): Promise<CachedFiles> {
  const at = `${repo}@${revision}`;
  const commit = readRef(repoDir, revision);
  const notCached = (what: string) => new EngineError('hub-offline', `${why}, and ${what} is not in the Hugging Face cache (${path.dirname(repoDir)}).`,
    'Download the model once while online (or copy the cache from a machine that has it).');
  if (!commit) throw notCached(`${at} (no refs/${revision})`);
  const folder = snapshotDir(repoDir, commit);
  if (!fs.existsSync(folder)) throw notCached(`${at} (snapshot ${commit.slice(0, 12)})`);
  // dangling links (blob missing) count as missing
  const present = snapshotFiles(folder).filter((f) => fs.existsSync(path.join(folder, f)));
  const missing = [...REQUIRED_FILES, ...(onnxFile ? [onnxFile.replace(/^\.?\//, '')] : [])].find((f) => !present.includes(f))
    ?? (present.some(isOnnx) ? undefined : ONNX_CANDIDATES[0]);
  if (missing) throw notCached(`${at}/${missing}`);
  const plan = planFiles(repo, present, onnxFile, `The cached snapshot of ${at}`);
  const files: HubFile[] = [];
  for (const f of plan.files) {
    const p = path.join(folder, f);
    const etag = linkedEtag(p);
    const size = fs.statSync(p).size;
    if (etag) {
      const check = await checkBlob(p, etag);
      if (check !== 'ok') {
        throw new EngineError('hub-offline', `${why}, and the cached ${f} of ${at} is corrupt (its ${check} does not match blob ${etag}).`,
          'Go online once so that it is fetched again.');
      }
    }
    files.push({ path: f, size, etag: etag ?? '', downloaded: false });
  }
  return { commit, folder, onnx: plan.onnx, files };
}
