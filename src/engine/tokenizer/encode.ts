// Encoding: encodeText (with truncation), encodeWindows (sliding windows), isBlank and isPunctuationToken.
import type { Token } from '../../shared/types';
import type { RawToken } from './models';
import { contentTokens, postProcessFull } from './pipeline';
import type { EncodedText, TokenizerHandle } from './types';

function specialToken(h: TokenizerHandle, s: string): Token {
  const lib = h.internals.lib;
  const id = lib.added_tokens_map.get(s)?.id ?? lib.model.tokens_to_ids.get(s) ?? lib.model.unk_token_id ?? 0;
  return { id, text: s, start: null, end: null, special: true };
}

function toToken(h: TokenizerHandle, t: RawToken): Token {
  const vocab = h.internals.lib.model.vocab;
  // start < 0: the library's tokens without positions (offsetsReliable false)
  const start = t.start < 0 ? null : t.start;
  const end = t.start < 0 ? null : t.end;
  return { id: t.id, text: vocab[t.id] ?? t.str, start, end, special: t.special };
}

function assemble(h: TokenizerHandle, text: string, content: RawToken[], from: number, to: number, maxTokens: number): EncodedText {
  const markers: number[] = [];
  for (let i = from; i < to; i++) markers.push(i);
  const { tokens: seq, types } = postProcessFull(h, markers);
  const tokens: Token[] = seq.map((x) => (typeof x === 'number' ? toToken(h, content[x]) : specialToken(h, String(x))));
  const ids = tokens.map((t) => t.id);
  const tokenTypeIds = types && types.length === tokens.length ? types.map((x) => Number(x) || 0) : new Array<number>(tokens.length).fill(0);
  const kept = to - from;
  const last = to > from ? content[to - 1] : null;
  return {
    ids,
    tokens,
    attentionMask: new Array<number>(tokens.length).fill(1),
    tokenTypeIds,
    truncation: {
      truncated: kept < content.length,
      droppedTokens: content.length - kept,
      keptChars: last ? (last.end >= 0 ? last.end : kept < content.length ? 0 : text.length) : 0,
      maxTokens,
    },
  };
}

/** True when the text has nothing to tokenise: empty, or only whitespace, control and invisible format characters. */
export function isBlank(text: string): boolean {
  return /^[\p{White_Space}\p{Cc}\p{Cf}]*$/u.test(text);
}

function checkMax(h: TokenizerHandle, maxTokens: number, minContent: number): void {
  if (!Number.isInteger(maxTokens) || maxTokens < h.numSpecialTokens + minContent) {
    throw new RangeError(
      `maxTokens must be an integer of at least ${h.numSpecialTokens + minContent} (the tokenizer adds ${h.numSpecialTokens} special tokens); got ${maxTokens}.`,
    );
  }
}

/** Content tokens of `text` (reliable offsets) or, when the staged pipeline is not trusted, the library's tokens without ranges. */
function tokensOf(h: TokenizerHandle, text: string): RawToken[] {
  if (!text.length) return [];
  if (h.offsetsReliable) {
    try {
      return contentTokens(h, text);
    } catch (err) {
      // never expected (the property tests run thousands of texts); degrade to tokens without positions
      h.diagnostics.failures++;
      h.diagnostics.lastError = (err as Error).message;
    }
  }
  let enc;
  try {
    enc = h.tokenizer.encode(text, { add_special_tokens: false });
  } catch (err) {
    throw new Error(`The tokenizer failed on this text (${(err as Error).message}). Try a shorter selection.`);
  }
  return enc.ids.map((id, i) => ({ str: enc.tokens[i], id, start: -1, end: -1, special: h.specialIds.has(id) }));
}

// ── Truncation fast path: a long text is tokenised only as far as the kept tokens need ──
//
// The first `keep` content tokens of a text depend on its beginning only: the pre-tokenizers split at spaces,
// normalisers act on a character and its combining marks, and the models work within a piece. So a prefix cut
// at a space (or, when there is none near, at a code point that starts a new character) yields the same first
// tokens as the whole text, except possibly the last few before the cut. A prefix is accepted once it yields at
// least `keep + PREFIX_MARGIN` tokens and a prefix twice as long agrees with it on the first `keep` tokens (ids and
// ranges); otherwise it grows (×2) and tries again, and the whole text is tokenised when a prefix would be as long
// as the text. The count of dropped tokens is then a lower bound (`droppedTokensExact: false`).

/** Tokens a prefix must yield beyond the kept ones before its first tokens are trusted. */
export const PREFIX_MARGIN = 16;
/** First guess of characters per token for the prefix's length (English averages 4–5; grown when too few). */
const PREFIX_CHARS_PER_TOKEN = 8;
/** Texts up to this many characters are tokenised whole ('auto'): that takes a few ms, and the dropped count stays exact. */
const PREFIX_MIN_CHARS = 20_000;
/** A boundary the cut must not fall on: combining marks, joiners, variation selectors, a low surrogate. */
const NO_CUT_BEFORE = /[\p{M}\u200c\u200d\ufe00-\ufe0f\udc00-\udfff]/u;

/** The cut nearest below `target` (not below target/2): before a space, else before a character that starts one. */
function safeCut(text: string, target: number): number {
  const lo = Math.max(1, Math.floor(target / 2));
  for (let p = target; p >= lo; p--) if (text.charCodeAt(p) === 32 && text.charCodeAt(p - 1) !== 32) return p;
  for (let p = target; p >= lo; p--) if (!NO_CUT_BEFORE.test(text[p])) return p;
  return target;
}

const sameToken = (a: RawToken, b: RawToken): boolean => a.id === b.id && a.start === b.start && a.end === b.end && a.special === b.special;

/**
 * Content tokens of a prefix of `text` whose first `keep` tokens are those of the whole text, and a lower bound on
 * the whole text's content tokens; null when the prefix would reach the end of the text (tokenise it all).
 */
function prefixTokens(h: TokenizerHandle, text: string, keep: number, startChars: number): { content: RawToken[]; totalAtLeast: number } | null {
  let prev: RawToken[] | null = null;
  for (let chars = Math.max(1, Math.ceil(startChars)); chars < text.length; chars *= 2) {
    const cut = safeCut(text, chars);
    const toks = tokensOf(h, text.slice(0, cut));
    if (toks.length < keep + PREFIX_MARGIN) { prev = null; continue; }
    if (prev) {
      let same = true;
      for (let i = 0; i < keep && same; i++) same = sameToken(prev[i], toks[i]);
      if (same) return { content: toks, totalAtLeast: toks.length - PREFIX_MARGIN };
    }
    prev = toks;
  }
  return null;
}

export interface EncodeTextOptions {
  /** Tokens to keep, including the specials the post-processor adds. */
  maxTokens: number;
  /**
   * 'auto' (default): a text much longer than `maxTokens` needs is tokenised only as far as the kept tokens need
   * (the dropped count is then a lower bound); 'never': the whole text is tokenised and the dropped count is exact;
   * a number: the prefix path, starting from a prefix of that many characters, whatever the text's length (tests).
   */
  prefix?: 'auto' | 'never' | number;
}

/** Tokenises `text`, keeping at most `maxTokens` tokens including the specials the post-processor adds. */
export function encodeText(h: TokenizerHandle, text: string, opts: EncodeTextOptions): EncodedText {
  checkMax(h, opts.maxTokens, 0);
  const cap = opts.maxTokens - h.numSpecialTokens;
  const mode = opts.prefix ?? 'auto';
  if (mode !== 'never') {
    const start = typeof mode === 'number' ? mode : (cap + PREFIX_MARGIN) * PREFIX_CHARS_PER_TOKEN;
    if (typeof mode === 'number' || text.length > Math.max(4 * start, PREFIX_MIN_CHARS)) {
      const p = prefixTokens(h, text, cap, start);
      if (p) {
        const e = assemble(h, text, p.content, 0, cap, opts.maxTokens);
        e.truncation = { ...e.truncation, truncated: true, droppedTokens: Math.max(1, p.totalAtLeast - cap), droppedTokensExact: false };
        return e;
      }
    }
  }
  const content = tokensOf(h, text);
  const keep = Math.min(content.length, cap);
  return assemble(h, text, content, 0, keep, opts.maxTokens);
}

/**
 * Sliding windows over the content tokens, each with the specials. `stride` is the number of content tokens
 * consecutive windows share (Hugging Face's `stride` with `return_overflowing_tokens`). Offsets stay relative to
 * the whole text. Each window's `truncation` describes that window: `droppedTokens` = content tokens outside it.
 */
export function encodeWindows(h: TokenizerHandle, text: string, opts: { maxTokens: number; stride: number }): EncodedText[] {
  checkMax(h, opts.maxTokens, 1);
  const capacity = opts.maxTokens - h.numSpecialTokens;
  if (!Number.isInteger(opts.stride) || opts.stride < 0 || opts.stride >= capacity) {
    throw new RangeError(`stride must be an integer from 0 to ${capacity - 1} (maxTokens minus the ${h.numSpecialTokens} special tokens, minus 1); got ${opts.stride}.`);
  }
  const content = tokensOf(h, text);
  const windows: EncodedText[] = [];
  const step = capacity - opts.stride;
  for (let start = 0; ; start += step) {
    const end = Math.min(content.length, start + capacity);
    windows.push(assemble(h, text, content, start, end, opts.maxTokens));
    if (end >= content.length) break;
  }
  return windows;
}

const PUNCT_RE = /^[\p{P}\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E]+$/u;

/** Whether a (non-special) token is punctuation only, once its word-piece / metaspace / byte-level marks are removed. */
export function isPunctuationToken(h: TokenizerHandle, tokenText: string): boolean {
  if (h.specialTokens.has(tokenText)) return false;
  let s = tokenText;
  const { modelType, wordPiecePrefix, byteDecoder } = h.internals;
  if (modelType === 'WordPiece' && s.startsWith(wordPiecePrefix) && s.length > wordPiecePrefix.length) s = s.slice(wordPiecePrefix.length);
  if (byteDecoder) {
    const bytes: number[] = [];
    for (const ch of s) { const b = byteDecoder.get(ch); if (b === undefined) { bytes.length = 0; break; } bytes.push(b); }
    if (bytes.length) s = new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(bytes));
  }
  if (h.internals.metaspaceRep) s = s.replaceAll(h.internals.metaspaceRep, ' ');
  s = s.trim();
  return s.length > 0 && PUNCT_RE.test(s);
}
