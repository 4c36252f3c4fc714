// Attention analysis over probabilities [layers][heads][query][key] (bertviz's contract).
// Measures from Clark et al. 2019 ("What Does BERT Look At?") and rollout from Abnar & Zuidema 2020.
import type { AttentionAnalysis, FloatTensor } from '../../shared/types';

/** Token classes for the share measures: 1 where the token belongs to the class. */
export interface TokenClasses {
  cls: Uint8Array;
  sep: Uint8Array;
  punct: Uint8Array;
}

/**
 * Per-head measures and the head-averaged, residual-corrected matrices that rollout multiplies.
 * `attn` is [L, heads, T, T]; rows are queries and sum to 1.
 */
export function headMeasures(attn: FloatTensor, classes: TokenClasses): Omit<AttentionAnalysis, 'rollout'> & { mixed: FloatTensor } {
  const [L, Hd, T] = attn.dims as [number, number, number, number];
  const a = attn.data;
  const clsIdx = classes.cls.indexOf(1) >= 0 ? classes.cls.indexOf(1) : 0;
  const clsRow = new Float32Array(L * Hd * T);
  const toCls = new Float32Array(L * Hd), toSep = new Float32Array(L * Hd), toPunct = new Float32Array(L * Hd);
  const toSelf = new Float32Array(L * Hd), entropy = new Float32Array(L * Hd);
  const mixed = new Float32Array(L * T * T);
  const invH = 1 / Hd;
  for (let l = 0; l < L; l++) {
    const m = mixed.subarray(l * T * T, (l + 1) * T * T);
    for (let h = 0; h < Hd; h++) {
      const lh = l * Hd + h;
      const base = lh * T * T;
      clsRow.set(a.subarray(base + clsIdx * T, base + clsIdx * T + T), lh * T);
      let sCls = 0, sSep = 0, sPunct = 0, sSelf = 0, sEnt = 0;
      for (let q = 0; q < T; q++) {
        const row = base + q * T;
        const mrow = q * T;
        for (let k = 0; k < T; k++) {
          const p = a[row + k];
          m[mrow + k] += p * invH;
          if (p > 0) sEnt -= p * Math.log(p);
          if (classes.cls[k]) sCls += p;
          if (classes.sep[k]) sSep += p;
          if (classes.punct[k]) sPunct += p;
        }
        sSelf += a[row + q];
      }
      toCls[lh] = sCls / T; toSep[lh] = sSep / T; toPunct[lh] = sPunct / T;
      toSelf[lh] = sSelf / T; entropy[lh] = sEnt / T;
    }
  }
  const lh = (data: Float32Array): FloatTensor => ({ data, dims: [L, Hd] });
  return {
    clsRow: { data: clsRow, dims: [L, Hd, T] },
    toCls: lh(toCls), toSep: lh(toSep), toPunct: lh(toPunct), toSelf: lh(toSelf), entropy: lh(entropy),
    mixed: { data: mixed, dims: [L, T, T] },
  };
}

/** Â = 0.5·A + 0.5·I, rows renormalised to sum to 1. In place on a [L, T, T] head-mean tensor. */
export function addResidual(mixed: FloatTensor): FloatTensor {
  const [L, T] = mixed.dims as [number, number, number];
  const m = mixed.data;
  for (let l = 0; l < L; l++) {
    for (let q = 0; q < T; q++) {
      const row = (l * T + q) * T;
      let s = 0;
      for (let k = 0; k < T; k++) { const v = 0.5 * m[row + k] + (k === q ? 0.5 : 0); m[row + k] = v; s += v; }
      if (s > 0) for (let k = 0; k < T; k++) m[row + k] /= s;
    }
  }
  return mixed;
}

/**
 * Attention rollout for every layer: R_1 = Â_1, R_l = Â_l · R_{l−1}. Input and output [L, T, T].
 * Plain JavaScript; the engine uses an onnxruntime MatMul chain for speed and this as its fallback and reference.
 */
export function rolloutJs(hat: FloatTensor): FloatTensor {
  const [L, T] = hat.dims as [number, number, number];
  const out = new Float32Array(L * T * T);
  out.set(hat.data.subarray(0, T * T), 0);
  const acc = new Float64Array(T);
  for (let l = 1; l < L; l++) {
    const A = hat.data.subarray(l * T * T, (l + 1) * T * T);
    const P = out.subarray((l - 1) * T * T, l * T * T);
    const R = out.subarray(l * T * T, (l + 1) * T * T);
    for (let i = 0; i < T; i++) {
      acc.fill(0);
      for (let k = 0; k < T; k++) {
        const aik = A[i * T + k];
        if (aik === 0) continue;
        const prow = k * T;
        for (let j = 0; j < T; j++) acc[j] += aik * P[prow + j];
      }
      for (let j = 0; j < T; j++) R[i * T + j] = acc[j];
    }
  }
  return { data: out, dims: [L, T, T] };
}
