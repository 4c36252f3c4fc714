// One shape for exported vectors: the extension's Export Vectors… and the CLI's inspect --json / --csv share it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tensorRows, vectorsCsv, vectorsJson, type VectorsSource } from '../../src/engine/io/export';
import type { ModelSummary } from '../../src/shared/types';

const H = 3;
const src: VectorsSource = {
  model: { ref: '/models/m', name: 'm', folder: '/models/m', onnxFile: '/models/m/onnx/model.onnx', modelType: 'bert', layers: 1, heads: 1, hidden: H, maxTokens: 512, vocabSize: 10,
    inputs: ['input_ids'], attentions: { source: 'native' }, hiddenStates: { source: 'rewritten' }, hasPooler: true, poolingMode: null, randomWeights: true, warnings: [] } as ModelSummary,
  text: 'hi',
  tokens: [{ id: 1, text: '[CLS]', start: null, end: null, special: true }, { id: 5, text: 'hi', start: 0, end: 2, special: false }],
  truncation: { truncated: false, droppedTokens: 0, keptChars: 2, maxTokens: 512 },
  layerIds: [0, 1],
  vectors: {
    cls: { data: Float32Array.from([1, 2, 3, 4, 5, 6]), dims: [2, H] },
    mean: { data: Float32Array.from([0.5, -1.25, 0, 7, 8, 9]), dims: [2, H] },
    pooler: { data: Float32Array.from([0.1, 0.2, 0.3]), dims: [1, H] },
  },
  norms: { cls: Float32Array.from([3.5, 8.75]) },
};

test('JSON: model summary, tokens, layers, [layer][H] per pooling, pooler [[H]], norms', () => {
  const j = vectorsJson(src);
  assert.deepEqual(Object.keys(j), ['model', 'text', 'tokens', 'truncated', 'truncation', 'layers', 'vectors', 'norms']);
  assert.equal(j.model.name, 'm');
  assert.equal(j.model.hidden, H);
  assert.ok(!('ref' in j.model), 'the configured reference stays private');
  assert.deepEqual(j.layers, [0, 1]);
  assert.deepEqual(j.vectors.cls, [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(j.vectors.pooler, [[Math.fround(0.1), Math.fround(0.2), Math.fround(0.3)]]);
  assert.deepEqual(j.norms, { cls: [3.5, 8.75] });
  assert.equal(j.truncated, false);
  assert.deepEqual(vectorsJson(src, Math.round).vectors.mean, [[1, -1, 0], [7, 8, 9]], 'rounding applies to every number');
});

test('CSV: one header, one row per pooling and layer; the pooler row carries the last layer', () => {
  const lines = vectorsCsv(src).trimEnd().split('\n');
  assert.equal(lines[0], ',d0,d1,d2');
  assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), ['cls@0', 'cls@1', 'mean@0', 'mean@1', 'pooler@1']);
  assert.equal(lines[3], 'mean@0,0.5,-1.25,0');
  assert.equal(vectorsCsv({ layerIds: [0], vectors: {} }), '');
});

test('CSV and JSON carry the same numbers', () => {
  const j = vectorsJson(src);
  for (const line of vectorsCsv(src).trimEnd().split('\n').slice(1)) {
    const [label, ...vals] = line.split(',');
    const [pool, layer] = label.split('@');
    const row = j.vectors[pool].length === 1 ? 0 : j.layers.indexOf(Number(layer));
    assert.deepEqual(vals.map(Number), j.vectors[pool][row], label);
  }
});

test('tensorRows flattens everything after the first dimension', () => {
  assert.deepEqual(tensorRows({ data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), dims: [2, 2, 2] }), [[1, 2, 3, 4], [5, 6, 7, 8]]);
  assert.deepEqual(tensorRows({ data: new Float32Array(0), dims: [0, 4] }), []);
});
