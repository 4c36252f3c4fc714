// Large per-run matrices, one layer at a time: attention heads, token×token cosine, rollout. Pure functions over the
// heavy tensors of one inspection, so the engine worker can keep those tensors and answer requests off the host thread.
import { tokenCosineMatrix } from './similarity';
import type { MatrixKind } from '../../shared/protocol';
import type { FloatTensor } from '../../shared/types';

/** The tensors of one inspection that are too large to post to the host whole. */
export interface RunTensors {
  /** [layerIds.length, T, H] */
  hidden: FloatTensor;
  layerIds: number[];
  /** [L, heads, T, T] or null when the model cannot provide attentions. */
  attentions: FloatTensor | null;
  /** [L, T, T] or null likewise. */
  rollout: FloatTensor | null;
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

/** [L, T]: row 0 ([CLS] as query) of the rollout up to each layer. */
export function rolloutClsRows(rollout: FloatTensor): FloatTensor {
  const [L, T] = rollout.dims as [number, number, number];
  const out = new Float32Array(L * T);
  for (let l = 0; l < L; l++) out.set(rollout.data.subarray(l * T * T, l * T * T + T), l * T);
  return { data: out, dims: [L, T] };
}

/**
 * One layer of a large matrix; null when the request does not fit the run (no attentions, layer out of range).
 * The payload never shares memory with the run's tensors, so it can be transferred while the run is kept.
 */
export function runMatrix(run: RunTensors, req: { kind: MatrixKind; layer: number }): MatrixPayload | null {
  if (!Number.isInteger(req.layer) || req.layer < 0) return null;
  switch (req.kind) {
    case 'attention': {
      if (!run.attentions) return null;
      const [L, Hd, T] = run.attentions.dims as [number, number, number, number];
      if (req.layer >= L) return null;
      const per = Hd * T * T;
      return { ...quantise(run.attentions.data.subarray(req.layer * per, (req.layer + 1) * per)), dims: [Hd, T, T] };
    }
    case 'rollout': {
      if (!run.rollout) return null;
      const [L, T] = run.rollout.dims as [number, number, number];
      if (req.layer >= L) return null;
      return { data: run.rollout.data.slice(req.layer * T * T, (req.layer + 1) * T * T), scale: 1, dims: [T, T] };
    }
    case 'tokenCosine': {
      if (req.layer >= run.layerIds.length) return null;
      const m = tokenCosineMatrix(run.hidden, req.layer);
      return { data: m.data, scale: 1, dims: m.dims };
    }
  }
  return null;
}
