// The models stage: WordPiece / BPE / Unigram tokens of one aligned piece, with long pieces cut where no token can cross.
import { BPE, Unigram, WordPiece } from '@huggingface/tokenizers';
import { aEnd, aRange, aStart, utf8Length, type Aligned } from './aligned';
import type { LibBpe, LibModel, LibTokenizer, LongPieces, TokenizerHandle } from './types';

/**
 * Long pieces. Sentencepiece-style tokenizers hand the JS library a whole section as one piece (it does not split
 * words at "▁" as Hugging Face's Rust library does), and any pre-token can be long (a line of CJK text). The
 * Unigram lattice then grows with the whole section: the library itself needs many seconds and overflows the stack
 * on 1 MB. A position between two characters that no vocabulary piece (Unigram) or merge result (BPE) contains as
 * a bigram cannot be crossed by any token, so the lattice / the merges decompose there: cutting a long piece at
 * such positions yields exactly the same tokens (up to floating-point ties between equal Unigram paths).
 */
export const LONG_PIECE = 256;

export function longPiecesFor(lib: LibTokenizer): LongPieces | null {
  const model = lib.model;
  if (model instanceof Unigram) return { model: 'Unigram', bigrams: null };
  if (model instanceof BPE) {
    const bpe = model as unknown as LibBpe;
    // suffixes mark the end of a word: cutting would move them
    if (bpe.end_of_word_suffix || bpe.continuing_subword_suffix) return null;
    return { model: 'BPE', bigrams: null };
  }
  return null;
}

function pieceBigrams(lib: LibTokenizer, lp: LongPieces): Set<string> {
  if (lp.bigrams) return lp.bigrams;
  const set = new Set<string>();
  const add = (p: string) => {
    let prev = '';
    for (const ch of p) { if (prev) set.add(prev + ch); prev = ch; }
  };
  if (lp.model === 'BPE') for (const [a, b] of (lib.model as unknown as LibBpe).merges) add(a + b);
  else for (const v of lib.model.vocab) if (typeof v === 'string' && v.length > 1) add(v);
  lp.bigrams = set;
  return set;
}

/** Cuts a long piece at positions no token can cross, into parts of at least LONG_PIECE/2 units where possible. */
export function cutLongPiece(lib: LibTokenizer, lp: LongPieces, text: string): number[] {
  const bigrams = pieceBigrams(lib, lp);
  const cuts: number[] = [];
  let last = 0;
  let prev = '';
  for (let p = 0; p < text.length;) {
    const cp = text.codePointAt(p)!;
    const ch = cp > 0xffff ? text.slice(p, p + 2) : text[p];
    if (prev && p - last >= LONG_PIECE / 2 && !bigrams.has(prev + ch)) { cuts.push(p); last = p; }
    prev = ch;
    p += ch.length;
  }
  return cuts;
}

// ---------------------------------------------------------------------------------------------------------------
// Model stage: the tokens of one aligned piece, each with the original range of the characters it covers

export interface RawToken { str: string; start: number; end: number; id: number; special: boolean }

export interface ModelCtx { h: TokenizerHandle; out: RawToken[] }

const WS_RE = /^\s$/u;
const isSpaceLike = (ch: string): boolean => ch === '\u0120' || WS_RE.test(ch);

/** Adds one model token covering piece chars [p0, p1) (with ByteLevel offset trimming when configured). */
function emit(ctx: ModelCtx, piece: Aligned, p0: number, p1: number, str: string): void {
  const { internals } = ctx.h;
  let [start, end] = aRange(piece, p0, p1);
  if (internals.trimOffsets && str.length === p1 - p0 && p1 > p0) {
    let lead = 0;
    while (lead < str.length && isSpaceLike(str[lead])) lead++;
    let trail = 0;
    while (trail < str.length && isSpaceLike(str[str.length - 1 - trail])) trail++;
    if (internals.trimAddPrefixSpace && lead === 1 && (ctx.out.length === 0 || start === 0)) lead = 0;
    if (lead > 0 || trail > 0) {
      const a = p0 + lead;
      const newStart = a < p1 ? aStart(piece, a) : end;
      const b = p1 - trail;
      const newEnd = b > a ? aEnd(piece, b - 1) : newStart;
      start = newStart;
      end = Math.max(newEnd, newStart);
    }
  }
  ctx.out.push({ str, start, end, id: -1, special: false });
}

function emitCoarse(ctx: ModelCtx, piece: Aligned, strs: string[]): void {
  ctx.h.diagnostics.coarse++;
  for (const s of strs) emit(ctx, piece, 0, piece.text.length, s);
}

export function modelPiece(ctx: ModelCtx, piece: Aligned): void {
  const text = piece.text;
  if (!text.length) return;
  const { lib, modelType, wordPiecePrefix } = ctx.h.internals;
  const model = lib.model;
  if (modelType === 'WordPiece' && model instanceof WordPiece) {
    const toks = model.encode([text]);
    if (toks.length === 1 && (toks[0] === model.unk_token || toks[0] === text)) { emit(ctx, piece, 0, text.length, toks[0]); return; }
    let pos = 0;
    const spans: [number, number][] = [];
    for (let k = 0; k < toks.length; k++) {
      const t = toks[k];
      const surface = k > 0 && t.startsWith(wordPiecePrefix) ? t.slice(wordPiecePrefix.length) : t;
      if (!text.startsWith(surface, pos)) { emitCoarse(ctx, piece, toks); return; }
      spans.push([pos, pos + surface.length]);
      pos += surface.length;
    }
    if (pos !== text.length) { emitCoarse(ctx, piece, toks); return; }
    for (let k = 0; k < toks.length; k++) emit(ctx, piece, spans[k][0], spans[k][1], toks[k]);
    return;
  }
  if (modelType === 'BPE' && model instanceof BPE) {
    const bpe = model as unknown as LibBpe;
    if (bpe.ignore_merges && bpe.tokens_to_ids.has(text)) { emit(ctx, piece, 0, text.length, text); return; }
    const list = bpe.bpe(text);
    const css = bpe.continuing_subword_suffix;
    const eow = bpe.end_of_word_suffix;
    const spans: [number, number][] = [];
    let pos = 0;
    for (let k = 0; k < list.length; k++) {
      let surface = list[k];
      if (k < list.length - 1 && css && surface.endsWith(css)) surface = surface.slice(0, -css.length);
      if (k === list.length - 1 && eow && surface.endsWith(eow)) surface = surface.slice(0, -eow.length);
      if (!text.startsWith(surface, pos)) { emitCoarse(ctx, piece, bpe.encode([text])); return; }
      spans.push([pos, pos + surface.length]);
      pos += surface.length;
    }
    if (pos !== text.length) { emitCoarse(ctx, piece, bpe.encode([text])); return; }
    for (let k = 0; k < list.length; k++) {
      const t = list[k];
      const [p0, p1] = spans[k];
      if (bpe.tokens_to_ids.has(t)) emit(ctx, piece, p0, p1, t);
      else if (bpe.byte_fallback) {
        const bytes = new TextEncoder().encode(t);
        const byteToks = Array.from(bytes, (x) => `<0x${x.toString(16).toUpperCase().padStart(2, '0')}>`);
        if (byteToks.every((x) => bpe.tokens_to_ids.has(x))) {
          // each byte token gets the code point its byte belongs to
          const byteSpans: [number, number][] = [];
          for (let u = p0; u < p1;) {
            const cp = text.codePointAt(u)!;
            const cl = cp > 0xffff ? 2 : 1;
            for (let nb = utf8Length(cp); nb > 0; nb--) byteSpans.push([u, u + cl]);
            u += cl;
          }
          byteToks.forEach((bt, bi) => {
            const sp = byteSpans.length ? byteSpans[Math.min(bi, byteSpans.length - 1)] : [p0, p1];
            emit(ctx, piece, sp[0], sp[1], bt);
          });
        } else if (bpe.unk_token != null) emit(ctx, piece, p0, p1, bpe.unk_token);
      } else if (bpe.unk_token != null) emit(ctx, piece, p0, p1, bpe.unk_token);
    }
    return;
  }
  // Unigram (and anything else): the model's pieces are substrings of the input, in order
  // (Unigram.tokenize is what Unigram.encode runs per piece, without its argument spread that overflows on huge pieces)
  const toks = model instanceof Unigram ? model.tokenize(text) : model.encode([text]);
  let pos = 0;
  const spans: [number, number][] = [];
  for (const t of toks) {
    if (!text.startsWith(t, pos)) { emitCoarse(ctx, piece, toks); return; }
    spans.push([pos, pos + t.length]);
    pos += t.length;
  }
  if (pos !== text.length) { emitCoarse(ctx, piece, toks); return; }
  for (let k = 0; k < toks.length; k++) emit(ctx, piece, spans[k][0], spans[k][1], toks[k]);
}

/** The library's `fuse_unk`, on aligned tokens: consecutive unknown tokens become one, spanning all of them. */
export function fuseUnknown(out: RawToken[], from: number, model: LibModel): void {
  const unk = model.unk_token_id;
  const map = model.tokens_to_ids;
  const fused: RawToken[] = [];
  let i = from;
  const n = out.length;
  while (i < n) {
    const cur = out[i];
    fused.push(cur);
    if ((map.get(cur.str) ?? unk) !== unk) { i++; continue; }
    while (++i < n && (map.get(out[i].str) ?? unk) === unk) {
      if (map.get(cur.str) !== unk) cur.str += out[i].str;
      cur.end = Math.max(cur.end, out[i].end);
    }
  }
  out.length = from;
  for (const t of fused) out.push(t);
}
