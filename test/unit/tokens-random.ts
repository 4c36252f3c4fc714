// Seeded random text for the tokens-*.test.ts property tests: an xorshift generator and a mix of hard fragments.

/** Extra fuzzing: CLS_LENS_FUZZ_SCALE multiplies the random case counts, CLS_LENS_FUZZ_SEED changes every seed. */
export const SCALE = Math.max(1, Number(process.env.CLS_LENS_FUZZ_SCALE) || 1);
const SEED = Number(process.env.CLS_LENS_FUZZ_SEED) || 0;

/** xorshift32 seeded generator. */
export function rng(seed: number): () => number {
  let s = (seed + SEED * 0x9e3779b1) >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

export const FRAGMENTS: Record<string, string[]> = {
  ascii: ['the', 'river', 'Hello', 'WORLD', 'unaffable', 'running', 'tokenization', 'x', 'a', 'I', "don't", 'state-of-the-art', 'e-mail', '123', '3.14', '2024', 'CamelCase', 'snake_case', 'http://example.com/a?b=c'],
  punct: Array.from('.,;:!?\'"()[]{}<>-_/\\@#$%^&*+=~`|…—–«»¿¡「」、。'),
  latin: ['Café', 'naïve', 'Ångström', 'résumé', 'Über', 'façade', 'São', 'Øresund', 'Łódź', 'İstanbul', 'ß', 'ǅ', 'ﬀ', 'Æsir'],
  greek: ['ΟΔΟΣ', 'σοφός', 'Ελλάδα', 'ΣΑΣ', 'Москва', 'ОДИН'],
  combining: ['e\u0301', 'a\u0308\u0301', 'n\u0303', 'o\u0328\u0304', '\u0301', 'i\u0307', 'A\u030a', '\u0915\u094d\u0937'],
  cjk: ['北京大学', '東京', '日本語', '한국어', '\u1100\u1161\u11a8', 'ｆｕｌｌ', 'ﾊﾝｶｸ', '𠀀𠀁', 'ひらがな', 'カタカナ'],
  emoji: ['😀', '👍🏽', '👨\u200d👩\u200d👧', '🇫🇷', '❤️', '🤗', '✨', '1️⃣'],
  space: [' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u3000', '\u2028', '   '],
  control: ['\u0000', '\u0001', '\u007f', '\u0085', '\ufeff', '\u200b', '\u200d', '\ufffd', '\u001b', '\u00ad'],
  surrogate: ['\ud800', '\udc00', '\udbff', '\ud83d'],
  compat: ['ﬁ', 'ﬃ', '①', '㎏', 'Ⅻ', '½', '²', 'ℌ', 'ﷺ'],
  specials: ['[CLS]', '[SEP]', '[MASK]', '<s>', '</s>', '<mask>', '<unk>', '[UNK]', '<pad>', '[PAD]'],
  marks: ['▁', 'Ġ', '##', '##ing', 'Ċ'],
};

function randomChar(r: () => number): string {
  const pick = r();
  const ranges: [number, number][] = [[0x20, 0x7e], [0xa0, 0x24f], [0x370, 0x3ff], [0x400, 0x4ff], [0x590, 0x6ff], [0x900, 0x97f], [0xe00, 0xe7f], [0x3040, 0x30ff], [0x4e00, 0x9fff], [0xac00, 0xd7a3], [0x1f300, 0x1faff], [0x20000, 0x2a6df]];
  if (pick < 0.05) return String.fromCharCode(Math.floor(r() * 0x10000)); // any code unit, lone surrogates included
  const [a, b] = ranges[Math.floor(r() * ranges.length)];
  return String.fromCodePoint(a + Math.floor(r() * (b - a + 1)));
}

export function randomText(r: () => number): string {
  const keys = Object.keys(FRAGMENTS);
  const n = 1 + Math.floor(r() * 18);
  let s = '';
  for (let i = 0; i < n; i++) {
    const x = r();
    if (x < 0.12) { s += randomChar(r); continue; }
    const list = FRAGMENTS[keys[Math.floor(r() * keys.length)]];
    s += list[Math.floor(r() * list.length)];
    const sep = r();
    if (sep < 0.55) s += ' ';
    else if (sep < 0.6) s += FRAGMENTS.space[Math.floor(r() * FRAGMENTS.space.length)];
  }
  return s;
}
