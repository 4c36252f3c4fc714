// Shared engine result types. No runtime code and no `vscode` import: the webview bundle imports these too.
import type { PoolingName } from './poolings';

/** A dense float32 tensor, row-major. `data.length === dims.reduce(*)`. */
export interface FloatTensor {
  data: Float32Array;
  dims: number[];
}

/** Pooled-vector names come from the pooling registry (POOLINGS, in poolings.ts). `token:i` vectors are computed on request, not stored here. */
export type { PoolingName } from './poolings';

export interface Token {
  id: number;
  /** The vocabulary string of the token (`##ing`, `Ġworld`, `▁the`, `[CLS]`). */
  text: string;
  /**
   * Character range `[start, end)` in the ORIGINAL text (UTF-16 code units, as JS and VS Code count), or null for
   * tokens the post-processor added. Hugging Face's `return_offsets_mapping` (which counts code points), except:
   * characters the normaliser deletes or composes away (combining marks it strips, control and format characters)
   * belong to the neighbouring token (HF leaves them out); separator whitespace is never at the edge of a range
   * holding other characters (HF's "▁word" includes the space); a prepended "▁"/"Ġ" has an empty range at the word
   * start. README (Limits) lists them; test/unit/tokens-reference.ts checks exactly these against HF.
   */
  start: number | null;
  end: number | null;
  special: boolean;
}

/** native: graph outputs of the file; rewritten: outputs CLS Lens adds to the graph; recomputed (attentions): from the hidden states with the graph's own weights. */
export type CapabilitySource = 'native' | 'rewritten' | 'recomputed' | 'unavailable';

export interface Capability {
  source: CapabilitySource;
  /** Why it is unavailable, or how it was obtained. */
  reason?: string;
}

export interface ModelSummary {
  /** What the user configured: a folder path (Hub ids later). */
  ref: string;
  /** Display name: the folder name or the config's `_name_or_path`. */
  name: string;
  folder: string;
  onnxFile: string;
  modelType: string;
  layers: number;
  heads: number;
  hidden: number;
  maxTokens: number;
  vocabSize: number;
  /** Graph inputs that are fed (subset of input_ids, attention_mask, token_type_ids, position_ids). */
  inputs: string[];
  attentions: Capability;
  hiddenStates: Capability;
  hasPooler: boolean;
  /** sentence-transformers pooling mode from `1_Pooling/config.json`, when present. */
  poolingMode: string | null;
  /** True when the config marks the weights as random (models made by the project's generator). */
  randomWeights: boolean;
  warnings: string[];
}

export interface Truncation {
  truncated: boolean;
  /** Content tokens dropped to fit the model's maximum (a lower bound when droppedTokensExact is false). */
  droppedTokens: number;
  /**
   * False when only the start of a long text was tokenised (the truncation fast path): droppedTokens is then
   * "at least". Absent or true: the whole text was tokenised and droppedTokens is exact.
   */
  droppedTokensExact?: boolean;
  /** Number of characters of the original text covered by the kept tokens. */
  keptChars: number;
  maxTokens: number;
}

export interface AttentionAnalysis {
  /** [L, heads, T]: attention from the first token ([CLS]) to every key. */
  clsRow: FloatTensor;
  /** [L, heads]: mean over queries of the attention each query sends to [CLS] (Clark et al. 2019). */
  toCls: FloatTensor;
  /** [L, heads]: likewise to [SEP] / </s> tokens. */
  toSep: FloatTensor;
  /** [L, heads]: likewise to punctuation tokens. */
  toPunct: FloatTensor;
  /** [L, heads]: likewise to the query itself (the diagonal). */
  toSelf: FloatTensor;
  /** [L, heads]: mean over queries of the entropy (nats) of the attention distribution. */
  entropy: FloatTensor;
  /** [L, T, T]: attention rollout up to and including each layer (Abnar & Zuidema 2020). */
  rollout: FloatTensor;
}

export interface Similarity {
  /** cos(cls, mean) per row of layerIds. */
  clsMean: Float32Array;
  /** [layerIds.length, T]: cos([CLS] hidden state, token hidden state) per layer. */
  clsToken: FloatTensor;
}

export interface Timings {
  tokenizeMs: number;
  runMs: number;
  analyseMs: number;
  totalMs: number;
}

/** Everything the engine computes for one text. */
export interface Inspection {
  model: ModelSummary;
  text: string;
  tokens: Token[];
  truncation: Truncation;
  /** [layerIds.length, T, H]: embeddings output (layer 0) and every layer's output when the model allows. */
  hidden: FloatTensor;
  /** The layer number of each row of `hidden` and of the pooled vectors: [0..L], or [L] alone when only the last hidden state can be read. */
  layerIds: number[];
  /** Each [layerIds.length, H]. `pooler` is [1, H] when present (it exists for the last layer only). */
  vectors: Partial<Record<PoolingName, FloatTensor>>;
  /** L2 norms per pooling, one per row of its vectors. */
  norms: Partial<Record<PoolingName, Float32Array>>;
  /** [L, heads, T, T] or null when the model cannot provide attentions (see model.attentions). */
  attentions: FloatTensor | null;
  /** Null when attentions are not readable, and in a first inspection (Engine.inspectFirst), which computes it on request. */
  analysis: AttentionAnalysis | null;
  /** [L, heads, T]: the [CLS] row of every head of every layer (equal to analysis.clsRow), or null when attentions are not readable. */
  clsAttention: FloatTensor | null;
  similarity: Similarity;
  timings: Timings;
}
