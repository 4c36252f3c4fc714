// The independent reference for the tokens-*.test.ts files: Hugging Face's Rust tokenizers through their official
// Node binding (`tokenizers`, a dev dependency only), and the comparison of CLS Lens encodings with its encodings.
import { Tokenizer, type Encoding } from 'tokenizers';
import path from 'node:path';
import type { EncodedText } from '../../src/engine/tokenizer';
import { fixtureDir } from './tokens-fixtures';

const refs: Record<string, Tokenizer> = {};

/**
 * Test tokenizers HF's library cannot load: uniWhitespace's Precompiled normalizer has an empty charsmap (a stand-in
 * for sentencepiece's), which HF's parser rejects with a panic that aborts the process.
 */
export const HF_UNLOADABLE: ReadonlySet<string> = new Set(['uniWhitespace']);

/** HF's tokenizer for a test tokenizer (the same tokenizer.json CLS Lens loads). */
export function refTokenizer(name: string): Tokenizer {
  if (HF_UNLOADABLE.has(name)) throw new Error(`HF's tokenizers cannot load ${name}`);
  return (refs[name] ??= Tokenizer.fromFile(path.join(fixtureDir(name), 'tokenizer.json')));
}

export interface RefEncoding { ids: number[]; tokens: string[]; offsets: [number, number][] }

/** HF's encodings of `texts` (with special tokens), offsets converted from code points to UTF-16 units of each text. */
export async function refEncode(name: string, texts: string[]): Promise<RefEncoding[]> {
  const encs: Encoding[] = await refTokenizer(name).encodeBatch(texts);
  return encs.map((e, i) => {
    const cu = codePointToUnit(texts[i]);
    return { ids: e.getIds(), tokens: e.getTokens(), offsets: e.getOffsets().map(([a, b]) => [cu[a], cu[b]] as [number, number]) };
  });
}

/** UTF-16 position of each code point index (a lone surrogate is one code point: the binding sends it as U+FFFD). */
export function codePointToUnit(text: string): Int32Array {
  const out: number[] = [];
  for (let p = 0; p < text.length;) {
    out.push(p);
    const c = text.charCodeAt(p);
    const d = p + 1 < text.length ? text.charCodeAt(p + 1) : 0;
    p += c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff ? 2 : 1;
  }
  out.push(text.length);
  return Int32Array.from(out);
}

/**
 * Whether original characters [a, b) are all ones the normaliser deletes: each code point alone normalises to
 * nothing under HF's own normaliser (control and format characters, marks it strips), or is a combining mark
 * (where HF's Unicode tables are older than the JS engine's, a recent mark CLS Lens strips and HF keeps).
 */
export function allDeleted(name: string, text: string, a: number, b: number): boolean {
  if (a >= b) return true;
  const norm = refTokenizer(name).getNormalizer();
  if (!norm) return false;
  for (let p = a; p < b;) {
    const cp = text.codePointAt(p)!;
    const ch = String.fromCodePoint(cp);
    if (!/^\p{M}$/u.test(ch) && norm.normalizeString(ch) !== '') return false;
    p += ch.length;
  }
  return true;
}

/**
 * Compares a CLS Lens encoding with HF's; null when they agree. Ids must be identical. Each content token's range
 * must equal HF's offsets (UTF-16) but for these documented differences, and no others:
 *  1. it may differ only by adjacent characters that add nothing to what the range normalises to: characters
 *     the normaliser deletes (see allDeleted) or composes into their neighbour (decomposed Hangul jamo under NFKC:
 *     HF's range ends after the first jamo), or a character CLS Lens also gives the neighbouring token (one
 *     character normalised into several: "Ⅻ" → "XII" feeds two tokens). CLS Lens attaches such characters to the
 *     neighbouring token, HF leaves them out;
 *  2. it may leave out whitespace at either end that HF includes (HF's range of "▁word" / untrimmed "Ġword" starts
 *     at the space the "▁"/"Ġ" came from; CLS Lens never puts whitespace in a range with other characters);
 *  3. a lone "▁"/"Ġ" the pre-tokenizer prepended (no character of the text) has an empty range at the start of the
 *     next token (or at the whitespace it stands for) in CLS Lens; HF's range lies within the next token's (the
 *     first character's range, or an empty range after it);
 *  4. see below (an HF offset bug).
 */
export function compareWithRef(name: string, text: string, e: EncodedText, ref: RefEncoding): string | null {
  if (e.ids.length !== ref.ids.length || e.ids.some((x, i) => x !== ref.ids[i])) {
    return `ids differ:\n  CLS Lens ${JSON.stringify(e.tokens.map((t) => t.text))}\n  HF       ${JSON.stringify(ref.tokens)}`;
  }
  const white = (x: number, y: number): boolean => /^\p{White_Space}*$/u.test(text.slice(x, y));
  const norm = refTokenizer(name).getNormalizer();
  const normLen = (x: number, y: number): number => [...(norm ? norm.normalizeString(text.slice(x, y)) : text.slice(x, y))].length;
  const side = (x: number, y: number): boolean => allDeleted(name, text, x, y) || white(x, y);
  for (let i = 0; i < e.tokens.length; i++) {
    const t = e.tokens[i];
    if (t.start === null || t.end === null) continue; // a special the post-processor adds: no range (HF: (0, 0))
    const [hs, he] = ref.offsets[i];
    if (t.start === hs && t.end === he) continue;
    let ok: boolean;
    const first = t.start < t.end ? String.fromCodePoint(text.codePointAt(t.start)!).length : 0;
    if (t.text.startsWith('\u0120') && first && hs === t.start + first && (he === t.end || hs === he)) {
      // 4. HF's RoBERTa trim_offsets with add_prefix_space trims the first real character of the first token of a
      //    section (after an added token: its "Ġ" is the prefix space, not a space of the text)
      ok = true;
    } else if (t.start === t.end && (t.text === '\u2581' || t.text === '\u0120')) {
      const next = e.tokens[i + 1];
      // (no next content token: the encoding was truncated right after it)
      const nextContent = next && next.start !== null ? next : null;
      ok = (hs >= t.start && (nextContent ? nextContent.start === t.start && he <= nextContent.end! : he <= text.length)) || (hs === t.start && white(hs, he));
    } else {
      const lo = Math.min(t.start, hs);
      const hi = Math.max(t.end, he);
      const [a, b] = [Math.max(t.start, hs), Math.min(t.end, he)];
      // a character that feeds this token and its neighbour (one character normalised into several: "Ⅻ" → "XII")
      const prev = e.tokens[i - 1];
      const next = e.tokens[i + 1];
      const shared = (x: number, y: number, o: typeof prev | undefined): boolean => x >= y || (!!o && o.start !== null && o.end !== null && o.start <= x && o.end >= y);
      const leftOk = side(lo, a) || (t.start < hs && shared(lo, a, prev)) || (a < b && normLen(lo, b) === normLen(a, b));
      const rightOk = side(b, hi) || (t.end > he && shared(b, hi, next)) || (a < b && normLen(a, hi) === normLen(a, b));
      ok = leftOk && rightOk;
    }
    if (!ok) return `token ${i} ${JSON.stringify(t.text)}: range ${t.start},${t.end} ${JSON.stringify(text.slice(t.start, t.end))}, HF ${hs},${he} ${JSON.stringify(text.slice(hs, he))}`;
  }
  return null;
}

/**
 * Whether original character `ch` is whitespace the tokenizer treats as a separator: White_Space that HF's
 * normaliser keeps and its pre-tokenizer turns into nothing, or into space markers only ("Ġ", "▁").
 */
const separators = new Map<string, boolean>();
export function isSeparator(name: string, ch: string): boolean {
  if (!/^\p{White_Space}$/u.test(ch)) return false;
  const key = `${name}\u0000${ch}`;
  const known = separators.get(key);
  if (known !== undefined) return known;
  const r = isSeparatorUncached(name, ch);
  separators.set(key, r);
  return r;
}

function isSeparatorUncached(name: string, ch: string): boolean {
  const r = refTokenizer(name);
  const n = r.getNormalizer()?.normalizeString(ch) ?? ch;
  if (!n) return false;
  const pre = r.getPreTokenizer()?.preTokenizeString(n).map((x) => x[0]).join('') ?? n;
  return /^[ \u2581\u0120]*$/u.test(pre);
}

/**
 * Separator whitespace (see isSeparator) at either end of a content token's range that also holds other
 * characters: never allowed, whatever HF does. A token that stands for whitespace ("Ġ", "Ċ", a lone "▁") covers
 * only that whitespace; whitespace a tokenizer keeps inside words (a tab in a sentencepiece word) is a character
 * like any other; whitespace the normaliser deletes (U+0085 under BERT) attaches like other deleted characters.
 */
export function whitespaceAtEdge(name: string, text: string, e: EncodedText): string | null {
  for (const t of e.tokens) {
    if (t.start === null || t.end === null || t.end <= t.start) continue;
    const s = text.slice(t.start, t.end);
    const first = String.fromCodePoint(s.codePointAt(0)!);
    const lastUnit = s.charCodeAt(s.length - 1);
    const last = lastUnit >= 0xdc00 && lastUnit <= 0xdfff && s.length > 1 ? String.fromCodePoint(s.codePointAt(s.length - 2)!) : s[s.length - 1];
    if (!isSeparator(name, first) && !isSeparator(name, last)) continue;
    if (![...s].every((c) => isSeparator(name, c))) {
      return `${JSON.stringify(t.text)} ${t.start},${t.end} has separator whitespace at an edge: ${JSON.stringify(s)}`;
    }
  }
  return null;
}
