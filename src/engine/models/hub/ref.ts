// Model references: a folder, or a Hub repo id with an optional revision (`org/name`, `org/name@rev`).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { HubRef } from './types';

/** `org/name` with Python's repo-id characters, optionally `@revision` (a branch, tag, `refs/pr/N` or a commit). */
const HUB_ID = /^([A-Za-z0-9][\w.-]{0,95})\/([\w.-]{1,96})(?:@([\w./-]{1,200}))?$/;
const COMMIT = /^[0-9a-f]{40}$/;

export function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

/** True for a 40-hex commit hash (a revision that needs no refs/ entry). */
export function isCommitHash(revision: string): boolean {
  return COMMIT.test(revision);
}

/** The repo and revision of a Hub-id-shaped reference, or null when it cannot be one. */
export function parseHubId(ref: string): HubRef | null {
  const s = ref.trim();
  const m = HUB_ID.exec(s);
  if (!m) return null;
  const [, org, name, revision] = m;
  for (const part of [org, name]) {
    if (part.includes('--') || part.includes('..') || /^[.-]|[.-]$/.test(part)) return null;
  }
  if (revision && (revision.includes('..') || revision.startsWith('/') || revision.endsWith('/'))) return null;
  return { repo: `${org}/${name}`, revision: revision ?? 'main' };
}

export type ParsedRef = { kind: 'folder'; folder: string } | { kind: 'hub'; hub: HubRef } | { kind: 'missing'; folder: string };

/**
 * What a model reference names. An existing folder (absolute, `~/…`, or relative to `baseDir`, default the cwd)
 * wins; otherwise a Hub-id-shaped reference is a Hub repo; otherwise it is a folder that does not exist.
 */
export function parseModelRef(ref: string, baseDir?: string): ParsedRef {
  const trimmed = ref.trim();
  const folder = path.resolve(baseDir ?? process.cwd(), expandHome(trimmed));
  if (fs.existsSync(folder)) return { kind: 'folder', folder };
  const hub = trimmed.startsWith('.') || path.isAbsolute(trimmed) ? null : parseHubId(trimmed);
  return hub ? { kind: 'hub', hub } : { kind: 'missing', folder };
}

/** `models--org--name`: the repo's folder name in the cache. */
export function repoFolderName(repo: string): string {
  return `models--${repo.split('/').join('--')}`;
}

/** The repo id of a `models--org--name` folder name, or null for other entries. */
export function repoFromFolderName(name: string): string | null {
  if (!name.startsWith('models--')) return null;
  const parts = name.slice('models--'.length).split('--');
  return parts.length >= 2 && parts.every((p) => p.length > 0) ? parts.join('/') : null;
}
