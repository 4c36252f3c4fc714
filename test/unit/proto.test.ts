import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import {
  concatBytes, decodeModel, encodeLenField, encodeModel, encodeModelChunks, encodeTag, encodeValueInfo, encodeVarint,
  readFields, TensorType, Wire, type ModelProto, type NodeProto, type TensorProto,
} from '../../src/engine/onnx';
import { exposeOutputs, outputsSuffix, QUERY_ROWS_OUTPUT, queryRowTaps } from '../../src/engine/onnx/rewrite';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Strips the `unknownFields` bookkeeping so decoded objects compare with hand-written ones. */
function plain<T>(v: T): T {
  return JSON.parse(JSON.stringify(v, (k, x: unknown) => {
    if (k === 'unknownFields') return undefined;
    if (typeof x === 'bigint') return `${x}n`;
    if (x instanceof Uint8Array) return `bytes:${hex(x)}`;
    return x;
  })) as T;
}

function f32bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

void test('encodeVarint: small, multi-byte, 64-bit and negative int64 values', () => {
  assert.equal(hex(encodeVarint(0)), '00');
  assert.equal(hex(encodeVarint(1)), '01');
  assert.equal(hex(encodeVarint(127)), '7f');
  assert.equal(hex(encodeVarint(128)), '8001');
  assert.equal(hex(encodeVarint(300)), 'ac02');
  assert.equal(hex(encodeVarint(2 ** 32)), '8080808010');
  assert.equal(hex(encodeVarint(Number.MAX_SAFE_INTEGER)), 'ffffffffffffff0f');
  assert.equal(hex(encodeVarint(2n ** 63n - 1n)), 'ffffffffffffffff7f');
  // negative int64: ten bytes, two's complement
  assert.equal(hex(encodeVarint(-1)), 'ffffffffffffffffff01');
  assert.equal(hex(encodeVarint(-1n)), 'ffffffffffffffffff01');
  assert.equal(hex(encodeVarint(2n ** 64n - 1n)), 'ffffffffffffffffff01');
  assert.equal(encodeVarint(-2).length, 10);
  assert.equal(hex(encodeVarint(-(2n ** 63n))), '80808080808080808001');
  assert.throws(() => encodeVarint(1.5), RangeError);
  assert.throws(() => encodeVarint(2n ** 64n), RangeError);
  assert.throws(() => encodeVarint(-(2n ** 63n) - 1n), RangeError);
});

void test('readFields decodes varints back, including negative int64 and 64-bit values', () => {
  const values = [0n, 1n, 127n, 128n, 300n, 2n ** 31n, 2n ** 53n + 1n, 2n ** 63n - 1n, -1n, -2n, -(2n ** 63n)];
  const msg = concatBytes(values.flatMap((v, i) => [encodeTag(i + 1, Wire.Varint), encodeVarint(v)]));
  const fields = readFields(msg);
  assert.equal(fields.length, values.length);
  fields.forEach((f, i) => {
    assert.equal(f.no, i + 1);
    assert.equal(f.wire, Wire.Varint);
    assert.equal(BigInt.asIntN(64, f.varint as bigint), values[i]);
    assert.equal(f.varint, BigInt.asUintN(64, values[i]));
  });
  assert.equal(fields[fields.length - 1].end, msg.length);
});

void test('readFields: offsets of every wire type, and sub-ranges', () => {
  const payload = Uint8Array.of(1, 2, 3);
  const msg = concatBytes([
    encodeTag(1, Wire.Varint), encodeVarint(150),
    encodeLenField(2, payload),
    encodeTag(3, Wire.I32), Uint8Array.of(0, 0, 0x80, 0x3f),
    encodeTag(4, Wire.I64), new Uint8Array(8),
    encodeLenField(2000, new Uint8Array(200)),
  ]);
  const [a, b, c, d, e] = readFields(msg);
  assert.deepEqual([a.no, a.wire, a.start, a.end, a.valueStart, a.valueEnd, a.varint], [1, Wire.Varint, 0, 3, 1, 3, 150n]);
  assert.deepEqual([b.no, b.wire, b.start, b.end, b.valueStart, b.valueEnd], [2, Wire.Len, 3, 8, 5, 8]);
  assert.deepEqual([...msg.subarray(b.valueStart, b.valueEnd)], [1, 2, 3]);
  assert.deepEqual([c.no, c.wire, c.start, c.end, c.valueStart], [3, Wire.I32, 8, 13, 9]);
  assert.equal(new DataView(msg.buffer, c.valueStart, 4).getFloat32(0, true), 1);
  assert.deepEqual([d.no, d.wire, d.valueEnd - d.valueStart], [4, Wire.I64, 8]);
  assert.deepEqual([e.no, e.wire, e.valueEnd - e.valueStart, e.end], [2000, Wire.Len, 200, msg.length]);
  // a sub-range: the fields of the nested payload
  const nested = encodeLenField(7, concatBytes([encodeTag(1, Wire.Varint), encodeVarint(5)]));
  const outer = readFields(nested)[0];
  const inner = readFields(nested, outer.valueStart, outer.valueEnd);
  assert.deepEqual(inner.map((f) => [f.no, f.varint]), [[1, 5n]]);
});

void test('readFields: truncated and malformed input throws', () => {
  assert.throws(() => readFields(Uint8Array.of(0x08)), /past the end/); // tag without value
  assert.throws(() => readFields(Uint8Array.of(0x08, 0x80)), /past the end/); // unfinished varint
  assert.throws(() => readFields(Uint8Array.of(0x12, 0x05, 1, 2)), /runs past the end/); // Len 5, 2 bytes
  assert.throws(() => readFields(Uint8Array.of(0x1d, 0, 0)), /runs past the end/); // fixed32 cut
  assert.throws(() => readFields(Uint8Array.of(0x0b)), /wire type start-group/); // groups are not accepted
  assert.throws(() => readFields(Uint8Array.of(0x07)), /invalid field number 0/);
  assert.throws(() => readFields(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)), /longer than 10 bytes/); // tag
  assert.throws(() => readFields(Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02)), /overflows 64 bits/);
  // a nested range that ends inside a field
  const msg = encodeLenField(1, Uint8Array.of(0x12, 0x09, 1));
  assert.throws(() => readFields(msg, 2, msg.length), /runs past the end of its message/);
});

function sampleModel(): ModelProto {
  const w: TensorProto = { name: 'W', dataType: TensorType.FLOAT, dims: [3, 2], rawData: f32bytes([1, 2, 3, 4, 5, 6]) };
  const bias: TensorProto = { name: 'B', dataType: TensorType.FLOAT, dims: [2], floatData: [0.5, -0.25] };
  const shape: TensorProto = { name: 'shape', dataType: TensorType.INT64, dims: [2], int64Data: [-1n, 2n] };
  const node = (n: Partial<NodeProto> & Pick<NodeProto, 'opType' | 'input' | 'output'>): NodeProto =>
    ({ name: `/${n.opType}`, domain: '', attribute: [], ...n });
  return {
    irVersion: 8, producerName: 'proto.test', producerVersion: '1', domain: '', modelVersion: 0, docString: '',
    opsetImport: [{ domain: '', version: 14 }],
    metadataProps: [{ key: 'k', value: 'v' }],
    graph: {
      name: 'g',
      node: [
        node({ opType: 'MatMul', input: ['x', 'W'], output: ['mm'] }),
        node({ opType: 'Add', input: ['mm', 'B'], output: ['add'] }),
        node({ opType: 'Reshape', input: ['add', 'shape'], output: ['r'] }),
        node({
          opType: 'Constant', input: [], output: ['c'],
          attribute: [{ name: 'value', type: 4, t: { name: '', dataType: TensorType.FLOAT, dims: [], rawData: f32bytes([2]) } }],
        }),
        node({ opType: 'Mul', input: ['r', 'c'], output: ['m'] }),
        node({ opType: 'Softmax', input: ['m'], output: ['y'], attribute: [{ name: 'axis', type: 2, i: -1n }] }),
        node({ opType: 'ReduceMean', input: ['m'], output: ['mean'], attribute: [{ name: 'axes', type: 7, ints: [-1n] }, { name: 'keepdims', type: 2, i: 0n }] }),
      ],
      initializer: [w, bias, shape],
      input: [{ name: 'x', elemType: TensorType.FLOAT, shape: ['batch_size', 3] }],
      output: [
        { name: 'y', elemType: TensorType.FLOAT, shape: ['batch_size', 2] },
        { name: 'mean', elemType: TensorType.FLOAT, shape: [''] },
      ],
      valueInfo: [{ name: 'mm', elemType: TensorType.FLOAT, shape: null }, { name: 'c', elemType: TensorType.FLOAT, shape: [] }],
    },
  };
}

void test('encodeModel → decodeModel round trip keeps every modelled field', () => {
  const m = sampleModel();
  m.graph.node.push({
    name: 'attrs', opType: 'Custom', domain: 'com.example', input: ['', 'x'], output: ['z'],
    attribute: [
      { name: 'f', type: 1, f: 1e-12 },
      { name: 'fs', type: 6, floats: [0.5, -2, 3.25] },
      { name: 'i', type: 2, i: -(2n ** 63n) },
      { name: 'is', type: 7, ints: [0n, -1n, 2n ** 40n] },
      { name: 's', type: 3, s: new TextEncoder().encode('héllo') },
    ],
  });
  m.graph.initializer.push({ name: 'ext', dataType: TensorType.FLOAT, dims: [1000000], externalData: [{ key: 'location', value: 'w.bin' }, { key: 'offset', value: '0' }], dataLocation: 1 });
  m.graph.initializer.push({ name: 'i32', dataType: TensorType.INT32, dims: [3], int32Data: [1, -5, 70000] });
  const bytes = encodeModel(m);
  const back = decodeModel(bytes);
  const expected = plain(m);
  // float32 storage of f
  (expected.graph.node[7].attribute[0] as { f: number }).f = Math.fround(1e-12);
  assert.deepEqual(plain(back), expected);
  // the encoder is canonical: re-encoding the decoded model gives the same bytes
  assert.equal(hex(encodeModel(back)), hex(bytes));
  // chunks concatenate to the same bytes
  assert.equal(hex(concatBytes(encodeModelChunks(m))), hex(bytes));
});

void test('decodeModel keeps raw data as views and unmodelled fields verbatim', () => {
  const m = sampleModel();
  const big = new Float32Array(10000).map((_, i) => i);
  m.graph.initializer.push({ name: 'big', dataType: TensorType.FLOAT, dims: [10000], rawData: new Uint8Array(big.buffer) });
  const bytes = encodeModel(m);
  const back = decodeModel(bytes);
  const raw = back.graph.initializer[3].rawData as Uint8Array;
  assert.equal(raw.buffer, bytes.buffer, 'raw_data is a view of the input');
  assert.deepEqual(new Float32Array(raw.slice().buffer), big);

  // add fields the decoder does not model: graph.doc_string (10), a subgraph attribute (g = 6), model.training_info (20)
  const graphField = readFields(bytes).find((f) => f.no === 7)!;
  const docString = encodeLenField(10, new TextEncoder().encode('graph docs'));
  const g = encodeLenField(6, encodeLenField(2, new TextEncoder().encode('sub')));
  const attr = encodeLenField(5, concatBytes([encodeLenField(1, new TextEncoder().encode('then_branch')), g, encodeTag(20, Wire.Varint), encodeVarint(5)]));
  const ifNode = encodeLenField(1, concatBytes([encodeLenField(4, new TextEncoder().encode('If')), attr]));
  const graphPayload = concatBytes([bytes.subarray(graphField.valueStart, graphField.valueEnd), docString, ifNode]);
  const extra = encodeLenField(20, Uint8Array.of(1, 2, 3).map((x) => x)); // opaque to us
  const spliced = concatBytes([bytes.subarray(0, graphField.start), extra, encodeLenField(7, graphPayload)]);
  const d = decodeModel(spliced);
  assert.equal(d.graph.node.at(-1)?.opType, 'If');
  assert.equal(d.graph.node.at(-1)?.attribute[0].name, 'then_branch');
  const again = decodeModel(encodeModel(d));
  assert.deepEqual(again.graph.unknownFields?.map(hex), [hex(docString)]);
  assert.deepEqual(again.unknownFields?.map(hex), [hex(extra)]);
  assert.deepEqual(again.graph.node.at(-1)?.attribute[0].unknownFields?.map(hex), [hex(g)]);
});

void test('encodeValueInfo encodes a graph output that decodeModel reads back', () => {
  const v = { name: 'attentions.0', elemType: TensorType.FLOAT, shape: ['batch_size', 4, 'sequence_length', 'sequence_length'] };
  const bytes = encodeValueInfo(v);
  const m = sampleModel();
  const model = encodeModel(m);
  const gf = readFields(model).find((f) => f.no === 7)!;
  const graph = concatBytes([model.subarray(gf.valueStart, gf.valueEnd), encodeLenField(12, bytes)]);
  const spliced = concatBytes([model.subarray(0, gf.start), encodeLenField(7, graph)]);
  const back = decodeModel(spliced);
  assert.deepEqual(plain(back.graph.output.at(-1)), v);
});

void test('decodeModel: truncated, garbled and non-ONNX input throws a clear error', () => {
  const bytes = encodeModel(sampleModel());
  for (let n = 0; n < bytes.length; n++) {
    assert.throws(() => decodeModel(bytes.subarray(0, n)), /^Error: ONNX file is truncated or not a protobuf model: /, `prefix of ${n} bytes`);
  }
  const text = new TextEncoder().encode('{"architectures": ["BertModel"]}');
  assert.throws(() => decodeModel(text), /ONNX file is truncated or not a protobuf model: .*wire type/);
  assert.throws(() => decodeModel(new Uint8Array(0)), /ONNX file is truncated or not a protobuf model: the file is empty/);
  // a valid protobuf message that is not a model
  assert.throws(() => decodeModel(concatBytes([encodeTag(1, Wire.Varint), encodeVarint(8)])), /no ModelProto.graph/);
  // a known field with the wrong wire type
  assert.throws(() => decodeModel(concatBytes([encodeTag(7, Wire.Varint), encodeVarint(8)])), /ModelProto.graph .*wire type varint, expected length-delimited/);
  // garbled bytes inside the graph: flip a length byte somewhere in the middle
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  let failures = 0;
  for (let k = 0; k < 200; k++) {
    const g = bytes.slice();
    g[Math.floor(rnd() * g.length)] = Math.floor(rnd() * 256);
    try {
      decodeModel(g);
    } catch (e) {
      assert.match(String(e), /ONNX file is truncated or not a protobuf model: /);
      failures++;
    }
  }
  assert.ok(failures > 0);
});

void test('a model made by encodeModel runs in onnxruntime-node (and so does its decode → encode)', async () => {
  const m = sampleModel();
  for (const bytes of [encodeModel(m), encodeModel(decodeModel(encodeModel(m)))]) {
    const session = await ort.InferenceSession.create(bytes);
    assert.deepEqual([...session.inputNames], ['x']);
    assert.deepEqual([...session.outputNames], ['y', 'mean']);
    const x = [1, 0, -1, 0.5, 2, 1];
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from(x), [2, 3]) });
    const W = [[1, 2], [3, 4], [5, 6]];
    for (let r = 0; r < 2; r++) {
      const row = [0, 1].map((j) => 2 * (x[r * 3] * W[0][j] + x[r * 3 + 1] * W[1][j] + x[r * 3 + 2] * W[2][j] + [0.5, -0.25][j]));
      const mx = Math.max(...row);
      const e = row.map((v) => Math.exp(v - mx));
      const s = e[0] + e[1];
      const y = out.y.data as Float32Array;
      assert.ok(Math.abs(y[r * 2] - e[0] / s) < 1e-6 && Math.abs(y[r * 2 + 1] - e[1] / s) < 1e-6);
      assert.ok(Math.abs((out.mean.data as Float32Array)[r] - (row[0] + row[1]) / 2) < 1e-5);
    }
    await session.release();
  }
});

void test('exposeOutputs appends a second graph field: the file is a prefix of the result, decodeModel and onnxruntime merge it', async () => {
  const m = sampleModel();
  const bytes = encodeModel(m);
  const out = exposeOutputs(bytes, ['mm', 'add'], TensorType.FLOAT);
  assert.equal(hex(out.subarray(0, bytes.length)), hex(bytes), 'the model bytes are not rewritten');
  assert.equal(hex(out.subarray(bytes.length)), hex(outputsSuffix(['mm', 'add'], TensorType.FLOAT)));
  const d = decodeModel(out);
  assert.deepEqual(d.graph.output.map((o) => o.name), ['y', 'mean', 'mm', 'add']);
  assert.equal(d.graph.name, 'g');
  assert.deepEqual(plain(d.graph.node), plain(m.graph.node));
  assert.deepEqual(d.graph.initializer.map((t) => t.name), ['W', 'B', 'shape']);
  assert.equal(exposeOutputs(bytes, [], TensorType.FLOAT), bytes, 'nothing to add: the same bytes');
  const session = await ort.InferenceSession.create(out);
  assert.deepEqual([...session.outputNames], ['y', 'mean', 'mm', 'add']);
  const r = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 0, -1]), [1, 3]) }, ['mm', 'add']);
  assert.deepEqual([...(r.mm.data as Float32Array)], [1 - 5, 2 - 6]);
  assert.deepEqual([...(r.add.data as Float32Array)], [1 - 5 + 0.5, 2 - 6 - 0.25]);
  await session.release();
});

/** Two "layers": softmax over the last axis of x (layer 0) and of 2·x (layer 1), each multiplying v, as attention does. */
function twoSoftmaxModel(opset = 14): ModelProto {
  const node = (opType: string, input: string[], output: string, attribute: NodeProto['attribute'] = []): NodeProto =>
    ({ name: `/${output}`, opType, domain: '', input, output: [output], attribute });
  const two: TensorProto = { name: 'two', dataType: TensorType.FLOAT, dims: [], rawData: f32bytes([2]) };
  return {
    irVersion: 8, producerName: 'proto.test', producerVersion: '1', domain: '', modelVersion: 0, docString: '',
    opsetImport: [{ domain: '', version: opset }], metadataProps: [],
    graph: {
      name: 'g',
      node: [
        node('Softmax', ['x'], 'p0', [{ name: 'axis', type: 2, i: -1n }]),
        node('MatMul', ['p0', 'v'], 'o0'),
        node('Mul', ['x', 'two'], 'x1'),
        node('Softmax', ['x1'], 'p1', [{ name: 'axis', type: 2, i: -1n }]),
        node('MatMul', ['p1', 'o0'], 'o1'),
      ],
      initializer: [two],
      input: [{ name: 'x', elemType: TensorType.FLOAT, shape: [1, 2, 3, 3] }, { name: 'v', elemType: TensorType.FLOAT, shape: [1, 2, 3, 4] }],
      output: [{ name: 'o1', elemType: TensorType.FLOAT, shape: null }],
      valueInfo: [],
    },
  };
}

void test('queryRowTaps: row 0 of every attention Softmax, concatenated, read by onnxruntime in the same run', async () => {
  const m = twoSoftmaxModel();
  const taps = queryRowTaps(m, 2, TensorType.FLOAT);
  assert.ok(taps);
  assert.equal(taps.output, QUERY_ROWS_OUTPUT);
  const session = await ort.InferenceSession.create(exposeOutputs(encodeModel(m), [], TensorType.FLOAT, taps));
  const x = Float32Array.from({ length: 18 }, (_, i) => Math.sin(i * 1.7) * 3);
  const r = await session.run({ x: new ort.Tensor('float32', x, [1, 2, 3, 3]), v: new ort.Tensor('float32', new Float32Array(24).fill(1), [1, 2, 3, 4]) }, [taps.output]);
  const rows = r[taps.output];
  assert.deepEqual(rows.dims.map(Number), [2, 2, 3], '[layers, heads, T]');
  const got = rows.data as Float32Array;
  // by hand, in float64: layer l, head h, query 0 over the 3 keys
  for (let l = 0; l < 2; l++) {
    for (let h = 0; h < 2; h++) {
      const z = [0, 1, 2].map((k) => x[h * 9 + k] * (l + 1));
      const e = z.map((v) => Math.exp(v - Math.max(...z)));
      const s = e.reduce((a, b) => a + b, 0);
      for (let k = 0; k < 3; k++) assert.ok(Math.abs(got[(l * 2 + h) * 3 + k] - e[k] / s) < 1e-6, `layer ${l} head ${h} key ${k}`);
    }
  }
  await session.release();
});

void test('queryRowTaps: none where the graph does not allow them', () => {
  assert.equal(queryRowTaps(twoSoftmaxModel(), 3, TensorType.FLOAT), null, 'not one Softmax per layer');
  assert.equal(queryRowTaps(twoSoftmaxModel(), 2, TensorType.FLOAT16), null, 'fp16 outputs');
  assert.equal(queryRowTaps(twoSoftmaxModel(10), 2, TensorType.FLOAT), null, 'opset 10: no negative Gather axis');
  assert.ok(queryRowTaps(twoSoftmaxModel(11), 2, TensorType.FLOAT));
});
