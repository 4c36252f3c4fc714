// The store's state and what one update changed (pure: no vscode, unit-tested). Surfaces post the smallest
// messages that carry the changed keys (views/messages.ts).
import type { ErrorFix } from '../engine/errors';
import type { CompareView, InspectionView, RunStatus, SelectionInfo, ViewOptions } from '../shared/protocol';

/** The state every surface renders. One owner (LensStore); surfaces read snapshots of it. */
export interface LensState {
  status: RunStatus;
  selection: SelectionInfo | null;
  message: string | null;
  /** With status 'error': the input to change (EngineError.fix); sent to the webviews only then. */
  fix: ErrorFix | null;
  progress: string | null;
  inspection: InspectionView | null;
  compare: CompareView | null;
  options: ViewOptions;
  /** The model setting's short label; null when no model is set (or Restricted Mode blocks it): the side view welcomes. */
  model: string | null;
}

export type StateKey = keyof LensState;

/** One store change: the keys whose value changed, and the store's seq after it. */
export interface StoreChange {
  readonly keys: ReadonlySet<StateKey>;
  readonly seq: number;
}

/** Options are replaced whole by callers: equal fields mean no change. */
function sameOptions(a: ViewOptions, b: ViewOptions): boolean {
  const ka = Object.keys(a) as (keyof ViewOptions)[];
  return ka.length === Object.keys(b).length && ka.every((k) => Object.is(a[k], b[k]));
}

/** The keys of `patch` whose value differs from `prev` (by identity; options field by field). */
export function changedKeys(prev: Readonly<LensState>, patch: Partial<LensState>): Set<StateKey> {
  const keys = new Set<StateKey>();
  for (const k of Object.keys(patch) as StateKey[]) {
    const next = patch[k];
    if (next === undefined) continue;
    const same = k === 'options' ? sameOptions(prev.options, next as ViewOptions) : Object.is(prev[k], next);
    if (!same) keys.add(k);
  }
  return keys;
}

/**
 * `prev` with the fields of `patch` that changedKeys counts (undefined entries dropped: `{ message: undefined }` changes
 * nothing, as in changedKeys, rather than leaving a field the snapshot guards reject).
 */
export function applyPatch(prev: Readonly<LensState>, patch: Partial<LensState>): LensState {
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<LensState>;
  return { ...prev, ...defined };
}
