// From engine results to what the webviews draw. Pure functions (no `vscode`), unit-tested in plain Node.
import { cosine } from '../../engine/compute/similarity';
import { rolloutClsRows } from '../../engine/compute/matrix';
import type { InspectResult, LightAnalysis } from '../../engine/worker/protocol';
import { POOLING_COMPARE_ORDER } from '../../shared/poolings';
import type { AttentionAnalysis, FloatTensor, Inspection, PoolingName } from '../../shared/types';
import type { AttentionSummary, CompareView, InspectionView, PinnedView } from '../../shared/protocol';


/** [R, P, P] cosine between poolings per layer. The pooler exists only after the last layer: NaN elsewhere. */
export function poolingCosines(ins: Pick<Inspection, 'layerIds' | 'vectors'>): { names: PoolingName[]; cos: FloatTensor } {
  const names = POOLING_COMPARE_ORDER.filter((p) => ins.vectors[p]);
  const R = ins.layerIds.length, P = names.length;
  const out = new Float32Array(R * P * P).fill(NaN);
  for (let r = 0; r < R; r++) {
    for (let i = 0; i < P; i++) {
      for (let j = 0; j < P; j++) {
        const a = ins.vectors[names[i]]!, b = ins.vectors[names[j]]!;
        const ra = a.dims[0] === R ? r : r === R - 1 ? 0 : -1;
        const rb = b.dims[0] === R ? r : r === R - 1 ? 0 : -1;
        if (ra < 0 || rb < 0) continue;
        const H = a.dims[1];
        out[(r * P + i) * P + j] = cosine(a.data, b.data, ra * H, rb * H, H);
      }
    }
  }
  return { names, cos: { data: out, dims: [R, P, P] } };
}

/** The summary the views draw from an engine analysis (full, or the worker's light one with the rollout's [CLS] rows). */
export function attentionSummary(a: AttentionAnalysis | LightAnalysis): AttentionSummary {
  const rolloutClsRow = 'rolloutClsRow' in a ? a.rolloutClsRow : rolloutClsRows(a.rollout);
  return { rolloutClsRow, toCls: a.toCls, toSep: a.toSep, toPunct: a.toPunct, toSelf: a.toSelf, entropy: a.entropy };
}

/**
 * The view of an inspection: the full one (engine in-process) or the worker's result without the heavy tensors.
 * The summary (shares, rollout rows) is there when the inspection carries its analysis, else null until asked for.
 */
export function toInspectionView(ins: Inspection | InspectResult, runId: number): InspectionView {
  const { names, cos } = poolingCosines(ins);
  const a = ins.analysis;
  const clsRow = ins.clsAttention ?? a?.clsRow ?? null;
  return {
    runId, model: ins.model, text: ins.text, tokens: ins.tokens, truncation: ins.truncation, layerIds: ins.layerIds,
    vectors: ins.vectors, norms: ins.norms, poolingCos: cos, poolingNames: names,
    clsMean: ins.similarity.clsMean, clsToken: ins.similarity.clsToken,
    attention: clsRow ? { clsRow, summary: a ? attentionSummary(a) : null } : null,
    timings: ins.timings,
  };
}

/** The same view with the analysis computed on request (a new object: the store compares by identity). */
export function withSummary(view: InspectionView, a: LightAnalysis): InspectionView {
  return view.attention ? { ...view, attention: { ...view.attention, summary: attentionSummary(a) } } : view;
}

export { tokenMeasure } from '../../shared/measures';
export type { MatrixPayload } from '../../engine/compute/matrix';

export interface Pin {
  label: string;
  text: string;
  layerIds: number[];
  vectors: Partial<Record<PoolingName, FloatTensor>>;
}

/** "#3 The first words of the text…": a pin's label, with at most about 40 characters of its text, cut at a word. */
export function pinLabel(index: number, text: string): string {
  const words = text.replace(/\s+/g, ' ').trim();
  const cut = words.length > 40 ? `${words.slice(0, 40).replace(/\s+\S*$/, '')}…` : words;
  return `#${index} ${cut}`;
}

/** [R, N, N] cosine between pinned texts for each pooling present in all of them. */
export function compareView(pins: Pin[]): CompareView {
  const views: PinnedView[] = pins.map((p) => ({ label: p.label, text: p.text }));
  if (pins.length === 0) return { pins: views, layerIds: [], matrices: {} };
  const layerIds = pins[0].layerIds;
  const N = pins.length;
  const matrices: CompareView['matrices'] = {};
  for (const pool of POOLING_COMPARE_ORDER) {
    if (!pins.every((p) => p.vectors[pool] && p.vectors[pool]!.dims[0] === pins[0].vectors[pool]!.dims[0])) continue;
    const R = pins[0].vectors[pool]!.dims[0], H = pins[0].vectors[pool]!.dims[1];
    const out = new Float32Array(R * N * N);
    for (let r = 0; r < R; r++) for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) {
      out[(r * N + i) * N + j] = cosine(pins[i].vectors[pool]!.data, pins[j].vectors[pool]!.data, r * H, r * H, H);
    }
    matrices[pool] = { data: out, dims: [R, N, N] };
  }
  return { pins: views, layerIds, matrices };
}
