// Which host messages carry one store change (pure: no vscode, unit-tested). The inspection travels only inside a
// full snapshot; every other part travels alone, whole, in the smallest message that holds it.
import { PROTOCOL_VERSION, type PartUpdateMessage } from '../../shared/protocol';
import type { LensState, StateKey, StoreChange } from '../stateChange';

const STATUS_KEYS: readonly StateKey[] = ['status', 'progress', 'message', 'selection'];

/**
 * The small messages for `change` (in a fixed order: status, options, compare; all with the change's seq), or null
 * when only a snapshot carries it (the inspection changed).
 */
export function partMessages(change: StoreChange, state: Readonly<LensState>): PartUpdateMessage[] | null {
  if (change.keys.has('inspection')) return null;
  const head = { version: PROTOCOL_VERSION as typeof PROTOCOL_VERSION, seq: change.seq, runId: state.inspection?.runId ?? -1 };
  const out: PartUpdateMessage[] = [];
  if (STATUS_KEYS.some((k) => change.keys.has(k))) {
    out.push({ type: 'status', ...head, status: state.status, progress: state.progress, message: state.message, selection: state.selection });
  }
  if (change.keys.has('options')) out.push({ type: 'options', ...head, options: state.options });
  if (change.keys.has('compare')) out.push({ type: 'compare', ...head, compare: state.compare });
  return out;
}
