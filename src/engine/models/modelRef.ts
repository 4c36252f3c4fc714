// The one seam where a model reference becomes a local folder. Today: a folder path. Next: Hub ids
// (`org/name[@revision]`) downloaded into the Hugging Face cache layout, resolved here without touching the rest.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineError } from '../errors';
import { MODEL_FOLDER_HINT } from './modelFolder';

export interface ResolveContext {
  cacheDir?: string;
  /** Base for relative folder paths (the workspace folder in VS Code, the cwd in the CLI). */
  baseDir?: string;
}

const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+(?:@[\w./-]+)?$/;

export function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

export async function resolveModelRef(ref: string, ctx: ResolveContext = {}): Promise<string> {
  const trimmed = ref.trim();
  if (!trimmed) {
    throw new EngineError('model-not-found', 'No model is configured.', undefined, 'model');
  }
  const p = path.resolve(ctx.baseDir ?? process.cwd(), expandHome(trimmed));
  if (fs.existsSync(p)) return p;
  if (HUB_ID.test(trimmed) && !trimmed.startsWith('.')) {
    throw new EngineError('model-not-found',
      `"${trimmed}" looks like a Hugging Face Hub id, and no folder of that name exists; downloading from the Hub is not supported yet.`,
      `Download it first (e.g. \`huggingface-cli download ${trimmed.split('@')[0]}\`), then use the downloaded folder.`, 'model');
  }
  throw new EngineError('model-not-found', `The model folder ${p} does not exist.`, MODEL_FOLDER_HINT, 'model');
}
