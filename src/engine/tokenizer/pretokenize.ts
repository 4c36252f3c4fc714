// Pre-tokenisation with alignment: the library's pre-tokenizers split an aligned string into aligned pieces.
import { ByteLevelPreTokenizer, MetaspacePreTokenizer, ReplacePreTokenizer, SequencePreTokenizer } from '@huggingface/tokenizers';
import { aEnd, aPos, aSlice, aStart, coarse, utf8Length, type Aligned } from './aligned';
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
  const strs = pt.pre_tokenize_text(piece.text, opts);
  if (pt instanceof MetaspacePreTokenizer) {
    const rep = pt.str_rep;
    const t = piece.text;
    for (const o of strs) {
      const prefix = o.length - t.length;
      if (rep.length === 1 && (prefix === 0 || prefix === 1) && (prefix === 0 || o[0] === rep) && o.slice(prefix) === t.replaceAll(' ', rep)) {
        const s = new Int32Array(o.length);
        const e = new Int32Array(o.length);
        if (prefix) { const p = aPos(piece, 0); s[0] = p; e[0] = p; }
        for (let j = 0; j < t.length; j++) { s[j + prefix] = aStart(piece, j); e[j + prefix] = aEnd(piece, j); }
        out.push({ text: o, s, e, base: 0, endPos: piece.endPos });
      } else out.push(coarse(piece, o, diag));
    }
    return;
  }
  if (pt instanceof ByteLevelPreTokenizer) {
    const t = piece.text;
    const prefixed = pt.add_prefix_space && !t.startsWith(' ');
    const t2 = prefixed ? ` ${t}` : t;
    const shift = prefixed ? 1 : 0;
    const matches: { index: number; str: string }[] = pt.use_regex
      ? Array.from(t2.matchAll(pt.pattern), (m) => ({ index: m.index, str: m[0] }))
      : [{ index: 0, str: t2 }];
    if (matches.length !== strs.length) { for (const o of strs) out.push(coarse(piece, o, diag)); return; }
    for (let k = 0; k < strs.length; k++) {
      const o = strs[k];
      const { index, str } = matches[k];
      const s = new Int32Array(o.length);
      const e = new Int32Array(o.length);
      let b = 0;
      for (let u = 0; u < str.length && b <= o.length;) {
        const cp = str.codePointAt(u)!;
        const cl = cp > 0xffff ? 2 : 1;
        const p = index + u - shift;
        let st: number;
        let en: number;
        if (p < 0) { st = aPos(piece, 0); en = st; } else { st = aStart(piece, p); en = aEnd(piece, p + cl - 1); }
        for (let n = utf8Length(cp); n > 0; n--, b++) { if (b < o.length) { s[b] = st; e[b] = en; } }
        u += cl;
      }
      if (b !== o.length) { out.push(coarse(piece, o, diag)); continue; }
      out.push({ text: o, s, e, base: 0, endPos: e.length ? e[e.length - 1] : aPos(piece, 0) });
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
