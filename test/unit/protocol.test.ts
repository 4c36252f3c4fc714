import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHostMessage, isMatrixRequest, isWebviewMessage, MATRIX_KINDS, PROTOCOL_VERSION, type MatrixKind, type Snapshot } from '../../src/shared/protocol';
import * as sharedTypes from '../../src/shared/types';

const snap: Snapshot = {
  surface: 'panel', status: 'done', seq: 3, message: null, progress: null, inspection: null, compare: null, model: 'bert-mini',
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

test('matrixFailed: a valid request and a reason', () => {
  const request = { kind: 'rollout', runId: 1, layer: 0 };
  assert.ok(isHostMessage({ type: 'matrixFailed', version: PROTOCOL_VERSION, request, error: 'gone' }));
  assert.ok(!isHostMessage({ type: 'matrixFailed', version: PROTOCOL_VERSION, request }), 'a reason is required');
  assert.ok(!isHostMessage({ type: 'matrixFailed', version: PROTOCOL_VERSION, request: { ...request, kind: 'x' }, error: 'gone' }));
});

test('analysis on request: requestAnalysis names a run; analysisFailed a run and a reason; the summary in a snapshot is checked', () => {
  assert.ok(isWebviewMessage({ type: 'requestAnalysis', runId: 3 }));
  assert.ok(!isWebviewMessage({ type: 'requestAnalysis', runId: -1 }));
  assert.ok(!isWebviewMessage({ type: 'requestAnalysis', runId: '3' }));
  assert.ok(!isWebviewMessage({ type: 'requestAnalysis' }));
  assert.ok(isHostMessage({ type: 'analysisFailed', version: PROTOCOL_VERSION, runId: 3, error: 'gone' }));
  assert.ok(!isHostMessage({ type: 'analysisFailed', version: PROTOCOL_VERSION, runId: 3 }), 'a reason is required');
  const t = (dims: number[]) => ({ data: new Float32Array(dims.reduce((a, b) => a * b, 1)), dims });
  const inspection = {
    runId: 3, model: {}, text: 'a', tokens: [], layerIds: [0, 1], vectors: {}, poolingCos: t([2, 1, 1]), clsMean: new Float32Array(2), clsToken: t([2, 2]),
    attention: { clsRow: t([1, 2, 2]), summary: null },
  };
  const withInspection = (i: unknown) => isHostMessage({ type: 'snapshot', version: PROTOCOL_VERSION, snapshot: { ...snap, inspection: i } });
  assert.ok(withInspection(inspection), 'the [CLS] rows alone (summary not asked for yet)');
  const summary = { rolloutClsRow: t([1, 2]), toCls: t([1, 2]), toSep: t([1, 2]), toPunct: t([1, 2]), toSelf: t([1, 2]), entropy: t([1, 2]) };
  assert.ok(withInspection({ ...inspection, attention: { ...inspection.attention, summary } }));
  assert.ok(!withInspection({ ...inspection, attention: { ...inspection.attention, summary: { ...summary, entropy: undefined } } }), 'a summary is whole');
  assert.ok(!withInspection({ ...inspection, attention: { clsRow: t([1, 2, 2]) } }), 'summary is null or a summary, never missing');
});

test('webview messages: ready and known commands only', () => {
  assert.ok(isWebviewMessage({ type: 'ready', surface: 'side' }));
  assert.ok(!isWebviewMessage({ type: 'ready', surface: 'elsewhere' }));
  assert.ok(isWebviewMessage({ type: 'runCommand', command: 'clsLens.openInspector' }));
  assert.ok(!isWebviewMessage({ type: 'runCommand', command: 'workbench.action.quit' }), 'a webview cannot run arbitrary commands');
});

test('setOptions: a patch of known fields with valid values only', () => {
  const ok = (options: unknown) => isWebviewMessage({ type: 'setOptions', options });
  assert.ok(ok({ layer: 2 }));
  assert.ok(ok({ head: -1, measure: 'rollout', pooling: 'meanSqrtLen', followSelection: true, decorations: false }));
  assert.ok(ok({}), 'an empty patch changes nothing and is harmless');
  assert.ok(!ok(null));
  assert.ok(!ok('layer=2'));
  assert.ok(!ok({ layer: 1.5 }), 'layer is an index');
  assert.ok(!ok({ measure: 'loudness' }));
  assert.ok(!ok({ pooling: 'median' }));
  assert.ok(!ok({ decorations: 'yes' }));
  assert.ok(!ok({ layer: 1, extra: true }), 'unknown keys would end up in the store');
  assert.ok(!isWebviewMessage({ type: 'setOptions' }));
});

test('savePng: a name and a base64 PNG data URL only', () => {
  const ok = (name: unknown, dataUrl: unknown) => isWebviewMessage({ type: 'savePng', name, dataUrl });
  assert.ok(ok('hm-attn.png', 'data:image/png;base64,iVBORw0KGgo='));
  assert.ok(ok('', 'data:image/png;base64,iVBORw0KGgo'), 'the host names an unnamed export itself');
  assert.ok(!ok('a.png', 'data:image/jpeg;base64,/9j/4AAQ'), 'not a PNG');
  assert.ok(!ok('a.png', 'data:image/svg+xml;base64,PHN2Zz4='), 'not a PNG');
  assert.ok(!ok('a.png', 'data:image/png;base64,'), 'no data');
  assert.ok(!ok('a.png', 'data:image/png;base64,iVBO RW0K'), 'not base64');
  assert.ok(!ok('a.png', 'https://example.invalid/a.png'));
  assert.ok(!ok(7, 'data:image/png;base64,iVBORw0KGgo='));
  assert.ok(!ok('a.png', undefined));
});

test('requestSnapshot is a webview message; unknown types are not', () => {
  assert.ok(isWebviewMessage({ type: 'requestSnapshot' }));
  assert.ok(!isWebviewMessage({ type: 'requestEverything' }));
});

const head = { version: PROTOCOL_VERSION, seq: 4, runId: 2 };
const OPTIONS = snap.options;

test('options messages carry whole, valid ViewOptions with seq and runId', () => {
  assert.ok(isHostMessage({ type: 'options', ...head, options: OPTIONS }));
  assert.ok(isHostMessage({ type: 'options', ...head, runId: -1, options: { ...OPTIONS, layer: 3 } }));
  assert.ok(!isHostMessage({ type: 'options', ...head, options: { layer: 3 } }), 'a partial options object is not an options message');
  assert.ok(!isHostMessage({ type: 'options', ...head, options: { ...OPTIONS, measure: 'nope' } }));
  assert.ok(!isHostMessage({ type: 'options', ...head, seq: undefined, options: OPTIONS }), 'seq is required');
  assert.ok(!isHostMessage({ type: 'options', ...head, runId: '2', options: OPTIONS }), 'runId is required');
  assert.ok(!isHostMessage({ type: 'options', ...head, version: 1, options: OPTIONS }), 'the previous protocol version');
});

test('status messages: status, progress, message, selection, model', () => {
  const status = { type: 'status', ...head, status: 'running', progress: 'Inspecting…', message: null, selection: snap.selection, model: 'bert-mini' };
  assert.ok(isHostMessage(status));
  assert.ok(isHostMessage({ ...status, status: 'error', progress: null, message: 'No model.', selection: null }));
  assert.ok(!isHostMessage({ ...status, status: 'exploded' }));
  assert.ok(!isHostMessage({ ...status, progress: 3 }));
  assert.ok(!isHostMessage({ ...status, message: undefined }), 'every field is present (null when empty)');
  assert.ok(!isHostMessage({ ...status, selection: { text: 'x' } }));
  assert.ok(isHostMessage({ ...status, model: null }), 'null: no model set');
  assert.ok(!isHostMessage({ ...status, model: undefined }), 'the model label is always present');
  assert.ok(!isHostMessage({ ...status, model: 3 }));
});

test('a snapshot carries the model label or null; anything else is rejected', () => {
  assert.ok(isHostMessage({ type: 'snapshot', version: PROTOCOL_VERSION, snapshot: { ...snap, model: null } }));
  const { model: _model, ...without } = snap;
  assert.ok(!isHostMessage({ type: 'snapshot', version: PROTOCOL_VERSION, snapshot: without }));
  assert.ok(!isHostMessage({ type: 'snapshot', version: PROTOCOL_VERSION, snapshot: { ...snap, model: {} } }));
});

test('the welcome buttons name commands the webview may run', () => {
  for (const command of ['clsLens.downloadModel', 'clsLens.chooseModelFolder', 'clsLens.selectModel']) {
    assert.ok(isWebviewMessage({ type: 'runCommand', command }), command);
  }
  assert.ok(!isWebviewMessage({ type: 'runCommand', command: 'clsLens.setHubToken' }), 'the token is never set from a webview');
});

test('compare messages: a compare view with tensors per pooling, or null', () => {
  const compare = { pins: [{ label: '#1', text: 'a' }, { label: '#2', text: 'b' }], layerIds: [0, 1], matrices: { cls: { data: new Float32Array(8), dims: [2, 2, 2] } } };
  assert.ok(isHostMessage({ type: 'compare', ...head, compare }));
  assert.ok(isHostMessage({ type: 'compare', ...head, compare: null }));
  assert.ok(!isHostMessage({ type: 'compare', ...head, compare: { ...compare, matrices: { cls: { data: new Float32Array(7), dims: [2, 2, 2] } } } }), 'data length must match dims');
  assert.ok(!isHostMessage({ type: 'compare', ...head, compare: { ...compare, matrices: { median: { data: new Float32Array(8), dims: [2, 2, 2] } } } }), 'unknown pooling');
  assert.ok(!isHostMessage({ type: 'compare', ...head, compare: { pins: 'a, b' } }));
  assert.ok(!isHostMessage({ type: 'compare', ...head }), 'compare is required (null when none)');
});

test('matrix kinds: one list, the type and the guard follow it', () => {
  const kinds: readonly MatrixKind[] = MATRIX_KINDS;
  assert.deepEqual([...kinds].sort(), ['attention', 'rollout', 'tokenCosine']);
  for (const kind of kinds) assert.ok(isMatrixRequest({ kind, runId: 1, layer: 0 }), kind);
  assert.ok(!isMatrixRequest({ kind: 'hidden', runId: 1, layer: 0 }));
});

test('shared/types.ts is type-only: no runtime exports (POOLINGS lives in poolings.ts)', () => {
  assert.deepEqual(Object.keys(sharedTypes), []);
});
