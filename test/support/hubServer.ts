// A stand-in for the Hugging Face Hub on 127.0.0.1: the file API (`/api/models/{repo}/revision/{rev}`), resolve URLs
// (`/{repo}/resolve/{rev}/{path}`) with the Hub's headers, and a SECOND server (another port: another origin) that
// plays the CDN for LFS files. Faults on demand: a connection dropped after N bytes, a file held halfway until the
// test releases it, bytes that do not match the etag. Every request is logged (with whether it carried a token).
// Both servers listen on 127.0.0.1 only and close themselves after `lifetimeMs` if a test forgets to stop them.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

export interface FakeRepo {
  /** `org/name` */
  id: string;
  files: Record<string, Buffer>;
  /** Branch/tag → commit; default `{ main: <sha1 of the id> }`. Commits not listed here resolve too. */
  refs?: Record<string, string>;
  gated?: boolean;
  private?: boolean;
}

export interface LoggedRequest {
  server: 'hub' | 'cdn';
  method: string;
  path: string;
  range?: string;
  /** The Authorization header as received. */
  auth?: string;
}

export interface Hold {
  /** Bytes sent before the response pauses. */
  after: number;
  /** Resolves when the bytes so far were written; the test then acts (e.g. cancels). */
  reached: Promise<void>;
  /** Lets the response go on. */
  release(): void;
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const gitSha1 = (b: Buffer) => crypto.createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
export const fakeCommit = (seed: string) => crypto.createHash('sha1').update(seed).digest('hex');

/** The files of a model folder (e.g. a generated fixture), skipping `.complete` and safetensors. */
export function filesOf(folder: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  const walk = (d: string, prefix: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), rel);
      else if (e.name !== '.complete' && !e.name.endsWith('.safetensors')) out[rel] = fs.readFileSync(path.join(d, e.name));
    }
  };
  walk(folder, '');
  return out;
}

const isLfs = (p: string, size: number) => /\.(onnx|onnx_data|data|safetensors|bin)$/.test(p) || size > 10 << 20;

export class HubServer {
  readonly repos = new Map<string, FakeRepo>();
  /** old id → new id: the Hub answers a relative 307 to the new id. */
  readonly renames = new Map<string, string>();
  readonly log: LoggedRequest[] = [];
  /** Tokens the Hub accepts. */
  readonly tokens = new Set<string>();
  /** Repo path → how many more GETs of it break off after `bytes`. */
  readonly drops = new Map<string, { bytes: number; times: number }>();
  /** Repo path → served with one byte changed (same size). */
  readonly corrupt = new Set<string>();
  /** Answer the file API with a plain 404 (a mirror that serves files only). */
  noApi = false;
  /** Answer every Hub request 503 (an outage). */
  down = false;
  /** Answer the file API without sizes even when asked for `?blobs=true` (older mirrors). */
  plainListing = false;
  /** Repo paths listed by the file API but answered 404 EntryNotFound by resolve. */
  readonly unresolvable = new Set<string>();
  private readonly holds = new Map<string, Hold>();
  private hub!: http.Server;
  private cdn!: http.Server;
  private timer: NodeJS.Timeout | undefined;
  endpoint = '';
  cdnOrigin = '';

  addRepo(r: FakeRepo): FakeRepo {
    this.repos.set(r.id, r);
    return r;
  }

  commitOf(id: string, rev = 'main'): string {
    const r = this.repos.get(id)!;
    return (r.refs ?? { main: fakeCommit(id) })[rev] ?? rev;
  }

  /** Pause the next GET of `file` (on whichever server sends its bytes) after `after` bytes. */
  hold(file: string, after: number): Hold {
    let reached!: () => void, release!: () => void;
    const h: Hold = { after, reached: new Promise((r) => { reached = r; }), release: () => release() };
    const gate = new Promise<void>((r) => { release = r; });
    this.holds.set(file, Object.assign(h, { _reached: reached, _gate: gate }));
    return h;
  }

  async start(lifetimeMs = 5 * 60_000): Promise<this> {
    this.hub = http.createServer((q, s) => this.onHub(q, s));
    this.cdn = http.createServer((q, s) => this.onCdn(q, s));
    for (const srv of [this.hub, this.cdn]) await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    this.endpoint = `http://127.0.0.1:${(this.hub.address() as AddressInfo).port}`;
    this.cdnOrigin = `http://127.0.0.1:${(this.cdn.address() as AddressInfo).port}`;
    this.timer = setTimeout(() => void this.stop(), lifetimeMs);
    this.timer.unref();
    return this;
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    for (const h of this.holds.values()) h.release();
    for (const srv of [this.hub, this.cdn]) {
      if (!srv?.listening) continue;
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  }

  private record(server: 'hub' | 'cdn', q: http.IncomingMessage): void {
    this.log.push({ server, method: q.method ?? 'GET', path: decodeURIComponent((q.url ?? '').split('?')[0]), range: q.headers.range, auth: q.headers.authorization });
  }

  /** null when access is granted, else the error response sent. */
  private deny(q: http.IncomingMessage, s: http.ServerResponse, repo: FakeRepo | undefined): boolean {
    const auth = q.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    if (auth !== undefined && (!token || !this.tokens.has(token))) return this.fail(s, 401, undefined, 'Invalid credentials in Authorization header');
    if (!repo || (repo.private && !token)) return this.fail(s, 401, 'RepositoryNotFound', 'Repository not found');
    if (repo.gated && !token) return this.fail(s, 401, 'GatedRepo', 'Access to this model is restricted');
    if (repo.gated) return this.fail(s, 403, 'GatedRepo', 'Access to this model is restricted and you are not in the authorized list');
    return false;
  }

  private fail(s: http.ServerResponse, status: number, code: string | undefined, message: string): true {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-error-message': message };
    if (code) headers['x-error-code'] = code;
    s.writeHead(status, headers).end(JSON.stringify({ error: message }));
    return true;
  }

  private onHub(q: http.IncomingMessage, s: http.ServerResponse): void {
    this.record('hub', q);
    if (this.down) { this.fail(s, 503, undefined, 'Service unavailable'); return; }
    const url = new URL(q.url ?? '/', this.endpoint);
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
    const res = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const id = decodeURIComponent((api ?? res)?.[1] ?? '');
    const renamed = this.renames.get(id);
    if (renamed) {
      s.writeHead(307, { location: url.pathname.replace(id, renamed) + url.search }).end();
      return;
    }
    if ((!api && !res) || (api && this.noApi)) { this.fail(s, 404, undefined, 'Not found'); return; }
    const repo = this.repos.get(id);
    if (this.deny(q, s, repo)) return;
    const rev = decodeURIComponent((api ?? res)![2]);
    const refs = repo!.refs ?? { main: fakeCommit(id) };
    const commit = refs[rev] ?? (Object.values(refs).includes(rev) ? rev : undefined);
    if (!commit) { this.fail(s, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`); return; }
    if (api) {
      const blobs = url.searchParams.get('blobs') === 'true' && !this.plainListing;
      const siblings = Object.entries(repo!.files).map(([p, b]) => blobs
        ? { rfilename: p, size: b.length, blobId: gitSha1(b), ...(isLfs(p, b.length) ? { lfs: { size: b.length, sha256: sha256(b), pointerSize: 134 } } : {}) }
        : { rfilename: p });
      s.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, modelId: id, sha: commit, siblings }));
      return;
    }
    const file = decodeURIComponent(res![3]);
    const body = repo!.files[file];
    if (!body || this.unresolvable.has(file)) { this.fail(s, 404, 'EntryNotFound', `${file} does not exist on "${rev}"`); return; }
    if (isLfs(file, body.length)) {
      s.writeHead(302, {
        location: `${this.cdnOrigin}/blobs/${sha256(body)}?file=${encodeURIComponent(`${id}/${file}`)}&sig=secret`,
        'x-linked-etag': `"${sha256(body)}"`, 'x-linked-size': String(body.length), 'x-repo-commit': commit, etag: `"${gitSha1(Buffer.from('pointer'))}"`,
      }).end();
      return;
    }
    this.send(q, s, file, body, { etag: `W/"${gitSha1(body)}"`, 'x-repo-commit': commit });
  }

  private onCdn(q: http.IncomingMessage, s: http.ServerResponse): void {
    this.record('cdn', q);
    const url = new URL(q.url ?? '/', this.cdnOrigin);
    const [org, name, ...rest] = (url.searchParams.get('file') ?? '').split('/');
    const id = `${org}/${name}`, file = rest.join('/');
    const body = this.repos.get(id)?.files[file];
    if (!body || url.pathname !== `/blobs/${sha256(body)}`) { s.writeHead(404).end(); return; }
    this.send(q, s, file, body, { etag: `"${sha256(body)}"` });
  }

  /** Serve `body` with Range support and the faults set for `file`. */
  private send(q: http.IncomingMessage, s: http.ServerResponse, file: string, original: Buffer, headers: Record<string, string>): void {
    let body = original;
    if (this.corrupt.has(file)) { body = Buffer.from(original); body[body.length >> 1] ^= 0xff; }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(q.headers.range ?? '');
    if (m) {
      start = Number(m[1]);
      if (start >= body.length) { s.writeHead(416, { 'content-range': `bytes */${body.length}` }).end(); return; }
    }
    const status = m ? 206 : 200;
    const h: Record<string, string> = { ...headers, 'content-length': String(body.length - start), 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' };
    if (m) h['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    s.writeHead(status, h);
    if (q.method === 'HEAD') { s.end(); return; }
    const drop = this.drops.get(file);
    if (drop && drop.times > 0) {
      drop.times--;
      s.write(body.subarray(start, Math.min(body.length, start + drop.bytes)), () => s.socket?.end());
      return;
    }
    const hold = this.holds.get(file) as (Hold & { _reached: () => void; _gate: Promise<void> }) | undefined;
    if (hold && start < hold.after) {
      this.holds.delete(file);
      s.write(body.subarray(start, hold.after), () => {
        hold._reached();
        void hold._gate.then(() => { if (!s.destroyed) s.end(body.subarray(hold.after)); });
      });
      return;
    }
    s.end(body.subarray(start));
  }
}
