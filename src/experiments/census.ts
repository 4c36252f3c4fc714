// 3b. The attention census: per layer × head, the mean over texts (and over each text's queries) of the attention
// sent to [CLS], [SEP], punctuation and the token itself, and the entropy of the attention rows (nats); heads that send
// more than half of it to [CLS] + [SEP] are sinks (Clark et al. 2019). Accumulated text by text, so any number of
// texts fits in memory.
import type { LoadedModel } from '../engine/engine';
import { EngineError } from '../engine/errors';
import { isPunctuationToken } from '../engine/tokenizer';
import type { EncodedText } from '../engine/tokenizer/types';
import type { CensusResult, HeadTensor } from '../shared/experiments';
import { forEachRun } from './sequences';

export type CensusTables = Pick<CensusResult, 'texts' | 'toCls' | 'toSep' | 'toPunct' | 'toSelf' | 'entropy' | 'sinks'>;

/** The share of a head's attention that crosses into [CLS] / [SEP] for a sink (Clark et al. 2019). */
export const SINK_SHARE = 0.5;

/** Which tokens are [CLS] (or the first added special), [SEP] and punctuation — as the engine's inspection counts them. */
export function tokenClasses(m: LoadedModel, enc: EncodedText): { cls: Uint8Array; sep: Uint8Array; punct: Uint8Array } {
  const T = enc.tokens.length, h = m.tokenizer;
  const cls = new Uint8Array(T), sep = new Uint8Array(T), punct = new Uint8Array(T);
  enc.tokens.forEach((t, i) => {
    if (t.special && (t.id === h.clsId || (i === 0 && t.start === null))) cls[i] = 1;
    else if (t.special && t.id === h.sepId) sep[i] = 1;
    else if (!t.special && isPunctuationToken(h, t.text)) punct[i] = 1;
  });
  return { cls, sep, punct };
}

/** Add one text's per-head means (over its queries) to the running sums. `attn` is [L, heads, T, T]. */
export function addText(sums: Float64Array[], attn: Float32Array, L: number, Hd: number, T: number, c: { cls: Uint8Array; sep: Uint8Array; punct: Uint8Array }): void {
  const [sCls, sSep, sPunct, sSelf, sEnt] = sums;
  for (let lh = 0; lh < L * Hd; lh++) {
    const base = lh * T * T;
    let toCls = 0, toSep = 0, toPunct = 0, toSelf = 0, ent = 0;
    for (let q = 0; q < T; q++) {
      const row = base + q * T;
      for (let k = 0; k < T; k++) {
        const p = attn[row + k];
        if (p > 0) ent -= p * Math.log(p);
        if (c.cls[k]) toCls += p;
        else if (c.sep[k]) toSep += p;
        else if (c.punct[k]) toPunct += p;
      }
      toSelf += attn[row + q];
    }
    sCls[lh] += toCls / T; sSep[lh] += toSep / T; sPunct[lh] += toPunct / T; sSelf[lh] += toSelf / T; sEnt[lh] += ent / T;
  }
}

export async function attentionCensus(m: LoadedModel, encs: readonly EncodedText[], o: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void }): Promise<CensusTables> {
  if (!m.encoder.hasAttentions) {
    throw new EngineError('onnx-unsupported', `The census needs attention probabilities, and this model's cannot be read: ${m.summary.attentions.reason ?? 'the graph does not expose them'}`,
      'Use an fp32 export whose attention CLS Lens can read or recompute (the model summary says why it cannot), or a model with attention outputs.');
  }
  const L = m.summary.layers, Hd = m.summary.heads;
  const sums = Array.from({ length: 5 }, () => new Float64Array(L * Hd));
  const classes = encs.map((e) => tokenClasses(m, e));
  await forEachRun(m, encs.map((e) => ({ ids: e.ids, tokenTypeIds: e.tokenTypeIds })), { attentions: true, signal: o.signal, onBatch: (d) => o.onProgress?.(d, encs.length) },
    (i, _hidden, attn) => {
      if (!attn) throw new EngineError('internal', 'The encoder returned no attentions for a batch.');
      addText(sums, attn.data, attn.dims[0], attn.dims[1], attn.dims[2], classes[i]);
    });
  const n = encs.length;
  const tensor = (s: Float64Array): HeadTensor => ({ data: Float32Array.from(s, (x) => x / n), dims: [L, Hd] });
  const [toCls, toSep, toPunct, toSelf, entropy] = sums.map(tensor);
  const sinks: CensusTables['sinks'] = [];
  for (let l = 0; l < L; l++) {
    for (let h = 0; h < Hd; h++) {
      const c = toCls.data[l * Hd + h], s = toSep.data[l * Hd + h];
      if (c + s > SINK_SHARE) sinks.push({ layer: l + 1, head: h, toCls: c, toSep: s });
    }
  }
  return { texts: n, toCls, toSep, toPunct, toSelf, entropy, sinks };
}
