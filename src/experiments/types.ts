// The engine-side contract of experiments: what a run is asked (ExperimentArgs) and how it reports (ExperimentContext).
// `runExperiment(engine, args, ctx)` in `run.ts` dispatches on `args.kind`; the CLI, the worker's `experiment` job
// and the tests all call it, so the same arguments and seed give the same numbers everywhere.
import type { ExperimentKind, ExperimentResult, ProbePooling } from '../shared/experiments';

export interface ExperimentArgs {
  kind: ExperimentKind;
  /** Model folder or Hub id, and optionally which ONNX file in it. */
  model: string;
  onnxFile?: string;
  /** A CSV/TSV/JSONL file or a folder with one file per class; `builtin:sentences` is the shipped set. */
  data?: string;
  textColumn?: string;
  labelColumn?: string;
  /** Layer ids to report (0 = embeddings); default all. */
  layers?: 'all' | number[];
  poolings?: ProbePooling[];
  folds?: number;
  seed?: number;
  /** Inverse L2 strength of the logistic-regression probes (scikit-learn's C); default 1. */
  C?: number;
  maxTokens?: number;
  /** Texts to use at most (census, layers, recover use a sample of this size; default per experiment). */
  limit?: number;
  /** Feature folders written by `cls-lens embed --out` (probe only): train on these instead of embedding. */
  features?: string[];
  /** Map only. */
  method?: 'pca' | 'umap';
  /** Where embeddings are cached between runs (default: the engine's cache folder); false disables the cache. */
  cacheDir?: string | false;
}

export interface ExperimentProgress {
  /** 'reading data' | 'embedding' | 'training' | … */
  phase: string;
  done?: number;
  total?: number;
  message?: string;
}

export interface ExperimentContext {
  signal?: AbortSignal;
  onProgress?: (p: ExperimentProgress) => void;
  /** The result so far (marked partial), sent as rows complete, so a view can draw while the run goes on. */
  onPartial?: (r: ExperimentResult) => void;
}
