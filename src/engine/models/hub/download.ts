// Downloading a model's files into the cache (filled in below the API commit).
import { EngineError } from '../../errors';
import type { DownloadOptions, HubModel, HubOptions, HubRef, RepoOnnxFile } from './types';

/**
 * Resolve `ref` (`org/name[@revision]` or a parsed HubRef) to a complete snapshot folder: list the repo at the
 * revision (commit from the listing), fetch config.json, tokenizer.json, tokenizer_config.json,
 * special_tokens_map.json, 1_Pooling/config.json when present and one ONNX file (with its external data) that are
 * not cached yet, link them into snapshots/{commit} and write refs/{revision}. Offline (or when the Hub cannot be
 * reached) it reads refs/ and snapshots/ only and names what is missing.
 */
export async function downloadModel(ref: string | HubRef, opts: DownloadOptions = {}): Promise<HubModel> {
  void ref; void opts;
  throw new EngineError('internal', 'Hub downloads are not implemented yet.');
}

/** The repo's ONNX files with sizes (online: the file API; offline: the cached snapshot of the revision). */
export async function listRepoOnnxFiles(ref: string | HubRef, opts: HubOptions = {}): Promise<RepoOnnxFile[]> {
  void ref; void opts;
  throw new EngineError('internal', 'Hub listing is not implemented yet.');
}
