// Settings resolved as Python's huggingface_hub resolves them (see HubOptions for the precedence).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandHome } from './ref';
import type { HubOptions } from './types';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

const env = (k: string): string | undefined => {
  const v = process.env[k];
  return v !== undefined && v.trim() !== '' ? v.trim() : undefined;
};

/** `$HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`. */
export function hfHome(): string {
  const home = env('HF_HOME');
  if (home) return path.resolve(expandHome(home));
  return path.join(path.resolve(expandHome(env('XDG_CACHE_HOME') ?? path.join(os.homedir(), '.cache'))), 'huggingface');
}

export function hubCacheDir(opts: Pick<HubOptions, 'cacheDir'> = {}): string {
  const dir = opts.cacheDir?.trim() || env('HF_HUB_CACHE') || env('HUGGINGFACE_HUB_CACHE');
  return dir ? path.resolve(expandHome(dir)) : path.join(hfHome(), 'hub');
}

export function hubEndpoint(opts: Pick<HubOptions, 'endpoint'> = {}): string {
  return (opts.endpoint?.trim() || env('HF_ENDPOINT') || DEFAULT_ENDPOINT).replace(/\/+$/, '');
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);

export function hubOffline(opts: Pick<HubOptions, 'offline'> = {}): boolean {
  if (opts.offline !== undefined) return opts.offline;
  return TRUE.has((env('HF_HUB_OFFLINE') ?? env('TRANSFORMERS_OFFLINE') ?? '').toLowerCase());
}

/** Where `huggingface-cli login` keeps the token. */
export function tokenFile(): string {
  const p = env('HF_TOKEN_PATH');
  return p ? path.resolve(expandHome(p)) : path.join(hfHome(), 'token');
}

/** The token to send, or undefined for none. Never logged, never put in a message. */
export function hubToken(opts: Pick<HubOptions, 'token'> = {}): string | undefined {
  if (opts.token === false) return undefined;
  if (typeof opts.token === 'string' && opts.token.trim()) return opts.token.trim();
  const fromEnv = env('HF_TOKEN') ?? env('HUGGING_FACE_HUB_TOKEN');
  if (fromEnv) return fromEnv;
  try {
    const t = fs.readFileSync(tokenFile(), 'utf8').trim();
    return t || undefined;
  } catch {
    return undefined;
  }
}
