// The one seam where a model reference becomes a local folder: an existing folder, or a Hub id
// (`org/name[@revision]`) resolved through the Hugging Face cache (./hub), downloading what is missing.
import { EngineError } from '../errors';
import { parseModelRef, resolveHubModel, type ResolveModelOptions } from './hub';

export { expandHome } from './hub/ref';

/** Hub options (endpoint, token, offline, cacheDir, signal, onProgress, onnxFile) and the base for relative folders. */
export type ResolveContext = ResolveModelOptions;

export async function resolveModelRef(ref: string, ctx: ResolveContext = {}): Promise<string> {
  if (!ref.trim()) {
    throw new EngineError('model-not-found', 'No model is configured.', 'Run "CLS Lens: Select Model…" or set clsLens.model to a model folder.');
  }
  const parsed = parseModelRef(ref, ctx.baseDir);
  if (parsed.kind === 'missing') {
    throw new EngineError('model-not-found', `The model folder ${parsed.folder} does not exist.`,
      'Run "CLS Lens: Select Model…" or set clsLens.model to a folder with config.json, tokenizer.json and an ONNX file, or to a Hub id (org/name).');
  }
  return (await resolveHubModel(ref, ctx)).folder;
}
