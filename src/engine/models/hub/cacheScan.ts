// Listing the cache's models and removing one snapshot (filled in below the API commit).
import type { CachedModel, HubOptions, RemoveResult } from './types';

/** Every `models--*` folder of the cache with its snapshots, their refs, sizes and whether they hold an ONNX file. */
export async function listCachedModels(opts: Pick<HubOptions, 'cacheDir'> = {}): Promise<CachedModel[]> {
  void opts;
  return [];
}

/**
 * Remove the snapshot `commit` of `repo`: its folder, the refs that point at it, and the blobs no other snapshot
 * uses; the whole `models--…` folder when it was the last snapshot.
 */
export async function removeCachedSnapshot(repo: string, commit: string, opts: Pick<HubOptions, 'cacheDir'> = {}): Promise<RemoveResult> {
  void repo; void commit; void opts;
  return { freedBytes: 0, removedRepo: false };
}
