// An experiment result as plain JSON: typed arrays become number lists, non-finite numbers (a baseline that could not
// be computed) become null. The CLI's --json and the extension's JSON export both write this, so the two agree.
import type { ExperimentResult } from '../shared/experiments';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function plain(v: unknown): Json {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>, (x) => (Number.isFinite(x) ? x : null));
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object') {
    const out: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = plain(x);
    return out;
  }
  return null;
}

/** The result as a plain object (JSON.stringify of it is the --json output). */
export function resultToJson(r: ExperimentResult): Record<string, Json> {
  return plain(r) as Record<string, Json>;
}

/** The --json text: one object on one line. */
export function resultJsonText(r: ExperimentResult): string {
  return `${JSON.stringify(resultToJson(r))}\n`;
}
