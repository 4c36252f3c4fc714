// Labelled text data sets, streamed from disk: CSV (RFC 4180 quotes, line breaks inside quotes), TSV, JSONL
// ({"text", "label"} per line) and a folder with one file per class (label = file name without extension, one text
// per line). Bytes are hashed (sha256) and checked as UTF-8 while they are read; nothing holds more than a chunk
// (1 MiB) and the record in progress. Every bad input is an EngineError that names its cause and the next step.
import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancelledError, EngineError } from '../../engine/errors';
import type { DataInfo } from '../../shared/experiments';
import { CsvParser, UnclosedQuote } from './csv';
import { findUtf8Fault } from './utf8';

export type DataFormat = DataInfo['format'];

export interface OpenOptions {
  /** Column (CSV/TSV header, JSONL key) holding the texts; default `text`. Ignored for a folder. */
  textColumn?: string;
  /** Column holding the labels; default `label`. Ignored for a folder. */
  labelColumn?: string;
  signal?: AbortSignal;
  /**
   * Check the labels after a full pass (default true): at least two classes, and not so many distinct labels that the
   * label column is probably the text (more than MAX_CLASSES, or more than half the texts once there are 20 or more).
   */
  checkLabels?: boolean;
}

export interface DataRow {
  text: string;
  label: string;
  /** 0-based index among the rows used (skipped rows take no index): the same in every pass over the same bytes. */
  row: number;
  /** 1-based line of the file where the row starts (for a folder: in its class file). */
  line: number;
}

export interface Dataset {
  format: DataFormat;
  /** What `info().file` says: the absolute path, or `builtin:<name>`. */
  file: string;
  /** Streams the rows from disk; each call starts a new pass. */
  rows(): AsyncGenerator<DataRow>;
  /** Valid after a complete pass of rows(); throws before. */
  info(): DataInfo;
}

/** Above this many distinct labels the label column is taken for the text. */
export const MAX_CLASSES = 1000;
/** The shipped data sets, `builtin:<name>` → file under `data/`. */
export const BUILTIN_SETS: Readonly<Record<string, string>> = { sentences: 'sentences.csv' };

const CHUNK = 1 << 20;
const FORMATS: Record<string, DataFormat> = { '.csv': 'csv', '.tsv': 'tsv', '.tab': 'tsv', '.jsonl': 'jsonl', '.ndjson': 'jsonl' };

/** The repository's (or the installed extension's) `data/` folder: searched upward from the running bundle. */
export function findDataFolder(from: string = __dirname): string | null {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'data', BUILTIN_SETS.sentences))) return path.join(dir, 'data');
    if (path.dirname(dir) === dir) return null;
  }
}

/** `builtin:<name>` → its file; other paths unchanged (made absolute). */
export function resolveDataPath(p: string): { file: string; label: string } {
  const m = /^builtin:(.*)$/.exec(p);
  if (!m) return { file: path.resolve(p), label: path.resolve(p) };
  const name = BUILTIN_SETS[m[1]];
  if (!name) throw new EngineError('data-not-found', `There is no shipped data set "${m[1]}".`, `The shipped sets are ${Object.keys(BUILTIN_SETS).map((k) => `builtin:${k}`).join(', ')}.`);
  const dir = findDataFolder();
  if (!dir) throw new EngineError('data-not-found', `The shipped data set ${p} is missing: no data/${name} was found above ${__dirname}.`, 'Reinstall CLS Lens, or pass the path of a CSV file instead.');
  return { file: path.join(dir, name), label: p };
}

function formatOf(file: string): DataFormat {
  let st: fs.Stats;
  try { st = fs.statSync(file); } catch {
    throw new EngineError('data-not-found', `The data file ${file} does not exist.`, 'Check the path: give a .csv, .tsv or .jsonl file, or a folder with one .txt file per class.');
  }
  if (st.isDirectory()) return 'folder';
  const f = FORMATS[path.extname(file).toLowerCase()];
  if (!f) throw new EngineError('data-format', `Cannot tell the format of ${path.basename(file)} from its extension.`, 'Name it .csv, .tsv or .jsonl (one {"text", "label"} object per line), or use a folder with one file per class.');
  return f;
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}

async function encodingError(file: string): Promise<EngineError> {
  const f = await findUtf8Fault(file);
  const where = f ? ` at byte ${f.offset} (line ${f.line})` : '';
  return new EngineError('data-encoding', `${file} is not valid UTF-8${where}.`, 'Save it as UTF-8 (in most editors: Save with Encoding → UTF-8) and try again.');
}

/** The decoded text of a file, chunk by chunk, hashing the bytes as they pass. A BOM is dropped. */
async function* textChunks(file: string, hash: Hash, signal?: AbortSignal): AsyncGenerator<string> {
  const dec = new TextDecoder('utf-8', { fatal: true });
  for await (const chunk of fs.createReadStream(file, { highWaterMark: CHUNK })) {
    checkAbort(signal);
    hash.update(chunk as Buffer);
    let text: string;
    try { text = dec.decode(chunk as Buffer, { stream: true }); } catch { throw await encodingError(file); }
    yield text;
  }
  let rest: string;
  try { rest = dec.decode(); } catch { throw await encodingError(file); }
  if (rest) yield rest;
}

/** Lines of a file (LF, CRLF; a final line without a break included), with their 1-based numbers. */
async function* lines(file: string, hash: Hash, signal?: AbortSignal): AsyncGenerator<{ text: string; line: number }> {
  let carry = '';
  let line = 1;
  for await (const t of textChunks(file, hash, signal)) {
    const parts = (carry + t).split('\n');
    carry = parts.pop()!;
    for (const p of parts) yield { text: p.endsWith('\r') ? p.slice(0, -1) : p, line: line++ };
  }
  if (carry) yield { text: carry.endsWith('\r') ? carry.slice(0, -1) : carry, line };
}

function columnError(file: string, kind: 'text' | 'label', wanted: string, have: string[], where: string): EngineError {
  const near = have.find((c) => c.toLowerCase() === wanted.toLowerCase());
  const list = have.length ? have.map((c) => JSON.stringify(c)).join(', ') : 'none';
  const option = kind === 'text' ? 'text column' : 'label column';
  return new EngineError('data-column', `${path.basename(file)} has no ${kind} column "${wanted}"${where}; the columns there are ${list}.`,
    near ? `Column names are matched exactly: did you mean "${near}"? Set the ${option} to "${near}".` : `Set the ${option} to one of them, or add a header row naming the columns (the first row is always read as the header).`);
}

const blank = (s: string) => !/\S/.test(s);

class Counts {
  n = 0;
  classes: Record<string, number> = Object.create(null);
  distinct = 0;
  skipped: Record<string, number> = Object.create(null);
  skip(reason: string): void { this.skipped[reason] = (this.skipped[reason] ?? 0) + 1; }
  take(label: string): void {
    this.n++;
    if (this.classes[label] === undefined) { this.classes[label] = 0; this.distinct++; }
    this.classes[label]++;
  }
}

/** Refuse labels that cannot train a classifier: one class only, or so many that the column is probably the text. */
export function checkLabels(info: DataInfo): void {
  const classes = Object.keys(info.classes);
  const name = info.file.startsWith('builtin:') ? info.file : path.basename(info.file);
  const col = info.labelColumn ? ` "${info.labelColumn}"` : '';
  if (info.n === 0) {
    const why = Object.entries(info.skipped).map(([k, v]) => `${v} ${k}`).join(', ');
    throw new EngineError('data-labels', `${name} has no usable rows${why ? ` (skipped: ${why})` : ''}.`, 'Each row needs a non-blank text and a label.');
  }
  if (classes.length < 2) {
    throw new EngineError('data-labels', `${name} has only one class (${JSON.stringify(classes[0])}, ${info.n} texts) in its label column${col}.`,
      'A probe needs at least two classes: check the label column, or add texts of another class.');
  }
  if (classes.length > MAX_CLASSES || (info.n >= 20 && classes.length > info.n / 2)) {
    throw new EngineError('data-labels', `The label column${col} of ${name} has ${classes.length} distinct values for ${info.n} texts: is the label column the text?`,
      'Choose the column that holds the classes as the label column.');
  }
}

/**
 * Open a data set (a path, or `builtin:sentences`). The file must exist; its format comes from the extension
 * (.csv, .tsv/.tab, .jsonl/.ndjson) or it is a folder. Nothing is read until rows() is iterated.
 */
export async function openDataset(p: string, opts: OpenOptions = {}): Promise<Dataset> {
  checkAbort(opts.signal);
  const { file, label } = resolveDataPath(p);
  const format = formatOf(file);
  const textColumn = format === 'folder' ? null : opts.textColumn ?? 'text';
  const labelColumn = format === 'folder' ? null : opts.labelColumn ?? 'label';
  let done: DataInfo | null = null;
  const finish = (c: Counts, sha256: string): void => {
    done = { file: label, format, sha256, n: c.n, textColumn, labelColumn, classes: { ...c.classes }, skipped: { ...c.skipped } };
    if (opts.checkLabels !== false) checkLabels(done);
  };
  const rows = async function* (): AsyncGenerator<DataRow> {
    const c = new Counts();
    const hash = createHash('sha256');
    const tooMany = () => c.distinct > MAX_CLASSES && opts.checkLabels !== false;
    if (format === 'folder') {
      const names = fs.readdirSync(file, { withFileTypes: true }).filter((d) => d.isFile() && !d.name.startsWith('.')).map((d) => d.name).sort();
      if (names.length === 0) throw new EngineError('data-format', `The folder ${file} has no files.`, 'Put one text file per class in it (label = file name without extension, one text per line).');
      for (const name of names) {
        const fileHash = createHash('sha256');
        const cls = path.parse(name).name;
        for await (const l of lines(path.join(file, name), fileHash, opts.signal)) {
          if (l.text.length === 0) { c.skip('empty line'); continue; }
          if (blank(l.text)) { c.skip('blank text'); continue; }
          c.take(cls);
          yield { text: l.text, label: cls, row: c.n - 1, line: l.line };
        }
        hash.update(`${name}\u0000${fileHash.digest('hex')}\n`);
      }
    } else if (format === 'jsonl') {
      let first = true;
      for await (const l of lines(file, hash, opts.signal)) {
        if (blank(l.text)) { c.skip('empty line'); continue; }
        let o: unknown;
        try { o = JSON.parse(l.text); } catch (e) {
          throw new EngineError('data-format', `Line ${l.line} of ${path.basename(file)} is not JSON (${(e as Error).message}).`, 'Each line of a .jsonl file must be one object such as {"text": "…", "label": "…"}; fix or remove that line.');
        }
        if (typeof o !== 'object' || o === null || Array.isArray(o)) {
          throw new EngineError('data-format', `Line ${l.line} of ${path.basename(file)} is not a JSON object.`, 'Each line of a .jsonl file must be one object such as {"text": "…", "label": "…"}.');
        }
        const r = o as Record<string, unknown>;
        if (first) {
          first = false;
          const keys = Object.keys(r);
          if (!(textColumn! in r)) throw columnError(file, 'text', textColumn!, keys, ` (in the object on line ${l.line})`);
          if (!(labelColumn! in r)) throw columnError(file, 'label', labelColumn!, keys, ` (in the object on line ${l.line})`);
        }
        const t = r[textColumn!], lab = r[labelColumn!];
        if (typeof t !== 'string') { c.skip(t === undefined || t === null ? 'missing text' : 'text not a string'); continue; }
        if (blank(t)) { c.skip('blank text'); continue; }
        const ls = typeof lab === 'string' ? lab : typeof lab === 'number' || typeof lab === 'boolean' ? String(lab) : '';
        if (blank(ls)) { c.skip('missing label'); continue; }
        c.take(ls);
        if (tooMany()) checkLabels({ ...c, file: label, format, sha256: '', textColumn, labelColumn });
        yield { text: t, label: ls, row: c.n - 1, line: l.line };
      }
    } else {
      const parser = new CsvParser(format === 'tsv' ? '\t' : ',');
      let ti = -1, li = -1;
      let header: string[] | null = null;
      const handle = function* (fields: string[], line: number): Generator<DataRow> {
        if (!header) {
          header = fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f));
          ti = header.indexOf(textColumn!);
          li = header.indexOf(labelColumn!);
          if (ti < 0) throw columnError(file, 'text', textColumn!, header, ' in its header row');
          if (li < 0) throw columnError(file, 'label', labelColumn!, header, ' in its header row');
          return;
        }
        if (fields.length === 1 && fields[0] === '') { c.skip('empty line'); return; }
        const t = fields[ti], lab = fields[li];
        if (t === undefined) { c.skip('missing text'); return; }
        if (blank(t)) { c.skip('blank text'); return; }
        if (lab === undefined || blank(lab)) { c.skip('missing label'); return; }
        c.take(lab);
        if (tooMany()) checkLabels({ ...c, file: label, format, sha256: '', textColumn, labelColumn });
        yield { text: t, label: lab, row: c.n - 1, line };
      };
      try {
        for await (const t of textChunks(file, hash, opts.signal)) for (const r of parser.push(t)) yield* handle(r.fields, r.line);
        for (const r of parser.end()) yield* handle(r.fields, r.line);
      } catch (e) {
        if (e instanceof UnclosedQuote) {
          throw new EngineError('data-format', `${path.basename(file)}: the quoted field that opens on line ${e.line} is never closed.`, 'Close the quote, or double each quote character inside a quoted field ("").');
        }
        throw e;
      }
      if (!header) throw new EngineError('data-format', `${path.basename(file)} is empty.`, `It needs a header row naming the columns (${textColumn}, ${labelColumn}) and one row per text.`);
    }
    finish(c, hash.digest('hex'));
  };
  return {
    format, file: label, rows,
    info(): DataInfo {
      if (!done) throw new Error('Dataset.info() is valid after a complete pass of rows()');
      return done;
    },
  };
}

/** Every text and label in memory, for data that fits. */
export async function readAll(p: string, opts: OpenOptions = {}): Promise<{ texts: string[]; labels: string[]; info: DataInfo }> {
  const ds = await openDataset(p, opts);
  const texts: string[] = [], labels: string[] = [];
  for await (const r of ds.rows()) { texts.push(r.text); labels.push(r.label); }
  return { texts, labels, info: ds.info() };
}

/**
 * Refuse a cross-validation that cannot work: every class needs at least `folds` texts. Names the smallest class and
 * offers the largest fold count that works (2 or more), or says to add texts.
 */
export function validateForProbe(info: DataInfo, folds: number): void {
  if (!Number.isInteger(folds) || folds < 2) throw new EngineError('experiment-args', `Cross-validation needs a whole number of folds, 2 or more; got ${folds}.`, 'Use 5 folds (the default) or another whole number from 2 up.');
  const entries = Object.entries(info.classes);
  if (entries.length < 2) checkLabels(info);
  const [minLabel, minCount] = entries.reduce((a, b) => (b[1] < a[1] ? b : a));
  if (minCount >= folds) return;
  const next = minCount >= 2
    ? `Use ${minCount} folds or fewer, or add texts of class "${minLabel}".`
    : `Add texts of class "${minLabel}" (cross-validation needs at least 2 per class), or leave the class out.`;
  throw new EngineError('data-labels', `Class "${minLabel}" has ${minCount} text${minCount === 1 ? '' : 's'}, fewer than the ${folds} folds: each fold needs one of each class.`, next,
    undefined, minCount >= 2 ? { folds: minCount } : undefined);
}
