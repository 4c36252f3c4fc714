// Which host messages carry one store change (pure: no vscode, unit-tested). The inspection travels only inside a
// full snapshot; every other part travels alone, whole, in the smallest message that holds it.
import { PROTOCOL_VERSION, type OptionsMessage, type PartUpdateMessage } from '../../shared/protocol';
import type { ErrorFix } from '../../engine/errors';
import type { LensState, StateKey, StoreChange } from '../stateChange';

const STATUS_KEYS: readonly StateKey[] = ['status', 'progress', 'message', 'selection', 'fix', 'model'];

/** The `fix` field of a snapshot or status message: present only with status 'error'. */
export function errorFix(state: Pick<LensState, 'status' | 'fix'>): { fix?: ErrorFix } {
  return state.status === 'error' && state.fix ? { fix: state.fix } : {};
}

/**
 * The small messages for `change` (in a fixed order: status, options, compare; all with the change's seq), or null
 * when only a snapshot carries it (the inspection changed).
 */
export function partMessages(change: StoreChange, state: Readonly<LensState>): PartUpdateMessage[] | null {
  if (change.keys.has('inspection')) return null;
  const head = { version: PROTOCOL_VERSION as typeof PROTOCOL_VERSION, seq: change.seq, runId: state.inspection?.runId ?? -1 };
  const out: PartUpdateMessage[] = [];
  if (STATUS_KEYS.some((k) => change.keys.has(k))) {
    out.push({ type: 'status', ...head, status: state.status, progress: state.progress, message: state.message, selection: state.selection, model: state.model, ...errorFix(state) });
  }
  if (change.keys.has('options')) out.push({ type: 'options', ...head, options: state.options });
  if (change.keys.has('compare')) out.push({ type: 'compare', ...head, compare: state.compare });
  return out;
}

/**
 * The answer to one webview's setOptions when the store did not move (seq the same before and after: the host
 * clamped the patch back to the current options, or refused it): the current options, so that the webview drops its
 * optimistic override. Null when the store changed (that change's own options message answers every webview).
 */
export function optionsEcho(seqBefore: number, state: Readonly<LensState>, seqAfter: number): OptionsMessage | null {
  if (seqAfter !== seqBefore) return null;
  return { type: 'options', version: PROTOCOL_VERSION, seq: seqAfter, runId: state.inspection?.runId ?? -1, options: state.options };
}
