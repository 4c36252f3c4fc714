// Tokenisation with offsets: known cases, with the offsets Hugging Face `tokenizers` (Python, return_offsets_mapping=True)
// would give, worked out by hand and explained case by case; where CLS Lens deliberately differs (UTF-16 units,
// specials without a range, marks kept with their base) the comment says so.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_NAMES, enc, H, layout, useTokenizerFixtures } from './tokens-fixtures';

useTokenizerFixtures();

describe('known cases (Hugging Face return_offsets_mapping, worked by hand)', () => {
  it('loads all fixtures with reliable offsets and the expected specials', () => {
    for (const name of ALL_NAMES) {
      const h = H(name);
      assert.equal(h.offsetsReliable, true, `${name}: ${h.warnings.join(' ')}`);
      assert.equal(h.numSpecialTokens, 2, name);
    }
    const wp = H('wpUncased');
    assert.equal(wp.kind, 'wordpiece');
    assert.deepEqual([wp.padId, wp.unkId, wp.clsId, wp.sepId, wp.maskId], [0, 100, 101, 102, 103]);
    assert.equal(wp.vocabSize, 30522);
    assert.equal(wp.modelMaxLength, 512);
    assert.equal(wp.doLowerCase, true);
    const bpe = H('bpe');
    assert.equal(bpe.kind, 'bpe');
    assert.equal(bpe.byteLevel, true);
    assert.deepEqual([bpe.clsToken, bpe.sepToken, bpe.padToken, bpe.unkToken, bpe.maskToken], ['<s>', '</s>', '<pad>', '<unk>', '<mask>']);
    assert.ok(bpe.vocabSize >= 1000 && bpe.vocabSize <= 2000, `bpe vocab ${bpe.vocabSize}`);
    const uni = H('unigram');
    assert.equal(uni.kind, 'unigram');
    assert.ok(uni.vocabSize >= 200 && uni.vocabSize <= 1000, `unigram vocab ${uni.vocabSize}`);
  });

  it('WordPiece uncased: "Hello, world!"', () => {
    // BertNormalizer lowercases; BertPreTokenizer splits on whitespace and isolates each punctuation char:
    // hello | , | world | !  →  HF offsets (0,5) (5,6) (7,12) (12,13); [CLS]/[SEP] are (0,0) in HF, null here.
    const e = enc('wpUncased', 'Hello, world!');
    assert.deepEqual(layout(e), [['[CLS]'], ['hello', 0, 5], [',', 5, 6], ['world', 7, 12], ['!', 12, 13], ['[SEP]']]);
    assert.deepEqual(e.ids, [101, 7592, 1010, 2088, 999, 102]);
    assert.deepEqual(e.tokenTypeIds, [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(e.attentionMask, [1, 1, 1, 1, 1, 1]);
    assert.deepEqual(e.tokens.map((t) => t.special), [true, false, false, false, false, true]);
    assert.deepEqual(e.truncation, { truncated: false, droppedTokens: 0, keptChars: 13, maxTokens: 512 });
  });

  it('WordPiece: "unaffable" splits greedily, longest match first', () => {
    // bert-base-uncased has "una", "##ffa", "##ble" (and no "##aff"): una (0,3), ##ffa (3,6), ##ble (6,9).
    assert.deepEqual(layout(enc('wpUncased', 'unaffable')), [['[CLS]'], ['una', 0, 3], ['##ffa', 3, 6], ['##ble', 6, 9], ['[SEP]']]);
  });

  it('WordPiece uncased strips accents: "Café naïve"', () => {
    // lowercase + NFD + drop Mn: "cafe naive"; each normalized char keeps the range of the original "é"/"ï",
    // so cafe (0,4), naive (5,10) — as HF.
    assert.deepEqual(layout(enc('wpUncased', 'Café naïve')), [['[CLS]'], ['cafe', 0, 4], ['naive', 5, 10], ['[SEP]']]);
    // decomposed input: "e" + U+0301 is one unit; the stripped mark stays in the range of its base (HF would end
    // the token before the removed mark: (0,4)); CLS Lens gives (0,5) so the highlight never cuts a character.
    assert.deepEqual(layout(enc('wpUncased', 'Cafe\u0301')), [['[CLS]'], ['cafe', 0, 5], ['[SEP]']]);
  });

  it('WordPiece: CJK characters are split one per token', () => {
    // handle_chinese_chars puts spaces around each CJK ideograph: 北 (0,1) 京 (1,2) 大 (2,3) 学 (3,4).
    assert.deepEqual(layout(enc('wpUncased', '北京大学')), [['[CLS]'], ['北', 0, 1], ['京', 1, 2], ['大', 2, 3], ['学', 3, 4], ['[SEP]']]);
  });

  it('WordPiece: emoji become [UNK] spanning the whole character (UTF-16 units)', () => {
    // "I ❤️ 🤗 emoji": ❤️ is U+2764 U+FE0F (the variation selector is Mn and is stripped), 🤗 is a surrogate pair.
    // HF (Python, code points): i (0,1), [UNK] (2,3), [UNK] (5,6), em (7,9) ##oj (9,11) ##i (11,12).
    // Here in UTF-16 units, with the stripped selector kept: [UNK] (2,4) = "❤️", [UNK] (5,7) = "🤗", em (8,10)...
    const e = enc('wpUncased', 'I ❤️ 🤗 emoji');
    assert.deepEqual(layout(e), [['[CLS]'], ['i', 0, 1], ['[UNK]', 2, 4], ['[UNK]', 5, 7], ['em', 8, 10], ['##oj', 10, 12], ['##i', 12, 13], ['[SEP]']]);
  });

  it('WordPiece: lowercasing that changes length and Greek final sigma', () => {
    // "İ".toLowerCase() is "i̇" (2 units); with strip_accents the dot goes: "istanbul" (0,8), as HF.
    assert.deepEqual(layout(enc('wpStrip', 'İstanbul')), [['[CLS]'], ['istanbul', 0, 8], ['[SEP]']]);
    // Without strip_accents "i̇stanbul" is not in the vocabulary: one [UNK] for the whole word (0,8).
    assert.deepEqual(layout(enc('wpLowerKeepAccents', 'İstanbul')), [['[CLS]'], ['[UNK]', 0, 8], ['[SEP]']]);
    // "ΟΔΟΣ" lowercases to "οδος" (final ς, decided by context): ο (0,1) ##δ (1,2) ##ος (2,4), as HF.
    assert.deepEqual(layout(enc('wpUncased', 'ΟΔΟΣ')), [['[CLS]'], ['ο', 0, 1], ['##δ', 1, 2], ['##ος', 2, 4], ['[SEP]']]);
  });

  it('WordPiece cased, accents kept', () => {
    // No lowercasing: the capitalised pieces of the cased fixture match; "Café" is one token (0,4).
    assert.deepEqual(layout(enc('wpCased', 'Hello World, Café Paris')),
      [['[CLS]'], ['Hello', 0, 5], ['World', 6, 11], [',', 11, 12], ['Café', 13, 17], ['Paris', 18, 23], ['[SEP]']]);
    // "İ" is in the cased vocabulary: İ (0,1) ##stan (1,5) ##bu (5,7) ##l (7,8).
    assert.deepEqual(layout(enc('wpCased', 'İstanbul')), [['[CLS]'], ['İ', 0, 1], ['##stan', 1, 5], ['##bu', 5, 7], ['##l', 7, 8], ['[SEP]']]);
    // decomposed é is not composed (BertNormalizer does no NFC) and "##́" is unknown: the word is one [UNK] (0,5).
    assert.deepEqual(layout(enc('wpCased', 'Cafe\u0301')), [['[CLS]'], ['[UNK]', 0, 5], ['[SEP]']]);
  });

  it('WordPiece: control characters are removed but stay inside their word', () => {
    // clean_text drops U+0000: "ab" is one token; HF gives (0,3) too (the range of "a" to "b").
    assert.deepEqual(layout(enc('wpUncased', 'a\u0000b')), [['[CLS]'], ['ab', 0, 3], ['[SEP]']]);
    // a lone surrogate is removed (category Cs) and never produces a range inside a pair
    assert.deepEqual(layout(enc('wpUncased', '\ud800x 😀')), [['[CLS]'], ['x', 1, 2], ['[UNK]', 3, 5], ['[SEP]']]);
  });

  it('special tokens typed in the text are matched in the raw text, marked special and keep their range', () => {
    const e = enc('wpUncased', 'a [SEP] b [CLS]');
    assert.deepEqual(layout(e), [['[CLS]'], ['a', 0, 1], ['[SEP]', 2, 7], ['b', 8, 9], ['[CLS]', 10, 15], ['[SEP]']]);
    assert.deepEqual(e.tokens.map((t) => t.special), [true, false, true, false, true, true]);
    assert.deepEqual(e.ids, [101, 1037, 102, 1038, 101, 102]);
    // RoBERTa's <mask> has lstrip: the space before it is not part of either token
    const b = enc('bpe', 'x <mask> y');
    assert.deepEqual(layout(b), [['<s>'], ['x', 0, 1], ['<mask>', 2, 8], ['Ġy', 9, 10], ['</s>']]);
    assert.equal(b.tokens[2].special, true);
  });

  it('byte-level BPE: leading spaces are trimmed from offsets (trim_offsets=true)', () => {
    // "Ġriver" is " river": HF's ByteLevel/RoBERTa post-processor drops the leading space from the offset.
    assert.deepEqual(layout(enc('bpe', ' The river')), [['<s>'], ['ĠThe', 1, 4], ['Ġriver', 5, 10], ['</s>']]);
    // "a  b" pre-tokenizes as "a", " ", " b" (the space run leaves its last space to the word): the lone "Ġ"
    // trims to an empty range at its end (2,2), as HF: start=min(1+1,2), end=max(2-1,2).
    assert.deepEqual(layout(enc('bpe', 'a  b')), [['<s>'], ['a', 0, 1], ['Ġ', 2, 2], ['Ġb', 3, 4], ['</s>']]);
    // a newline is byte 0x0A = "Ċ", not trimmed
    assert.deepEqual(layout(enc('bpe', 'The river was grey.\n')),
      [['<s>'], ['The', 0, 3], ['Ġriver', 4, 9], ['Ġwas', 10, 13], ['Ġgrey', 14, 18], ['.', 18, 19], ['Ċ', 19, 20], ['</s>']]);
  });

  it('byte-level BPE: tokens holding part of a multi-byte character get the whole character', () => {
    // "é" is C3 A9 = "Ã" "©": both tokens carry the range of "é" (3,4), as HF.
    assert.deepEqual(layout(enc('bpe', 'café')), [['<s>'], ['c', 0, 1], ['a', 1, 2], ['f', 2, 3], ['Ã', 3, 4], ['©', 3, 4], ['</s>']]);
    // "😀" is F0 9F 98 80 = four tokens, each (0,2) in UTF-16 (HF, counting code points: (0,1)).
    assert.deepEqual(layout(enc('bpe', '😀!')), [['<s>'], ['ð', 0, 2], ['Ł', 0, 2], ['ĺ', 0, 2], ['Ģ', 0, 2], ['!', 2, 3], ['</s>']]);
  });

  it('Unigram / Metaspace: ▁ is a space of the text or prepended', () => {
    // "▁" prepended before "Hello" (no such piece as "▁H") is a token of its own with an empty range at the word
    // start (HF aligns a prepended char with the first char: (0,1)). "▁wor" covers the space it replaced (5,9).
    assert.deepEqual(layout(enc('unigram', 'Hello world')),
      [['<s>'], ['▁', 0, 0], ['H', 0, 1], ['e', 1, 2], ['ll', 2, 4], ['o', 4, 5], ['▁wor', 5, 9], ['l', 9, 10], ['d', 10, 11], ['</s>']]);
    // Replace(" {2,}" → " ") merges the two spaces into one ▁ that covers both: ▁b (1,4).
    assert.deepEqual(layout(enc('unigram', 'a  b')), [['<s>'], ['▁a', 0, 1], ['▁b', 1, 4], ['</s>']]);
    // NFKC turns "ﬁ" into "fi": "▁fi" covers the ligature (0,1), "ne" (1,3).
    assert.deepEqual(layout(enc('unigram', 'ﬁne')), [['<s>'], ['▁fi', 0, 1], ['ne', 1, 3], ['</s>']]);
    // unknown characters are fused into one <unk> spanning them all (0,2)
    assert.deepEqual(layout(enc('unigram', '北京 x')), [['<s>'], ['▁', 0, 0], ['<unk>', 0, 2], ['▁', 2, 3], ['x', 3, 4], ['</s>']]);
  });
});
