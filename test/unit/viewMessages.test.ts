import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHostMessage, type InspectionView } from '../../src/shared/protocol';
import { applyPatch, changedKeys, type LensState, type StateKey } from '../../src/extension/stateChange';
import { optionsEcho, partMessages } from '../../src/extension/views/messages';

const state: LensState = {
  status: 'done', progress: null, message: null, fix: null, compare: null, model: 'bert-mini',
  selection: { text: 'hi', uri: 'file:///a', document: 'a', line: 0, character: 0, offset: 0 },
  inspection: { runId: 5 } as InspectionView,
  options: { layer: 1, head: -1, measure: 'clsAttention', pooling: 'cls', followSelection: false, decorations: true },
};
const change = (seq: number, ...keys: StateKey[]) => ({ seq, keys: new Set(keys) });

test('an options change is one options message with the seq and the run', () => {
  const msgs = partMessages(change(9, 'options'), state);
  assert.deepEqual(msgs?.map((m) => [m.type, m.seq, m.runId]), [['options', 9, 5]]);
  assert.ok(msgs!.every(isHostMessage));
  assert.equal(msgs![0].type === 'options' && msgs![0].options, state.options);
});

test('status, progress, message and selection changes travel together in one status message, never the inspection', () => {
  const msgs = partMessages(change(3, 'status', 'progress'), { ...state, status: 'running', progress: 'Inspecting…' });
  assert.equal(msgs?.length, 1);
  const m = msgs![0];
  assert.ok(m.type === 'status' && m.status === 'running' && m.progress === 'Inspecting…' && m.selection === state.selection);
  assert.ok(!('inspection' in m));
  assert.deepEqual(partMessages(change(4, 'selection'), state)?.map((x) => x.type), ['status']);
  const m2 = partMessages(change(5, 'model'), { ...state, model: null });
  assert.deepEqual(m2?.map((x) => x.type), ['status'], 'the model label (welcome or not) travels in the status message');
  assert.ok(m2![0].type === 'status' && m2![0].model === null);
});

test('several parts: one message each, same seq; no inspection: runId -1', () => {
  const msgs = partMessages(change(7, 'compare', 'options', 'message'), { ...state, inspection: null });
  assert.deepEqual(msgs?.map((m) => [m.type, m.seq, m.runId]), [['status', 7, -1], ['options', 7, -1], ['compare', 7, -1]]);
});

test('an inspection change needs a snapshot', () => {
  assert.equal(partMessages(change(2, 'inspection'), state), null);
  assert.equal(partMessages(change(2, 'inspection', 'status', 'options'), state), null);
});

test('the store records only keys whose value changed: same objects, equal options and undefined are no change', () => {
  assert.deepEqual([...changedKeys(state, { status: 'done', selection: state.selection, options: { ...state.options } })], []);
  assert.deepEqual([...changedKeys(state, { progress: undefined })], []);
  assert.deepEqual([...changedKeys(state, { status: 'running', options: { ...state.options, head: 2 }, message: null })].sort(), ['options', 'status']);
  assert.deepEqual([...changedKeys(state, { inspection: { runId: 5 } as InspectionView })], ['inspection'], 'a new inspection object is a new run');
  assert.deepEqual([...changedKeys(state, { selection: { ...state.selection! } })], ['selection'], 'compared by identity');
});

test('a setOptions the store did not take (clamped back to the current options) is answered with the current options', () => {
  const echo = optionsEcho(7, state, 7);
  assert.ok(echo && isHostMessage(echo));
  assert.deepEqual([echo.type, echo.seq, echo.runId], ['options', 7, 5]);
  assert.equal(echo.type === 'options' && echo.options, state.options);
  assert.equal(optionsEcho(7, state, 8), null, 'a change that went through is posted to every surface already');
  assert.equal(optionsEcho(0, { ...state, inspection: null }, 0)?.runId, -1);
});

test('undefined entries of a patch change nothing: not counted, and not written into the state', () => {
  const patch = { status: 'running', message: undefined, options: undefined, inspection: undefined } as Partial<LensState>;
  assert.deepEqual([...changedKeys(state, patch)], ['status']);
  const next = applyPatch(state, patch);
  assert.equal(next.status, 'running');
  assert.equal(next.options, state.options);
  assert.equal(next.inspection, state.inspection);
  assert.equal(next.message, null);
  const shown = applyPatch({ ...state, inspection: null }, patch);
  assert.ok(isHostMessage({ type: 'snapshot', version: 2, snapshot: { surface: 'panel', seq: 1, ...shown, fix: undefined } }), 'the snapshot guard still passes');
});

test('the status message carries the fix (EngineError.fix) with status error only', () => {
  const err = partMessages(change(3, 'status', 'message', 'fix'), { ...state, status: 'error', message: 'gone', fix: 'model' });
  assert.ok(err?.[0].type === 'status' && err[0].fix === 'model' && isHostMessage(err[0]));
  const later = partMessages(change(4, 'status'), { ...state, status: 'running', fix: 'model' });
  assert.ok(later?.[0].type === 'status' && !('fix' in later[0]), 'a stale fix is not sent once the error is gone');
  assert.ok(!isHostMessage({ ...err![0], fix: 'reboot' }), 'the guard knows the fixes');
});
