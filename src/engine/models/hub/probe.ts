// A mirror that serves files but not the file API (`/api/models/…` answers a plain 404): the commit comes from the
// X-Repo-Commit header of config.json at the revision, and which of the files CLS Lens wants exist from HEAD requests
// at that commit (a 404 is an absent file), as Python's hf_hub_download finds its commit.
import { EngineError } from '../../errors';
import { ONNX_CANDIDATES } from '../modelFolder';
import { header, hubRequest, NetworkError, resolveUrl, statusError, type HubContext } from './http';
import { OPTIONAL_FILES } from './snapshot';
import type { HubRef } from './types';

export interface Sibling { path: string; size?: number }
export interface RepoInfo { commit: string; siblings: Sibling[] }

interface Head { commit?: string; size?: number }

async function head(ctx: HubContext, hub: HubRef, revision: string, file: string): Promise<Head | null> {
  const r = await hubRequest(ctx, resolveUrl(ctx.endpoint, hub.repo, revision, file), { method: 'HEAD', follow: 'relative' });
  r.res.resume();
  if (r.status >= 500) throw new NetworkError(r.url, `HTTP ${r.status}`);
  if (r.status === 404 && (header(r.res, 'x-error-code') ?? 'EntryNotFound') === 'EntryNotFound') return null;
  if (r.status >= 400) throw statusError(ctx, r, { repo: hub.repo, revision: hub.revision, file });
  const size = header(r.res, 'x-linked-size') ?? header(r.res, 'content-length');
  return { commit: header(r.res, 'x-repo-commit'), size: size && /^\d+$/.test(size) ? Number(size) : undefined };
}

/**
 * The files CLS Lens may fetch that exist at the revision: config.json, tokenizer files, 1_Pooling/config.json, the ONNX
 * file asked for (or the ONNX candidates: the first found, or every one with `allOnnx`) with its external data.
 */
export async function probeRepo(ctx: HubContext, hub: HubRef, onnxFile: string | undefined, allOnnx: boolean): Promise<RepoInfo> {
  const config = await head(ctx, hub, hub.revision, 'config.json');
  const commit = config?.commit;
  if (!config || !commit || !/^[0-9a-f]{40}$/.test(commit)) {
    throw new EngineError('hub-network', `${ctx.endpoint} has no file API for ${hub.repo}, and ${config ? 'gives no X-Repo-Commit for its config.json' : 'the repo has no config.json'}.`,
      'Check that the endpoint is a Hugging Face Hub (or a mirror of it).');
  }
  const siblings: Sibling[] = [{ path: 'config.json', size: config.size }];
  const add = async (file: string): Promise<boolean> => {
    const h = await head(ctx, hub, commit, file);
    if (h) siblings.push({ path: file, size: h.size });
    return h !== null;
  };
  for (const f of ['tokenizer.json', ...OPTIONAL_FILES]) await add(f);
  for (const f of onnxFile ? [onnxFile.replace(/^\.?\//, '')] : ONNX_CANDIDATES) {
    if (!(await add(f))) continue;
    if (!(await add(`${f}_data`))) await add(`${f}.data`);
    if (!allOnnx) break;
  }
  return { commit, siblings };
}
