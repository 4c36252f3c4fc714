// Tokenisation with character offsets into the user's ORIGINAL text.
//
// `@huggingface/tokenizers` (the JS port used by transformers.js) returns ids and token strings but no offsets.
// Instead of aligning its output afterwards, this module runs the library's own pipeline stages (added-token
// splitting, normalizer, pre-tokenizer, model, post-processor — the very objects the library built from
// tokenizer.json) one stage at a time, in the same order and with the same arguments as `Tokenizer.encode`,
// and carries for every character of every intermediate string the range of the original text it came from:
//
//   original ──added-token split──▶ sections ──normalizer (step by step)──▶ normalized text, char → original range
//            ──normalized added-token split──▶ subsections ──pre-tokenizer──▶ pieces (char → original range)
//            ──model──▶ tokens (their chars within the piece → original range) ──post-processor──▶ specials
//
// The ids are therefore the library's ids (checked at load time on probe strings and by the unit tests on
// thousands of random strings), and the text is tokenised once.
//
// Normalizer steps are aligned piecewise: a step's output for the whole text is the ground truth; the input is
// split into runs of ASCII words, then words, units (a code point with its following combining marks) and code
// points, whose outputs must concatenate to the whole output — so NFC/NFKC composition, NFD + accent stripping
// and length-changing lowercasing ("İ" → "i̇") map exactly. Where pieces' outputs do not concatenate
// (context-dependent rules: Greek final sigma, Hangul jamo composition), the smallest stretch after which they
// agree again is mapped as one block, still a valid, monotonic range. Strip, Prepend and Replace steps are
// mapped explicitly. Characters a step deletes (control characters, stripped accents) are attached to the
// preceding output character so tokens of one word stay contiguous.
//
// Guarantees: every content token has a range inside the text; starts and ends never decrease; two neighbouring
// tokens overlap only when they share original characters that feed both (in practice one character: a multi-byte
// character split by byte-level BPE, a character normalisation expanded such as "ﬁ" → "f" "i"), which both then
// carry, as in Hugging Face; ranges never cut a surrogate pair. Long pieces (a sentencepiece section, a line of CJK) are cut where no token can cross, so
// 1 MB of text takes about as long as the bare library (which cannot do a 1 MB Unigram section at all).
//
// Offsets follow Hugging Face's `return_offsets_mapping`, with these deliberate differences:
//  - UTF-16 code units (what VS Code counts) instead of code points;
//  - specials added by the post-processor have null ranges instead of (0, 0);
//  - a combining mark that normalisation removes stays in the range of its base character (HF ends before it);
//  - a character the normalizer deletes inside a word (a control character) belongs to the preceding character;
//  - a "▁" that Metaspace prepends (not a space of the text) has an empty range at the word start (HF: the first
//    character's range);
//  - an added token with lstrip/rstrip covers its own text, not the whitespace it strips.
// Empty and blank text (see isBlank) encodes to the specials only.
import fs from 'node:fs';
import path from 'node:path';
import {
  BPE,
  ByteLevelPreTokenizer,
  MetaspacePreTokenizer,
  PrependNormalizer,
  ReplaceNormalizer,
  ReplacePreTokenizer,
  SequenceNormalizer,
  SequencePreTokenizer,
  StripNormalizer,
  Tokenizer,
  Unigram,
  WordPiece,
} from '@huggingface/tokenizers';
import type { Token, Truncation } from '../../shared/types';

// ---------------------------------------------------------------------------------------------------------------
// Public types

/** The model family; 'other' is reserved (loadTokenizer rejects models other than WordPiece, BPE and Unigram). */
export type TokenizerKind = 'wordpiece' | 'bpe' | 'unigram' | 'other';

export interface TokenizerHandle {
  /** Folder the files were read from. */
  readonly folder: string;
  /** The library tokenizer (ids come from its normalizer, pre-tokenizer, model and post-processor). */
  readonly tokenizer: Tokenizer;
  readonly kind: TokenizerKind;
  /** True for byte-level BPE (RoBERTa/GPT-2 style): token strings are bytes written as printable characters. */
  readonly byteLevel: boolean;
  /** Vocabulary size including added tokens (max id + 1). */
  readonly vocabSize: number;
  /** `model_max_length` from tokenizer_config.json, or null when absent or a placeholder (HF writes 1e30). */
  readonly modelMaxLength: number | null;
  /** `do_lower_case` from tokenizer_config.json, else the normalizer's `lowercase` flag, else null. */
  readonly doLowerCase: boolean | null;
  readonly clsToken: string | null;
  readonly sepToken: string | null;
  readonly padToken: string | null;
  readonly unkToken: string | null;
  readonly maskToken: string | null;
  readonly clsId: number | null;
  readonly sepId: number | null;
  readonly padId: number | null;
  readonly unkId: number | null;
  readonly maskId: number | null;
  /** Contents of special tokens (added tokens marked special and the configured special tokens). */
  readonly specialTokens: ReadonlySet<string>;
  readonly specialIds: ReadonlySet<number>;
  /** Special tokens the post-processor adds around one sequence ([CLS] … [SEP] → 2). */
  readonly numSpecialTokens: number;
  /** False when the load-time probe found ids that differ from the library's; tokens then have no ranges. */
  readonly offsetsReliable: boolean;
  /** Things the user may want to know about this tokenizer (shown by the engine). */
  readonly warnings: string[];
  /**
   * Counters for tests and diagnostics: `coarse` counts pieces mapped as one block because a stage's output could
   * not be aligned character by character; `failures` counts texts whose offsets could not be computed at all
   * (their tokens then come from the library without positions), with the last error message.
   */
  readonly diagnostics: { coarse: number; failures: number; lastError: string | null };
  /** @internal implementation state */
  readonly internals: Internals;
}

export interface EncodedText {
  ids: number[];
  tokens: Token[];
  attentionMask: number[];
  tokenTypeIds: number[];
  truncation: Truncation;
}

// ---------------------------------------------------------------------------------------------------------------
// Views of the library's internals (fields the library sets at runtime; its .d.ts marks some private)

interface LibAddedToken { content: string; id: number; lstrip: boolean; rstrip: boolean; special: boolean }
interface LibSplitter { split(text: string): string[] }
interface LibNormalizer { config: Record<string, unknown>; normalize(text: string): string }
interface LibPreTokenizer { pre_tokenize_text(text: string, options?: { section_index?: number }): string[] }
interface LibModel {
  config: Record<string, unknown>;
  vocab: string[];
  tokens_to_ids: Map<string, number>;
  unk_token_id?: number;
  unk_token?: string;
  fuse_unk: boolean;
  encode(tokens: string[]): string[];
}
interface LibBpe extends LibModel {
  bpe(token: string): string[];
  ignore_merges: boolean;
  byte_fallback: boolean;
  continuing_subword_suffix: string | null;
  end_of_word_suffix?: string;
  merges: [string, string][];
}
interface LibPostProcessor { post_process(tokens: unknown[], pair: unknown[] | null, addSpecialTokens: boolean): { tokens: unknown[]; token_type_ids?: number[] } }
interface LibTokenizer {
  normalizer: LibNormalizer | null;
  pre_tokenizer: LibPreTokenizer | null;
  model: LibModel;
  post_processor: LibPostProcessor | null;
  splitter_unnormalized: LibSplitter;
  splitter_normalized: LibSplitter;
  added_tokens: LibAddedToken[];
  added_tokens_map: Map<string, LibAddedToken>;
  remove_space?: unknown;
  do_lowercase_and_remove_accent?: unknown;
}

interface Internals {
  lib: LibTokenizer;
  modelType: 'WordPiece' | 'BPE' | 'Unigram';
  wordPiecePrefix: string;
  /** ByteLevel/RoBERTa post-processor offset trimming (leading/trailing spaces excluded from a token's range). */
  trimOffsets: boolean;
  trimAddPrefixSpace: boolean;
  /** Whether long pieces may be cut where no token can cross (see LongPieces); null when never. */
  longPieces: LongPieces | null;
  /** Metaspace replacement character, when the pre-tokenizer has a Metaspace step. */
  metaspaceRep: string | null;
  /** Byte → printable character table, when byte-level. */
  byteDecoder: Map<string, number> | null;
}

// ---------------------------------------------------------------------------------------------------------------
// Loading

const SUPPORTED_MODELS = 'WordPiece (BERT family), BPE (RoBERTa/GPT-2 family) and Unigram (XLM-R/ALBERT/T5 family)';

function readJsonFile(file: string, required: boolean): Record<string, unknown> | null {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!required && code === 'ENOENT') return null;
    if (code === 'ENOENT') {
      throw new Error(
        `No tokenizer.json in ${path.dirname(file)}. CLS Lens needs the "fast" tokenizer file: save it with ` +
        `tokenizer.save_pretrained("${path.dirname(file)}") in Python (transformers), or download tokenizer.json from the model's page into this folder.`,
      );
    }
    throw new Error(`Cannot read ${file}: ${(err as Error).message}. Check the file's permissions.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw);
  } catch (err) {
    throw new Error(
      `${file} is not valid JSON (${(err as Error).message}). The file is damaged or incomplete: ` +
      `save the tokenizer again with tokenizer.save_pretrained(...) or download ${path.basename(file)} again.`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${file} does not contain a JSON object. Save the tokenizer again with tokenizer.save_pretrained(...) or download ${path.basename(file)} again.`);
  }
  return value as Record<string, unknown>;
}

/** A special-token entry of tokenizer_config.json / special_tokens_map.json: a string or `{ content }`. */
function tokenString(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return null;
}

function modelTypeOf(model: Record<string, unknown>): string {
  if (typeof model.type === 'string') return model.type;
  // the library's own inference for files without "type"
  if (Array.isArray(model.vocab)) return 'Unigram';
  if (model.vocab && typeof model.vocab === 'object' && 'continuing_subword_prefix' in model && 'unk_token' in model) {
    return 'merges' in model ? 'BPE' : 'WordPiece';
  }
  return 'unknown';
}

/** Finds a post-processor config of one of `types` (looking inside Sequence). */
function findPostProcessor(pp: unknown, types: string[]): Record<string, unknown> | null {
  if (!pp || typeof pp !== 'object') return null;
  const p = pp as Record<string, unknown>;
  if (typeof p.type === 'string' && types.includes(p.type)) return p;
  if (p.type === 'Sequence' && Array.isArray(p.processors)) {
    for (const q of p.processors) { const r = findPostProcessor(q, types); if (r) return r; }
  }
  return null;
}

function findPreTokenizer(pt: unknown, type: string): Record<string, unknown> | null {
  if (!pt || typeof pt !== 'object') return null;
  const p = pt as Record<string, unknown>;
  if (p.type === type) return p;
  if (p.type === 'Sequence' && Array.isArray(p.pretokenizers)) {
    for (const q of p.pretokenizers) { const r = findPreTokenizer(q, type); if (r) return r; }
  }
  return null;
}

export function loadTokenizer(folder: string): TokenizerHandle {
  const dir = path.resolve(folder);
  if (!fs.existsSync(dir)) throw new Error(`The model folder ${dir} does not exist. Check the configured path.`);
  const tokFile = path.join(dir, 'tokenizer.json');
  const json = readJsonFile(tokFile, true)!;
  const configFile = path.join(dir, 'tokenizer_config.json');
  const mapFile = path.join(dir, 'special_tokens_map.json');
  const tokConfig = readJsonFile(configFile, false) ?? {};
  const specialMap = readJsonFile(mapFile, false) ?? {};

  const model = json.model;
  if (!model || typeof model !== 'object' || Array.isArray(model)) {
    throw new Error(`${tokFile} has no "model" section, so it is not a Hugging Face tokenizer.json. Save the tokenizer with tokenizer.save_pretrained(...) and point CLS Lens at that folder.`);
  }
  const modelType = modelTypeOf(model as Record<string, unknown>);
  if (modelType !== 'WordPiece' && modelType !== 'BPE' && modelType !== 'Unigram') {
    throw new Error(
      `${tokFile} uses a "${modelType}" tokenizer model, which CLS Lens does not support. ` +
      `Supported: ${SUPPORTED_MODELS}. Choose a model whose tokenizer is one of these.`,
    );
  }

  // The library wants every section present (null when unused) and strings for the special tokens it reads.
  const libJson: Record<string, unknown> = {
    normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, ...json,
    added_tokens: Array.isArray(json.added_tokens) ? json.added_tokens : [],
  };
  const libConfig: Record<string, unknown> = {};
  for (const src of [specialMap, tokConfig]) {
    for (const [k, v] of Object.entries(src)) {
      if (k === 'additional_special_tokens' && Array.isArray(v)) libConfig[k] = v.map(tokenString).filter((x): x is string => x !== null);
      else if (/_token$/.test(k)) { const s = tokenString(v); if (s !== null) libConfig[k] = s; } else libConfig[k] = v;
    }
  }
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(libJson, libConfig);
  } catch (err) {
    throw new Error(
      `${tokFile} could not be loaded by the tokenizer library: ${(err as Error).message}. ` +
      `It may use a component this library does not implement; supported models: ${SUPPORTED_MODELS}.`,
    );
  }
  const lib = tokenizer as unknown as LibTokenizer;

  const cfgStr = (key: string): string | null => tokenString(tokConfig[key]) ?? tokenString(specialMap[key]);
  const tokenId = (t: string | null): number | null => (t === null ? null : lib.added_tokens_map.get(t)?.id ?? lib.model.tokens_to_ids.get(t) ?? null);
  const addedNamed = (...names: string[]): string | null => names.find((n) => lib.added_tokens_map.has(n) || lib.model.tokens_to_ids.has(n)) ?? null;

  // cls / sep: configuration first, then the post-processor, then the conventional names
  let ppCls: string | null = null;
  let ppSep: string | null = null;
  const ppJson = json.post_processor as Record<string, unknown> | null | undefined;
  const bertLike = findPostProcessor(ppJson, ['BertProcessing', 'RobertaProcessing']);
  if (bertLike) {
    ppCls = Array.isArray(bertLike.cls) ? String(bertLike.cls[0]) : null;
    ppSep = Array.isArray(bertLike.sep) ? String(bertLike.sep[0]) : null;
  }
  const tmpl = findPostProcessor(ppJson, ['TemplateProcessing']);
  if (tmpl && Array.isArray(tmpl.single)) {
    const items = (tmpl.single as unknown[]).filter((x): x is Record<string, { id?: unknown }> => !!x && typeof x === 'object');
    const seqAt = items.findIndex((x) => 'Sequence' in x);
    const specialAt = (x: Record<string, { id?: unknown }>): string | null => ('SpecialToken' in x && x.SpecialToken ? String(x.SpecialToken.id) : null);
    const before = items.slice(0, Math.max(0, seqAt)).map(specialAt).filter((x): x is string => x !== null);
    const afterSeq = seqAt >= 0 ? items.slice(seqAt + 1).map(specialAt).filter((x): x is string => x !== null) : [];
    if (before.length) ppCls = before[0];
    if (afterSeq.length) ppSep = afterSeq[afterSeq.length - 1];
  }
  const clsToken = cfgStr('cls_token') ?? ppCls ?? addedNamed('[CLS]', '<s>', '<cls>');
  const sepToken = cfgStr('sep_token') ?? ppSep ?? addedNamed('[SEP]', '</s>', '<sep>');
  const padToken = cfgStr('pad_token') ?? addedNamed('[PAD]', '<pad>');
  const unkToken = cfgStr('unk_token') ?? lib.model.unk_token ?? addedNamed('[UNK]', '<unk>');
  const maskToken = cfgStr('mask_token') ?? addedNamed('[MASK]', '<mask>');

  const specialTokens = new Set<string>();
  for (const t of lib.added_tokens) if (t.special) specialTokens.add(t.content);
  for (const t of [clsToken, sepToken, padToken, unkToken, maskToken, cfgStr('bos_token'), cfgStr('eos_token')]) if (t !== null) specialTokens.add(t);
  const extra = tokConfig.additional_special_tokens ?? specialMap.additional_special_tokens;
  if (Array.isArray(extra)) for (const t of extra) { const s = tokenString(t); if (s !== null) specialTokens.add(s); }
  const specialIds = new Set<number>();
  for (const t of specialTokens) { const id = tokenId(t); if (id !== null) specialIds.add(id); }

  let maxId = lib.model.vocab.length - 1;
  for (const t of lib.added_tokens) maxId = Math.max(maxId, t.id);

  const mml = tokConfig.model_max_length;
  const modelMaxLength = typeof mml === 'number' && Number.isFinite(mml) && mml > 0 && mml < 1e7 ? Math.floor(mml) : null;
  const normJson = json.normalizer as Record<string, unknown> | null | undefined;
  const doLowerCase = typeof tokConfig.do_lower_case === 'boolean' ? tokConfig.do_lower_case
    : normJson && typeof normJson.lowercase === 'boolean' ? normJson.lowercase : null;

  const trimPp = findPostProcessor(ppJson, ['RobertaProcessing', 'ByteLevel']);
  const byteLevel = findPreTokenizer(json.pre_tokenizer, 'ByteLevel') !== null;
  const internals: Internals = {
    lib,
    modelType,
    wordPiecePrefix: String((lib.model.config as { continuing_subword_prefix?: unknown }).continuing_subword_prefix ?? '##'),
    trimOffsets: trimPp !== null && trimPp.trim_offsets !== false,
    trimAddPrefixSpace: trimPp !== null && trimPp.add_prefix_space !== false,
    longPieces: longPiecesFor(lib),
    metaspaceRep: metaspaceRepOf(json.pre_tokenizer),
    byteDecoder: byteLevel ? byteDecoderTable() : null,
  };

  const warnings: string[] = [];
  const handle: TokenizerHandle = {
    folder: dir,
    tokenizer,
    kind: modelType === 'WordPiece' ? 'wordpiece' : modelType === 'BPE' ? 'bpe' : 'unigram',
    byteLevel,
    vocabSize: maxId + 1,
    modelMaxLength,
    doLowerCase,
    clsToken, sepToken, padToken, unkToken, maskToken,
    clsId: tokenId(clsToken), sepId: tokenId(sepToken), padId: tokenId(padToken), unkId: tokenId(unkToken), maskId: tokenId(maskToken),
    specialTokens,
    specialIds,
    numSpecialTokens: 0,
    offsetsReliable: true,
    warnings,
    diagnostics: { coarse: 0, failures: 0, lastError: null },
    internals,
  };
  try {
    (handle as { numSpecialTokens: number }).numSpecialTokens = postProcess(handle, [0]).filter((x) => typeof x !== 'number').length;
  } catch (err) {
    throw new Error(`The post_processor of ${tokFile} cannot run (${(err as Error).message}). Save the tokenizer again with tokenizer.save_pretrained(...) or download tokenizer.json again.`);
  }

  // Probe: the staged pipeline must give exactly the library's ids.
  const probes = [
    "Hello, World! It's 2024: naïve café, ÉCOLE, Ångström — \"quotes\" (and) 3.14 $5 #tag @user.",
    '北京大学 東京 한국어 ไทย العربية Ελληνικά ΟΔΟΣ İstanbul ﬁ ① ㎏ ｆｕｌｌ',
    'e\u0301 a\u0308\u0301 😀👍🏽 👨‍👩‍👧 x\u200by \u00a0nbsp\u3000wide',
    '  leading  and   multiple spaces\t\ttabs\nnew\r\nlines ▁meta ',
    [clsToken, sepToken, maskToken, unkToken, padToken].filter((x): x is string => x !== null).map((t) => `a ${t}b`).join(' ') + ' [CLS] <s> </s> <mask>',
  ];
  try {
    for (const p of probes) {
      const mine = contentTokens(handle, p).map((t) => t.id);
      const theirs = tokenizer.encode(p, { add_special_tokens: false }).ids;
      if (mine.length !== theirs.length || mine.some((id, i) => id !== theirs[i])) {
        throw new Error(`ids differ on probe ${JSON.stringify(p)}`);
      }
    }
  } catch (err) {
    (handle as { offsetsReliable: boolean }).offsetsReliable = false;
    warnings.push(
      `Token positions are unavailable for this tokenizer: CLS Lens could not reproduce its tokenisation step by step (${(err as Error).message}). ` +
      'Tokens are shown without their place in the text.',
    );
  }
  return handle;
}

/**
 * Long pieces. Sentencepiece-style tokenizers hand the JS library a whole section as one piece (it does not split
 * words at "▁" as Hugging Face's Rust library does), and any pre-token can be long (a line of CJK text). The
 * Unigram lattice then grows with the whole section: the library itself needs many seconds and overflows the stack
 * on 1 MB. A position between two characters that no vocabulary piece (Unigram) or merge result (BPE) contains as
 * a bigram cannot be crossed by any token, so the lattice / the merges decompose there: cutting a long piece at
 * such positions yields exactly the same tokens (up to floating-point ties between equal Unigram paths).
 */
interface LongPieces {
  model: 'Unigram' | 'BPE';
  /** Bigrams (two code points) that occur inside some piece; built on first use. */
  bigrams: Set<string> | null;
}

const LONG_PIECE = 256;

function longPiecesFor(lib: LibTokenizer): LongPieces | null {
  const model = lib.model;
  if (model instanceof Unigram) return { model: 'Unigram', bigrams: null };
  if (model instanceof BPE) {
    const bpe = model as unknown as LibBpe;
    // suffixes mark the end of a word: cutting would move them
    if (bpe.end_of_word_suffix || bpe.continuing_subword_suffix) return null;
    return { model: 'BPE', bigrams: null };
  }
  return null;
}

function pieceBigrams(lib: LibTokenizer, lp: LongPieces): Set<string> {
  if (lp.bigrams) return lp.bigrams;
  const set = new Set<string>();
  const add = (p: string) => {
    let prev = '';
    for (const ch of p) { if (prev) set.add(prev + ch); prev = ch; }
  };
  if (lp.model === 'BPE') for (const [a, b] of (lib.model as unknown as LibBpe).merges) add(a + b);
  else for (const v of lib.model.vocab) if (typeof v === 'string' && v.length > 1) add(v);
  lp.bigrams = set;
  return set;
}

/** Cuts a long piece at positions no token can cross, into parts of at least LONG_PIECE/2 units where possible. */
function cutLongPiece(lib: LibTokenizer, lp: LongPieces, text: string): number[] {
  const bigrams = pieceBigrams(lib, lp);
  const cuts: number[] = [];
  let last = 0;
  let prev = '';
  for (let p = 0; p < text.length;) {
    const cp = text.codePointAt(p)!;
    const ch = cp > 0xffff ? text.slice(p, p + 2) : text[p];
    if (prev && p - last >= LONG_PIECE / 2 && !bigrams.has(prev + ch)) { cuts.push(p); last = p; }
    prev = ch;
    p += ch.length;
  }
  return cuts;
}

function metaspaceRepOf(preTokJson: unknown): string | null {
  const ms = findPreTokenizer(preTokJson, 'Metaspace');
  return ms ? (typeof ms.replacement === 'string' ? ms.replacement : '\u2581') : null;
}

let byteDecoderCache: Map<string, number> | null = null;
function byteDecoderTable(): Map<string, number> {
  if (byteDecoderCache) return byteDecoderCache;
  const keep: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) keep.push(b);
  for (let b = 0xa1; b <= 0xac; b++) keep.push(b);
  for (let b = 0xae; b <= 0xff; b++) keep.push(b);
  const kept = new Set(keep);
  const m = new Map<string, number>();
  for (const b of keep) m.set(String.fromCharCode(b), b);
  let n = 0;
  for (let b = 0; b < 256; b++) if (!kept.has(b)) m.set(String.fromCharCode(256 + n++), b);
  byteDecoderCache = m;
  return m;
}

// ---------------------------------------------------------------------------------------------------------------
// Aligned strings: text plus, for each UTF-16 unit, the [start, end) range of the ORIGINAL text it came from.

interface Aligned {
  text: string;
  /** null: identity, unit j ← [base + j, base + j + 1). */
  s: Int32Array | null;
  e: Int32Array | null;
  base: number;
  /** Original position of the end of `text` (for empty ranges at the end). */
  endPos: number;
}

const aStart = (a: Aligned, j: number): number => (a.s ? a.s[j] : a.base + j);
const aEnd = (a: Aligned, j: number): number => (a.e ? a.e[j] : a.base + j + 1);
const aPos = (a: Aligned, p: number): number => (p < a.text.length ? aStart(a, p) : a.endPos);

function aRange(a: Aligned, i: number, j: number): [number, number] {
  if (j > i) return [aStart(a, i), aEnd(a, j - 1)];
  const p = aPos(a, i);
  return [p, p];
}

function aSlice(a: Aligned, i: number, j: number): Aligned {
  if (i === 0 && j === a.text.length) return a;
  const endPos = j > i ? aEnd(a, j - 1) : aPos(a, i);
  if (!a.s) return { text: a.text.slice(i, j), s: null, e: null, base: a.base + i, endPos };
  return { text: a.text.slice(i, j), s: a.s.subarray(i, j), e: a.e!.subarray(i, j), base: 0, endPos };
}

function identity(text: string, base: number): Aligned {
  return { text, s: null, e: null, base, endPos: base + text.length };
}

/** Every char of `text` mapped to the whole of `a` (last resort, counted in diagnostics). */
function coarse(a: Aligned, text: string, diag: { coarse: number }): Aligned {
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
function compose(prev: Aligned, text: string, ts: ArrayLike<number>, te: ArrayLike<number>): Aligned {
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

// ---------------------------------------------------------------------------------------------------------------
// Normalization with alignment

const MARK_RE = /^\p{M}$/u;
const WS_RE = /^\s$/u;
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
function genericStep(prev: Aligned, f: (s: string) => string): Aligned {
  const src = prev.text;
  const out = f(src);
  if (out === src) return prev;
  const c: GenCtx = { src, out, f, ts: new Int32Array(out.length), te: new Int32Array(out.length), memo: new Map() };
  alignRange(c, 0, src.length, 0, out.length, 0);
  return compose(prev, out, c.ts, c.te);
}

/** Regex replacement (Replace normalizer / pre-tokenizer) with alignment; null when it cannot reproduce `expected`. */
function replaceStep(prev: Aligned, pattern: RegExp | null, content: string, expected: string): Aligned | null {
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

function normalizeStep(prev: Aligned, norm: LibNormalizer, diag: { coarse: number }): Aligned {
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

// ---------------------------------------------------------------------------------------------------------------
// Pre-tokenization with alignment

function utf8Length(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

function preTokenize(pt: LibPreTokenizer, piece: Aligned, opts: { section_index: number }, out: Aligned[], diag: { coarse: number }): void {
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

// ---------------------------------------------------------------------------------------------------------------
// Model stage

interface RawToken { str: string; start: number; end: number; id: number; special: boolean }

interface ModelCtx { h: TokenizerHandle; out: RawToken[] }

const isSpaceLike = (ch: string): boolean => ch === '\u0120' || WS_RE.test(ch);

/** Adds one model token covering piece chars [p0, p1) (with ByteLevel offset trimming when configured). */
function emit(ctx: ModelCtx, piece: Aligned, p0: number, p1: number, str: string): void {
  const { internals } = ctx.h;
  let [start, end] = aRange(piece, p0, p1);
  if (internals.trimOffsets && str.length === p1 - p0 && p1 > p0) {
    let lead = 0;
    while (lead < str.length && isSpaceLike(str[lead])) lead++;
    let trail = 0;
    while (trail < str.length && isSpaceLike(str[str.length - 1 - trail])) trail++;
    if (internals.trimAddPrefixSpace && lead === 1 && (ctx.out.length === 0 || start === 0)) lead = 0;
    if (lead > 0 || trail > 0) {
      const a = p0 + lead;
      const newStart = a < p1 ? aStart(piece, a) : end;
      const b = p1 - trail;
      const newEnd = b > a ? aEnd(piece, b - 1) : newStart;
      start = newStart;
      end = Math.max(newEnd, newStart);
    }
  }
  ctx.out.push({ str, start, end, id: -1, special: false });
}

function emitCoarse(ctx: ModelCtx, piece: Aligned, strs: string[]): void {
  ctx.h.diagnostics.coarse++;
  for (const s of strs) emit(ctx, piece, 0, piece.text.length, s);
}

function modelPiece(ctx: ModelCtx, piece: Aligned): void {
  const text = piece.text;
  if (!text.length) return;
  const { lib, modelType, wordPiecePrefix } = ctx.h.internals;
  const model = lib.model;
  if (modelType === 'WordPiece' && model instanceof WordPiece) {
    const toks = model.encode([text]);
    if (toks.length === 1 && (toks[0] === model.unk_token || toks[0] === text)) { emit(ctx, piece, 0, text.length, toks[0]); return; }
    let pos = 0;
    const spans: [number, number][] = [];
    for (let k = 0; k < toks.length; k++) {
      const t = toks[k];
      const surface = k > 0 && t.startsWith(wordPiecePrefix) ? t.slice(wordPiecePrefix.length) : t;
      if (!text.startsWith(surface, pos)) { emitCoarse(ctx, piece, toks); return; }
      spans.push([pos, pos + surface.length]);
      pos += surface.length;
    }
    if (pos !== text.length) { emitCoarse(ctx, piece, toks); return; }
    for (let k = 0; k < toks.length; k++) emit(ctx, piece, spans[k][0], spans[k][1], toks[k]);
    return;
  }
  if (modelType === 'BPE' && model instanceof BPE) {
    const bpe = model as unknown as LibBpe;
    if (bpe.ignore_merges && bpe.tokens_to_ids.has(text)) { emit(ctx, piece, 0, text.length, text); return; }
    const list = bpe.bpe(text);
    const css = bpe.continuing_subword_suffix;
    const eow = bpe.end_of_word_suffix;
    const spans: [number, number][] = [];
    let pos = 0;
    for (let k = 0; k < list.length; k++) {
      let surface = list[k];
      if (k < list.length - 1 && css && surface.endsWith(css)) surface = surface.slice(0, -css.length);
      if (k === list.length - 1 && eow && surface.endsWith(eow)) surface = surface.slice(0, -eow.length);
      if (!text.startsWith(surface, pos)) { emitCoarse(ctx, piece, bpe.encode([text])); return; }
      spans.push([pos, pos + surface.length]);
      pos += surface.length;
    }
    if (pos !== text.length) { emitCoarse(ctx, piece, bpe.encode([text])); return; }
    for (let k = 0; k < list.length; k++) {
      const t = list[k];
      const [p0, p1] = spans[k];
      if (bpe.tokens_to_ids.has(t)) emit(ctx, piece, p0, p1, t);
      else if (bpe.byte_fallback) {
        const bytes = new TextEncoder().encode(t);
        const byteToks = Array.from(bytes, (x) => `<0x${x.toString(16).toUpperCase().padStart(2, '0')}>`);
        if (byteToks.every((x) => bpe.tokens_to_ids.has(x))) {
          // each byte token gets the code point its byte belongs to
          const byteSpans: [number, number][] = [];
          for (let u = p0; u < p1;) {
            const cp = text.codePointAt(u)!;
            const cl = cp > 0xffff ? 2 : 1;
            for (let nb = utf8Length(cp); nb > 0; nb--) byteSpans.push([u, u + cl]);
            u += cl;
          }
          byteToks.forEach((bt, bi) => {
            const sp = byteSpans.length ? byteSpans[Math.min(bi, byteSpans.length - 1)] : [p0, p1];
            emit(ctx, piece, sp[0], sp[1], bt);
          });
        } else if (bpe.unk_token != null) emit(ctx, piece, p0, p1, bpe.unk_token);
      } else if (bpe.unk_token != null) emit(ctx, piece, p0, p1, bpe.unk_token);
    }
    return;
  }
  // Unigram (and anything else): the model's pieces are substrings of the input, in order
  // (Unigram.tokenize is what Unigram.encode runs per piece, without its argument spread that overflows on huge pieces)
  const toks = model instanceof Unigram ? model.tokenize(text) : model.encode([text]);
  let pos = 0;
  const spans: [number, number][] = [];
  for (const t of toks) {
    if (!text.startsWith(t, pos)) { emitCoarse(ctx, piece, toks); return; }
    spans.push([pos, pos + t.length]);
    pos += t.length;
  }
  if (pos !== text.length) { emitCoarse(ctx, piece, toks); return; }
  for (let k = 0; k < toks.length; k++) emit(ctx, piece, spans[k][0], spans[k][1], toks[k]);
}

/** The library's `fuse_unk`, on aligned tokens: consecutive unknown tokens become one, spanning all of them. */
function fuseUnknown(out: RawToken[], from: number, model: LibModel): void {
  const unk = model.unk_token_id;
  const map = model.tokens_to_ids;
  const fused: RawToken[] = [];
  let i = from;
  const n = out.length;
  while (i < n) {
    const cur = out[i];
    fused.push(cur);
    if ((map.get(cur.str) ?? unk) !== unk) { i++; continue; }
    while (++i < n && (map.get(out[i].str) ?? unk) === unk) {
      if (map.get(cur.str) !== unk) cur.str += out[i].str;
      cur.end = Math.max(cur.end, out[i].end);
    }
  }
  out.length = from;
  for (const t of fused) out.push(t);
}

// ---------------------------------------------------------------------------------------------------------------
// The staged pipeline (mirrors Tokenizer.encode_text of @huggingface/tokenizers 0.2.0)

interface Span { text: string; start: number; end: number }

/** DictionarySplitter output with positions, then lstrip/rstrip of neighbours of matched added tokens. */
function splitAdded(splitter: LibSplitter, text: string, base: number, map: Map<string, LibAddedToken>): Span[] {
  const parts = splitter.split(text);
  const spans: Span[] = [];
  let pos = 0;
  for (const p of parts) { spans.push({ text: p, start: base + pos, end: base + pos + p.length }); pos += p.length; }
  for (let i = 0; i < spans.length; i++) {
    const added = map.get(spans[i].text);
    if (!added) continue;
    if (added.lstrip && i > 0) {
      const s = spans[i - 1];
      const t = s.text.trimEnd();
      s.end -= s.text.length - t.length;
      s.text = t;
    }
    if (added.rstrip && i < spans.length - 1) {
      const s = spans[i + 1];
      const t = s.text.trimStart();
      s.start += s.text.length - t.length;
      s.text = t;
    }
  }
  return spans;
}

function addedTokenRaw(tok: LibAddedToken, start: number, end: number): RawToken {
  return { str: tok.content, start, end, id: tok.id, special: tok.special };
}

/** Content tokens (no post-processor specials) with original ranges. */
function contentTokens(h: TokenizerHandle, text: string): RawToken[] {
  const { lib } = h.internals;
  const diag = h.diagnostics;
  const out: RawToken[] = [];
  const ctx: ModelCtx = { h, out };
  const sections = splitAdded(lib.splitter_unnormalized, text, 0, lib.added_tokens_map);
  for (let si = 0; si < sections.length; si++) {
    const sec = sections[si];
    if (!sec.text.length) continue;
    const added = lib.added_tokens_map.get(sec.text);
    if (added) { out.push(addedTokenRaw(added, sec.start, sec.end)); continue; }
    let a = identity(sec.text, sec.start);
    if (lib.remove_space === true) {
      const t = a.text.trim();
      const lead = a.text.length - a.text.trimStart().length;
      a = aSlice(a, lead, lead + t.length);
      a = replaceStep(a, /\s+/g, ' ', t.split(/\s+/).join(' ')) ?? coarse(a, t.split(/\s+/).join(' '), diag);
    }
    if (lib.do_lowercase_and_remove_accent) a = genericStep(a, (s) => s.toLowerCase().replace(/\p{M}/gu, ''));
    if (lib.normalizer) a = normalizeStep(a, lib.normalizer, diag);
    if (!a.text.length) continue;
    const subs = splitAdded(lib.splitter_normalized, a.text, 0, lib.added_tokens_map);
    for (const sub of subs) {
      if (!sub.text.length) continue;
      const subAdded = lib.added_tokens_map.get(sub.text);
      const subAligned = aSlice(a, sub.start, sub.end);
      if (subAdded) {
        const [st, en] = aRange(a, sub.start, sub.end);
        out.push(addedTokenRaw(subAdded, st, en));
        continue;
      }
      const pieces: Aligned[] = [];
      if (lib.pre_tokenizer) preTokenize(lib.pre_tokenizer, subAligned, { section_index: si }, pieces, diag);
      else pieces.push(subAligned);
      const from = out.length;
      const lp = h.internals.longPieces;
      for (const piece of pieces) {
        const cuts = lp && piece.text.length > LONG_PIECE && !(lib.model as LibBpe).ignore_merges ? cutLongPiece(lib, lp, piece.text) : [];
        if (cuts.length) {
          let p0 = 0;
          for (const p of cuts) { modelPiece(ctx, aSlice(piece, p0, p)); p0 = p; }
          modelPiece(ctx, aSlice(piece, p0, piece.text.length));
        } else modelPiece(ctx, piece);
      }
      if (lib.model.fuse_unk) fuseUnknown(out, from, lib.model);
    }
  }
  // Ranges never go back: a token made from characters that one original character expanded into (NFKC "ﷺ" is
  // four words) may otherwise start a prepended "▁" before the end of its predecessor.
  for (let i = 1; i < out.length; i++) {
    const a = out[i - 1];
    const t = out[i];
    if (t.start < a.start) t.start = a.start;
    if (t.end < a.end) t.end = a.end;
  }
  // ids exactly as Tokenizer.encode maps token strings
  const unkId = lib.model.unk_token_id;
  for (const t of out) {
    if (t.id >= 0) continue;
    const added = lib.added_tokens_map.get(t.str);
    const id = added?.id ?? lib.model.tokens_to_ids.get(t.str) ?? unkId;
    t.id = id ?? h.unkId ?? 0;
    t.special = added?.special ?? false;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Post-processing, truncation and windows

/** Runs the post-processor on content markers (numbers); strings in the result are the specials it added. */
function postProcess(h: TokenizerHandle, markers: number[]): unknown[] {
  return postProcessFull(h, markers).tokens;
}

function postProcessFull(h: TokenizerHandle, markers: number[]): { tokens: unknown[]; types: number[] | null } {
  const pp = h.internals.lib.post_processor;
  if (!pp) return { tokens: markers, types: null };
  const r = pp.post_process(markers, null, true);
  return { tokens: r.tokens, types: Array.isArray(r.token_type_ids) ? r.token_type_ids : null };
}

function specialToken(h: TokenizerHandle, s: string): Token {
  const lib = h.internals.lib;
  const id = lib.added_tokens_map.get(s)?.id ?? lib.model.tokens_to_ids.get(s) ?? lib.model.unk_token_id ?? 0;
  return { id, text: s, start: null, end: null, special: true };
}

function toToken(h: TokenizerHandle, t: RawToken): Token {
  const vocab = h.internals.lib.model.vocab;
  // start < 0: the library's tokens without positions (offsetsReliable false)
  const start = t.start < 0 ? null : t.start;
  const end = t.start < 0 ? null : t.end;
  return { id: t.id, text: vocab[t.id] ?? t.str, start, end, special: t.special };
}

function assemble(h: TokenizerHandle, text: string, content: RawToken[], from: number, to: number, maxTokens: number): EncodedText {
  const markers: number[] = [];
  for (let i = from; i < to; i++) markers.push(i);
  const { tokens: seq, types } = postProcessFull(h, markers);
  const tokens: Token[] = seq.map((x) => (typeof x === 'number' ? toToken(h, content[x]) : specialToken(h, String(x))));
  const ids = tokens.map((t) => t.id);
  const tokenTypeIds = types && types.length === tokens.length ? types.map((x) => Number(x) || 0) : new Array<number>(tokens.length).fill(0);
  const kept = to - from;
  const last = to > from ? content[to - 1] : null;
  return {
    ids,
    tokens,
    attentionMask: new Array<number>(tokens.length).fill(1),
    tokenTypeIds,
    truncation: {
      truncated: kept < content.length,
      droppedTokens: content.length - kept,
      keptChars: last ? (last.end >= 0 ? last.end : kept < content.length ? 0 : text.length) : 0,
      maxTokens,
    },
  };
}

/** True when the text has nothing to tokenise: empty, or only whitespace, control and invisible format characters. */
export function isBlank(text: string): boolean {
  return /^[\p{White_Space}\p{Cc}\p{Cf}]*$/u.test(text);
}

function checkMax(h: TokenizerHandle, maxTokens: number, minContent: number): void {
  if (!Number.isInteger(maxTokens) || maxTokens < h.numSpecialTokens + minContent) {
    throw new RangeError(
      `maxTokens must be an integer of at least ${h.numSpecialTokens + minContent} (the tokenizer adds ${h.numSpecialTokens} special tokens); got ${maxTokens}.`,
    );
  }
}

/** Content tokens of `text` (reliable offsets) or, when the staged pipeline is not trusted, the library's tokens without ranges. */
function tokensOf(h: TokenizerHandle, text: string): RawToken[] {
  if (isBlank(text)) return [];
  if (h.offsetsReliable) {
    try {
      return contentTokens(h, text);
    } catch (err) {
      // never expected (the property tests run thousands of texts); degrade to tokens without positions
      h.diagnostics.failures++;
      h.diagnostics.lastError = (err as Error).message;
    }
  }
  let enc;
  try {
    enc = h.tokenizer.encode(text, { add_special_tokens: false });
  } catch (err) {
    throw new Error(`The tokenizer failed on this text (${(err as Error).message}). Try a shorter selection.`);
  }
  return enc.ids.map((id, i) => ({ str: enc.tokens[i], id, start: -1, end: -1, special: h.specialIds.has(id) }));
}

/** Tokenises `text`, keeping at most `maxTokens` tokens including the specials the post-processor adds. */
export function encodeText(h: TokenizerHandle, text: string, opts: { maxTokens: number }): EncodedText {
  checkMax(h, opts.maxTokens, 0);
  const content = tokensOf(h, text);
  const keep = Math.min(content.length, opts.maxTokens - h.numSpecialTokens);
  return assemble(h, text, content, 0, keep, opts.maxTokens);
}

/**
 * Sliding windows over the content tokens, each with the specials. `stride` is the number of content tokens
 * consecutive windows share (Hugging Face's `stride` with `return_overflowing_tokens`). Offsets stay relative to
 * the whole text. Each window's `truncation` describes that window: `droppedTokens` = content tokens outside it.
 */
export function encodeWindows(h: TokenizerHandle, text: string, opts: { maxTokens: number; stride: number }): EncodedText[] {
  checkMax(h, opts.maxTokens, 1);
  const capacity = opts.maxTokens - h.numSpecialTokens;
  if (!Number.isInteger(opts.stride) || opts.stride < 0 || opts.stride >= capacity) {
    throw new RangeError(`stride must be an integer from 0 to ${capacity - 1} (maxTokens minus the ${h.numSpecialTokens} special tokens, minus 1); got ${opts.stride}.`);
  }
  const content = tokensOf(h, text);
  const windows: EncodedText[] = [];
  const step = capacity - opts.stride;
  for (let start = 0; ; start += step) {
    const end = Math.min(content.length, start + capacity);
    windows.push(assemble(h, text, content, start, end, opts.maxTokens));
    if (end >= content.length) break;
  }
  return windows;
}

const PUNCT_RE = /^[\p{P}\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E]+$/u;

/** Whether a (non-special) token is punctuation only, once its word-piece / metaspace / byte-level marks are removed. */
export function isPunctuationToken(h: TokenizerHandle, tokenText: string): boolean {
  if (h.specialTokens.has(tokenText)) return false;
  let s = tokenText;
  const { modelType, wordPiecePrefix, byteDecoder } = h.internals;
  if (modelType === 'WordPiece' && s.startsWith(wordPiecePrefix) && s.length > wordPiecePrefix.length) s = s.slice(wordPiecePrefix.length);
  if (byteDecoder) {
    const bytes: number[] = [];
    for (const ch of s) { const b = byteDecoder.get(ch); if (b === undefined) { bytes.length = 0; break; } bytes.push(b); }
    if (bytes.length) s = new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(bytes));
  }
  if (h.internals.metaspaceRep) s = s.replaceAll(h.internals.metaspaceRep, ' ');
  s = s.trim();
  return s.length > 0 && PUNCT_RE.test(s);
}
