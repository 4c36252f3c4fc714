// Tokenisation with offsets (src/engine/tokenizer/) against the fixture tokenizers (scripts/lib/tokenizers.ts).
//
// Three kinds of checks:
//  1. known cases, with the offsets Hugging Face `tokenizers` (Python, return_offsets_mapping=True) would give,
//     worked out by hand from the algorithm and explained case by case; where CLS Lens deliberately differs
//     (UTF-16 units, specials without a range, marks kept with their base) the comment says so;
//  2. property tests over thousands of seeded random strings for six tokenizers (three WordPiece variants,
//     a second cased one, byte-level BPE, Unigram): ids identical to the library's own `encode`, and
//     ranges that are valid, ordered, never cut a surrogate pair, reproduce the token's text once normalised,
//     tile each word and cover every visible character;
//  3. truncation, sliding windows, bad input, load errors and a 1 MB text.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  byteLevelBpeTokenizerFiles,
  byteToUnicodeTable,
  unigramTokenizerFiles,
  wordPieceTokenizerFiles,
  writeTokenizerFiles,
  type TokenizerFiles,
} from '../../scripts/lib/tokenizers';
import { encodeText, encodeWindows, isBlank, isPunctuationToken, loadTokenizer, type EncodedText, type TokenizerHandle } from '../../src/engine/tokenizer';
import type { Token } from '../../src/shared/types';

// ---------------------------------------------------------------------------------------------------------------
// Fixtures

/** Capitalised and accented pieces added to the uncased vocabulary for the cased test tokenizer. */
const CASED_EXTRA = ['Hello', 'World', 'Café', 'Paris', 'The', 'A', 'C', 'H', 'P', 'W', 'T', 'É', 'İ', 'Ä', '##é', '##ä', '##İ', '##É', 'é', 'ï', '##ï'];

const FIXTURES: Record<string, () => TokenizerFiles> = {
  wpUncased: () => wordPieceTokenizerFiles(),
  wpCased: () => wordPieceTokenizerFiles({ lowercase: false, stripAccents: false, extraVocab: CASED_EXTRA }),
  wpStrip: () => wordPieceTokenizerFiles({ lowercase: true, stripAccents: true }),
  wpLowerKeepAccents: () => wordPieceTokenizerFiles({ lowercase: true, stripAccents: false }),
  wpCasedStrip: () => wordPieceTokenizerFiles({ lowercase: false, stripAccents: true, extraVocab: CASED_EXTRA }),
  bpe: () => byteLevelBpeTokenizerFiles(),
  unigram: () => unigramTokenizerFiles(),
};

/** Variants exercising pipeline components the three families do not use (built by editing the fixtures' JSON). */
function variant(make: () => TokenizerFiles, edit: (json: Record<string, unknown>) => void): () => TokenizerFiles {
  return () => {
    const f = make();
    const json = structuredClone(f.tokenizerJson) as Record<string, unknown>;
    edit(json);
    return { ...f, tokenizerJson: json };
  };
}

/** A small sentencepiece-style BPE with byte fallback (Llama-like): Metaspace, `<0xXX>` byte tokens, fused `<unk>`. */
function byteFallbackBpeFiles(): TokenizerFiles {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  let next = 3;
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = next++;
  const merges: [string, string][] = [];
  for (const ch of Array.from('\u2581abcdefghijklmnopqrstuvwxyzTHE.,é')) vocab[ch] = next++;
  for (const [a, b] of [['\u2581', 't'], ['h', 'e'], ['\u2581t', 'he'], ['\u2581', 'a'], ['i', 'n'], ['in', 'g'], ['e', 'r'], ['\u2581', 'r'], ['\u2581r', 'i'], ['v', 'er']] as [string, string][]) {
    merges.push([a, b]);
    vocab[a + b] = next++;
  }
  const tokenizerJson = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [0, 1, 2].map((id) => ({ id, content: ['<unk>', '<s>', '</s>'][id], single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: true },
    post_processor: { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }], pair: [], special_tokens: {} },
    decoder: null,
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, ignore_merges: false, vocab, merges },
  };
  const specials = { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', cls_token: '<s>', sep_token: '</s>' };
  return { tokenizerJson, tokenizerConfig: { model_max_length: 512, ...specials }, specialTokensMap: specials, vocabSize: next };
}

const VARIANTS: Record<string, () => TokenizerFiles> = {
  // BERT-style vocabulary behind a NFD + Lowercase + StripAccents sequence, Whitespace + individual Digits, Strip
  wpSequence: variant(() => wordPieceTokenizerFiles(), (j) => {
    j.normalizer = { type: 'Sequence', normalizers: [{ type: 'Strip', strip_left: true, strip_right: true }, { type: 'NFD' }, { type: 'Lowercase' }, { type: 'StripAccents' }] };
    j.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'Whitespace' }, { type: 'Digits', individual_digits: true }] };
  }),
  // BERT vocabulary, NFKC + Lowercase, WhitespaceSplit then Punctuation
  wpPunct: variant(() => wordPieceTokenizerFiles(), (j) => {
    j.normalizer = { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] };
    j.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Punctuation', behavior: 'Isolated' }] };
  }),
  // RoBERTa-style with add_prefix_space (the first word gets "Ġ" too; HF keeps its offset from 0)
  bpePrefix: variant(() => byteLevelBpeTokenizerFiles(), (j) => {
    j.pre_tokenizer = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };
    j.post_processor = { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: true };
  }),
  // modern byte-level layout: a Split regex (isolated) before a ByteLevel without its own regex, no offset trimming
  bpeSplit: variant(() => byteLevelBpeTokenizerFiles(), (j) => {
    j.pre_tokenizer = {
      type: 'Sequence', pretokenizers: [
        { type: 'Split', pattern: { Regex: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+" }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
      ],
    };
    j.post_processor = { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }], pair: [], special_tokens: {} };
  }),
  // older XLM-R / T5 layout: Precompiled-style normalizer, WhitespaceSplit then Metaspace (spaces eaten, ▁ prepended to each word)
  uniWhitespace: variant(() => unigramTokenizerFiles(), (j) => {
    j.normalizer = { type: 'Sequence', normalizers: [{ type: 'Precompiled', precompiled_charsmap: '' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] };
    j.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true }] };
  }),
  // Llama-style normalizer (Prepend ▁, Replace space → ▁) and no pre-tokenizer
  uniPrepend: variant(() => unigramTokenizerFiles(), (j) => {
    j.normalizer = { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '\u2581' }, { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' }] };
    j.pre_tokenizer = null;
  }),
  bpeByteFallback: byteFallbackBpeFiles,
};

let root = '';
const handles: Record<string, TokenizerHandle> = {};
const H = (name: string): TokenizerHandle => handles[name];

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-lens-tokens-'));
  for (const [name, make] of [...Object.entries(FIXTURES), ...Object.entries(VARIANTS)]) {
    writeTokenizerFiles(path.join(root, name), make());
    handles[name] = loadTokenizer(path.join(root, name));
  }
});

after(() => { if (root) fs.rmSync(root, { recursive: true, force: true }); });

const enc = (name: string, text: string, maxTokens = 512): EncodedText => encodeText(H(name), text, { maxTokens });

/** [text, start, end] for every token; specials as [text]. */
function layout(e: EncodedText): (string | number | null)[][] {
  return e.tokens.map((t) => (t.start === null ? [t.text] : [t.text, t.start, t.end]));
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Known cases

describe('known cases (Hugging Face return_offsets_mapping, worked by hand)', () => {
  it('loads all fixtures with reliable offsets and the expected specials', () => {
    for (const name of [...Object.keys(FIXTURES), ...Object.keys(VARIANTS)]) {
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

// ---------------------------------------------------------------------------------------------------------------
// 2. Property tests

/** Extra fuzzing: CLS_LENS_FUZZ_SCALE multiplies the random case counts, CLS_LENS_FUZZ_SEED changes every seed. */
const SCALE = Math.max(1, Number(process.env.CLS_LENS_FUZZ_SCALE) || 1);
const SEED = Number(process.env.CLS_LENS_FUZZ_SEED) || 0;

/** xorshift32 seeded generator. */
function rng(seed: number): () => number {
  let s = (seed + SEED * 0x9e3779b1) >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

const FRAGMENTS: Record<string, string[]> = {
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

function randomText(r: () => number): string {
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
function checkEncoding(h: TokenizerHandle, text: string, e: EncodedText, truncated = false): string | null {
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

describe('property tests over seeded random text', () => {
  const PER_TOKENIZER = 1500 * SCALE;
  const PER_VARIANT = 400 * SCALE;
  for (const name of [...Object.keys(FIXTURES), ...Object.keys(VARIANTS)]) {
    const count = name in FIXTURES ? PER_TOKENIZER : PER_VARIANT;
    it(`${name}: ${count} random strings — library ids, valid ordered ranges, normalised surfaces`, () => {
      const h = H(name);
      const r = rng(0x5eed + name.length * 7919 + name.charCodeAt(0) + name.charCodeAt(name.length - 1) * 31 + SCALE);
      let blank = 0;
      let tokens = 0;
      for (let n = 0; n < count; n++) {
        const text = randomText(r);
        const e = encodeText(h, text, { maxTokens: 100000 });
        tokens += e.ids.length;
        if (isBlank(text)) {
          blank++;
          assert.equal(e.ids.length, 2, `blank ${JSON.stringify(text)}`);
          continue;
        }
        const lib = h.tokenizer.encode(text).ids;
        assert.deepEqual(e.ids, lib, `${name}: ids differ from the library for ${JSON.stringify(text)}`);
        const err = checkEncoding(h, text, e);
        assert.equal(err, null, `${name}: ${err} in ${JSON.stringify(text)}\n${JSON.stringify(layout(e))}`);
      }
      assert.equal(h.diagnostics.coarse, 0, 'no piece needed the coarse fallback');
      assert.equal(h.diagnostics.failures, 0, `no text fell back to the library: ${h.diagnostics.lastError}`);
      console.log(`[tokens] ${name}: ${count} random strings (${blank} blank), ${tokens} tokens checked`);
    });
  }

  it('longer random documents (multi-line, 2–8 KB; long pieces are cut where no token can cross) on every tokenizer', () => {
    const r = rng(424242);
    for (let n = 0; n < 12 * SCALE; n++) {
      let text = '';
      const target = 2000 + Math.floor(r() * 6000);
      // some documents without spaces at all: one long piece for every tokenizer
      const glue = n % 3 === 2 ? '' : null;
      while (text.length < target) text += randomText(r).replace(/\s+/g, glue ?? ' ') + (glue ?? (r() < 0.3 ? '\n' : ' '));
      for (const name of [...Object.keys(FIXTURES), ...Object.keys(VARIANTS)]) {
        const h = H(name);
        const e = encodeText(h, text, { maxTokens: 1e6 });
        assert.deepEqual(e.ids, h.tokenizer.encode(text).ids, `${name}: ids differ on document ${n}`);
        const err = checkEncoding(h, text, e);
        assert.equal(err, null, `${name}: ${err} in document ${n}`);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 3. Truncation and windows

describe('truncation', () => {
  it('keeps at most maxTokens including specials and reports what was dropped', () => {
    const text = 'The quick brown fox jumps over the lazy dog near the river bank.';
    const full = enc('wpUncased', text);
    const n = full.ids.length - 2;
    assert.equal(n, 14); // the quick brown fox jumps over the lazy dog near the river bank .
    for (const max of [2, 3, 5, 10, 14, 15, 16, 512]) {
      const e = enc('wpUncased', text, max);
      const kept = Math.min(n, max - 2);
      assert.equal(e.ids.length, kept + 2, `max ${max}`);
      assert.deepEqual(e.ids.slice(0, -1), full.ids.slice(0, kept + 1));
      assert.equal(e.tokens[e.tokens.length - 1].text, '[SEP]');
      assert.equal(e.truncation.truncated, kept < n);
      assert.equal(e.truncation.droppedTokens, n - kept);
      assert.equal(e.truncation.keptChars, kept ? full.tokens[kept].end : 0);
      assert.equal(e.truncation.maxTokens, max);
    }
    assert.equal(enc('wpUncased', text, 6).truncation.keptChars, 'The quick brown fox'.length);
    assert.throws(() => enc('wpUncased', text, 1), /at least 2/);
    assert.throws(() => enc('wpUncased', text, 2.5), RangeError);
  });

  it('random truncation points on all tokenizers', () => {
    const r = rng(777);
    for (let n = 0; n < 300; n++) {
      const text = randomText(r) + ' ' + randomText(r);
      for (const name of ['wpUncased', 'bpe', 'unigram']) {
        const full = enc(name, text, 1e6);
        const count = full.ids.length - 2;
        const max = 2 + Math.floor(r() * (count + 3));
        const e = enc(name, text, max);
        const kept = Math.min(count, max - 2);
        assert.equal(e.ids.length, kept + 2);
        assert.deepEqual(e.tokens.slice(1, -1), full.tokens.slice(1, kept + 1));
        assert.deepEqual(e.truncation, { truncated: kept < count, droppedTokens: count - kept, keptChars: kept ? full.tokens[kept].end : 0, maxTokens: max });
      }
    }
  });
});

describe('sliding windows', () => {
  function checkWindows(name: string, text: string, maxTokens: number, stride: number): void {
    const full = enc(name, text, 1e6);
    const content = full.tokens.slice(1, -1);
    const wins = encodeWindows(H(name), text, { maxTokens, stride });
    const cap = maxTokens - 2;
    assert.equal(wins.length, content.length <= cap ? 1 : 1 + Math.ceil((content.length - cap) / (cap - stride)));
    let covered = 0;
    wins.forEach((w, i) => {
      assert.ok(w.ids.length <= maxTokens);
      assert.ok(w.tokens[0].special && w.tokens[0].start === null && w.tokens[w.tokens.length - 1].special && w.tokens[w.tokens.length - 1].start === null);
      const c = w.tokens.slice(1, -1);
      const from = i * (cap - stride);
      // same tokens, same offsets (relative to the whole text) as the single encoding
      assert.deepEqual(c, content.slice(from, from + cap));
      if (i > 0) {
        const prev = wins[i - 1].tokens.slice(1, -1);
        assert.deepEqual(c.slice(0, stride), prev.slice(prev.length - stride), 'windows share exactly `stride` tokens');
      }
      assert.equal(w.truncation.droppedTokens, content.length - c.length);
      assert.equal(w.truncation.truncated, c.length < content.length);
      assert.equal(w.truncation.keptChars, c.length ? c[c.length - 1].end : 0);
      covered = from + c.length;
    });
    assert.equal(covered, content.length, 'the last window ends with the last token');
  }

  it('windows over known text: counts, overlaps = stride, offsets relative to the whole text', () => {
    const text = 'One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen.';
    checkWindows('wpUncased', text, 8, 2);
    checkWindows('wpUncased', text, 8, 0);
    checkWindows('wpUncased', text, 8, 5);
    checkWindows('wpUncased', text, 512, 100);
    const wins = encodeWindows(H('wpUncased'), text, { maxTokens: 8, stride: 2 });
    assert.equal(wins[1].tokens[1].text, 'five'); // window 2 starts 4 tokens on: five six seven eight nine ten
    assert.equal(text.slice(wins[1].tokens[1].start!, wins[1].tokens[1].end!), 'five');
    assert.throws(() => encodeWindows(H('wpUncased'), text, { maxTokens: 8, stride: 6 }), /stride/);
    assert.throws(() => encodeWindows(H('wpUncased'), text, { maxTokens: 2, stride: 0 }), /at least 3/);
    assert.equal(encodeWindows(H('wpUncased'), '', { maxTokens: 8, stride: 2 }).length, 1);
  });

  it('random windows on all tokenizer kinds', () => {
    const r = rng(99);
    let n = 0;
    for (; n < 150; n++) {
      const text = randomText(r) + ' ' + randomText(r) + ' ' + randomText(r);
      const name = ['wpUncased', 'bpe', 'unigram', 'wpCased'][n % 4];
      const maxTokens = 3 + Math.floor(r() * 12);
      const stride = Math.floor(r() * (maxTokens - 2));
      checkWindows(name, text, maxTokens, stride);
    }
    console.log(`[tokens] windows: ${n} random texts`);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Bad input, helpers and loading errors

describe('bad input', () => {
  it('empty and whitespace-only text give the specials only', () => {
    for (const name of Object.keys(FIXTURES)) {
      for (const text of ['', ' ', '\n\t \r\n', '\u00a0\u3000', '\u200b\ufeff']) {
        const e = enc(name, text);
        assert.equal(e.ids.length, 2, `${name} ${JSON.stringify(text)}`);
        assert.ok(e.tokens.every((t) => t.special && t.start === null));
        assert.deepEqual(e.truncation, { truncated: false, droppedTokens: 0, keptChars: 0, maxTokens: 512 });
      }
    }
    assert.equal(isBlank(''), true);
    assert.equal(isBlank(' \t\n\u00a0\u2028\u200b'), true);
    assert.equal(isBlank(' a '), false);
    assert.equal(isBlank('.'), false);
  });

  it('only punctuation, only special tokens, control characters and lone surrogates', () => {
    for (const name of Object.keys(FIXTURES)) {
      const h = H(name);
      for (const text of ['!!!???', '[CLS][SEP]', '<s></s><mask>', '\u0000\u0001\u0002x', '\ud800', '\udc00\ud800', 'a\ud83d', '[CLS]', '\u0301\u0301', '\u0000']) {
        const e = encodeText(h, text, { maxTokens: 64 });
        if (isBlank(text)) { assert.equal(e.ids.length, 2); continue; }
        assert.deepEqual(e.ids, h.tokenizer.encode(text).ids, `${name} ${JSON.stringify(text)}`);
        assert.equal(checkEncoding(h, text, e), null, `${name} ${JSON.stringify(text)}`);
      }
    }
    const e = enc('wpUncased', '[CLS]');
    assert.deepEqual(layout(e), [['[CLS]'], ['[CLS]', 0, 5], ['[SEP]']]);
    assert.equal(e.tokens[1].special, true);
  });

  it('very long words become one [UNK] (max_input_chars_per_word = 100)', () => {
    const word = 'a'.repeat(150);
    assert.deepEqual(layout(enc('wpUncased', `x ${word} y`)), [['[CLS]'], ['x', 0, 1], ['[UNK]', 2, 152], ['y', 153, 154], ['[SEP]']]);
  });
});

describe('degraded modes', () => {
  it('a tokenizer whose pipeline cannot be reproduced gives the library tokens without positions', () => {
    const h = loadTokenizer(path.join(root, 'wpUncased'));
    (h as { offsetsReliable: boolean }).offsetsReliable = false;
    const text = 'Hello, [SEP] world!';
    const e = encodeText(h, text, { maxTokens: 512 });
    assert.deepEqual(e.ids, h.tokenizer.encode(text).ids);
    assert.ok(e.tokens.every((t) => t.start === null && t.end === null));
    assert.deepEqual(e.tokens.map((t) => t.special), [true, false, false, true, false, false, true]);
    assert.deepEqual(e.truncation, { truncated: false, droppedTokens: 0, keptChars: text.length, maxTokens: 512 });
    assert.equal(encodeText(h, text, { maxTokens: 4 }).truncation.keptChars, 0);
  });

  it('an unexpected failure while computing offsets falls back to the library, counted in diagnostics', () => {
    const h = loadTokenizer(path.join(root, 'bpe'));
    const lib = h.internals.lib;
    const broken = Object.create(lib, { splitter_unnormalized: { get() { throw new Error('boom'); } } });
    (h.internals as { lib: unknown }).lib = broken;
    const e = encodeText(h, 'Hello world', { maxTokens: 512 });
    assert.deepEqual(e.ids, h.tokenizer.encode('Hello world').ids);
    assert.ok(e.tokens.every((t) => t.start === null));
    assert.equal(h.diagnostics.failures, 1);
    assert.equal(h.diagnostics.lastError, 'boom');
  });
});

describe('isPunctuationToken', () => {
  it('recognises punctuation across tokenizer kinds', () => {
    const wp = H('wpUncased');
    for (const t of [',', '.', '!', '##.', '"', '(', '...']) assert.equal(isPunctuationToken(wp, t), true, t);
    for (const t of ['hello', '##ing', '[SEP]', '[CLS]', '[UNK]', '', 'a.']) assert.equal(isPunctuationToken(wp, t), false, t);
    const bpe = H('bpe');
    for (const t of ['.', 'Ġ.', ',', 'Ġ(', 'âĢĶ' /* "—" */]) assert.equal(isPunctuationToken(bpe, t), true, t);
    for (const t of ['Ġ', 'Ġthe', '</s>', '<s>', 'Ċ']) assert.equal(isPunctuationToken(bpe, t), false, t);
    const uni = H('unigram');
    for (const t of ['▁,', '.', '!']) assert.equal(isPunctuationToken(uni, t), true, t);
    for (const t of ['▁', '▁the', '</s>', '<unk>']) assert.equal(isPunctuationToken(uni, t), false, t);
  });
});

describe('loadTokenizer errors', () => {
  it('names the file and the next step', () => {
    const dir = path.join(root, 'broken');
    fs.mkdirSync(dir, { recursive: true });
    assert.throws(() => loadTokenizer(path.join(root, 'does-not-exist')), /does not exist/);
    assert.throws(() => loadTokenizer(dir), (e: Error) => /No tokenizer\.json in/.test(e.message) && /save_pretrained/.test(e.message));
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), '{"model": {');
    assert.throws(() => loadTokenizer(dir), (e: Error) => e.message.includes(path.join(dir, 'tokenizer.json')) && /not valid JSON/.test(e.message) && /download/.test(e.message));
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'WordLevel', vocab: { a: 0 }, unk_token: 'a' } }));
    assert.throws(() => loadTokenizer(dir), (e: Error) => /"WordLevel"/.test(e.message) && /Supported: WordPiece/.test(e.message) && e.message.includes('tokenizer.json'));
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify({ version: '1.0' }));
    assert.throws(() => loadTokenizer(dir), /no "model" section/);
    writeTokenizerFiles(dir, wordPieceTokenizerFiles());
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), '{oops');
    assert.throws(() => loadTokenizer(dir), (e: Error) => e.message.includes('tokenizer_config.json') && /not valid JSON/.test(e.message));
    fs.rmSync(path.join(dir, 'tokenizer_config.json'));
    fs.rmSync(path.join(dir, 'special_tokens_map.json'));
    const h = loadTokenizer(dir); // the two optional files may be missing
    assert.equal(h.clsId, 101);
    assert.equal(h.modelMaxLength, null);
    const bad = wordPieceTokenizerFiles();
    (bad.tokenizerJson as { normalizer: object }).normalizer = { type: 'NoSuchNormalizer' };
    writeTokenizerFiles(dir, bad);
    assert.throws(() => loadTokenizer(dir), (e: Error) => /could not be loaded/.test(e.message) && /NoSuchNormalizer/.test(e.message));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 1 MB

describe('1 MB of text', () => {
  it('tokenises 1 MB with offsets on every kind (times printed, not asserted)', () => {
    const r = rng(2024);
    const parts: string[] = [];
    let len = 0;
    const prose = 'The river was grey and slow, and the baker opened the kitchen window at seven. ';
    while (len < 1_000_000) {
      const p = r() < 0.8 ? prose : randomText(r) + ' ';
      parts.push(p);
      len += p.length;
    }
    const text = parts.join('');
    for (const name of ['wpUncased', 'bpe', 'unigram']) {
      const h = H(name);
      let t0 = performance.now();
      const e = encodeText(h, text, { maxTokens: 512 });
      const ours = performance.now() - t0;
      const total = e.truncation.droppedTokens + e.ids.length - 2;
      assert.equal(e.ids.length, 512);
      assert.equal(e.truncation.truncated, true);
      assert.equal(checkEncoding(h, text.slice(0, e.truncation.keptChars), e, true), null);
      let line = `[tokens] 1 MB ${name}: ${text.length} chars → ${total} tokens with offsets in ${ours.toFixed(0)} ms (${Math.round(total / ours * 1000)} tokens/s)`;
      // the bare library on the same text (no offsets); its Unigram path overflows the stack when one section is huge
      t0 = performance.now();
      let ids: number[] | null = null;
      try { ids = h.tokenizer.encode(text).ids; } catch (err) { line += `; bare tokenizer.encode fails: ${(err as Error).message}`; }
      const bare = performance.now() - t0;
      if (ids) {
        assert.equal(ids.length, total + 2);
        assert.deepEqual(e.ids.slice(0, -1), ids.slice(0, 511));
        line += `; bare tokenizer.encode ${bare.toFixed(0)} ms (${Math.round(ids.length / bare * 1000)} tokens/s)`;
      }
      console.log(line);
    }
  });

  it('tokenises 1 MB of one section with Unigram (long pieces cut where no token can cross)', () => {
    const text = 'The river was grey and slow, and the baker opened the kitchen window at seven. Café naïve 北京. '.repeat(10800);
    const t0 = performance.now();
    const e = encodeText(H('unigram'), text, { maxTokens: 512 });
    const ms = performance.now() - t0;
    const total = e.truncation.droppedTokens + 510;
    assert.equal(e.ids.length, 512);
    // the same text in a 20 KB slice, where the library itself still copes, gives the same tokens
    const slice = text.slice(0, 20000);
    assert.deepEqual(encodeText(H('unigram'), slice, { maxTokens: 1e6 }).ids, H('unigram').tokenizer.encode(slice).ids);
    console.log(`[tokens] 1 MB unigram, one section: ${text.length} chars → ${total} tokens with offsets in ${ms.toFixed(0)} ms (${Math.round(total / ms * 1000)} tokens/s)`);
  });
});
