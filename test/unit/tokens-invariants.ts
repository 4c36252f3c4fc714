// The invariants every encoding must meet (checkEncoding), shared by the tokens-*.test.ts files.
import { byteToUnicodeTable } from '../../scripts/lib/tokenizers';
import type { EncodedText, TokenizerHandle } from '../../src/engine/tokenizer';
import type { Token } from '../../src/shared/types';

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;
const splitsPair = (text: string, p: number): boolean => p > 0 && p < text.length && isHigh(text.charCodeAt(p - 1)) && isLow(text.charCodeAt(p));

/** [start, end) of the unit (code point + following combining marks) containing p. */
function unitAround(text: string, p: number): [number, number] {
  const isMarkAt = (i: number): boolean => /^\p{M}$/u.test(String.fromCodePoint(text.codePointAt(i)!));
  let a = p;
  if (a > 0 && isLow(text.charCodeAt(a)) && isHigh(text.charCodeAt(a - 1))) a--;
  // back over marks to their base (a mark right after whitespace is a unit of its own)
  while (a > 0 && isMarkAt(a)) {
    let b = a - 1;
    if (b > 0 && isLow(text.charCodeAt(b)) && isHigh(text.charCodeAt(b - 1))) b--;
    if (/\s/u.test(text[b])) break;
    a = b;
  }
  let e = a + String.fromCodePoint(text.codePointAt(a)!).length;
  while (e < text.length && isMarkAt(e)) e += String.fromCodePoint(text.codePointAt(e)!).length;
  return [a, e];
}

const BYTE_DECODER = new Map(byteToUnicodeTable().map((ch, b) => [ch, b]));

/**
 * WordPiece continuation piece? "##x" normally; but a word may also start with a vocabulary string such as "###"
 * or "##ο" taken literally (text "##Ο..."): such a token is word-initial when its range holds its whole text
 * (possibly followed by more, when its last character came from a character that normalisation expanded).
 */
function isContinuation(h: TokenizerHandle, text: string, t: Token): boolean {
  if (!t.text.startsWith('##')) return false;
  return !normalizedVisible(h, text.slice(t.start!, t.end!)).startsWith(t.text);
}

function surfaceOf(h: TokenizerHandle, text: string, t: Token): string {
  if (h.kind === 'wordpiece') return isContinuation(h, text, t) ? t.text.slice(2) : t.text;
  return t.text.replaceAll('\u2581', ' ');
}

function startsWord(h: TokenizerHandle, text: string, t: Token, prev: Token): boolean {
  if (h.kind === 'wordpiece') return !isContinuation(h, text, t);
  // byte-level: "Ġ" starts a word; without offset trimming a word is just the tokens sharing one character
  if (h.byteLevel) return h.internals.trimOffsets ? t.text.startsWith('\u0120') : t.start! >= prev.end!;
  return t.text.startsWith('\u2581');
}

function isUnk(h: TokenizerHandle, t: Token): boolean {
  return t.id === h.unkId;
}

/** What a stretch of original text becomes after the tokenizer's normalizer, compared without whitespace. */
function normalizedVisible(h: TokenizerHandle, s: string): string {
  let n = h.tokenizer.normalizer ? h.tokenizer.normalizer.normalize(s) : s;
  n = new TextDecoder().decode(new TextEncoder().encode(n)); // lone surrogates → U+FFFD, as byte tokens decode
  if (h.internals.metaspaceRep || h.kind === 'unigram') n = n.replaceAll('\u2581', ' ');
  return n.replace(/\s/gu, '');
}

function surfaceVisible(h: TokenizerHandle, text: string, toks: Token[]): string {
  const bytes: number[] = [];
  const utf8 = new TextEncoder();
  for (const t of toks) {
    const byteToken = /^<0x([0-9A-F]{2})>$/.exec(t.text);
    if (byteToken) bytes.push(parseInt(byteToken[1], 16));
    else if (h.byteLevel) for (const ch of t.text) bytes.push(BYTE_DECODER.get(ch)!);
    else bytes.push(...utf8.encode(surfaceOf(h, text, t)));
  }
  return new TextDecoder().decode(Uint8Array.from(bytes)).replace(/\s/gu, '');
}

const sigmaFold = (s: string): string => s.replaceAll('ς', 'σ');

/**
 * Checks every invariant of one encoding; returns a description of the first failure or null. With `truncated`,
 * the last word may be cut (a character split across byte tokens) and is not compared with its text.
 */
export function checkEncoding(h: TokenizerHandle, text: string, e: EncodedText, truncated = false): string | null {
  const T = e.tokens.length;
  if (e.ids.length !== T || e.attentionMask.length !== T || e.tokenTypeIds.length !== T) return 'length mismatch';
  if (e.tokenTypeIds.some((x) => x !== 0)) return 'token type not 0';
  if (e.attentionMask.some((x) => x !== 1)) return 'attention mask not 1';
  if (!(e.tokens[0].special && e.tokens[0].start === null && e.tokens[T - 1].special && e.tokens[T - 1].start === null)) return 'specials missing';
  const content = e.tokens.slice(1, -1);
  for (const t of content) {
    if (t.start === null || t.end === null) return `content token ${t.text} without range`;
    if (!(t.start >= 0 && t.start <= t.end && t.end <= text.length)) return `range out of text ${t.text} ${t.start},${t.end}`;
    if (splitsPair(text, t.start) || splitsPair(text, t.end)) return `range cuts a surrogate pair ${t.text} ${t.start},${t.end}`;
    if (isUnk(h, t) && t.end <= t.start) return `empty UNK range at ${t.start}`;
  }
  for (let i = 1; i < content.length; i++) {
    const a = content[i - 1];
    const b = content[i];
    if (b.start! < a.start! || b.end! < a.end!) return `ranges go back: ${a.text}(${a.start},${a.end}) ${b.text}(${b.start},${b.end})`;
    if (b.start! < a.end!) {
      // overlap only where one original unit (a character with its marks) feeds both tokens — or two adjacent
      // units that normalisation merged ("ﬃ" DEL U+0301 → "ffí": the accent composes with the ligature's "i")
      const [u0, u1] = unitAround(text, b.start!);
      const [, u2] = u1 < text.length ? unitAround(text, u1) : [u1, u1];
      const ok = b.start! >= u0 && (a.end! <= u1 || (a.end! <= u2 && !/\s/u.test(text.slice(u0, u2))));
      if (!ok) return `overlap beyond one character: ${a.text}(${a.start},${a.end}) ${b.text}(${b.start},${b.end})`;
      if (/^[\x00-\x7f]*$/.test(text)) return 'overlap in ASCII text';
    }
  }
  // words: maximal runs of tokens that continue a word (## / no Ġ / no ▁); added tokens stand alone
  const words: Token[][] = [];
  for (let i = 0; i < content.length; i++) {
    const t = content[i];
    const prevSpecial = i > 0 && content[i - 1].special;
    if (i === 0 || t.special || prevSpecial || startsWord(h, text, t, content[i - 1])) words.push([t]); else words[words.length - 1].push(t);
  }
  for (const w of words) {
    for (let i = 1; i < w.length; i++) {
      // a gap inside a word is only allowed where byte-level offset trimming removed spaces
      const gap = text.slice(w[i - 1].end!, w[i].start!);
      if (w[i].start! > w[i - 1].end! && !(h.internals.trimOffsets && /^ +$/.test(gap))) return `gap inside a word: ${w[i - 1].text}(${w[i - 1].end}) ${w[i].text}(${w[i].start})`;
    }
  }
  // words that share an original character (one character normalised into several words, e.g. NFKC "ﷺ") are
  // compared together: their surfaces must be what the covered text normalises to
  const clusters: Token[][] = [];
  for (const w of words) {
    const last = clusters[clusters.length - 1];
    if (last && w[0].start! < last[last.length - 1].end!) last.push(...w); else clusters.push([...w]);
  }
  for (const [ci, w] of clusters.entries()) {
    if (w.some((t) => t.special || isUnk(h, t))) continue;
    if (truncated && ci === clusters.length - 1) continue;
    const slice = text.slice(w[0].start!, Math.max(...w.map((t) => t.end!)));
    const want = sigmaFold(surfaceVisible(h, text, w));
    const got = sigmaFold(normalizedVisible(h, slice));
    if (want !== got) return `word ${JSON.stringify(w.map((t) => t.text))} covers ${JSON.stringify(slice)} → ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`;
  }
  // every character the normalizer keeps visible is covered by some token
  let k = 0;
  for (let p = 0; p < text.length;) {
    const ch = String.fromCodePoint(text.codePointAt(p)!);
    const visible = normalizedVisible(h, ch) !== '' && !/^\p{M}$/u.test(ch);
    if (visible) {
      while (k < content.length && content[k].end! <= p) k++;
      let covered = false;
      for (let j = k; j < content.length && content[j].start! <= p; j++) if (content[j].end! > p) { covered = true; break; }
      if (!covered) return `character ${JSON.stringify(ch)} at ${p} not covered`;
    }
    p += ch.length;
  }
  return null;
}
