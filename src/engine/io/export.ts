// Writing vectors and matrices as NumPy .npy (format 1.0), CSV and JSON. Pure: bytes and strings out.
import type { PoolingName } from '../../shared/poolings';
import type { FloatTensor, ModelSummary, Token, Truncation } from '../../shared/types';

/** NumPy .npy, version 1.0, little-endian float32, C order. `np.load` reads it as shape `dims`. */
export function toNpy(t: FloatTensor): Uint8Array {
  const shape = t.dims.length === 1 ? `(${t.dims[0]},)` : `(${t.dims.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  // magic(6) + version(2) + header length(2) + header, padded with spaces and ending in \n to a multiple of 64
  const pre = 10;
  const total = Math.ceil((pre + header.length + 1) / 64) * 64;
  header = header.padEnd(total - pre - 1, ' ') + '\n';
  const out = new Uint8Array(total + t.data.length * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i);
  const view = new DataView(out.buffer, total);
  for (let i = 0; i < t.data.length; i++) view.setFloat32(i * 4, t.data[i], true);
  return out;
}

/** Read back what toNpy writes (float32 only): used by tests and by anyone checking an export. */
export function fromNpy(bytes: Uint8Array): FloatTensor {
  if (bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') throw new Error('not a .npy file');
  const hlen = bytes[8] | (bytes[9] << 8);
  const header = String.fromCharCode(...bytes.subarray(10, 10 + hlen));
  if (!header.includes("'<f4'")) throw new Error('only little-endian float32 .npy is supported');
  const m = /'shape': \(([^)]*)\)/.exec(header);
  if (!m) throw new Error('.npy header has no shape');
  const dims = m[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const n = dims.reduce((a, b) => a * b, 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset + 10 + hlen, n * 4);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = view.getFloat32(i * 4, true);
  return { data, dims };
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A [rows, cols] tensor as CSV with a header row; row labels in the first column. */
export function toCsv(t: FloatTensor, rowLabels: string[], colLabels?: string[]): string {
  const [R, C] = t.dims.length === 1 ? [1, t.dims[0]] : [t.dims[0], t.data.length / t.dims[0]];
  const header = ['', ...(colLabels ?? Array.from({ length: C }, (_, i) => `d${i}`))].map(csvCell).join(',');
  const lines = [header];
  for (let r = 0; r < R; r++) {
    const vals = Array.from(t.data.subarray(r * C, (r + 1) * C), (v) => String(v));
    lines.push([csvCell(rowLabels[r] ?? String(r)), ...vals].join(','));
  }
  return lines.join('\n') + '\n';
}

// ---- the one shape of exported vectors: the extension's Export Vectors… and the CLI's `inspect --json` / `--csv`

/** Rounds each number on the way out (the CLI's --digits); the identity by default. */
export type Round = (v: number) => number;
const exact: Round = (v) => v;

/** A [R, …] tensor as R rows of numbers (each row the remaining dimensions, flattened). */
export function tensorRows(t: FloatTensor, round: Round = exact): number[][] {
  const R = t.dims[0];
  const per = R ? t.data.length / R : 0;
  return Array.from({ length: R }, (_, r) => Array.from(t.data.subarray(r * per, (r + 1) * per), round));
}

/** What an exported inspection carries (an Inspection has all of it). */
export interface VectorsSource {
  model: ModelSummary;
  text: string;
  tokens: Token[];
  truncation: Truncation;
  layerIds: number[];
  vectors: Partial<Record<PoolingName, FloatTensor>>;
  norms: Partial<Record<PoolingName, Float32Array>>;
}

/** The model as exported: the summary without its configured reference. */
export function modelJson(m: ModelSummary): Record<string, unknown> {
  return {
    name: m.name, folder: m.folder, onnxFile: m.onnxFile, modelType: m.modelType, layers: m.layers, heads: m.heads, hidden: m.hidden,
    maxTokens: m.maxTokens, vocabSize: m.vocabSize, inputs: m.inputs, randomWeights: m.randomWeights, poolingMode: m.poolingMode,
    hasPooler: m.hasPooler, attentions: m.attentions, hiddenStates: m.hiddenStates, warnings: m.warnings,
  };
}

/**
 * Vectors as JSON: `layers` names the rows; `vectors[pooling]` is [layer][H] (`pooler` [[H]], after the last layer);
 * `norms[pooling]` one L2 norm per row. README documents these fields.
 */
export function vectorsJson(r: VectorsSource, round: Round = exact): {
  model: Record<string, unknown>; text: string; tokens: Token[]; truncated: boolean; truncation: Truncation; layers: number[];
  vectors: Record<string, number[][]>; norms: Record<string, number[]>;
} {
  const vectors: Record<string, number[][]> = {};
  for (const [k, v] of Object.entries(r.vectors) as [PoolingName, FloatTensor][]) vectors[k] = tensorRows(v, round);
  const norms: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(r.norms) as [PoolingName, Float32Array][]) norms[k] = Array.from(v, round);
  return { model: modelJson(r.model), text: r.text, tokens: r.tokens, truncated: r.truncation.truncated, truncation: r.truncation, layers: r.layerIds, vectors, norms };
}

/**
 * Vectors as CSV: a header `,d0,…,d{H-1}`, then one row per pooling and layer labelled `pooling@layer`
 * (the pooler's single row carries the last layer's number).
 */
export function vectorsCsv(r: Pick<VectorsSource, 'layerIds' | 'vectors'>): string {
  const entries = Object.entries(r.vectors) as [PoolingName, FloatTensor][];
  if (entries.length === 0) return '';
  const H = entries[0][1].dims[1];
  const lines = [['', ...Array.from({ length: H }, (_, i) => `d${i}`)].join(',')];
  const last = r.layerIds[r.layerIds.length - 1];
  for (const [k, t] of entries) {
    const labels = t.dims[0] === r.layerIds.length ? r.layerIds.map((l) => `${k}@${l}`) : [`${k}@${last}`];
    const body = toCsv(t, labels);
    lines.push(body.slice(body.indexOf('\n') + 1).replace(/\n$/, ''));
  }
  return lines.join('\n') + '\n';
}
