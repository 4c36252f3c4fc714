// Shared fixtures for the tokens-*.test.ts files: the test tokenizers (scripts/lib/tokenizers.ts and edited variants), loaded on first use.
import { after, before } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { byteLevelBpeTokenizerFiles, unigramTokenizerFiles, wordPieceTokenizerFiles, writeTokenizerFiles, type TokenizerFiles } from '../../scripts/lib/tokenizers';
import { encodeText, loadTokenizer, type EncodedText, type TokenizerHandle } from '../../src/engine/tokenizer';

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

export const FIXTURE_NAMES = Object.keys(FIXTURES);
export const ALL_NAMES = [...Object.keys(FIXTURES), ...Object.keys(VARIANTS)];
export const isFixture = (name: string): boolean => name in FIXTURES;

let root = '';
const handles: Record<string, TokenizerHandle> = {};

/** Call once at the top of a test file: a temporary root for the fixture folders, removed after the file's tests. */
export function useTokenizerFixtures(): void {
  before(() => { root = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-lens-tokens-')); });
  after(() => { if (root) fs.rmSync(root, { recursive: true, force: true }); });
}

/** The current fixture root ('' before the file's tests start). */
export const fixtureRoot = (): string => root;

/** In a worker thread: write fixtures into `dir` (a folder under the main thread's root, removed with it). */
export function useFixtureRoot(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  root = dir;
}

/** The folder of a test tokenizer, written on first use. */
export function fixtureDir(name: string): string {
  const make = FIXTURES[name] ?? VARIANTS[name];
  if (!make) throw new Error(`unknown test tokenizer ${name}`);
  if (!root) throw new Error('call useTokenizerFixtures() at the top of the test file');
  const dir = path.join(root, name);
  if (!fs.existsSync(dir)) writeTokenizerFiles(dir, make());
  return dir;
}

/** A folder under the same temporary root, for tests that write their own (broken) tokenizer files. */
export function scratchDir(name: string): string {
  if (!root) throw new Error('call useTokenizerFixtures() at the top of the test file');
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** The loaded handle of a test tokenizer, shared by the tests of one file. */
export function H(name: string): TokenizerHandle {
  return (handles[name] ??= loadTokenizer(fixtureDir(name)));
}

export const enc = (name: string, text: string, maxTokens = 512): EncodedText => encodeText(H(name), text, { maxTokens });

/** [text, start, end] for every token; specials as [text]. */
export function layout(e: EncodedText): (string | number | null)[][] {
  return e.tokens.map((t) => (t.start === null ? [t.text] : [t.text, t.start, t.end]));
}
