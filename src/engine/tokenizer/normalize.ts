// Normalisation with alignment: each normalizer step's output mapped back to the original text, piece by piece.
import { PrependNormalizer, ReplaceNormalizer, SequenceNormalizer, StripNormalizer } from '@huggingface/tokenizers';
import { aSlice, compose, type Aligned } from './aligned';
import type { LibNormalizer } from './types';

const MARK_RE = /^\p{M}$/u;
const WHITE_SPACE_RE = /^\p{White_Space}$/u;

/** Unicode White_Space (not JS \s, which adds U+FEFF: a case-ignorable format character that lowercasing looks through). */
function isWhitespaceCode(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return WHITE_SPACE_RE.test(String.fromCharCode(c));
}

function isMarkAt(src: string, p: number): number {
  const cp = src.codePointAt(p)!;
  if (cp < 0x300) return 0;
  const len = cp > 0xffff ? 2 : 1;
  return MARK_RE.test(src.slice(p, p + len)) ? len : 0;
}

/** End of the unit (code point + following combining marks) starting at p. */
function unitEnd(src: string, p: number, end: number): number {
  const cp = src.codePointAt(p)!;
  let q = p + (cp > 0xffff ? 2 : 1);
  while (q < end) { const m = isMarkAt(src, q); if (!m) break; q += m; }
  return Math.min(q, end);
}

/** Nearest unit boundary at or after p. */
function unitBoundary(src: string, p: number, end: number): number {
  while (p < end) {
    const c = src.charCodeAt(p);
    const prev = p > 0 ? src.charCodeAt(p - 1) : 0;
    if (c >= 0xdc00 && c <= 0xdfff && prev >= 0xd800 && prev <= 0xdbff) { p++; continue; }
    const m = isMarkAt(src, p);
    if (m) { p += m; continue; }
    break;
  }
  return Math.min(p, end);
}

/** End of the word (plus its trailing whitespace) starting at p; very long words are cut at a unit boundary. */
function wordEnd(src: string, p: number, end: number): number {
  let q = p;
  while (q < end && !isWhitespaceCode(src.charCodeAt(q)) && q - p < WORD_MAX) q++;
  if (q - p >= WORD_MAX) q = unitBoundary(src, q, end);
  while (q < end && isWhitespaceCode(src.charCodeAt(q))) q++;
  return q === p ? unitEnd(src, p, end) : q;
}

const CHUNK = 2048;
const WORD_MAX = 256;

/**
 * Splits [c0, c1) into at least two segments, trying levels in turn: 0 = runs of ASCII-only words (up to CHUNK
 * code units) and single non-ASCII words; 1 = words (with their trailing whitespace); 2 = units; 3 = code points
 * (a unit whose marks normalise independently, e.g. a CJK ideograph followed by a mark). Null for one code point.
 */
function segments(src: string, c0: number, c1: number, level: number): { bounds: number[]; level: number } | null {
  for (let lv = level; lv <= 3; lv++) {
    const bounds = [c0];
    if (lv === 3) {
      for (let p = c0; p < c1;) { p += src.codePointAt(p)! > 0xffff ? 2 : 1; bounds.push(Math.min(p, c1)); }
    } else if (lv === 2) {
      for (let p = c0; p < c1;) { p = unitEnd(src, p, c1); bounds.push(p); }
    } else {
      let p = c0;
      while (p < c1) {
        let q = wordEnd(src, p, c1);
        if (lv === 0 && isAsciiRange(src, p, q)) {
          while (q < c1 && q - p < CHUNK) {
            const r = wordEnd(src, q, c1);
            if (!isAsciiRange(src, q, r)) break;
            q = r;
          }
        }
        bounds.push(q);
        p = q;
      }
    }
    if (bounds.length > 2) return { bounds, level: lv };
  }
  return null;
}

interface GenCtx { src: string; out: string; f: (s: string) => string; ts: Int32Array; te: Int32Array; memo: Map<string, string> }

/** f, memoised for short inputs (units and code points repeat a lot: CJK text is all units). */
function fOf(c: GenCtx, s: string): string {
  if (s.length > 4) return c.f(s);
  let r = c.memo.get(s);
  if (r === undefined) {
    if (c.memo.size > 65536) c.memo.clear();
    r = c.f(s);
    c.memo.set(s, r);
  }
  return r;
}

function isAsciiRange(s: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) if (s.charCodeAt(i) >= 128) return false;
  return true;
}

function sameRange(a: string, a0: number, b: string, b0: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a.charCodeAt(a0 + i) !== b.charCodeAt(b0 + i)) return false;
  return true;
}

/** Input [c0, c1) produced nothing: it belongs to the previous output unit. */
function attachDeleted(c: GenCtx, c1: number, q: number): void {
  if (q > 0 && c.te[q - 1] < c1) c.te[q - 1] = c1;
}

/** Aligns input [c0, c1) with output [q0, q1) (known to be f(input[c0, c1))). */
function alignRange(c: GenCtx, c0: number, c1: number, q0: number, q1: number, level: number): void {
  const n = c1 - c0;
  const m = q1 - q0;
  if (m === 0) { attachDeleted(c, c1, q0); return; }
  if (n === 0) { for (let q = q0; q < q1; q++) { c.ts[q] = c0; c.te[q] = c0; } return; }
  if (n === m && (sameRange(c.src, c0, c.out, q0, n) || isAsciiRange(c.src, c0, c1))) {
    for (let k = 0; k < n; k++) { c.ts[q0 + k] = c0 + k; c.te[q0 + k] = c0 + k + 1; }
    return;
  }
  const seg = level <= 3 ? segments(c.src, c0, c1, level) : null;
  if (!seg) {
    for (let q = q0; q < q1; q++) { c.ts[q] = c0; c.te[q] = c1; }
    return;
  }
  const { bounds } = seg;
  const K = bounds.length - 1;
  const outs: string[] = new Array<string>(K);
  for (let k = 0; k < K; k++) outs[k] = fOf(c, c.src.slice(bounds[k], bounds[k + 1]));
  // common case: the pieces' outputs concatenate to the whole output
  let q = q0;
  let ok = true;
  for (let k = 0; k < K && ok; k++) { if (!c.out.startsWith(outs[k], q) || q + outs[k].length > q1) ok = false; else q += outs[k].length; }
  if (ok && q === q1) {
    q = q0;
    for (let k = 0; k < K; k++) { alignRange(c, bounds[k], bounds[k + 1], q, q + outs[k].length, seg.level + 1); q += outs[k].length; }
    return;
  }
  // Context-dependent output (Greek final sigma, Hangul jamo composition...): walk forward matching pieces; at a
  // mismatch, find the smallest block of pieces (and its output length) after which the following pieces match
  // again, and map that block as a whole. What cannot be resynchronised is matched from the end; the middle is one block.
  const matchesAt = (k: number, q: number): boolean => (k >= K ? q === q1 : q + outs[k].length <= q1 && c.out.startsWith(outs[k], q));
  // a block of pieces whose output is known: align it at the next finer level (one block when nothing finer exists)
  const block = (k0: number, k1: number, qa: number, qb: number): void => {
    alignRange(c, bounds[k0], bounds[k1], qa, qb, seg.level + 1);
  };
  let i = 0;
  let qa = q0;
  while (i < K) {
    if (matchesAt(i, qa)) { alignRange(c, bounds[i], bounds[i + 1], qa, qa + outs[i].length, seg.level + 1); qa += outs[i].length; i++; continue; }
    // a block of k pieces normalised together, when that is what the output holds here (Hangul jamo compose,
    // context that crosses a piece boundary)
    let joint = 0;
    for (let k = 2; k <= 4 && i + k <= K && !joint; k++) {
      const o = fOf(c, c.src.slice(bounds[i], bounds[i + k]));
      if (o.length && qa + o.length <= q1 && c.out.startsWith(o, qa)) { block(i, i + k, qa, qa + o.length); qa += o.length; i += k; joint = k; }
    }
    if (joint) continue;
    // otherwise guess: k pieces producing l output units; prefer the block after which the rest matches to the
    // end, then the longest run of matching pieces, then fewer pieces and l closest to the pieces' own length
    let best: { k: number; l: number; run: number; end: boolean; dist: number } | null = null;
    for (let k = 1; k <= 4 && i + k <= K; k++) {
      let base = 0;
      for (let x = i; x < i + k; x++) base += outs[x].length;
      for (let l = 0; l <= base + 4 && qa + l <= q1; l++) {
        let run = 0;
        let q = qa + l;
        let x = i + k;
        while (x < K && run < 32 && matchesAt(x, q)) { q += outs[x].length; x++; run++; }
        const end = x >= K && q === q1;
        if (!end && run === 0) continue;
        const dist = Math.abs(l - base);
        if (!best || (end && !best.end) || (end === best.end && (run > best.run || (run === best.run && (k < best.k || (k === best.k && dist < best.dist)))))) {
          best = { k, l, run, end, dist };
        }
      }
    }
    if (seg.level < 2 && (!best || (!best.end && best.run < 8))) {
      // words or runs of words: without strong evidence, align the rest unit by unit instead of guessing
      alignRange(c, bounds[i], c1, qa, q1, 2);
      return;
    }
    if (!best) break;
    block(i, i + best.k, qa, qa + best.l);
    qa += best.l;
    i += best.k;
  }
  if (i >= K) return;
  let j = K;
  let qb = q1;
  while (j > i && qb - outs[j - 1].length >= qa && c.out.startsWith(outs[j - 1], qb - outs[j - 1].length)) { qb -= outs[j - 1].length; j--; }
  if (i < j) block(i, j, qa, qb);
  else for (let r = qa; r < qb; r++) { c.ts[r] = bounds[i]; c.te[r] = bounds[i]; }
  q = qb;
  for (let k = j; k < K; k++) { alignRange(c, bounds[k], bounds[k + 1], q, q + outs[k].length, seg.level + 1); q += outs[k].length; }
}

/** A normalization step that works character by character (up to context rules): align by pieces. */
export function genericStep(prev: Aligned, f: (s: string) => string): Aligned {
  const src = prev.text;
  const out = f(src);
  if (out === src) return prev;
  const c: GenCtx = { src, out, f, ts: new Int32Array(out.length), te: new Int32Array(out.length), memo: new Map() };
  alignRange(c, 0, src.length, 0, out.length, 0);
  return compose(prev, out, c.ts, c.te);
}

/** Regex replacement (Replace normalizer / pre-tokenizer) with alignment; null when it cannot reproduce `expected`. */
export function replaceStep(prev: Aligned, pattern: RegExp | null, content: string, expected: string): Aligned | null {
  const src = prev.text;
  if (pattern === null || expected === src) return expected === src ? prev : null;
  const parts: string[] = [];
  const ts: number[] = [];
  const te: number[] = [];
  let last = 0;
  const copy = (a: number, b: number) => { if (b > a) { parts.push(src.slice(a, b)); for (let k = a; k < b; k++) { ts.push(k); te.push(k + 1); } } };
  for (const m of src.matchAll(pattern)) {
    const at = m.index;
    copy(last, at);
    const end = at + m[0].length;
    if (content.length) {
      parts.push(content);
      for (let k = 0; k < content.length; k++) { ts.push(at); te.push(end); }
    } else if (ts.length && end > at) {
      te[te.length - 1] = Math.max(te[te.length - 1], end);
    }
    last = end;
  }
  copy(last, src.length);
  const text = parts.join('');
  if (text !== expected) return null;
  return compose(prev, text, ts, te);
}

export function normalizeStep(prev: Aligned, norm: LibNormalizer, diag: { coarse: number }): Aligned {
  if (norm instanceof SequenceNormalizer) {
    let a = prev;
    for (const sub of (norm as unknown as { normalizers: (LibNormalizer | null)[] }).normalizers) if (sub) a = normalizeStep(a, sub, diag);
    return a;
  }
  const src = prev.text;
  if (norm instanceof StripNormalizer) {
    const out = norm.normalize(src);
    const lead = norm.config.strip_left ? src.length - src.trimStart().length : 0;
    if (src.startsWith(out, lead)) return aSlice(prev, lead, lead + out.length);
  } else if (norm instanceof PrependNormalizer) {
    const out = norm.normalize(src);
    const pre = String(norm.config.prepend ?? '');
    if (out === pre + src) {
      const ts = new Int32Array(out.length);
      const te = new Int32Array(out.length);
      for (let k = pre.length; k < out.length; k++) { ts[k] = k - pre.length; te[k] = k - pre.length + 1; }
      return compose(prev, out, ts, te);
    }
  } else if (norm instanceof ReplaceNormalizer) {
    const out = norm.normalize(src);
    const r = replaceStep(prev, (norm as unknown as { pattern: RegExp | null }).pattern, String(norm.config.content ?? ''), out);
    if (r) return r;
  }
  return genericStep(prev, (s) => norm.normalize(s));
}
