// The Hugging Face Hub, online and offline, in the cache Python's huggingface_hub uses (either side finds the
// other's downloads). The public API for the engine, the worker's `download` job, the CLI and (later) the VS Code UI.
//
// Cache layout (under hubCacheDir()):
//   models--{org}--{name}/blobs/{etag}                   file contents, named by sha256 (LFS) or git blob sha1
//   models--{org}--{name}/snapshots/{commit}/{path}      relative symlinks into blobs/ (a copy where links fail)
//   models--{org}--{name}/refs/{branch or tag}           the commit the name pointed to when last resolved
//   .locks/models--{org}--{name}/{etag}.lock             held while a blob downloads (see lock.ts)
// Downloads land in blobs/{etag}.{random}.incomplete, are checked (size; sha256 or git sha1 from the etag) and
// renamed into place; snapshot links are made only once every blob of the model is present.
//
// Errors (EngineError codes; `next` names no surface, so each surface adds its own control, as src/cli/hub.ts does):
//   hub-repo-not-found, hub-token-rejected, hub-gated   → the token (gated: the model page is in the message)
//   hub-revision-not-found, hub-no-onnx, hub-no-tokenizer → the model reference (fix 'model')
//   hub-file-not-found                                  → the ONNX file (fix 'onnxFile' when it was the ONNX file)
//   hub-offline                                         → go online (offline option / HF_HUB_OFFLINE)
//   hub-network                                         → the connection or the endpoint (the cache answered if it could)
//   hub-integrity, cache-write                          → retry later / free space or change the cache folder
// In the worker, the `download` job runs downloadModel; `load`/`inspect`/`embed` reach it through resolveModelRef with
// the engine's options (cacheDir, hub: {endpoint, token, offline}) and report bytes as 'download' progress.
import { EngineError } from '../../errors';
import { downloadModel, listRepoOnnxFiles } from './download';
import { listCachedModels, removeCachedSnapshot } from './cacheScan';
import { parseModelRef } from './ref';
import type { DownloadOptions, HubModel } from './types';

export type * from './types';
export { downloadModel, listRepoOnnxFiles, listCachedModels, removeCachedSnapshot };
export { hubCacheDir, hubEndpoint, hubOffline, hubToken, tokenFile, DEFAULT_ENDPOINT } from './env';
export { parseHubId, parseModelRef, isCommitHash, repoFolderName, type ParsedRef } from './ref';

export interface ResolveModelOptions extends DownloadOptions {
  /** Base for relative folder paths (the workspace folder in VS Code, the cwd in the CLI). */
  baseDir?: string;
}

export interface ResolvedModel {
  /** The local folder to load. */
  folder: string;
  /** Set when the reference named a Hub repo. */
  hub: HubModel | null;
}

/**
 * A model reference → a local folder. An existing folder wins; a Hub id (`org/name[@revision]`) is resolved
 * through the cache, downloading what is missing (online) or reading refs/ and snapshots/ only (offline).
 * Throws EngineError: model-not-found for a missing folder, hub-* codes for the Hub (see errors.ts).
 */
export async function resolveHubModel(ref: string, opts: ResolveModelOptions = {}): Promise<ResolvedModel> {
  const parsed = parseModelRef(ref, opts.baseDir);
  if (parsed.kind === 'folder') return { folder: parsed.folder, hub: null };
  if (parsed.kind === 'hub') {
    const hub = await downloadModel(parsed.hub, opts);
    return { folder: hub.folder, hub };
  }
  throw new EngineError('model-not-found', `The model folder ${parsed.folder} does not exist, and "${ref.trim()}" is not a Hugging Face Hub id (org/name[@revision]).`,
    'Give a folder with config.json, tokenizer.json and an ONNX file, or a Hub id such as Xenova/all-MiniLM-L6-v2.');
}
