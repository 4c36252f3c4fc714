// The model a result was computed with (ExperimentModel): its ONNX file's sha256, remembered by path, size and
// mtime (in memory, and in the features cache folder when there is one), and the Hub commit of a snapshot folder.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LoadedModel } from '../../engine/engine';
import type { ExperimentModel } from '../../shared/experiments';

const memo = new Map<string, string>();
const HASHES_FILE = 'onnx-sha256.json';

function statKey(file: string): string {
  const st = fs.statSync(file);
  return `${path.resolve(file)}\u0000${st.size}\u0000${st.mtimeMs}`;
}

/** sha256 (hex) of a file, streamed; remembered by path + size + mtime, so a changed file is hashed again. */
export async function fileSha256(file: string, cacheDir?: string | false): Promise<string> {
  const key = statKey(file);
  const hit = memo.get(key);
  if (hit) return hit;
  const disk = cacheDir ? path.join(cacheDir, HASHES_FILE) : null;
  let known: Record<string, string> = {};
  if (disk) {
    try { known = JSON.parse(fs.readFileSync(disk, 'utf8')) as Record<string, string>; } catch { known = {}; }
    if (typeof known[key] === 'string') { memo.set(key, known[key]); return known[key]; }
  }
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 22 })) h.update(chunk as Buffer);
  const hex = h.digest('hex');
  memo.set(key, hex);
  if (disk) {
    try {
      fs.mkdirSync(cacheDir as string, { recursive: true });
      const tmp = `${disk}.${process.pid}.${Math.random().toString(36).slice(2)}`;
      fs.writeFileSync(tmp, JSON.stringify({ ...known, [key]: hex }));
      fs.renameSync(tmp, disk);
    } catch { /* the hash is a convenience: a read-only cache folder only costs a re-hash next time */ }
  }
  return hex;
}

/** The Hub commit when `folder` is a snapshot of Python's cache layout (…/models--org--name/snapshots/<commit>/), else null. */
export function hubCommit(folder: string): string | null {
  const parts = path.resolve(folder).split(path.sep);
  const i = parts.lastIndexOf('snapshots');
  if (i < 1 || i !== parts.length - 2 || !parts[i - 1].startsWith('models--')) return null;
  return parts[i + 1] || null;
}

export async function experimentModel(m: LoadedModel, ref: string, cacheDir?: string | false): Promise<ExperimentModel> {
  const s = m.summary;
  return {
    ref, name: s.name, onnxFile: s.onnxFile, onnxSha256: await fileSha256(s.onnxFile, cacheDir), commit: hubCommit(s.folder),
    layers: s.layers, heads: s.heads, hidden: s.hidden, randomWeights: s.randomWeights,
  };
}
