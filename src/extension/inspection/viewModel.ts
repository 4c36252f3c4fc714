// From engine results to what the webviews draw. Pure functions (no `vscode`), unit-tested in plain Node.
import { tokenCosineMatrix, cosine } from '../../engine/compute/similarity';
import { POOLING_COMPARE_ORDER } from '../../shared/poolings';
import type { FloatTensor, Inspection, PoolingName } from '../../shared/types';
import type { CompareView, InspectionView, MatrixRequest, PinnedView } from '../../shared/protocol';


/** [R, P, P] cosine between poolings per layer. The pooler exists only after the last layer: NaN elsewhere. */
export function poolingCosines(ins: Inspection): { names: PoolingName[]; cos: FloatTensor } {
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

/** [L, T]: row 0 ([CLS] as query) of the rollout up to each layer. */
export function rolloutClsRows(rollout: FloatTensor): FloatTensor {
  const [L, T] = rollout.dims as [number, number, number];
  const out = new Float32Array(L * T);
  for (let l = 0; l < L; l++) out.set(rollout.data.subarray(l * T * T, l * T * T + T), l * T);
  return { data: out, dims: [L, T] };
}

export function toInspectionView(ins: Inspection, runId: number): InspectionView {
  const { names, cos } = poolingCosines(ins);
  const a = ins.analysis;
  return {
    runId, model: ins.model, text: ins.text, tokens: ins.tokens, truncation: ins.truncation, layerIds: ins.layerIds,
    vectors: ins.vectors, norms: ins.norms, poolingCos: cos, poolingNames: names,
    clsMean: ins.similarity.clsMean, clsToken: ins.similarity.clsToken,
    attention: a ? { clsRow: a.clsRow, rolloutClsRow: rolloutClsRows(a.rollout), toCls: a.toCls, toSep: a.toSep, toPunct: a.toPunct, toSelf: a.toSelf, entropy: a.entropy } : null,
    timings: ins.timings,
  };
}

export interface MatrixPayload {
  data: Float32Array | Uint8Array;
  scale: number;
  dims: number[];
}

/** Quantise probabilities in [0, max] to bytes: value ≈ byte / 255 * scale. 4× fewer bytes than float32. */
export function quantise(src: Float32Array): { data: Uint8Array; scale: number } {
  let max = 0;
  for (let i = 0; i < src.length; i++) if (src[i] > max) max = src[i];
  const scale = max > 0 ? max : 1;
  const k = 255 / scale;
  const data = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) data[i] = Math.round(src[i] * k);
  return { data, scale };
}

/** One layer of a large matrix, on request; null when the request does not fit the inspection. */
export function matrixFor(ins: Inspection, req: MatrixRequest): MatrixPayload | null {
  switch (req.kind) {
    case 'attention': {
      if (!ins.attentions) return null;
      const [L, Hd, T] = ins.attentions.dims as [number, number, number, number];
      if (req.layer >= L) return null;
      const per = Hd * T * T;
      return { ...quantise(ins.attentions.data.subarray(req.layer * per, (req.layer + 1) * per)), dims: [Hd, T, T] };
    }
    case 'rollout': {
      if (!ins.analysis) return null;
      const [L, T] = ins.analysis.rollout.dims as [number, number, number];
      if (req.layer >= L) return null;
      return { data: ins.analysis.rollout.data.slice(req.layer * T * T, (req.layer + 1) * T * T), scale: 1, dims: [T, T] };
    }
    case 'tokenCosine': {
      if (req.layer >= ins.layerIds.length) return null;
      const m = tokenCosineMatrix(ins.hidden, req.layer);
      return { data: m.data, scale: 1, dims: m.dims };
    }
  }
}

export { tokenMeasure } from '../../shared/measures';

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
