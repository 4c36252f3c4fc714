// The one seam where a model reference becomes a local folder. Today: a folder path. Next: Hub ids
// (`org/name[@revision]`) downloaded into the Hugging Face cache layout, resolved here without touching the rest.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineError } from '../errors';

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
    throw new EngineError('model-not-found', 'No model is configured.', 'Run "CLS Lens: Select Model…" or set clsLens.model to a model folder.');
  }
  const p = path.resolve(ctx.baseDir ?? process.cwd(), expandHome(trimmed));
  if (fs.existsSync(p)) return p;
  if (HUB_ID.test(trimmed) && !trimmed.startsWith('.')) {
    throw new EngineError('model-not-found',
      `"${trimmed}" looks like a Hugging Face Hub id, and no folder of that name exists; downloading from the Hub is not supported yet.`,
      `Download it (e.g. \`huggingface-cli download ${trimmed.split('@')[0]}\`) and set clsLens.model to the downloaded folder.`);
  }
  throw new EngineError('model-not-found', `The model folder ${p} does not exist.`,
    'Run "CLS Lens: Select Model…" or set clsLens.model to a folder with config.json, tokenizer.json and an ONNX file.');
}
