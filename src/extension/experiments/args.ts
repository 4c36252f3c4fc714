// The pure part of the experiment commands (no `vscode`, unit-tested in plain Node): command ids and titles per
// kind, settings → ExperimentArgs, CSV/TSV header columns, progress wording, the panel title, and the "Run with N
// folds" offer read from an engine error.
import * as fs from 'node:fs';
import type { ExperimentArgs, ExperimentProgress } from '../../experiments/types';
import type { ExperimentKind } from '../../shared/experiments';

/** One command per experiment kind (package.json contributes the same ids; test/unit/commands.test.ts checks). */
export const EXPERIMENT_COMMANDS: Record<ExperimentKind, { id: string; title: string; short: string }> = {
  probe: { id: 'clsLens.runProbe', title: 'Run Pooling Probe…', short: 'Probe' },
  position: { id: 'clsLens.runPositionTest', title: 'Run Position Test…', short: 'Position' },
  layers: { id: 'clsLens.runLayerStory', title: 'Run Layer Story…', short: 'Layers' },
  census: { id: 'clsLens.runAttentionCensus', title: 'Run Attention Census…', short: 'Census' },
  recover: { id: 'clsLens.runRecoveryTest', title: 'Run Recovery Test…', short: 'Recovery' },
  map: { id: 'clsLens.showEmbeddingMap', title: 'Show Embedding Map…', short: 'Map' },
};

/** Kinds whose results need a label per text (the probes train on labels; the map colours by them). */
export const NEEDS_LABELS: ReadonlySet<ExperimentKind> = new Set(['probe', 'position', 'map']);

/** Kinds that use a seeded sample of the texts (`limit`); the probe, position test and map use every text. */
export const SAMPLED_KINDS: ReadonlySet<ExperimentKind> = new Set(['layers', 'census', 'recover']);

export const BUILTIN_DATA = 'builtin:sentences';

/** What the user chose to run on (remembered per workspace). */
export interface DataChoice {
  data: string;
  textColumn?: string;
  labelColumn?: string;
}

export function isDataChoice(v: unknown): v is DataChoice {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const optStr = (x: unknown) => x === undefined || typeof x === 'string';
  return typeof o.data === 'string' && o.data.length > 0 && optStr(o.textColumn) && optStr(o.labelColumn);
}

/** The settings the experiments read (clsLens.experiments.* and the model's). */
export interface ExperimentSettings {
  model: string;
  onnxFile: string;
  maxTokens: number;
  folds: number;
  seed: number;
  /** "all", or layer ids separated by commas ("0,3,6"). */
  layers: string;
  /** 0: each experiment's default. */
  maxTexts: number;
}

/** "all" → 'all'; "0, 3,6" → [0, 3, 6]; anything else is an error message naming the setting. */
export function parseLayers(s: string): 'all' | number[] | string {
  const t = s.trim().toLowerCase();
  if (t === '' || t === 'all') return 'all';
  const parts = t.split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) return `clsLens.experiments.layers is "${s}": write "all" or layer numbers separated by commas, e.g. "0,3,6" (0 = embeddings).`;
  return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}

/** The arguments of one run; a string is a settings problem to show instead. */
export function experimentArgs(kind: ExperimentKind, modelRef: string, data: DataChoice, s: ExperimentSettings): ExperimentArgs | string {
  const layers = parseLayers(s.layers);
  if (layers !== 'all' && typeof layers === 'string') return layers;
  if (!Number.isInteger(s.folds) || s.folds < 2) return `clsLens.experiments.folds is ${s.folds}: it must be a whole number of at least 2.`;
  const args: ExperimentArgs = {
    kind, model: modelRef, data: data.data, layers, folds: s.folds, seed: s.seed,
  };
  if (s.onnxFile) args.onnxFile = s.onnxFile;
  if (data.textColumn) args.textColumn = data.textColumn;
  if (data.labelColumn) args.labelColumn = data.labelColumn;
  if (s.maxTokens > 0) args.maxTokens = s.maxTokens;
  if (s.maxTexts > 0 && SAMPLED_KINDS.has(kind)) args.limit = s.maxTexts;
  return args;
}

/** The data format a path names, by its extension (a folder: one file per class). */
export function dataFormat(file: string): 'csv' | 'tsv' | 'jsonl' | 'folder' | 'builtin' | null {
  if (file.startsWith('builtin:')) return 'builtin';
  const lower = file.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.tsv') || lower.endsWith('.tab')) return 'tsv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  try { if (fs.statSync(file).isDirectory()) return 'folder'; } catch { /* not there: null */ }
  return null;
}

/** The column names of a CSV/TSV header line (quoted names unquoted, "" as "). */
export function headerColumns(line: string, sep: ',' | '\t'): string[] {
  const out: string[] = [];
  let cur = '', quoted = false;
  const s = line.replace(/^\uFEFF/, '').replace(/\r$/, '');
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"' && cur.trim() === '') { quoted = true; cur = ''; }
    else if (ch === sep) { out.push(cur.trim()); cur = ''; }
    else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/** The header of a CSV/TSV file, reading only its first 64 KiB (a 1 GB file is not loaded). */
export async function readHeader(file: string, sep: ',' | '\t'): Promise<string[]> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.alloc(65536);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8');
    const nl = text.indexOf('\n');
    return headerColumns(nl >= 0 ? text.slice(0, nl) : text, sep).filter((c) => c.length > 0);
  } finally {
    await fh.close();
  }
}

/** A progress event in words, with its count when the runner gave one and its message does not already say it. */
export function progressText(p: ExperimentProgress): string {
  const base = p.message ?? p.phase;
  if (p.total === undefined || p.done === undefined) return base;
  return base.includes(String(p.total)) ? base : `${base} (${p.done}/${p.total})`;
}

/** "Probe — bert-mini — sentences.csv" */
export function panelTitle(kind: ExperimentKind, model: string, data: string): string {
  const name = data.startsWith('builtin:') ? data : data.split(/[\\/]/).filter(Boolean).pop() ?? data;
  return `${EXPERIMENT_COMMANDS[kind].short} — ${model} — ${name}`;
}

/**
 * The folds an error lets the run go on with: the engine's structured offer (`EngineError.retry.folds`, set when a
 * class has fewer texts than the folds asked for), when it is below the folds requested; else null.
 */
export function foldsOffer(e: { retry?: { folds?: number } }, requested: number): number | null {
  const n = e.retry?.folds;
  return typeof n === 'number' && Number.isInteger(n) && n >= 2 && n < requested ? n : null;
}
