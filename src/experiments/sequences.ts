// Runs the encoder on many token-id sequences (the texts as tokenised, or edited: [CLS] moved, a token dropped, a word
// masked) in padded, length-sorted batches, and hands each sequence's own hidden states (and attentions) to a visitor,
// so memory stays bounded by one batch. Batches depend only on the sequences, so the same input gives the same numbers.
import type { LoadedModel } from '../engine/engine';
import type { FloatTensor } from '../shared/types';
import { encodeText } from '../engine/tokenizer';
import type { EncodedText } from '../engine/tokenizer/types';
import { throwIfCancelled } from './meta';

export interface Sequence {
  ids: number[];
  /** Default: all zeros. */
  tokenTypeIds?: number[];
}

export interface RunOptions {
  /** Also read the attention probabilities (the census). */
  attentions?: boolean;
  signal?: AbortSignal;
  /** Padded-token budget per batch (rows × longest row); default 4096. */
  batchTokens?: number;
  maxBatch?: number;
  /** After each batch: sequences done so far. */
  onBatch?: (done: number) => void;
}

/**
 * Visit every sequence with its hidden states [layers+1, T, H] (or [1, T, H] when only the last layer can be read)
 * and, when asked and available, its attentions [layers, heads, T, T], T being the sequence's own length.
 * Returns the layer ids the hidden states hold.
 */
export async function forEachRun(
  m: LoadedModel, seqs: readonly Sequence[], opts: RunOptions,
  visit: (index: number, hidden: FloatTensor, attentions: FloatTensor | null) => void,
): Promise<number[]> {
  const L = m.summary.layers, H = m.summary.hidden;
  const padId = m.tokenizer.padId ?? 0;
  const budget = opts.batchTokens ?? 4096;
  const maxBatch = opts.maxBatch ?? 32;
  const order = seqs.map((_, i) => i).sort((a, b) => seqs[a].ids.length - seqs[b].ids.length || a - b);
  let layerIds: number[] = [L];
  let done = 0;
  for (let s = 0; s < order.length;) {
    throwIfCancelled(opts.signal);
    let e = s + 1;
    while (e < order.length && e - s < maxBatch && (e - s + 1) * seqs[order[e]].ids.length <= budget) e++;
    const rows = order.slice(s, e);
    const B = rows.length, T = seqs[order[e - 1]].ids.length;
    const ids = new Int32Array(B * T).fill(padId), mask = new Int32Array(B * T), types = new Int32Array(B * T);
    rows.forEach((ri, b) => {
      const q = seqs[ri];
      for (let t = 0; t < q.ids.length; t++) { ids[b * T + t] = q.ids[t]; mask[b * T + t] = 1; types[b * T + t] = q.tokenTypeIds?.[t] ?? 0; }
    });
    const out = await m.encoder.run({ ids, batch: B, seq: T, attentionMask: mask, tokenTypeIds: types },
      { hiddenStates: 'all', attentions: opts.attentions === true, pooler: false });
    const Lp = out.hiddenStates.length;
    layerIds = Lp === L + 1 ? Array.from({ length: L + 1 }, (_, i) => i) : [L];
    rows.forEach((ri, b) => {
      const n = seqs[ri].ids.length;
      const hidden = new Float32Array(Lp * n * H);
      out.hiddenStates.forEach((h, l) => hidden.set(h.data.subarray(b * T * H, b * T * H + n * H), l * n * H));
      let attn: FloatTensor | null = null;
      if (out.attentions) {
        const heads = out.attentions[0].dims[1];
        const a = new Float32Array(out.attentions.length * heads * n * n);
        out.attentions.forEach((t, l) => {
          for (let h = 0; h < heads; h++) {
            for (let qi = 0; qi < n; qi++) {
              const src = ((b * heads + h) * T + qi) * T;
              a.set(t.data.subarray(src, src + n), ((l * heads + h) * n + qi) * n);
            }
          }
        });
        attn = { data: a, dims: [out.attentions.length, heads, n, n] };
      }
      visit(ri, { data: hidden, dims: [Lp, n, H] }, attn);
    });
    done += B;
    opts.onBatch?.(done);
    s = e;
  }
  return layerIds;
}

/** Tokens the post-processor added ([CLS], [SEP], <s>, </s>): special and without a place in the text. */
export function addedSpecial(enc: EncodedText, t: number): boolean {
  const tk = enc.tokens[t];
  return tk.special && tk.start === null;
}

/** Index of each content token (not an added special). */
export function contentIndices(enc: EncodedText): number[] {
  const out: number[] = [];
  for (let t = 0; t < enc.tokens.length; t++) if (!addedSpecial(enc, t)) out.push(t);
  return out;
}

/** Tokenise texts under the cap (the sequences a run starts from). */
export function encodeAll(m: LoadedModel, texts: readonly string[], maxTokens: number): EncodedText[] {
  return texts.map((t) => encodeText(m.tokenizer, t, { maxTokens }));
}

/** The token that plays [CLS]: the tokenizer's cls token, else the first added special (RoBERTa's <s>). */
export function clsTokenOf(m: LoadedModel, enc?: EncodedText): { id: number; text: string } | null {
  const h = m.tokenizer;
  if (h.clsId !== null && h.clsToken) return { id: h.clsId, text: h.clsToken };
  if (enc && enc.tokens.length && addedSpecial(enc, 0)) return { id: enc.tokens[0].id, text: enc.tokens[0].text };
  return null;
}
