import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHostMessage, type InspectionView } from '../../src/shared/protocol';
import { changedKeys, type LensState, type StateKey } from '../../src/extension/stateChange';
import { partMessages } from '../../src/extension/views/messages';

const state: LensState = {
  status: 'done', progress: null, message: null, compare: null,
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
