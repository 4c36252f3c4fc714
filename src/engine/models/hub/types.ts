// Types of the Hugging Face Hub client: what callers pass (HubOptions) and what they get back. No Node or vscode here
// beyond AbortSignal, so the extension's UI code can import these types freely.

/**
 * Where and how to reach the Hub and its cache. Every field is optional; each has the same default as Python's
 * `huggingface_hub`, so the two share one cache.
 *
 * Precedence (first that is set wins):
 * - endpoint: `endpoint` → `HF_ENDPOINT` → https://huggingface.co
 * - cacheDir: `cacheDir` → `HF_HUB_CACHE` → `HUGGINGFACE_HUB_CACHE` → `$HF_HOME/hub` → `$XDG_CACHE_HOME/huggingface/hub`
 *   → `~/.cache/huggingface/hub`
 * - offline: `offline` → `HF_HUB_OFFLINE` (1/true/yes/on) → `TRANSFORMERS_OFFLINE` → online
 * - token: `token` (a string; `false` sends none at all) → `HF_TOKEN` → `HUGGING_FACE_HUB_TOKEN` (the old name) → the
 *   file `$HF_TOKEN_PATH`, else
 *   `$HF_HOME/token` (default ~/.cache/huggingface/token, which `huggingface-cli login` writes) → none.
 *   An explicit token wins because it is the one the user gave this program (VS Code's SecretStorage); HF_TOKEN
 *   beats the token file as it does in Python. The token is sent as `Authorization: Bearer …` to the endpoint's host
 *   only (dropped on redirects elsewhere) and never appears in an error message or a log line.
 */
export interface HubOptions {
  endpoint?: string;
  token?: string | false;
  offline?: boolean;
  cacheDir?: string;
  /** Stops a download; the partial blob is kept (resumed with Range next time) and nothing is linked into snapshots/. */
  signal?: AbortSignal;
  onProgress?: (p: HubProgress) => void;
}

/** The settings part of HubOptions (what an engine or a worker keeps between calls). */
export type HubSettings = Pick<HubOptions, 'endpoint' | 'token' | 'offline'>;

/** Options of a model download: which ONNX file, besides the Hub options. */
export interface DownloadOptions extends HubOptions {
  /**
   * ONNX file inside the repo, e.g. `onnx/model_quantized.onnx`. Default: the first of the repo's files in the
   * order of ONNX_CANDIDATES (`onnx/model.onnx`, `model.onnx`, then quantised variants).
   */
  onnxFile?: string;
}

export type HubPhase = 'listing' | 'checking' | 'downloading' | 'verifying' | 'linking' | 'done';

/** A download's progress. `bytes`/`total` count every file this call downloads (cached files count for nothing). */
export interface HubProgress {
  phase: HubPhase;
  /** Repo path of the file being fetched or checked. */
  file?: string;
  bytes: number;
  total: number;
  /** Files finished of files to fetch. */
  filesDone: number;
  filesTotal: number;
}

/** A parsed model reference that names a Hub repo. */
export interface HubRef {
  /** `org/name` */
  repo: string;
  /** Branch, tag or 40-hex commit; `main` when the reference names none. */
  revision: string;
}

/** One file of a resolved snapshot. */
export interface HubFile {
  /** Path inside the repo, e.g. `onnx/model.onnx`. */
  path: string;
  size: number;
  /** sha256 (LFS files) or git blob sha1 (small files): the blob's name in the cache. */
  etag: string;
  /** True when this call fetched it; false when it was already in the cache. */
  downloaded: boolean;
}

/** A model ready to load: a folder in the cache's snapshots/ holding every file listed. */
export interface HubModel {
  repo: string;
  revision: string;
  commit: string;
  /** `…/models--org--name/snapshots/{commit}`: pass it to the engine like any model folder. */
  folder: string;
  /** Repo path of the ONNX file chosen (relative to `folder`). */
  onnxFile: string;
  files: HubFile[];
  /** Bytes fetched over the network by this call. */
  downloadedBytes: number;
  /** True when resolved from the cache without the network (offline, or the Hub could not be reached). */
  fromCache: boolean;
}

/** An ONNX file listed in a repo, for choosing a quantised variant. */
export interface RepoOnnxFile {
  path: string;
  /** Bytes, when the listing gives sizes. */
  size?: number;
  /** `<file>_data` or `<file>.data` when the repo has one, and its size. */
  externalData?: string;
  externalDataSize?: number;
}

/** One snapshot (commit) of a cached repo. */
export interface CachedRevision {
  commit: string;
  /** Branch or tag names whose refs/ file points at this commit. */
  refs: string[];
  /** The snapshot folder. */
  folder: string;
  /** Bytes of the files in the snapshot (each blob once). */
  size: number;
  /** Repo paths present in the snapshot. */
  files: string[];
  onnxFiles: string[];
  hasOnnx: boolean;
  hasTokenizer: boolean;
  /** Latest modification time of the snapshot's files, ms since the epoch. */
  lastModified: number;
}

/** One `models--org--name` folder of the cache. */
export interface CachedModel {
  repo: string;
  /** The `models--org--name` folder. */
  folder: string;
  /** Bytes of every blob of the repo (shared blobs once). */
  sizeOnDisk: number;
  revisions: CachedRevision[];
}

export interface RemoveResult {
  /** Bytes of the blobs deleted (blobs still used by another snapshot are kept). */
  freedBytes: number;
  /** True when it was the repo's last snapshot and the whole `models--…` folder went. */
  removedRepo: boolean;
}
