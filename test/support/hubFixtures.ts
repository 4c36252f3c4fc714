// Shared set-up of the Hub tests: a HubServer serving the generated tiny BERT under several repo ids, temp caches,
// and small helpers to read the cache.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureFixtureModel } from '../../scripts/gen-model';
import { fakeCommit, filesOf, HubServer } from './hubServer';

export const REPO = 'test-org/tiny-bert';
export const GOOD_TOKEN = 'hf_good_secret_token';
export const V1 = fakeCommit('v1 of tiny-bert');

export interface HubWorld {
  server: HubServer;
  model: string;
  files: Record<string, Buffer>;
}

/** Start a server with: the tiny BERT (public, with a tag v1 and an older commit), private, gated, no ONNX, no
 * tokenizer, external data + quantised variants, and a renamed id. */
export async function hubWorld(): Promise<HubWorld> {
  const model = await ensureFixtureModel('bert-tiny-stock');
  const files = filesOf(model);
  const server = await new HubServer().start();
  server.tokens.add(GOOD_TOKEN);
  server.addRepo({ id: REPO, files, refs: { main: fakeCommit(REPO), v1: V1 } });
  server.addRepo({ id: 'test-org/private-bert', files, private: true });
  server.addRepo({ id: 'test-org/gated-bert', files, gated: true });
  const { 'onnx/model.onnx': onnx, ...noOnnx } = files;
  server.addRepo({ id: 'test-org/no-onnx', files: noOnnx });
  const { 'tokenizer.json': _tok, ...noTok } = files;
  server.addRepo({ id: 'test-org/no-tokenizer', files: noTok });
  server.addRepo({
    id: 'test-org/variants',
    files: { ...noOnnx, 'special_tokens_map.json': Buffer.alloc(0), 'onnx/model.onnx': Buffer.from('graph'), 'onnx/model.onnx_data': crypto.randomBytes(3000), 'onnx/model_quantized.onnx': onnx },
  });
  server.renames.set('old-org/tiny-bert', REPO);
  return { server, model, files };
}

const made: string[] = [];

/** A fresh temp folder (a cache, an HF_HOME); removeTempCaches() deletes every one made. */
export function tempCache(tag: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cls-lens-hub-${tag}-`));
  made.push(dir);
  return dir;
}

export function removeTempCaches(): void {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

export const repoDir = (cache: string, repo = REPO) => path.join(cache, `models--${repo.replace('/', '--')}`);
export const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
export const gitSha1 = (b: Buffer) => crypto.createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

/** Files under a folder, recursively, as relative paths (links not followed). */
export function listTree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map(String).sort();
}

/** Wait for a condition, checking every 10 ms (no deadline here: the test runner's timeout ends a stuck test). */
export async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}
