import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromNpy, toCsv, toNpy } from '../../src/engine/io/export';
import { quantise, rolloutClsRows } from '../../src/engine/compute/matrix';
import { compareView, tokenMeasure } from '../../src/extension/inspection/viewModel';
import type { InspectionView } from '../../src/shared/protocol';

test('npy: header as numpy 1.0 writes it (64-byte aligned, newline-terminated) and a round trip', () => {
  const t = { data: Float32Array.from([1, -2.5, 3, 4, 5, 6]), dims: [2, 3] };
  const bytes = toNpy(t);
  const hlen = bytes[8] | (bytes[9] << 8);
  assert.equal((10 + hlen) % 64, 0);
  const header = Buffer.from(bytes.subarray(10, 10 + hlen)).toString('latin1');
  assert.match(header, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
  assert.equal(bytes.length, 10 + hlen + 24);
  assert.equal(Buffer.from(bytes).readFloatLE(10 + hlen + 4), -2.5);
  const back = fromNpy(bytes);
  assert.deepEqual(back.dims, [2, 3]);
  assert.deepEqual([...back.data], [...t.data]);
  assert.match(Buffer.from(toNpy({ data: new Float32Array(4), dims: [4] }).subarray(10, 70)).toString('latin1'), /'shape': \(4,\)/);
});

test('csv: header, row labels, quoting', () => {
  const csv = toCsv({ data: Float32Array.from([1, 2, 3, 4]), dims: [2, 2] }, ['cls@0', 'a,b']);
  assert.equal(csv, ',d0,d1\ncls@0,1,2\n"a,b",3,4\n');
});

test('quantise keeps values within one step of 1/255 of the maximum', () => {
  const src = Float32Array.from([0, 0.1, 0.5, 0.25]);
  const { data, scale } = quantise(src);
  assert.equal(scale, 0.5);
  src.forEach((v, i) => assert.ok(Math.abs((data[i] / 255) * scale - v) <= scale / 255 / 2 + 1e-7));
});

test('rolloutClsRows takes row 0 of each layer', () => {
  const r = rolloutClsRows({ data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), dims: [2, 2, 2] });
  assert.deepEqual([...r.data], [1, 2, 5, 6]);
});

const view = (T: number): InspectionView => ({
  runId: 1, text: 'x', tokens: [], truncation: { truncated: false, droppedTokens: 0, keptChars: 1, maxTokens: 8 },
  model: {} as InspectionView['model'], layerIds: [0, 1, 2], vectors: {}, norms: {}, poolingCos: { data: new Float32Array(0), dims: [0] }, poolingNames: [],
  clsMean: new Float32Array(3),
  clsToken: { data: Float32Array.from({ length: 3 * T }, (_, i) => i), dims: [3, T] },
  attention: {
    // L=2, heads=2
    clsRow: { data: Float32Array.from([0.5, 0.5, 1, 0, 0.2, 0.8, 0, 1]), dims: [2, 2, T] },
    summary: {
      rolloutClsRow: { data: Float32Array.from([0.9, 0.1, 0.3, 0.7]), dims: [2, T] },
      toCls: { data: new Float32Array(4), dims: [2, 2] }, toSep: { data: new Float32Array(4), dims: [2, 2] },
      toPunct: { data: new Float32Array(4), dims: [2, 2] }, toSelf: { data: new Float32Array(4), dims: [2, 2] }, entropy: { data: new Float32Array(4), dims: [2, 2] },
    },
  },
  timings: { tokenizeMs: 0, runMs: 0, analyseMs: 0, totalMs: 0 },
});

test('tokenMeasure: layer index maps to attention layer (layer k uses attention of layer k), head mean, rollout, cosine', () => {
  const v = view(2);
  v.tokens = [{ id: 1, text: 'a', start: 0, end: 1, special: false }, { id: 2, text: 'b', start: 1, end: 2, special: false }];
  assert.deepEqual([...tokenMeasure(v, 'clsAttention', 2, 1)!], [0, 1]);
  assert.deepEqual([...tokenMeasure(v, 'clsAttention', 1, -1)!], [0.75, 0.25]);
  assert.deepEqual([...tokenMeasure(v, 'clsAttention', 0, 0)!], [0.5, 0.5], 'embeddings layer falls back to layer 1');
  assert.deepEqual([...tokenMeasure(v, 'rollout', 2, -1)!].map((x) => +x.toFixed(5)), [0.3, 0.7]);
  assert.deepEqual([...tokenMeasure(v, 'clsCosine', 1, -1)!], [2, 3]);
  assert.equal(tokenMeasure({ ...v, attention: null }, 'rollout', 1, -1), null);
  // before the analysis arrives: the [CLS] rows are there, the rollout is not yet
  const first = { ...v, attention: { clsRow: v.attention!.clsRow, summary: null } };
  assert.equal(tokenMeasure(first, 'rollout', 1, -1), null);
  assert.deepEqual([...tokenMeasure(first, 'clsAttention', 2, 1)!], [0, 1]);
});

test('compareView: cosine matrices per pooling and layer, symmetric, unit diagonal', () => {
  const mk = (vals: number[]) => ({ data: Float32Array.from(vals), dims: [2, 2] });
  const pins = [
    { label: 'a', text: 'a', layerIds: [0, 1], vectors: { cls: mk([1, 0, 1, 1]) } },
    { label: 'b', text: 'b', layerIds: [0, 1], vectors: { cls: mk([0, 1, 1, 1]) } },
  ];
  const c = compareView(pins);
  const m = c.matrices.cls!;
  assert.deepEqual(m.dims, [2, 2, 2]);
  assert.deepEqual([...m.data].map((x) => +x.toFixed(6)), [1, 0, 0, 1, 1, 1, 1, 1]);
});
