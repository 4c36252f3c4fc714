// Offset alignment: strings that carry, for each UTF-16 unit, the range of the original text it came from.

export interface Aligned {
  text: string;
  /** null: identity, unit j ← [base + j, base + j + 1). */
  s: Int32Array | null;
  e: Int32Array | null;
  base: number;
  /** Original position of the end of `text` (for empty ranges at the end). */
  endPos: number;
}

export const aStart = (a: Aligned, j: number): number => (a.s ? a.s[j] : a.base + j);
export const aEnd = (a: Aligned, j: number): number => (a.e ? a.e[j] : a.base + j + 1);
export const aPos = (a: Aligned, p: number): number => (p < a.text.length ? aStart(a, p) : a.endPos);

export function aRange(a: Aligned, i: number, j: number): [number, number] {
  if (j > i) return [aStart(a, i), aEnd(a, j - 1)];
  const p = aPos(a, i);
  return [p, p];
}

export function aSlice(a: Aligned, i: number, j: number): Aligned {
  if (i === 0 && j === a.text.length) return a;
  const endPos = j > i ? aEnd(a, j - 1) : aPos(a, i);
  if (!a.s) return { text: a.text.slice(i, j), s: null, e: null, base: a.base + i, endPos };
  return { text: a.text.slice(i, j), s: a.s.subarray(i, j), e: a.e!.subarray(i, j), base: 0, endPos };
}

export function identity(text: string, base: number): Aligned {
  return { text, s: null, e: null, base, endPos: base + text.length };
}

/** Every char of `text` mapped to the whole of `a` (last resort, counted in diagnostics). */
export function coarse(a: Aligned, text: string, diag: { coarse: number }): Aligned {
  diag.coarse++;
  const [st, en] = a.text.length ? [aStart(a, 0), aEnd(a, a.text.length - 1)] : [a.endPos, a.endPos];
  const s = new Int32Array(text.length).fill(st);
  const e = new Int32Array(text.length).fill(en);
  return { text, s, e, base: 0, endPos: en };
}

/**
 * Composes a step's output with its input's alignment. `ts`/`te` give, for each output unit, the [start, end)
 * range of input units it came from; `te === ts` marks an inserted unit (an empty range at that position).
 */
export function compose(prev: Aligned, text: string, ts: ArrayLike<number>, te: ArrayLike<number>): Aligned {
  const n = text.length;
  const s = new Int32Array(n);
  const e = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const a = ts[j];
    const b = te[j];
    if (b > a) { s[j] = aStart(prev, a); e[j] = aEnd(prev, b - 1); } else { const p = aPos(prev, a); s[j] = p; e[j] = p; }
  }
  return { text, s, e, base: 0, endPos: prev.endPos };
}

/** Bytes of a code point in UTF-8 (byte-level pre-tokenizer and byte-fallback tokens map bytes back to characters). */
export function utf8Length(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}
