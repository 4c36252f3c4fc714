// What an experiment run produces: the one shape the engine's runners return, the CLI prints with --json, the
// worker sends to the extension, and the results view draws. Type-only apart from the small lists and guards at the
// end; no Node, no `vscode` (the webview imports it). Large numeric blocks are Float32Array (they cross postMessage
// as typed arrays; the JSON writers turn them into number lists).

/** Experiment kinds, one per question (the command ids and CLI subcommands are derived from these). */
export const EXPERIMENT_KINDS = ['probe', 'position', 'layers', 'census', 'recover', 'map'] as const;
export type ExperimentKind = (typeof EXPERIMENT_KINDS)[number];

/**
 * Poolings an experiment can read. `cls`, `mean`, `max`, `pooler` as in the inspector; `first`, `last`, `middle` are
 * the first, last and middle content tokens (no [CLS]/[SEP]); `meanWithSpecials` as sentence-transformers.
 */
export const PROBE_POOLINGS = ['cls', 'mean', 'max', 'pooler', 'first', 'last', 'middle', 'meanWithSpecials'] as const;
export type ProbePooling = (typeof PROBE_POOLINGS)[number];
/** The probe's default set (the list). */
export const DEFAULT_PROBE_POOLINGS: readonly ProbePooling[] = ['cls', 'mean', 'max', 'pooler', 'first', 'last', 'middle'];

/** The model a result was computed with. */
export interface ExperimentModel {
  /** What the user gave: a folder or a Hub id. */
  ref: string;
  name: string;
  onnxFile: string;
  /** sha256 of the ONNX file (hex). */
  onnxSha256: string;
  /** The Hub commit the snapshot came from, when the model came from the Hub cache. */
  commit: string | null;
  layers: number;
  heads: number;
  hidden: number;
  /** Random weights (the project's generator): results show plumbing, not learning. Views and CLI say so. */
  randomWeights: boolean;
}

/** The data set a result was computed on. */
export interface DataInfo {
  /** Absolute path of the file or folder (`builtin:<name>` for the shipped set). */
  file: string;
  format: 'csv' | 'tsv' | 'jsonl' | 'folder';
  /** sha256 of the bytes read (for a folder: of the sorted file names and their sha256s). */
  sha256: string;
  /** Texts used. */
  n: number;
  textColumn: string | null;
  labelColumn: string | null;
  /** Label → count, labels in first-seen order. */
  classes: Record<string, number>;
  /** Rows left out and why (blank text, missing label, …): reason → count. */
  skipped: Record<string, number>;
}

/** Common to every result. */
export interface ExperimentMeta {
  kind: ExperimentKind;
  /** Result format version. */
  version: 1;
  model: ExperimentModel;
  data: DataInfo;
  seed: number;
  /** Cross-validation folds, where the experiment trains probes. */
  folds: number | null;
  /** Layer ids (0 = embeddings output). */
  layers: number[];
  poolings: ProbePooling[];
  maxTokens: number;
  /** True when the run was cancelled or stopped early: what is here is correct but incomplete. */
  partial: boolean;
  /** Plain-language remarks: a pooling skipped (no pooler), texts truncated, a baseline to read against. */
  notes: string[];
  /** ISO time the run started, and how long it took. */
  startedAt: string;
  elapsedMs: number;
}

// ---- 1. pooling probe
export interface ProbeRow {
  layer: number;
  pooling: ProbePooling;
  /** Mean over folds of held-out accuracy, and its standard deviation over folds. */
  accuracy: number;
  accuracyStd: number;
  macroF1: number;
  /** The same probe trained on labels shuffled by the seed (Hewitt & Liang 2019). */
  control: { accuracy: number };
  /** accuracy − control.accuracy */
  selectivity: number;
}
export interface ProbeResult extends ExperimentMeta {
  kind: 'probe';
  /** Accuracy of always predicting the largest class. */
  majority: number;
  /** Inverse regularisation strength (scikit-learn's C). */
  C: number;
  results: ProbeRow[];
}

// ---- 2. position test
export type PositionVariant = 'end' | 'middle' | 'none';
export interface PositionRow {
  layer: number;
  variant: PositionVariant;
  /** Mean (and sd) over texts of cos(moved token's vector, the usual [CLS] vector); null for 'none' (no token). */
  cosine: number | null;
  cosineStd: number | null;
  /** Probe accuracy of the moved token's vector ('none': of position 0) and of the usual [CLS], same folds. */
  accuracy: number;
  clsAccuracy: number;
}
export interface PositionResult extends ExperimentMeta {
  kind: 'position';
  majority: number;
  rows: PositionRow[];
}

// ---- 3a. layer story
export interface LayerRow {
  layer: number;
  /** Mean over texts of cos(cls, mean). */
  clsMean: number;
  /** Mean over texts of the mean over content tokens of cos(cls, token). */
  clsToken: number;
  clsNorm: number;
  /** Mean norm of content tokens. */
  tokenNorm: number;
  /** Mean cosine between vectors of different texts at this layer (Ethayarajh 2019): cls, mean, and random tokens. */
  anisotropy: { cls: number; mean: number; token: number };
}
export interface LayersResult extends ExperimentMeta {
  kind: 'layers';
  rows: LayerRow[];
}

// ---- 3b. attention census
export interface HeadTensor {
  /** [layers × heads] row-major */
  data: Float32Array;
  dims: [number, number];
}
export interface CensusResult extends ExperimentMeta {
  kind: 'census';
  texts: number;
  /** Mean over texts and queries of the attention each head sends to [CLS], [SEP], punctuation, itself; entropy in nats. */
  toCls: HeadTensor;
  toSep: HeadTensor;
  toPunct: HeadTensor;
  toSelf: HeadTensor;
  entropy: HeadTensor;
  /** Heads sending more than half their attention to [CLS] + [SEP] (Clark et al. 2019). */
  sinks: { layer: number; head: number; toCls: number; toSep: number }[];
}

// ---- 4. recovery
export interface BowRow {
  layer: number;
  pooling: ProbePooling;
  precisionAtK: number;
  recallAtK: number;
}
export interface OcclusionText {
  text: string;
  tokens: string[];
  /** Per token: 1 − cos(vector with the token dropped, original), for cls and mean at the last layer. */
  cls: number[];
  mean: number[];
}
export interface RecoverResult extends ExperimentMeta {
  kind: 'recover';
  bow: {
    /** Vocabulary size probed (the K most frequent words) and the k of precision/recall at k. */
    vocabulary: number;
    k: number;
    words: string[];
    rows: BowRow[];
    /** Predicting the k most frequent words for every text. */
    baseline: { precisionAtK: number; recallAtK: number };
  };
  /** Masked-LM decoding of [CLS], when the ONNX file has an MLM head (`logits`). */
  mlm: { available: boolean; reason: string | null; texts: { text: string; top: { token: string; p: number }[] }[] };
  occlusion: OcclusionText[];
  /** How often a text with one word masked is nearest (cosine) to its own original among all texts. */
  identification: { layer: number; pooling: ProbePooling; accuracy: number; chance: number }[];
}

// ---- 5. map
export interface MapLayer {
  layer: number;
  pooling: ProbePooling;
  /** [n × 2] row-major coordinates. */
  xy: Float32Array;
}
export interface MapResult extends ExperimentMeta {
  kind: 'map';
  method: 'pca' | 'umap';
  /** Per text: its label index into labels, and the text (cut to 200 characters) for hover. */
  labels: string[];
  labelOf: Uint16Array;
  texts: string[];
  maps: MapLayer[];
}

export type ExperimentResult = ProbeResult | PositionResult | LayersResult | CensusResult | RecoverResult | MapResult;
export type ResultOf<K extends ExperimentKind> = Extract<ExperimentResult, { kind: K }>;

export function isExperimentKind(v: unknown): v is ExperimentKind {
  return typeof v === 'string' && (EXPERIMENT_KINDS as readonly string[]).includes(v);
}
export function isProbePooling(v: unknown): v is ProbePooling {
  return typeof v === 'string' && (PROBE_POOLINGS as readonly string[]).includes(v);
}
