// Tokenizer types: the public handle and encoding, and typed views of the library's internals.
import type { Tokenizer } from '@huggingface/tokenizers';
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

export interface LibAddedToken { content: string; id: number; lstrip: boolean; rstrip: boolean; special: boolean }
export interface LibSplitter { split(text: string): string[] }
export interface LibNormalizer { config: Record<string, unknown>; normalize(text: string): string }
export interface LibPreTokenizer { pre_tokenize_text(text: string, options?: { section_index?: number }): string[] }
export interface LibModel {
  config: Record<string, unknown>;
  vocab: string[];
  tokens_to_ids: Map<string, number>;
  unk_token_id?: number;
  unk_token?: string;
  fuse_unk: boolean;
  encode(tokens: string[]): string[];
}
export interface LibBpe extends LibModel {
  bpe(token: string): string[];
  ignore_merges: boolean;
  byte_fallback: boolean;
  continuing_subword_suffix: string | null;
  end_of_word_suffix?: string;
  merges: [string, string][];
}
export interface LibPostProcessor { post_process(tokens: unknown[], pair: unknown[] | null, addSpecialTokens: boolean): { tokens: unknown[]; token_type_ids?: number[] } }
export interface LibTokenizer {
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

export interface Internals {
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

/** Whether long pieces may be cut where no token can cross (see cutLongPiece in models.ts). */
export interface LongPieces {
  model: 'Unigram' | 'BPE';
  /** Bigrams (two code points) that occur inside some piece; built on first use. */
  bigrams: Set<string> | null;
}
