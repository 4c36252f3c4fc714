// Per-token measures of an inspection and the index rules they need. Pure and free of Node and `vscode`, so the
// webview (side-view chips) and the extension host (editor decorations) colour tokens from one definition.
import type { FloatTensor } from './types';
import type { InspectionView, TokenMeasure } from './protocol';

/** options.layer as a valid index into layerIds (out of range, e.g. -1, means the last). */
export function layerIndex(insp: InspectionView, layer: number): number {
  const R = insp.layerIds.length;
  return layer >= 0 && layer < R ? layer : R - 1;
}

/** Number of attention layers in the inspection (0 when attention is unavailable). */
export function attentionLayers(insp: InspectionView): number {
  return insp.attention ? insp.attention.clsRow.dims[0] : 0;
}

export function attentionHeads(insp: InspectionView): number {
  return insp.attention ? insp.attention.clsRow.dims[1] : insp.model.heads;
}

/** The attention layer (0..L-1) that produces the hidden state at layerIds[idx] (embeddings map to the first). */
export function attentionLayerOf(insp: InspectionView, idx: number): number {
  const L = Math.max(1, attentionLayers(insp) || insp.model.layers);
  const id = insp.layerIds[layerIndex(insp, idx)] ?? L;
  return Math.min(L - 1, Math.max(0, id - 1));
}

/** Row `r` of a 2-D tensor (a view, not a copy). */
export function row(t: FloatTensor, r: number): Float32Array {
  const cols = t.dims[t.dims.length - 1];
  return t.data.subarray(r * cols, (r + 1) * cols);
}

/** [CLS] attention row for (attention layer, head) of an inspection; head -1 averages the heads. */
export function clsAttentionRow(insp: InspectionView, layer: number, head: number): Float32Array | null {
  const a = insp.attention;
  if (!a) return null;
  const [, heads, T] = a.clsRow.dims;
  const base = layer * heads * T;
  if (head >= 0 && head < heads) return a.clsRow.data.subarray(base + head * T, base + (head + 1) * T);
  const out = new Float32Array(T);
  for (let h = 0; h < heads; h++) for (let t = 0; t < T; t++) out[t] += a.clsRow.data[base + h * T + t];
  for (let t = 0; t < T; t++) out[t] /= heads;
  return out;
}

/**
 * The value of every token under a measure at a layer index (into layerIds) and head (-1: mean of heads);
 * null when the measure needs attention the model does not expose, or (rollout) the analysis not computed yet.
 */
export function tokenMeasure(insp: InspectionView, measure: TokenMeasure, layer: number, head: number): Float32Array | null {
  if (measure === 'clsCosine') return row(insp.clsToken, layerIndex(insp, layer));
  if (!insp.attention) return null;
  const l = attentionLayerOf(insp, layer);
  if (measure === 'rollout') return insp.attention.summary ? row(insp.attention.summary.rolloutClsRow, l) : null;
  return clsAttentionRow(insp, l, head >= 0 && head < attentionHeads(insp) ? head : -1);
}
