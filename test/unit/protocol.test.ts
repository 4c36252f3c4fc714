import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHostMessage, isWebviewMessage, PROTOCOL_VERSION, type Snapshot } from '../../src/shared/protocol';

const snap: Snapshot = {
  surface: 'panel', status: 'done', seq: 3, message: null, progress: null, inspection: null, compare: null,
  options: { layer: -1, head: -1, measure: 'clsAttention', pooling: 'cls', followSelection: false, decorations: true },
  selection: { text: 'hi', uri: 'file:///a', document: 'a', line: 0, character: 0, offset: 0 },
};

test('a well-formed snapshot message passes the guard', () => {
  assert.ok(isHostMessage({ type: 'snapshot', version: PROTOCOL_VERSION, snapshot: snap }));
});

test('wrong version, missing fields and non-objects are rejected', () => {
  assert.ok(!isHostMessage({ type: 'snapshot', version: 999, snapshot: snap }));
  assert.ok(!isHostMessage({ type: 'snapshot', version: PROTOCOL_VERSION, snapshot: { ...snap, seq: 'x' } }));
  assert.ok(!isHostMessage(null));
  assert.ok(!isHostMessage('snapshot'));
});

test('matrix messages: data length must match dims', () => {
  const request = { kind: 'attention', runId: 1, layer: 0 };
  assert.ok(isHostMessage({ type: 'matrix', version: PROTOCOL_VERSION, request, data: new Uint8Array(8), scale: 1, dims: [2, 2, 2] }));
  assert.ok(!isHostMessage({ type: 'matrix', version: PROTOCOL_VERSION, request, data: new Uint8Array(7), scale: 1, dims: [2, 2, 2] }));
  assert.ok(!isHostMessage({ type: 'matrix', version: PROTOCOL_VERSION, request, data: [1, 2], scale: 1, dims: [2] }), 'JSON number lists are refused');
});

test('webview messages: ready and known commands only', () => {
  assert.ok(isWebviewMessage({ type: 'ready', surface: 'side' }));
  assert.ok(!isWebviewMessage({ type: 'ready', surface: 'elsewhere' }));
  assert.ok(isWebviewMessage({ type: 'runCommand', command: 'clsLens.openInspector' }));
  assert.ok(!isWebviewMessage({ type: 'runCommand', command: 'workbench.action.quit' }), 'a webview cannot run arbitrary commands');
});
