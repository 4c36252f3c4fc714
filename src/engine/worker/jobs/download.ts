import { downloadModel } from '../../models/hub';
import type { HubProgress } from '../../models/hub/types';
import type { JobProgress } from '../protocol';
import type { JobHandler } from './context';

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;

/** A Hub download's progress as a job progress event: bytes of the whole model, the file in the message. */
export function downloadProgress(p: HubProgress): JobProgress {
  const what = p.file ? ` ${p.file}` : '';
  const message = p.phase === 'downloading' ? `Downloading${what} (${mb(p.bytes)} of ${mb(p.total)})…`
    : p.phase === 'listing' ? 'Listing the repo’s files…'
    : p.phase === 'checking' || p.phase === 'verifying' ? `Checking${what}…`
    : p.phase === 'linking' ? 'Linking the snapshot…' : 'Downloaded.';
  return { phase: 'download', bytes: p.bytes, done: p.bytes, total: p.total, message };
}

/**
 * Download a Hub model into the cache (or find it there offline); the result names the snapshot folder, commit and
 * files. Unset args fall back to the engine's options (endpoint, token, offline, cacheDir), then to HF_* variables.
 */
export const download: JobHandler<'download'> = async (args, ctx) => {
  const base = ctx.engine.options;
  return downloadModel(args.ref, {
    onnxFile: args.onnxFile,
    endpoint: args.endpoint ?? base.hub?.endpoint,
    token: args.token ?? base.hub?.token,
    offline: args.offline ?? base.hub?.offline,
    cacheDir: args.cacheDir ?? base.cacheDir,
    signal: ctx.signal,
    onProgress: (p) => ctx.progress(downloadProgress(p)),
  });
};
