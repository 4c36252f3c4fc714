// How the extension words engine errors: the engine says which input to change (EngineError.fix), the extension
// names its command and setting for it. No `vscode` import: unit-tested in plain Node.
import { phraseError, type FixPhrases } from '../engine/errors';

export const EXTENSION_FIXES: FixPhrases = {
  model: 'Run "CLS Lens: Select Model…" or set clsLens.model to a Hub id (org/name) or a model folder.',
  onnxFile: 'Check the clsLens.onnxFile setting.',
  text: 'Select some words to inspect.',
};

/** The text the extension shows for an error from the engine (or anything else thrown). */
export function errorText(e: unknown): string {
  return phraseError(e, EXTENSION_FIXES);
}
