// 4. Recovery — "can the text be recovered from [CLS]?" The parts that run the encoder: (b) masked-LM decoding of the
// [CLS] position when the ONNX graph has a `logits` output, (c) occlusion, (d) identification. (a), the bag-of-words
// probe, trains on embedded features (run.ts, with ml/bow.ts).
import * as fs from 'node:fs';
import type * as Ort from 'onnxruntime-node';
import type { LoadedModel } from '../engine/engine';
import { familyOf } from '../engine/models/families';
import { ort, sessionOptionsFor } from '../engine/runtime/ort';
import type { EncodedText } from '../engine/tokenizer/types';
import type { OcclusionText, ProbePooling, RecoverResult } from '../shared/experiments';
import { cosine, throwIfCancelled } from './meta';
import { addedSpecial, contentIndices, forEachRun, type Sequence } from './sequences';

/** The vocabulary string of an id (added tokens included). */
export function tokenString(m: LoadedModel, id: number): string {
  const lib = m.tokenizer.internals.lib;
  const v = lib.model.vocab[id];
  if (v !== undefined) return v;
  return lib.added_tokens.find((t) => t.id === id)?.content ?? `#${id}`;
}

/** Pooled vector of one sequence at one layer row: cls (position 0) or mean over the given positions. */
function pooled(hd: Float32Array, T: number, H: number, l: number, pooling: 'cls' | 'mean', positions: number[]): Float32Array {
  const base = l * T * H;
  if (pooling === 'cls') return hd.slice(base, base + H);
  const out = new Float32Array(H), acc = new Float64Array(H);
  for (const t of positions) for (let h = 0; h < H; h++) acc[h] += hd[base + t * H + h];
  for (let h = 0; h < H; h++) out[h] = acc[h] / positions.length;
  return out;
}

// ---- (c) occlusion

/** Drop each content token in turn; 1 − cos(vector without it, original) for cls and mean at the last layer. */
export async function occlusion(m: LoadedModel, texts: readonly string[], encs: readonly EncodedText[], o: { signal?: AbortSignal; onProgress?: (d: number, t: number) => void }): Promise<OcclusionText[]> {
  const H = m.summary.hidden;
  const seqs: Sequence[] = [], owner: { text: number; drop: number; positions: number[] }[] = [];
  encs.forEach((e, ti) => {
    const content = contentIndices(e);
    seqs.push({ ids: e.ids, tokenTypeIds: e.tokenTypeIds });
    owner.push({ text: ti, drop: -1, positions: content });
    for (const d of content) {
      seqs.push({ ids: e.ids.filter((_, t) => t !== d), tokenTypeIds: e.tokenTypeIds.filter((_, t) => t !== d) });
      // positions of the remaining content tokens in the shortened sequence
      owner.push({ text: ti, drop: d, positions: content.filter((t) => t !== d).map((t) => (t > d ? t - 1 : t)) });
    }
  });
  const vecs: { cls: Float32Array; mean: Float32Array }[] = new Array(seqs.length);
  await forEachRun(m, seqs, { signal: o.signal, onBatch: (d) => o.onProgress?.(d, seqs.length) }, (si, hidden) => {
    const [Lp, T] = hidden.dims;
    const pos = owner[si].positions.length ? owner[si].positions : [0];
    vecs[si] = { cls: pooled(hidden.data, T, H, Lp - 1, 'cls', pos), mean: pooled(hidden.data, T, H, Lp - 1, 'mean', pos) };
  });
  const out: OcclusionText[] = encs.map((e, ti) => ({ text: texts[ti], tokens: contentIndices(e).map((t) => e.tokens[t].text), cls: [], mean: [] }));
  let orig = 0;
  owner.forEach((w, si) => {
    if (w.drop < 0) { orig = si; return; }
    out[w.text].cls.push(1 - cosine(vecs[si].cls, 0, vecs[orig].cls, 0, H));
    out[w.text].mean.push(1 - cosine(vecs[si].mean, 0, vecs[orig].mean, 0, H));
  });
  return out;
}

// ---- (d) identification

/** Word spans of a text (letters/digits with inner apostrophes), [start, end) in UTF-16 units. */
export function wordSpans(text: string): [number, number][] {
  const out: [number, number][] = [];
  for (const w of text.matchAll(/[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu)) out.push([w.index, w.index + w[0].length]);
  return out;
}

/**
 * One word of the text, drawn by `rand`, replaced by one mask token (all its word pieces), or dropped when `maskId` is
 * null. A text without words (or without offsets) has one content token masked instead.
 */
export function maskOneWord(text: string, enc: EncodedText, maskId: number | null, rand: () => number): { seq: Sequence; word: string } {
  const spans = wordSpans(text);
  let hit: number[] = [];
  let word = '';
  if (spans.length) {
    const [s, e] = spans[Math.floor(rand() * spans.length)];
    word = text.slice(s, e);
    enc.tokens.forEach((tk, t) => { if (!addedSpecial(enc, t) && tk.start !== null && tk.end !== null && tk.start < e && tk.end > s) hit.push(t); });
  }
  if (!hit.length) {
    const content = contentIndices(enc);
    if (!content.length) return { seq: { ids: enc.ids, tokenTypeIds: enc.tokenTypeIds }, word: '' };
    const t = content[Math.floor(rand() * content.length)];
    hit = [t];
    word = enc.tokens[t].text;
  }
  const ids: number[] = [], types: number[] = [];
  enc.ids.forEach((id, t) => {
    if (t === hit[0] && maskId !== null) { ids.push(maskId); types.push(enc.tokenTypeIds[t]); }
    if (hit.includes(t)) return;
    ids.push(id); types.push(enc.tokenTypeIds[t]);
  });
  return { seq: { ids, tokenTypeIds: types }, word };
}

/** Rank-1 retrieval: how often the masked text's vector is nearest (cosine; ties to the lower index) to its own original. */
export function identificationAccuracy(orig: Float32Array, masked: Float32Array, n: number, H: number): number {
  let hits = 0;
  for (let i = 0; i < n; i++) {
    let best = -1, bestCos = -Infinity;
    for (let j = 0; j < n; j++) {
      const c = cosine(masked, i * H, orig, j * H, H);
      if (c > bestCos) { bestCos = c; best = j; }
    }
    if (best === i) hits++;
  }
  return n ? hits / n : NaN;
}

export async function identification(m: LoadedModel, texts: readonly string[], encs: readonly EncodedText[], o: {
  layers: number[]; rand: () => number; signal?: AbortSignal; onProgress?: (d: number, t: number) => void;
}): Promise<{ rows: RecoverResult['identification']; notes: string[]; original: { cls: Float32Array[]; mean: Float32Array[] } }> {
  const H = m.summary.hidden, n = encs.length, nL = o.layers.length;
  const maskId = m.tokenizer.maskId;
  const seqs: Sequence[] = [];
  const positions: number[][] = [];
  encs.forEach((e, i) => {
    const { seq } = maskOneWord(texts[i], e, maskId, o.rand);
    seqs.push({ ids: e.ids, tokenTypeIds: e.tokenTypeIds }, seq);
    positions.push(contentIndices(e));
    // the masked copy: its content positions are every position but the added specials at the ends
    const lead = addedSpecial(e, 0) ? 1 : 0;
    let trail = 0;
    for (let t = e.tokens.length - 1; t > 0 && addedSpecial(e, t); t--) trail++;
    positions.push(Array.from({ length: seq.ids.length - lead - trail }, (_, k) => k + lead));
  });
  const poolings: ('cls' | 'mean')[] = ['cls', 'mean'];
  // [copy 0 = original, 1 = masked][pooling][layer] → [n × H]
  const blocks = [0, 1].map(() => poolings.map(() => o.layers.map(() => new Float32Array(n * H))));
  await forEachRun(m, seqs, { signal: o.signal, onBatch: (d) => o.onProgress?.(d, seqs.length) }, (si, hidden) => {
    const [Lp, T] = hidden.dims;
    const i = si >> 1, copy = si & 1;
    const pos = positions[si].length ? positions[si] : [0];
    poolings.forEach((p, pi) => o.layers.forEach((layer, li) => {
      blocks[copy][pi][li].set(pooled(hidden.data, T, H, Lp === 1 ? 0 : layer, p, pos), i * H);
    }));
  });
  throwIfCancelled(o.signal);
  const rows: RecoverResult['identification'] = [];
  for (let li = 0; li < nL; li++) {
    poolings.forEach((p, pi) => rows.push({ layer: o.layers[li], pooling: p as ProbePooling, accuracy: identificationAccuracy(blocks[0][pi][li], blocks[1][pi][li], n, H), chance: n ? 1 / n : NaN }));
  }
  const notes = [maskId !== null
    ? `Identification: one word per text (drawn by the seed) replaced by one ${m.tokenizer.maskToken ?? 'mask'} token; nearest original by cosine among ${n} texts.`
    : `Identification: this tokenizer has no mask token, so one word per text (drawn by the seed) is dropped; nearest original by cosine among ${n} texts.`];
  return { rows, notes, original: { cls: blocks[0][0], mean: blocks[0][1] } };
}

// ---- (a) the bag-of-words probe's vocabulary

/**
 * The K words found in the most texts (lower-cased word spans; stop words kept; ties to the alphabetically first), and
 * Y [n × K]: 1 where text i contains word v.
 */
export function bowVocabulary(texts: readonly string[], K: number): { words: string[]; Y: Uint8Array } {
  const sets = texts.map((t) => new Set(wordSpans(t).map(([s, e]) => t.slice(s, e).toLowerCase())));
  const df = new Map<string, number>();
  for (const set of sets) for (const w of set) df.set(w, (df.get(w) ?? 0) + 1);
  const words = [...df.keys()].sort((a, b) => df.get(b)! - df.get(a)! || (a < b ? -1 : a > b ? 1 : 0)).slice(0, K);
  const Y = new Uint8Array(texts.length * words.length);
  sets.forEach((set, i) => words.forEach((w, v) => { if (set.has(w)) Y[i * words.length + v] = 1; }));
  return { words, Y };
}

// ---- (b) masked-LM decoding

/** Names the graph's masked-LM output (`logits` [batch, tokens, vocab]), or says why there is none. */
export async function mlmDecode(m: LoadedModel, texts: readonly string[], encs: readonly EncodedText[], top = 10): Promise<RecoverResult['mlm']> {
  const O = ort();
  let session: Ort.InferenceSession;
  try {
    session = await O.InferenceSession.create(fs.readFileSync(m.folder.onnxFile), sessionOptionsFor(1));
  } catch (e) {
    return { available: false, reason: `The ONNX file could not be opened a second time for its logits: ${(e as Error).message.split('\n')[0]}`, texts: [] };
  }
  try {
    if (!session.outputNames.includes('logits')) {
      return { available: false, reason: `The ONNX graph has no masked-LM head: its outputs are ${session.outputNames.join(', ')}, and decoding needs \`logits\` (an export with the MLM head, e.g. Xenova/bert-base-uncased).`, texts: [] };
    }
    const offset = familyOf(m.folder.config.modelType).positionOffset;
    const out: RecoverResult['mlm']['texts'] = [];
    for (let i = 0; i < encs.length; i++) {
      const e = encs[i], T = e.ids.length;
      const feeds: Record<string, Ort.Tensor> = {};
      const i64 = (xs: number[]) => new O.Tensor('int64', BigInt64Array.from(xs, (x) => BigInt(x)), [1, T]);
      for (const name of session.inputNames) {
        if (name === 'input_ids') feeds[name] = i64(e.ids);
        else if (name === 'attention_mask') feeds[name] = i64(e.attentionMask);
        else if (name === 'token_type_ids') feeds[name] = i64(e.tokenTypeIds);
        else if (name === 'position_ids') feeds[name] = i64(e.ids.map((_, t) => t + offset));
        else return { available: false, reason: `The graph's input ${name} is not one CLS Lens feeds.`, texts: [] };
      }
      const r = await session.run(feeds, ['logits']);
      const t = r.logits as Ort.Tensor;
      if (t.type !== 'float32' || t.dims.length !== 3) return { available: false, reason: `The graph's logits are ${t.type} [${t.dims.join(', ')}], not float32 [batch, tokens, vocab].`, texts: [] };
      const V = Number(t.dims[2]);
      const row = (t.data as Float32Array).subarray(0, V);
      let mx = -Infinity;
      for (let v = 0; v < V; v++) if (row[v] > mx) mx = row[v];
      let z = 0;
      for (let v = 0; v < V; v++) z += Math.exp(row[v] - mx);
      const idx = Array.from({ length: V }, (_, v) => v).sort((a, b) => row[b] - row[a] || a - b).slice(0, top);
      out.push({ text: texts[i], top: idx.map((v) => ({ token: tokenString(m, v), p: Math.exp(row[v] - mx) / z })) });
    }
    return { available: true, reason: null, texts: out };
  } finally {
    await session.release();
  }
}
