// HTTP to the Hub with node's http/https: redirects followed by hand so that the token goes to the endpoint's host
// only, Hub error codes turned into EngineErrors that say what to change. The token never enters a message.
import * as http from 'node:http';
import * as https from 'node:https';
import { CancelledError, EngineError } from '../../errors';

export interface HubContext {
  endpoint: string;
  token?: string;
  signal?: AbortSignal;
  /** A socket idle this long counts as a dropped connection (default 30 s). */
  idleTimeoutMs?: number;
}

export interface RequestOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** 'all' (downloads) or 'relative' (metadata: an absolute redirect is the answer, as Python's HEAD does). */
  follow: 'all' | 'relative';
}

export interface HubResponse {
  res: http.IncomingMessage;
  status: number;
  /** The URL that answered (after the redirects followed). */
  url: string;
}

/** What a failed request was about, for the error message. */
export interface RequestSubject {
  repo: string;
  revision?: string;
  file?: string;
}

/** A connection-level failure (refused, reset, timed out, DNS): the Hub could not be reached or the transfer broke. */
export class NetworkError extends Error {
  constructor(readonly url: string, readonly causeCode: string) {
    super(`network error ${causeCode}`);
    this.name = 'NetworkError';
  }
}

const MAX_REDIRECTS = 10;

function origin(u: string): string {
  return new URL(u).origin;
}

/** The URL without query or credentials (signed CDN URLs carry secrets in the query). */
export function safeUrl(u: string): string {
  try {
    const x = new URL(u);
    return `${x.origin}${x.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function once(ctx: HubContext, url: string, opts: RequestOptions, withAuth: boolean): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (ctx.signal?.aborted) { reject(new CancelledError()); return; }
    let u: URL;
    try { u = new URL(url); } catch { reject(new EngineError('hub-network', `Not a valid URL: ${safeUrl(url)}.`, 'Check the Hub endpoint.')); return; }
    const headers: Record<string, string> = { 'user-agent': 'cls-lens; hf_hub-compatible', 'accept-encoding': 'identity', ...opts.headers };
    if (withAuth && ctx.token) headers.authorization = `Bearer ${ctx.token}`;
    const mod = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : null;
    if (!mod) { reject(new EngineError('hub-network', `Unsupported protocol in ${safeUrl(url)}.`, 'Use an http:// or https:// endpoint.')); return; }
    const req = mod.request(u, { method: opts.method ?? 'GET', headers, signal: ctx.signal });
    req.setTimeout(ctx.idleTimeoutMs ?? 30_000, () => req.destroy(Object.assign(new Error('idle timeout'), { code: 'ETIMEDOUT' })));
    req.on('response', (res) => {
      // idle timeout of the body, too
      res.socket?.setTimeout(ctx.idleTimeoutMs ?? 30_000);
      resolve(res);
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (ctx.signal?.aborted || e.name === 'AbortError') reject(new CancelledError());
      else reject(new NetworkError(safeUrl(url), e.code ?? e.message));
    });
    req.end();
  });
}

/**
 * One request, following redirects: `Authorization` is sent only to the endpoint's origin (scheme, host and port),
 * so it is dropped when a redirect leaves it (a CDN) and kept on relative ones.
 */
export async function hubRequest(ctx: HubContext, url: string, opts: RequestOptions): Promise<HubResponse> {
  const home = origin(ctx.endpoint);
  let current = url;
  for (let hop = 0; ; hop++) {
    const res = await once(ctx, current, opts, origin(current) === home);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && location && hop < MAX_REDIRECTS) {
      const relative = !/^[a-z][a-z0-9+.-]*:/i.test(location);
      if (opts.follow === 'all' || relative) {
        res.resume();
        current = new URL(location, current).toString();
        continue;
      }
    }
    return { res, status, url: current };
  }
}

/** Read a response body as JSON (bounded). */
export async function readJson(r: HubResponse, limit = 64 << 20): Promise<unknown> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of r.res as AsyncIterable<Buffer>) {
      n += c.length;
      if (n > limit) throw new EngineError('hub-network', `The answer from ${safeUrl(r.url)} is larger than ${limit} bytes.`, 'Check the Hub endpoint.');
      chunks.push(c);
    }
  } catch (e) {
    if (e instanceof EngineError) throw e;
    throw new NetworkError(safeUrl(r.url), (e as NodeJS.ErrnoException).code ?? 'aborted');
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new EngineError('hub-network', `${safeUrl(r.url)} did not answer with JSON.`, 'Check that the endpoint is a Hugging Face Hub (or a mirror of its API).');
  }
}

export function header(res: http.IncomingMessage, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The EngineError for a Hub answer of 4xx/5xx: which repo, revision or file, and what to change. `ctx.endpoint` names
 * the page of a gated model.
 */
export function statusError(ctx: HubContext, r: HubResponse, what: RequestSubject): EngineError {
  r.res.resume();
  const code = header(r.res, 'x-error-code');
  const { repo, revision, file } = what;
  const page = `${ctx.endpoint}/${repo}`;
  const hasToken = Boolean(ctx.token);
  const fromEndpoint = (() => { try { return new URL(r.url).origin === new URL(ctx.endpoint).origin; } catch { return false; } })();
  if (code === 'GatedRepo' || (r.status === 403 && fromEndpoint)) {
    return new EngineError('hub-gated', `${repo} is a gated model: its files are shared only with accounts that accepted its terms.`,
      hasToken ? `Accept its terms on ${page} with the account of your token, then try again.` : `Accept its terms on ${page}, then set a token of that account.`);
  }
  if (code === 'RepositoryNotFound') {
    return new EngineError('hub-repo-not-found', `No such repo on the Hub: ${repo} (or it is private${hasToken ? ' and your token has no access to it' : ''}).`,
      hasToken ? 'Check the id, or use a token with access to the repo.' : 'Check the id; if it is private, set a token.', 'model');
  }
  if (code === 'RevisionNotFound') {
    return new EngineError('hub-revision-not-found', `${repo} has no revision "${revision ?? 'main'}".`, 'Check the branch, tag or commit after "@" (or leave it out for main).', 'model');
  }
  if (code === 'EntryNotFound' || (r.status === 404 && file)) {
    return new EngineError('hub-file-not-found', `${repo}@${revision ?? 'main'} has no file ${file ?? '(unknown)'}.`, 'Check the file name against the repo’s files.');
  }
  if (r.status === 401) {
    return hasToken
      ? new EngineError('hub-token-rejected', `The Hub rejected the token (401) for ${repo}.`, 'Set a valid token (a new one from huggingface.co/settings/tokens), or none for public models.')
      : new EngineError('hub-repo-not-found', `The Hub asks for a token to access ${repo} (401).`, 'Check the id; if it is private, set a token.');
  }
  if (r.status === 404) {
    return new EngineError('hub-repo-not-found', `No such repo on the Hub: ${repo} (404).`, 'Check the id; if it is private, set a token.');
  }
  if (r.status === 429) {
    return new EngineError('hub-network', `The Hub is rate-limiting requests (429) for ${repo}.`, 'Wait a minute and try again, or set a token (signed-in users get higher limits).');
  }
  return new EngineError('hub-network', `The Hub answered ${r.status} for ${safeUrl(r.url)}.`, 'Try again later, or check the Hub endpoint.');
}

/** Strip `W/` and quotes from an ETag. */
export function normalizeEtag(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const s = raw.trim().replace(/^W\//i, '').replace(/^"(.*)"$/, '$1').trim();
  return s || undefined;
}

/** `{endpoint}/{repo}/resolve/{revision}/{path}` with the revision and each path segment URL-encoded. */
export function resolveUrl(endpoint: string, repo: string, revision: string, file: string): string {
  return `${endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

export function infoUrl(endpoint: string, repo: string, revision: string): string {
  return `${endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}?blobs=true`;
}
