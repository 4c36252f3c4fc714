// Pre-tokenisation with alignment: the library's pre-tokenizers split an aligned string into aligned pieces.
import { ByteLevelPreTokenizer, MetaspacePreTokenizer, ReplacePreTokenizer, SequencePreTokenizer } from '@huggingface/tokenizers';
import { aEnd, aPos, aSlice, aStart, coarse, utf8Length, type Aligned } from './aligned';
import { correctedPreTokenizer } from './corrected';
import { replaceStep } from './normalize';
import type { LibPreTokenizer } from './types';

export function preTokenize(pt: LibPreTokenizer, piece: Aligned, opts: { section_index: number }, out: Aligned[], diag: { coarse: number }): void {
  if (pt instanceof SequencePreTokenizer) {
    let cur: Aligned[] = [piece];
    for (const sub of (pt as unknown as { tokenizers: (LibPreTokenizer | null)[] }).tokenizers) {
      if (!sub) continue;
      const next: Aligned[] = [];
      for (const p of cur) preTokenize(sub, p, opts, next, diag);
      cur = next;
    }
    for (const p of cur) out.push(p);
    return;
  }
  if (pt instanceof ByteLevelPreTokenizer) {
    // the library's pre_tokenize_text (prefix space, its regex, UTF-8 bytes as printable characters), computed here
    // with the alignment: most pieces are printable ASCII, which the byte table maps to itself
    const t = piece.text;
    const prefixed = pt.add_prefix_space && !t.startsWith(' ');
    const t2 = prefixed ? ` ${t}` : t;
    const shift = prefixed ? 1 : 0;
    if (pt.use_regex) { for (const m of t2.matchAll(pt.pattern)) byteLevelPiece(pt, piece, m.index - shift, m[0], out); }
    else byteLevelPiece(pt, piece, -shift, t2, out);
    return;
  }
  const fixed = correctedPreTokenizer(pt);
  const strs = fixed ? fixed(piece.text) : pt.pre_tokenize_text(piece.text, opts);
  if (pt instanceof MetaspacePreTokenizer) {
    const rep = pt.str_rep;
    const t = piece.text;
    for (const o of strs) {
      const prefix = o.length - t.length;
      if (rep.length === 1 && (prefix === 0 || prefix === 1) && (prefix === 0 || o[0] === rep) && o.slice(prefix) === t.replaceAll(' ', rep)) {
        // one output unit per input unit: the piece's alignment serves as it is
        if (prefix === 0) { out.push({ ...piece, text: o }); continue; }
        const s = new Int32Array(o.length);
        const e = new Int32Array(o.length);
        if (prefix) { const p = aPos(piece, 0); s[0] = p; e[0] = p; }
        for (let j = 0; j < t.length; j++) { s[j + prefix] = aStart(piece, j); e[j + prefix] = aEnd(piece, j); }
        out.push({ text: o, s, e, base: 0, endPos: piece.endPos });
      } else out.push(coarse(piece, o, diag));
    }
    return;
  }
  if (pt instanceof ReplacePreTokenizer) {
    const cfg = (pt as unknown as { config: { content?: unknown } }).config;
    for (const o of strs) {
      const r = replaceStep(piece, (pt as unknown as { pattern: RegExp | null }).pattern, String(cfg.content ?? ''), o);
      out.push(r ?? coarse(piece, o, diag));
    }
    return;
  }
  // every other pre-tokenizer returns substrings of its input, in order
  let cursor = 0;
  for (const o of strs) {
    if (!o) continue;
    const at = piece.text.indexOf(o, cursor);
    if (at < 0) { out.push(coarse(aSlice(piece, cursor, piece.text.length), o, diag)); continue; }
    out.push(aSlice(piece, at, at + o.length));
    cursor = at + o.length;
  }
}

/** One byte-level pre-token: `str` is piece text from `p0` (-1: a prefix space the pre-tokenizer inserted). */
function byteLevelPiece(pt: ByteLevelPreTokenizer, piece: Aligned, p0: number, str: string, out: Aligned[]): void {
  // ASCII: one byte per unit, so the alignment is the piece's own; printable ASCII maps to itself
  let ascii = p0 >= 0;
  let printable = true;
  for (let u = 0; ascii && u < str.length; u++) {
    const c = str.charCodeAt(u);
    if (c >= 0x80) ascii = false;
    else if (c <= 0x20 || c === 0x7f) printable = false;
  }
  if (ascii) {
    const sl = aSlice(piece, p0, p0 + str.length);
    if (printable) { out.push(sl); return; }
    let o = '';
    for (let u = 0; u < str.length; u++) o += pt.byte_encoder[str.charCodeAt(u)];
    out.push({ ...sl, text: o });
    return;
  }
  const bytes = pt.text_encoder.encode(str);
  let o = '';
  for (let k = 0; k < bytes.length; k++) o += pt.byte_encoder[bytes[k]];
  const s = new Int32Array(o.length);
  const e = new Int32Array(o.length);
  let b = 0;
  for (let u = 0; u < str.length;) {
    const cp = str.codePointAt(u)!;
    const cl = cp > 0xffff ? 2 : 1;
    const p = p0 + u;
    let st: number;
    let en: number;
    if (p < 0) { st = aPos(piece, 0); en = st; } else { st = aStart(piece, p); en = aEnd(piece, p + cl - 1); }
    // a lone surrogate is 3 bytes (U+FFFD), like every code point of the BMP from U+0800
    for (let n = cp >= 0xd800 && cp <= 0xdfff ? 3 : utf8Length(cp); n > 0; n--, b++) { if (b < o.length) { s[b] = st; e[b] = en; } }
    u += cl;
  }
  out.push({ text: o, s, e, base: 0, endPos: e.length ? e[e.length - 1] : aPos(piece, Math.max(p0, 0)) });
}
