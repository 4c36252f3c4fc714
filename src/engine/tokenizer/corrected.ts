// Stages where @huggingface/tokenizers 0.2.0 differs from Hugging Face's Rust tokenizers (the reference), written
// here with the Rust library's semantics. JS strings count UTF-16 units; every function below walks code points.
//
//  - BertNormalizer: the library tests `text[i].charCodeAt(0)` for CJK ideographs, so an ideograph outside the BMP
//    (CJK Extension B and later, U+20000…) is never isolated; its Lowercase uses `toLowerCase()` on the whole text,
//    which applies the Greek final-sigma rule ("ΣΑΣ" → "σας"); Rust lowercases character by character ("σασ").
//  - Lowercase normalizer: the same final-sigma difference.
//  - BertPreTokenizer: Rust splits on Unicode White_Space (JS `\s` adds U+FEFF and omits U+0085).
//  - Whitespace pre-tokenizer: Rust's `\w` is Unicode (letters, marks, digits, connector punctuation); the library's
//    JS regex `\w` is ASCII only, so "naïve" became "na", "ï", "ve".
//  - WhitespaceSplit: Rust splits on White_Space, not JS `\s`.
//  - Punctuation: Rust isolates each punctuation character (behaviour "Isolated"); the library groups runs of them.
//  - Digits: Rust's digits are Unicode numerics (`char::is_numeric`: Nd, Nl, No); the library's `\d` is ASCII.
//  - Character classes (control, punctuation, marks): Hugging Face's Unicode tables are older than the JS engine's
//    (U+061D ARABIC END OF TEXT MARK is punctuation to JS, not to HF): unicode-tables.ts holds HF's classes,
//    generated from the `tokenizers` binding by scripts/gen-unicode-tables.ts.
import {
  BertNormalizer, BertPreTokenizer, DigitsPreTokenizer, LowercaseNormalizer, PunctuationPreTokenizer, StripAccentsNormalizer,
  WhitespacePreTokenizer, WhitespaceSplitPreTokenizer,
} from '@huggingface/tokenizers';
import type { LibNormalizer, LibPreTokenizer } from './types';
import { HF_COMBINING_MARK, HF_CONTROL, HF_NONSPACING_MARK, HF_PUNCTUATION } from './unicode-tables';

const WHITE_RE = /^\p{White_Space}$/u;

/** A code point set from a table of hex ranges: sorted [start, end] pairs, looked up by binary search. */
class CodePointSet {
  private readonly r: Int32Array;
  constructor(table: string) {
    const xs: number[] = [];
    for (const part of table.split(' ')) {
      if (!part) continue;
      const [a, b] = part.split('-');
      xs.push(parseInt(a, 16), parseInt(b ?? a, 16));
    }
    this.r = Int32Array.from(xs);
  }
  has(cp: number): boolean {
    const r = this.r;
    let lo = 0;
    let hi = r.length / 2 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (cp < r[2 * mid]) hi = mid - 1;
      else if (cp > r[2 * mid + 1]) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

const CONTROL = new CodePointSet(HF_CONTROL);
const PUNCTUATION = new CodePointSet(HF_PUNCTUATION);
const NONSPACING_MARK = new CodePointSet(HF_NONSPACING_MARK);
const COMBINING_MARK = new CodePointSet(HF_COMBINING_MARK);

/** Removes the code points of `set` (only non-ASCII ones can be in these sets). */
function dropCodePoints(s: string, set: CodePointSet): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length;) {
    const cp = s.codePointAt(i)!;
    const n = cp > 0xffff ? 2 : 1;
    if (cp >= 0x80 && set.has(cp)) { out += s.slice(last, i); last = i + n; }
    i += n;
  }
  return last === 0 ? s : out + s.slice(last);
}

/** Rust's `is_chinese_char` (tokenizers/src/normalizers/bert.rs ranges), on a code point. */
export function isChineseChar(cp: number): boolean {
  return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df)
    || (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b920 && cp <= 0x2ceaf)
    || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f);
}


/** Rust's per-character lowercase (no final-sigma context rule). */
export function lowercaseChars(s: string): string {
  // ASCII and text without a capital sigma lowercase identically as a whole
  if (!s.includes('\u03a3')) return s.toLowerCase();
  let out = '';
  for (const ch of s) out += ch.toLowerCase();
  return out;
}

export interface BertNormConfig { clean_text?: boolean; handle_chinese_chars?: boolean; strip_accents?: boolean | null; lowercase?: boolean }

/** BertNormalizer with Rust's semantics. */
export function bertNormalize(text: string, cfg: BertNormConfig): string {
  let s = text;
  if (cfg.clean_text || cfg.handle_chinese_chars) {
    let out = '';
    for (const ch of s) {
      const cp = ch.codePointAt(0)!;
      if (cfg.clean_text) {
        if (cp < 0x80) {
          if (cp === 0 || (cp < 0x20 && cp !== 9 && cp !== 10 && cp !== 13) || cp === 0x7f) continue;
          out += cp === 9 || cp === 10 || cp === 13 ? ' ' : ch;
          continue;
        }
        if (cp === 0xfffd || CONTROL.has(cp) || (cp >= 0xd800 && cp <= 0xdfff)) continue;
        if (WHITE_RE.test(ch)) { out += ' '; continue; }
      }
      out += cfg.handle_chinese_chars && isChineseChar(cp) ? ` ${ch} ` : ch;
    }
    s = out;
  }
  const strip = cfg.strip_accents ?? cfg.lowercase ?? false;
  if (strip) s = dropCodePoints(s.normalize('NFD'), NONSPACING_MARK);
  if (cfg.lowercase) s = lowercaseChars(s);
  return s;
}

const NON_WHITE_RUN = /[^\p{White_Space}]+/gu;

/** The runs of `text` between White_Space characters. */
function splitOnWhite(text: string): string[] {
  return text.match(NON_WHITE_RUN) ?? [];
}

/** Rust's BERT punctuation: ASCII punctuation or Unicode P* (HF's table). */
const ASCII_PUNCT_RE = /^[!-/:-@[-`{-~]$/;

const PLAIN_WORD = /^[A-Za-z0-9]*$/;

/** Each punctuation character alone, the rest in runs. */
function isolatePunct(word: string, out: string[]): void {
  if (PLAIN_WORD.test(word)) { if (word) out.push(word); return; }
  let start = 0;
  for (let u = 0; u < word.length;) {
    const cp = word.codePointAt(u)!;
    const n = cp > 0xffff ? 2 : 1;
    if (cp < 0x80 ? ASCII_PUNCT_RE.test(word[u]) : PUNCTUATION.has(cp)) {
      if (u > start) out.push(word.slice(start, u));
      out.push(word.slice(u, u + n));
      start = u + n;
    }
    u += n;
  }
  if (start < word.length) out.push(word.slice(start));
}

const WORD_CLASS = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}';
const WHITESPACE_PT_RE = new RegExp(`[${WORD_CLASS}]+|[^${WORD_CLASS}\\p{White_Space}]+`, 'gu');

/** A pre-tokenizer stage with Rust's semantics, or null when the library's is right. */
export function correctedPreTokenizer(pt: LibPreTokenizer): ((text: string) => string[]) | null {
  const cfg = (pt as unknown as { config?: { behavior?: string; individual_digits?: boolean } }).config ?? {};
  if (pt instanceof BertPreTokenizer) return (t) => { const out: string[] = []; for (const w of splitOnWhite(t)) isolatePunct(w, out); return out; };
  if (pt instanceof WhitespaceSplitPreTokenizer) return splitOnWhite;
  if (pt instanceof WhitespacePreTokenizer) return (t) => t.match(WHITESPACE_PT_RE) ?? [];
  if (pt instanceof PunctuationPreTokenizer) {
    if ((cfg.behavior ?? 'Isolated') !== 'Isolated') return null;
    return (t) => { const out: string[] = []; isolatePunct(t, out); return out; };
  }
  if (pt instanceof DigitsPreTokenizer) {
    const re = cfg.individual_digits ? /[^\p{N}]+|\p{N}/gu : /[^\p{N}]+|\p{N}+/gu;
    return (t) => t.match(re) ?? [];
  }
  return null;
}

/** A normalizer with Rust's semantics, or null when the library's is right. */
export function correctedNormalizer(norm: LibNormalizer): ((text: string) => string) | null {
  if (norm instanceof BertNormalizer) return (t) => bertNormalize(t, norm.config as BertNormConfig);
  if (norm instanceof LowercaseNormalizer) return lowercaseChars;
  if (norm instanceof StripAccentsNormalizer) return (t) => dropCodePoints(t, COMBINING_MARK);
  return null;
}

/** Whether the tokenizer has a stage that runs with Rust's semantics here (the library's ids then differ on some text). */
export function hasCorrectedStage(norm: LibNormalizer | null, pt: LibPreTokenizer | null): boolean {
  const subs = (x: unknown, key: string): unknown[] => ((x as Record<string, unknown>)[key] as unknown[] | undefined) ?? [];
  const normHas = (n: LibNormalizer | null): boolean => !!n && (correctedNormalizer(n) !== null || subs(n, 'normalizers').some((x) => normHas(x as LibNormalizer | null)));
  const ptHas = (p: LibPreTokenizer | null): boolean => !!p && (correctedPreTokenizer(p) !== null || subs(p, 'tokenizers').some((x) => ptHas(x as LibPreTokenizer | null)));
  return normHas(norm) || ptHas(pt);
}
