// 2. The position test — "why the first token?": the same texts with the [CLS] token moved. Variants:
//   end     x… [SEP] [CLS]              the moved token is the last one
//   middle  [CLS] x… [CLS] …x [SEP]     a second [CLS] after half of the content tokens; the moved token is that one
//   none    x… [SEP]                    no [CLS]; the vector read is position 0's (the first content token)
// Per layer: cos(moved token's vector, the usual [CLS] vector of the unedited text) over texts, and the probe accuracy
// of the moved token's vector against the usual [CLS]'s, with the same folds and seed (the caller's scorer).
import type { LoadedModel } from '../engine/engine';
import { EngineError } from '../engine/errors';
import type { EncodedText } from '../engine/tokenizer/types';
import type { PositionRow, PositionVariant } from '../shared/experiments';
import { cosine, meanStd } from './meta';
import { addedSpecial, clsTokenOf, forEachRun, type Sequence } from './sequences';

export const POSITION_VARIANTS: readonly PositionVariant[] = ['end', 'middle', 'none'];

export interface EditedSequence extends Sequence {
  /** Where the vector is read. */
  at: number;
}

/**
 * The edited sequence of one tokenised text (ids as the tokenizer made them: the cls token first). `cls` is the id of
 * the token that plays [CLS]. The text must fit one more token than it has (for `middle`): encode with maxTokens − 1.
 */
export function editSequence(enc: EncodedText, variant: PositionVariant | 'usual', cls: number): EditedSequence {
  const ids = enc.ids;
  if (!(enc.tokens.length && addedSpecial(enc, 0) && ids[0] === cls)) {
    throw new EngineError('tokenizer', 'The position test needs texts that the tokenizer starts with its [CLS] token, and this one does not.', 'Use a model whose tokenizer adds [CLS] (or <s>) at the start.');
  }
  const rest = ids.slice(1);
  switch (variant) {
    case 'usual': return { ids: [...ids], at: 0 };
    case 'end': return { ids: [...rest, cls], at: rest.length };
    case 'none': return { ids: rest, at: 0 };
    case 'middle': {
      // content tokens are 1..k (before the closing specials)
      let k = 0;
      for (let t = 1; t < enc.tokens.length && !addedSpecial(enc, t); t++) k++;
      const at = 1 + Math.ceil(k / 2);
      return { ids: [...ids.slice(0, at), cls, ...ids.slice(at)], at };
    }
  }
}

export interface PositionOptions {
  layers: number[];
  /** Probe accuracy of one [n × H] feature block (the caller's cross-validation with its folds and seed). */
  score: (features: Float32Array, layer: number, what: PositionVariant | 'cls') => Promise<number> | number;
  signal?: AbortSignal;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export async function positionTest(m: LoadedModel, encs: readonly EncodedText[], o: PositionOptions): Promise<{ rows: PositionRow[]; notes: string[] }> {
  const H = m.summary.hidden, n = encs.length, nL = o.layers.length;
  const tok = clsTokenOf(m, encs[0]);
  if (!tok) throw new EngineError('tokenizer', 'The tokenizer adds no [CLS] (or <s>) token, so there is none to move.', 'Use a BERT-family model whose tokenizer adds one.');
  const notes: string[] = [];
  if (tok.text !== '[CLS]') notes.push(`This tokenizer has no [CLS]; its ${tok.text} (id ${tok.id}), which plays that part, is the token moved.`);
  const variants: (PositionVariant | 'usual')[] = ['usual', ...POSITION_VARIANTS];
  const seqs: EditedSequence[] = [];
  for (const e of encs) for (const v of variants) seqs.push(editSequence(e, v, tok.id));
  // features[variant][layer] : [n × H]
  const feats = variants.map(() => o.layers.map(() => new Float32Array(n * H)));
  const available = await forEachRun(m, seqs, { signal: o.signal, onBatch: (d) => o.onProgress?.('embedding', d, seqs.length) }, (si, hidden) => {
    const text = Math.floor(si / variants.length), v = si % variants.length;
    const [Lp, T] = hidden.dims;
    o.layers.forEach((layer, li) => {
      const l = Lp === 1 ? 0 : layer;
      const src = (l * T + seqs[si].at) * H;
      feats[v][li].set(hidden.data.subarray(src, src + H), text * H);
    });
  });
  if (available.length === 1) notes.push(`Only the last layer's hidden states can be read for this model; layer ${available[0]} is reported.`);
  const rows: PositionRow[] = [];
  let step = 0;
  const steps = nL * variants.length;
  for (let li = 0; li < nL; li++) {
    const layer = o.layers[li];
    const usual = feats[0][li];
    o.onProgress?.('training', step++, steps);
    const clsAccuracy = await o.score(usual, layer, 'cls');
    for (let vi = 1; vi < variants.length; vi++) {
      const variant = variants[vi] as PositionVariant;
      const f = feats[vi][li];
      let cos: { mean: number; std: number } | null = null;
      if (variant !== 'none') {
        const cs: number[] = [];
        for (let i = 0; i < n; i++) cs.push(cosine(f, i * H, usual, i * H, H));
        cos = meanStd(cs);
      }
      o.onProgress?.('training', step++, steps);
      rows.push({ layer, variant, cosine: cos?.mean ?? null, cosineStd: cos?.std ?? null, accuracy: await o.score(f, layer, variant), clsAccuracy });
    }
  }
  notes.push('"middle" puts a second [CLS] after half of the content tokens; "none" reads position 0, the first content token.');
  return { rows, notes };
}
