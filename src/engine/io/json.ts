// The engine's one JSON file reader: a file that is missing, unreadable, not JSON or not an object becomes an
// EngineError that names the file and the next step.
import * as fs from 'node:fs';
import { EngineError, type EngineErrorCode, type ErrorFix } from '../errors';

export interface JsonReadOptions {
  /** The error code (default 'model-files'). */
  code?: EngineErrorCode;
  /** The next step when the file does not exist (default: make the model folder complete). */
  missing?: string;
  /** The next step when the file is damaged (default: re-download or regenerate the model folder). */
  repair?: string;
  /** The input to change when the file does not exist (e.g. 'model' when the folder may be the wrong one). */
  fix?: ErrorFix;
}

const MISSING = 'Check that the model folder is complete: download or export it again.';
const REPAIR = 'The file is damaged or incomplete: re-download or regenerate the model folder.';

/** Reads a JSON object (a leading byte-order mark is allowed). `what` names the file in messages, e.g. "config.json". */
export function readJsonObject(file: string, what: string, opts: JsonReadOptions = {}): Record<string, unknown> {
  return readJson(file, what, opts, false)!;
}

/** Like readJsonObject, but null when the file does not exist (optional files such as 1_Pooling/config.json). */
export function readOptionalJsonObject(file: string, what: string, opts: JsonReadOptions = {}): Record<string, unknown> | null {
  return readJson(file, what, opts, true);
}

function readJson(file: string, what: string, opts: JsonReadOptions, optional: boolean): Record<string, unknown> | null {
  const code = opts.code ?? 'model-files';
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const errno = (e as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT') {
      if (optional) return null;
      throw new EngineError(code, `${what} is missing: ${file} does not exist.`, opts.missing ?? MISSING, opts.fix);
    }
    if (errno === 'EISDIR') throw new EngineError(code, `${what} at ${file} is a folder, not a file.`, opts.repair ?? REPAIR);
    throw new EngineError(code, `Cannot read ${what} at ${file}: ${errno ?? String(e)}.`, 'Check the file\'s permissions.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new EngineError(code, `${what} at ${file} is not valid JSON (${(e as Error).message}).`, opts.repair ?? REPAIR);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EngineError(code, `${what} at ${file} does not hold a JSON object.`, opts.repair ?? REPAIR);
  }
  return value as Record<string, unknown>;
}
