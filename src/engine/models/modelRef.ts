// The one seam where a model reference becomes a local folder: an existing folder, or a Hub id
// (`org/name[@revision]`) resolved through the Hugging Face cache (./hub), downloading what is missing.
import { EngineError } from '../errors';
import { parseModelRef, resolveHubModel, type ResolveModelOptions } from './hub';
import { MODEL_FOLDER_HINT } from './modelFolder';

export { expandHome } from './hub/ref';

/** Hub options (endpoint, token, offline, cacheDir, signal, onProgress, onnxFile) and the base for relative folders. */
export type ResolveContext = ResolveModelOptions;

export async function resolveModelRef(ref: string, ctx: ResolveContext = {}): Promise<string> {
  if (!ref.trim()) throw new EngineError('model-not-found', 'No model is configured.', undefined, 'model');
  const parsed = parseModelRef(ref, ctx.baseDir);
  if (parsed.kind === 'missing') {
    throw new EngineError('model-not-found', `The model folder ${parsed.folder} does not exist.`,
      `${MODEL_FOLDER_HINT} A model can also be a Hugging Face Hub id (org/name[@revision]).`, 'model');
  }
  return (await resolveHubModel(ref, ctx)).folder;
}
