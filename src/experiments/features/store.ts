// Feature folders: what `cls-lens embed --data … --out DIR [--shard K/N]` writes and the embedding cache keeps.
//   manifest.json            what the vectors are (model, data, shard, rows, layers, poolings, hidden, files, notes)
//   labels.json, texts.json  the folder's rows, in row order (JSON arrays)
//   L<layer>.<pooling>.npy   [rows × hidden] float32, little-endian, NumPy format 1.0
// Shard K of N holds the rows i (0-based, among the rows the data set uses) with i mod N == K, so every shard gets a
// fair share of each class and of long texts. An unsharded folder is shard 0 of 1. A folder is written under a
// temporary name and renamed into place when complete (manifest last), so a reader never sees half of one.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineError } from '../../engine/errors';
import { toNpy } from '../../engine/io/export';
import { isProbePooling, type DataInfo, type ExperimentModel, type ProbePooling } from '../../shared/experiments';

export const FEATURES_FORMAT = 'cls-lens-features';

/** Vectors of a data set: every text once, per layer and pooling. */
export interface FeatureSet {
  n: number;
  hidden: number;
  /** Layer ids (0 = embeddings output). */
  layers: number[];
  poolings: ProbePooling[];
  /** [n × hidden] row-major, rows in data order. The pooler exists at the last layer only (see has()). */
  get(layer: number, pooling: ProbePooling): Float32Array;
  has(layer: number, pooling: ProbePooling): boolean;
  labels: string[];
  texts?: string[];
  /** Plain-language remarks: "pooler skipped: the model has no pooler output", texts truncated. */
  notes: string[];
}

export interface FeaturePair { layer: number; pooling: ProbePooling }

export interface FeatureManifest {
  format: typeof FEATURES_FORMAT;
  version: 1;
  model: ExperimentModel;
  /** The whole data set (every shard carries the same). */
  data: DataInfo;
  maxTokens: number;
  layers: number[];
  poolings: ProbePooling[];
  hidden: number;
  /** This folder's part: shard `index` of `count`; rows index, index + count, … below `total`. */
  shard: { index: number; count: number };
  rows: { total: number; count: number };
  files: (FeaturePair & { file: string })[];
  /** Texts cut to maxTokens (in this folder). */
  truncated: number;
  notes: string[];
  createdAt: string;
}

export const pairFile = (p: FeaturePair) => `L${p.layer}.${p.pooling}.npy`;
/** Rows shard k of n holds when the data set has `total`. */
export const shardRows = (total: number, k: number, n: number) => (total > k ? Math.floor((total - 1 - k) / n) + 1 : 0);

/** The pairs a run produces: each layer × pooling; the pooler (one vector, after the last layer) at the last layer only. */
export function featurePairs(layers: number[], poolings: ProbePooling[], lastLayer: number): FeaturePair[] {
  const out: FeaturePair[] = [];
  for (const layer of layers) for (const pooling of poolings) if (pooling !== 'pooler' || layer === lastLayer) out.push({ layer, pooling });
  return out;
}

const LE = os.endianness() === 'LE';
function le(data: Float32Array): Uint8Array {
  if (LE) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.length * 4);
  const v = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) v.setFloat32(i * 4, data[i], true);
  return out;
}

function npyBody(bytes: Buffer, file: string, rows: number, hidden: number): Float32Array {
  // the header written by toNpy: magic, version 1.0, 2-byte length, dict; data follows
  const ok = bytes.length >= 10 && bytes[0] === 0x93 && bytes.toString('latin1', 1, 6) === 'NUMPY';
  const hlen = ok ? bytes[8] | (bytes[9] << 8) : 0;
  const header = ok ? bytes.toString('latin1', 10, 10 + hlen) : '';
  const want = `'shape': (${rows}, ${hidden})`;
  if (!ok || !header.includes("'<f4'") || !header.includes(want) || bytes.length !== 10 + hlen + rows * hidden * 4) {
    throw new EngineError('features', `${file} is damaged or not what its manifest says (${rows} × ${hidden} float32).`, 'Write the folder again with cls-lens embed --data … --out (or delete the cache entry).');
  }
  const out = new Float32Array(rows * hidden);
  if (LE) new Uint8Array(out.buffer).set(bytes.subarray(10 + hlen, 10 + hlen + rows * hidden * 4));
  else { const v = new DataView(bytes.buffer, bytes.byteOffset + 10 + hlen); for (let i = 0; i < out.length; i++) out[i] = v.getFloat32(i * 4, true); }
  return out;
}

/**
 * Writes one feature folder: vectors appended row by row into open files (memory: one buffered block per pair),
 * labels and texts streamed as JSON arrays; finish() writes the manifest and renames the folder into place.
 */
export class FeatureWriter {
  private readonly fds = new Map<string, number>();
  private readonly pending = new Map<string, Float32Array[]>();
  private pendingRows = 0;
  private labelsFd: number;
  private textsFd: number;
  private written = 0;
  private closed = false;
  readonly tmp: string;

  constructor(readonly dir: string, readonly pairs: FeaturePair[], readonly hidden: number, readonly count: number) {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    this.tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    fs.mkdirSync(this.tmp);
    const header = toNpy({ data: new Float32Array(0), dims: [count, hidden] });
    for (const p of pairs) {
      const fd = fs.openSync(path.join(this.tmp, pairFile(p)), 'w');
      fs.writeSync(fd, header);
      this.fds.set(pairFile(p), fd);
      this.pending.set(pairFile(p), []);
    }
    this.labelsFd = fs.openSync(path.join(this.tmp, 'labels.json'), 'w');
    this.textsFd = fs.openSync(path.join(this.tmp, 'texts.json'), 'w');
  }

  /** The next row: one [hidden] vector per pair (in `pairs` order), its label and text. */
  append(vectors: Float32Array[], label: string, text: string): void {
    const sep = this.written === 0 ? '[' : ',';
    fs.writeSync(this.labelsFd, `${sep}${JSON.stringify(label)}`);
    fs.writeSync(this.textsFd, `${sep}\n${JSON.stringify(text)}`);
    this.pairs.forEach((p, i) => this.pending.get(pairFile(p))!.push(vectors[i].slice()));
    this.written++;
    if (++this.pendingRows >= 64) this.flush();
  }

  private flush(): void {
    for (const [name, rows] of this.pending) {
      if (!rows.length) continue;
      const block = new Float32Array(rows.length * this.hidden);
      rows.forEach((r, i) => block.set(r, i * this.hidden));
      fs.writeSync(this.fds.get(name)!, le(block));
      rows.length = 0;
    }
    this.pendingRows = 0;
  }

  /** Complete the folder: manifest last, then an atomic rename. An existing folder at `dir` is replaced only when `replace`. */
  finish(manifest: Omit<FeatureManifest, 'files' | 'format' | 'version' | 'rows' | 'hidden' | 'createdAt'>, replace: boolean): FeatureManifest {
    if (this.written !== this.count) throw new Error(`FeatureWriter: ${this.written} rows written, ${this.count} announced`);
    this.flush();
    fs.writeSync(this.labelsFd, this.written ? ']' : '[]');
    fs.writeSync(this.textsFd, this.written ? '\n]\n' : '[]\n');
    this.close();
    const full: FeatureManifest = {
      format: FEATURES_FORMAT, version: 1, ...manifest, hidden: this.hidden,
      rows: { total: manifest.data.n, count: this.count }, files: this.pairs.map((p) => ({ ...p, file: pairFile(p) })), createdAt: new Date().toISOString(),
    };
    fs.writeFileSync(path.join(this.tmp, 'manifest.json'), `${JSON.stringify(full, null, 1)}\n`);
    if (fs.existsSync(this.dir)) {
      if (!replace) { fs.rmSync(this.tmp, { recursive: true, force: true }); return full; } // a concurrent run wrote the same entry
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
    fs.renameSync(this.tmp, this.dir);
    return full;
  }

  /** Drop the temporary folder (a failed or cancelled run). */
  abort(): void {
    this.close();
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fd of this.fds.values()) fs.closeSync(fd);
    fs.closeSync(this.labelsFd);
    fs.closeSync(this.textsFd);
  }
}

/** Refuse to write into a folder that holds something other than a feature folder. */
export function checkOutDir(dir: string): void {
  if (!fs.existsSync(dir)) return;
  const st = fs.statSync(dir);
  const entries = st.isDirectory() ? fs.readdirSync(dir) : null;
  if (entries && (entries.length === 0 || entries.includes('manifest.json'))) return;
  throw new EngineError('features', `${dir} exists and is not a feature folder written by cls-lens embed.`, 'Choose a new folder for --out (it is created), or an earlier output folder to replace.');
}

export function readManifest(dir: string): FeatureManifest {
  let m: FeatureManifest;
  try {
    m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as FeatureManifest;
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new EngineError('features', missing ? `${dir} is not a feature folder: it has no manifest.json.` : `The manifest.json in ${dir} cannot be read (${(e as Error).message}).`,
      'Give the folders that cls-lens embed --data … --out wrote (one per shard).');
  }
  if (m?.format !== FEATURES_FORMAT || m.version !== 1 || !Array.isArray(m.files) || !m.poolings?.every(isProbePooling)) {
    throw new EngineError('features', `The manifest.json in ${dir} is not a CLS Lens feature manifest (version 1).`, 'Write the folder again with this version of cls-lens embed --data … --out.');
  }
  return m;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Read feature folders written by `embed --data --out` (one per shard, in any order) as one FeatureSet. They must
 * share the model, the data (sha256 and columns), max tokens, layers and poolings, and their shards must cover every
 * row exactly once. Vectors are read from disk when asked for (get), each shard's rows put back in data order.
 */
export function readFeatures(dirs: string[]): FeatureSet & { manifests: FeatureManifest[] } {
  if (dirs.length === 0) throw new EngineError('features', 'No feature folders were given.', 'Give the folders cls-lens embed --data … --out wrote.');
  const ms = dirs.map(readManifest);
  const a = ms[0];
  ms.forEach((m, i) => {
    const differ = (what: string, x: unknown, y: unknown) => new EngineError('features', `${dirs[i]} and ${dirs[0]} were written with different ${what} (${JSON.stringify(x)} vs ${JSON.stringify(y)}).`,
      'Merge only the shards of one run: the same model, data, --max-tokens, --layers and --poolings.');
    if (m.model.onnxSha256 !== a.model.onnxSha256) throw differ('models', m.model.onnxSha256.slice(0, 12), a.model.onnxSha256.slice(0, 12));
    if (m.data.sha256 !== a.data.sha256) throw differ('data', m.data.sha256.slice(0, 12), a.data.sha256.slice(0, 12));
    if (m.data.textColumn !== a.data.textColumn || m.data.labelColumn !== a.data.labelColumn) throw differ('columns', [m.data.textColumn, m.data.labelColumn], [a.data.textColumn, a.data.labelColumn]);
    if (m.maxTokens !== a.maxTokens) throw differ('max tokens', m.maxTokens, a.maxTokens);
    if (!same(m.layers, a.layers)) throw differ('layers', m.layers, a.layers);
    if (!same(m.poolings, a.poolings)) throw differ('poolings', m.poolings, a.poolings);
    if (!same(m.files.map(pairFile), a.files.map(pairFile))) throw differ('files', m.files.map(pairFile), a.files.map(pairFile));
    if (m.shard.count !== a.shard.count) throw differ('shard counts', m.shard.count, a.shard.count);
  });
  const N = a.shard.count, total = a.data.n;
  const byIndex = new Map<number, number>();
  ms.forEach((m, i) => {
    const k = m.shard.index;
    if (byIndex.has(k)) throw new EngineError('features', `${dirs[i]} and ${dirs[byIndex.get(k)!]} are both shard ${k}/${N}: their rows would count twice.`, 'Give each shard folder once.');
    byIndex.set(k, i);
    if (m.rows.count !== shardRows(total, k, N)) throw new EngineError('features', `${dirs[i]} (shard ${k}/${N}) has ${m.rows.count} rows; the data set's ${total} rows give that shard ${shardRows(total, k, N)}.`, 'Write that shard again.');
  });
  const missing = Array.from({ length: N }, (_, k) => k).filter((k) => !byIndex.has(k));
  if (missing.length) throw new EngineError('features', `Shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${N}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing: rows ${missing[0]}, ${missing[0] + N}, … have no vectors.`, `Give all ${N} shard folders (run the missing shards first).`);
  const H = a.hidden;
  const scatter = <T>(k: number, src: ArrayLike<T>, dst: T[] | Float32Array, width: number) => {
    for (let j = 0; j < src.length / width; j++) {
      const row = k + j * N;
      for (let h = 0; h < width; h++) (dst as T[])[row * width + h] = src[j * width + h];
    }
  };
  const readJson = (dir: string, name: string, count: number): string[] => {
    let v: unknown;
    try { v = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')); } catch (e) { throw new EngineError('features', `${path.join(dir, name)} cannot be read (${(e as Error).message}).`, 'Write that shard again.'); }
    if (!Array.isArray(v) || v.length !== count) throw new EngineError('features', `${path.join(dir, name)} does not hold ${count} entries.`, 'Write that shard again.');
    return v as string[];
  };
  const labels = new Array<string>(total);
  ms.forEach((m, i) => scatter(m.shard.index, readJson(dirs[i], 'labels.json', m.rows.count), labels, 1));
  let texts: string[] | null = null; // read on first use: for a large data set they are most of the bytes
  const loadTexts = (): string[] => {
    if (!texts) {
      const t = new Array<string>(total);
      ms.forEach((m, i) => scatter(m.shard.index, readJson(dirs[i], 'texts.json', m.rows.count), t, 1));
      texts = t;
    }
    return texts;
  };
  const keys = new Set(a.files.map(pairFile));
  const memo = new Map<string, Float32Array>();
  let memoBytes = 0;
  const notes = [...new Set(ms.flatMap((m) => m.notes))];
  const truncated = ms.reduce((s, m) => s + m.truncated, 0);
  if (truncated && !notes.some((n) => n.includes('truncated'))) notes.push(`${truncated} of ${total} texts were truncated to ${a.maxTokens} tokens.`);
  return {
    n: total, hidden: H, layers: a.layers, poolings: a.poolings, labels, notes, manifests: ms,
    get texts() { return loadTexts(); },
    has: (layer, pooling) => keys.has(pairFile({ layer, pooling })),
    get(layer, pooling) {
      const name = pairFile({ layer, pooling });
      if (!keys.has(name)) throw new EngineError('experiment-args', `These features have no ${pooling} vectors at layer ${layer}.`, `They hold layers ${a.layers.join(', ')} and poolings ${a.poolings.join(', ')}${a.poolings.includes('pooler') ? ' (the pooler at the last layer only)' : ''}.`);
      const hit = memo.get(name);
      if (hit) return hit;
      const out = new Float32Array(total * H);
      ms.forEach((m, i) => {
        const file = path.join(dirs[i], name);
        let bytes: Buffer;
        try { bytes = fs.readFileSync(file); } catch { throw new EngineError('features', `${file} is missing.`, 'Write that shard again.'); }
        const body = npyBody(bytes, file, m.rows.count, H);
        if (N === 1) out.set(body); else scatter(m.shard.index, body, out, H);
      });
      if (memoBytes + out.byteLength <= 256 * 2 ** 20) { memo.set(name, out); memoBytes += out.byteLength; }
      return out;
    },
  };
}

/** A FeatureSet held in memory, filled row by row (the run without a cache folder). */
export class MemoryFeatures {
  private readonly data = new Map<string, Float32Array>();
  private row = 0;
  readonly labels: string[] = [];
  readonly texts: string[] = [];

  constructor(readonly pairs: FeaturePair[], readonly hidden: number, readonly n: number) {
    for (const p of pairs) this.data.set(pairFile(p), new Float32Array(n * hidden));
  }

  append(vectors: Float32Array[], label: string, text: string): void {
    this.pairs.forEach((p, i) => this.data.get(pairFile(p))!.set(vectors[i], this.row * this.hidden));
    this.labels.push(label);
    this.texts.push(text);
    this.row++;
  }

  toFeatureSet(layers: number[], poolings: ProbePooling[], notes: string[]): FeatureSet {
    const data = this.data;
    return {
      n: this.n, hidden: this.hidden, layers, poolings, labels: this.labels, texts: this.texts, notes,
      has: (layer, pooling) => data.has(pairFile({ layer, pooling })),
      get(layer, pooling) {
        const d = data.get(pairFile({ layer, pooling }));
        if (!d) throw new EngineError('experiment-args', `These features have no ${pooling} vectors at layer ${layer}.`, `They hold layers ${layers.join(', ')} and poolings ${poolings.join(', ')}.`);
        return d;
      },
    };
  }
}
