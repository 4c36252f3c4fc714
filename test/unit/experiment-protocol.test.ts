// The results panel's messages: the guards accept what the host and the view send and refuse the rest; typed arrays
// survive structured cloning (as postMessage clones) inside a result.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXPERIMENT_PROTOCOL_VERSION as V, isExperimentHostMessage, isExperimentWebviewMessage } from '../../src/shared/experimentProtocol';
import { experimentProgress } from '../../src/engine/worker/jobs/experiment';

const result = {
  kind: 'map', version: 1, model: { name: 'm' }, data: { file: 'builtin:sentences' }, partial: true, notes: [], layers: [0],
  labels: ['a'], labelOf: new Uint16Array([0, 0]), texts: ['x', 'y'], maps: [{ layer: 0, pooling: 'cls', xy: new Float32Array([1, 2, 3, 4]) }],
};

test('host messages: status and result, versioned', () => {
  assert.ok(isExperimentHostMessage({ type: 'status', version: V, status: { state: 'running', message: 'training (1/4)', offerFolds: null } }));
  assert.ok(isExperimentHostMessage({ type: 'status', version: V, status: { state: 'error', message: 'x', offerFolds: 3 } }));
  assert.ok(isExperimentHostMessage({ type: 'result', version: V, seq: 2, result }));
  const cloned = structuredClone({ type: 'result', version: V, seq: 2, result });
  assert.ok(isExperimentHostMessage(cloned));
  assert.ok(cloned.result.maps[0].xy instanceof Float32Array, 'typed arrays cross as typed arrays');
  assert.ok(!isExperimentHostMessage({ type: 'status', version: V + 1, status: { state: 'running', message: null, offerFolds: null } }));
  assert.ok(!isExperimentHostMessage({ type: 'status', version: V, status: { state: 'paused', message: null, offerFolds: null } }));
  assert.ok(!isExperimentHostMessage({ type: 'status', version: V, status: { state: 'error', message: null, offerFolds: 1 } }));
  assert.ok(!isExperimentHostMessage({ type: 'result', version: V, seq: -1, result }));
  assert.ok(!isExperimentHostMessage({ type: 'result', version: V, seq: 1, result: { ...result, kind: 'tsne' } }));
  assert.ok(!isExperimentHostMessage({ type: 'result', version: V, seq: 1, result: { ...result, partial: 'yes' } }));
  assert.ok(!isExperimentHostMessage(null));
});

test('webview messages: ready, export, savePng, openText, rerun', () => {
  assert.ok(isExperimentWebviewMessage({ type: 'ready' }));
  assert.ok(isExperimentWebviewMessage({ type: 'export', format: 'json' }));
  assert.ok(isExperimentWebviewMessage({ type: 'export', format: 'csv' }));
  assert.ok(!isExperimentWebviewMessage({ type: 'export', format: 'xlsx' }));
  assert.ok(isExperimentWebviewMessage({ type: 'savePng', name: 'a.png', dataUrl: 'data:image/png;base64,iVBORw0KGgo=' }));
  assert.ok(!isExperimentWebviewMessage({ type: 'savePng', name: 'a.png', dataUrl: 'data:text/html;base64,PGI+' }));
  assert.ok(isExperimentWebviewMessage({ type: 'openText', text: 'a sentence' }));
  assert.ok(!isExperimentWebviewMessage({ type: 'openText', text: '   ' }));
  assert.ok(isExperimentWebviewMessage({ type: 'rerun', folds: 3 }));
  assert.ok(isExperimentWebviewMessage({ type: 'rerun', folds: null }));
  assert.ok(!isExperimentWebviewMessage({ type: 'rerun', folds: 1 }));
  assert.ok(!isExperimentWebviewMessage({ type: 'rerun', folds: 2.5 }));
  assert.ok(!isExperimentWebviewMessage({ type: 'runCommand', command: 'workbench.action.quit' }));
});

test('the experiment job maps runner progress onto job progress', () => {
  assert.deepEqual(experimentProgress({ phase: 'training', done: 2, total: 8 }), { phase: 'training', message: 'training', done: 2, total: 8 });
  assert.deepEqual(experimentProgress({ phase: 'embedding', message: 'Embedding 40 texts…' }), { phase: 'embedding', message: 'Embedding 40 texts…' });
});
