// Decoding ONNX messages. Large payloads (raw_data, attribute bytes, fields not modelled) stay subarray views of
// the input; fields a decoder does not model are kept verbatim in `unknownFields` for the encoder to write back.
import { F, type AttributeProto, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type Unknown, type ValueInfoProto } from './schema';
import { ProtoError, readFields, varintBig, Wire, wireName, type Field } from './wire';

const utf8 = new TextDecoder('utf-8');

function expectWire(f: Field, wire: Wire, what: string): void {
  if (f.wire !== wire) throw new ProtoError(`${what} (field ${f.no} at byte ${f.start}) has wire type ${wireName(f.wire)}, expected ${wireName(wire)}`);
}
function str(b: Uint8Array, f: Field, what: string): string {
  expectWire(f, Wire.Len, what);
  return utf8.decode(b.subarray(f.valueStart, f.valueEnd));
}
function int64(f: Field, what: string): bigint {
  expectWire(f, Wire.Varint, what);
  return BigInt.asIntN(64, f.varint as bigint);
}
function int(f: Field, what: string): number {
  return Number(int64(f, what));
}
function float32At(b: Uint8Array, pos: number): number {
  return new DataView(b.buffer, b.byteOffset + pos, 4).getFloat32(0, true);
}
function keep(b: Uint8Array, f: Field, into: Unknown): void {
  (into.unknownFields ??= []).push(b.subarray(f.start, f.end));
}

/** Repeated int64 (packed or not) appended to `out`. */
function readInt64s(b: Uint8Array, f: Field, out: bigint[], what: string): void {
  if (f.wire === Wire.Varint) {
    out.push(BigInt.asIntN(64, f.varint as bigint));
    return;
  }
  expectWire(f, Wire.Len, what);
  const cur = { pos: f.valueStart };
  while (cur.pos < f.valueEnd) out.push(BigInt.asIntN(64, varintBig(b, f.valueEnd, cur)));
}
/** Repeated int32/int64 as numbers (packed or not). Values beyond 2^53 lose precision (dims never are). */
function readInts(b: Uint8Array, f: Field, out: number[], what: string): void {
  if (f.wire === Wire.Varint) {
    out.push(Number(BigInt.asIntN(64, f.varint as bigint)));
    return;
  }
  expectWire(f, Wire.Len, what);
  const cur = { pos: f.valueStart };
  while (cur.pos < f.valueEnd) {
    const start = cur.pos;
    // fast path: non-negative values below 2^28 end within 4 bytes
    let v = 0;
    let p = start;
    let done = false;
    for (let i = 0; i < 4 && p < f.valueEnd; i++) {
      const x = b[p++];
      v |= (x & 0x7f) << (7 * i);
      if (x < 0x80) {
        done = true;
        break;
      }
    }
    if (done) {
      out.push(v);
      cur.pos = p;
    } else {
      out.push(Number(BigInt.asIntN(64, varintBig(b, f.valueEnd, cur))));
    }
  }
}
/** Repeated float (packed or not). */
function readFloats(b: Uint8Array, f: Field, out: number[], what: string): void {
  if (f.wire === Wire.I32) {
    out.push(float32At(b, f.valueStart));
    return;
  }
  expectWire(f, Wire.Len, what);
  const n = f.valueEnd - f.valueStart;
  if (n % 4 !== 0) throw new ProtoError(`${what} (field ${f.no} at byte ${f.start}) holds ${n} bytes, not a whole number of floats`);
  const dv = new DataView(b.buffer, b.byteOffset + f.valueStart, n);
  for (let o = 0; o < n; o += 4) out.push(dv.getFloat32(o, true));
}

function decodeEntry(b: Uint8Array, f: Field, what: string): { key: string; value: string } {
  expectWire(f, Wire.Len, what);
  const e = { key: '', value: '' };
  for (const g of readFields(b, f.valueStart, f.valueEnd)) {
    if (g.no === F.entry.key) e.key = str(b, g, `${what}.key`);
    else if (g.no === F.entry.value) e.value = str(b, g, `${what}.value`);
  }
  return e;
}

export function decodeTensor(b: Uint8Array, from: number, to: number): TensorProto {
  const t: TensorProto = { name: '', dataType: 0, dims: [] };
  for (const f of readFields(b, from, to)) {
    switch (f.no) {
      case F.tensor.dims: readInts(b, f, t.dims, 'TensorProto.dims'); break;
      case F.tensor.dataType: t.dataType = int(f, 'TensorProto.data_type'); break;
      case F.tensor.floatData: readFloats(b, f, (t.floatData ??= []), 'TensorProto.float_data'); break;
      case F.tensor.int32Data: readInts(b, f, (t.int32Data ??= []), 'TensorProto.int32_data'); break;
      case F.tensor.int64Data: readInt64s(b, f, (t.int64Data ??= []), 'TensorProto.int64_data'); break;
      case F.tensor.name: t.name = str(b, f, 'TensorProto.name'); break;
      case F.tensor.rawData: expectWire(f, Wire.Len, 'TensorProto.raw_data'); t.rawData = b.subarray(f.valueStart, f.valueEnd); break;
      case F.tensor.externalData: (t.externalData ??= []).push(decodeEntry(b, f, 'TensorProto.external_data')); break;
      case F.tensor.dataLocation: t.dataLocation = int(f, 'TensorProto.data_location'); break;
      default: keep(b, f, t);
    }
  }
  return t;
}

function decodeAttribute(b: Uint8Array, from: number, to: number): AttributeProto {
  const a: AttributeProto = { name: '', type: 0 };
  for (const f of readFields(b, from, to)) {
    switch (f.no) {
      case F.attr.name: a.name = str(b, f, 'AttributeProto.name'); break;
      case F.attr.type: a.type = int(f, 'AttributeProto.type'); break;
      case F.attr.f: expectWire(f, Wire.I32, 'AttributeProto.f'); a.f = float32At(b, f.valueStart); break;
      case F.attr.i: a.i = int64(f, 'AttributeProto.i'); break;
      case F.attr.s: expectWire(f, Wire.Len, 'AttributeProto.s'); a.s = b.subarray(f.valueStart, f.valueEnd); break;
      case F.attr.t: expectWire(f, Wire.Len, 'AttributeProto.t'); a.t = decodeTensor(b, f.valueStart, f.valueEnd); break;
      case F.attr.floats: readFloats(b, f, (a.floats ??= []), 'AttributeProto.floats'); break;
      case F.attr.ints: readInt64s(b, f, (a.ints ??= []), 'AttributeProto.ints'); break;
      default: keep(b, f, a);
    }
  }
  return a;
}

function decodeNode(b: Uint8Array, from: number, to: number): NodeProto {
  const n: NodeProto = { name: '', opType: '', domain: '', input: [], output: [], attribute: [] };
  for (const f of readFields(b, from, to)) {
    switch (f.no) {
      case F.node.input: n.input.push(str(b, f, 'NodeProto.input')); break;
      case F.node.output: n.output.push(str(b, f, 'NodeProto.output')); break;
      case F.node.name: n.name = str(b, f, 'NodeProto.name'); break;
      case F.node.opType: n.opType = str(b, f, 'NodeProto.op_type'); break;
      case F.node.domain: n.domain = str(b, f, 'NodeProto.domain'); break;
      case F.node.attribute: expectWire(f, Wire.Len, 'NodeProto.attribute'); n.attribute.push(decodeAttribute(b, f.valueStart, f.valueEnd)); break;
      default: keep(b, f, n);
    }
  }
  return n;
}

function decodeValueInfo(b: Uint8Array, from: number, to: number): ValueInfoProto {
  const v: ValueInfoProto = { name: '', elemType: 0, shape: null };
  for (const f of readFields(b, from, to)) {
    if (f.no === F.valueInfo.name) {
      v.name = str(b, f, 'ValueInfoProto.name');
    } else if (f.no === F.valueInfo.type) {
      expectWire(f, Wire.Len, 'ValueInfoProto.type');
      const typeFields = readFields(b, f.valueStart, f.valueEnd);
      const tensorType = typeFields.length === 1 && typeFields[0].no === F.type.tensorType ? typeFields[0] : null;
      if (!tensorType) {
        keep(b, f, v); // sequence/map/optional types, or a denotation: kept as they are
        continue;
      }
      expectWire(tensorType, Wire.Len, 'TypeProto.tensor_type');
      for (const g of readFields(b, tensorType.valueStart, tensorType.valueEnd)) {
        if (g.no === F.tensorType.elemType) {
          v.elemType = int(g, 'TypeProto.Tensor.elem_type');
        } else if (g.no === F.tensorType.shape) {
          expectWire(g, Wire.Len, 'TypeProto.Tensor.shape');
          const shape: (number | string)[] = [];
          for (const d of readFields(b, g.valueStart, g.valueEnd)) {
            if (d.no !== F.shape.dim) continue;
            expectWire(d, Wire.Len, 'TensorShapeProto.dim');
            let dim: number | string = '';
            for (const x of readFields(b, d.valueStart, d.valueEnd)) {
              if (x.no === F.dim.value) dim = int(x, 'Dimension.dim_value');
              else if (x.no === F.dim.param) dim = str(b, x, 'Dimension.dim_param');
            }
            shape.push(dim);
          }
          v.shape = shape;
        }
      }
    } else {
      keep(b, f, v);
    }
  }
  return v;
}

function decodeGraph(b: Uint8Array, from: number, to: number): GraphProto {
  const g: GraphProto = { name: '', node: [], initializer: [], input: [], output: [], valueInfo: [] };
  for (const f of readFields(b, from, to)) {
    switch (f.no) {
      case F.graph.node: expectWire(f, Wire.Len, 'GraphProto.node'); g.node.push(decodeNode(b, f.valueStart, f.valueEnd)); break;
      case F.graph.name: g.name = str(b, f, 'GraphProto.name'); break;
      case F.graph.initializer: expectWire(f, Wire.Len, 'GraphProto.initializer'); g.initializer.push(decodeTensor(b, f.valueStart, f.valueEnd)); break;
      case F.graph.input: expectWire(f, Wire.Len, 'GraphProto.input'); g.input.push(decodeValueInfo(b, f.valueStart, f.valueEnd)); break;
      case F.graph.output: expectWire(f, Wire.Len, 'GraphProto.output'); g.output.push(decodeValueInfo(b, f.valueStart, f.valueEnd)); break;
      case F.graph.valueInfo: expectWire(f, Wire.Len, 'GraphProto.value_info'); g.valueInfo.push(decodeValueInfo(b, f.valueStart, f.valueEnd)); break;
      default: keep(b, f, g);
    }
  }
  return g;
}

/** Protobuf's merge of a second GraphProto occurrence into the first. */
function mergeGraph(a: GraphProto, b: GraphProto): GraphProto {
  const unknown = [...(a.unknownFields ?? []), ...(b.unknownFields ?? [])];
  return {
    name: b.name || a.name,
    node: [...a.node, ...b.node], initializer: [...a.initializer, ...b.initializer],
    input: [...a.input, ...b.input], output: [...a.output, ...b.output], valueInfo: [...a.valueInfo, ...b.valueInfo],
    ...(unknown.length ? { unknownFields: unknown } : {}),
  };
}

const ONNX_PREFIX = 'ONNX file is truncated or not a protobuf model: ';

/**
 * Decodes an ONNX ModelProto. Tensor raw data and unmodelled fields are views into `bytes` (keep it alive and
 * unmodified while the result is used). Throws an Error naming the problem for truncated or non-ONNX input.
 */
export function decodeModel(bytes: Uint8Array): ModelProto {
  if (bytes.length === 0) throw new Error(`${ONNX_PREFIX}the file is empty.`);
  try {
    const m: ModelProto = {
      irVersion: 0, producerName: '', producerVersion: '', domain: '', modelVersion: 0, docString: '', opsetImport: [],
      graph: { name: '', node: [], initializer: [], input: [], output: [], valueInfo: [] }, metadataProps: [],
    };
    let graphSeen = false;
    for (const f of readFields(bytes)) {
      switch (f.no) {
        case F.model.irVersion: m.irVersion = int(f, 'ModelProto.ir_version'); break;
        case F.model.producerName: m.producerName = str(bytes, f, 'ModelProto.producer_name'); break;
        case F.model.producerVersion: m.producerVersion = str(bytes, f, 'ModelProto.producer_version'); break;
        case F.model.domain: m.domain = str(bytes, f, 'ModelProto.domain'); break;
        case F.model.modelVersion: m.modelVersion = int(f, 'ModelProto.model_version'); break;
        case F.model.docString: m.docString = str(bytes, f, 'ModelProto.doc_string'); break;
        case F.model.graph: {
          expectWire(f, Wire.Len, 'ModelProto.graph');
          const g = decodeGraph(bytes, f.valueStart, f.valueEnd);
          // protobuf merges a message field that occurs more than once (repeated fields appended, a set scalar wins):
          // rewrite.ts's exposeOutputs appends a second graph that holds only the added outputs
          m.graph = graphSeen ? mergeGraph(m.graph, g) : g;
          graphSeen = true;
          break;
        }
        case F.model.opsetImport: {
          expectWire(f, Wire.Len, 'ModelProto.opset_import');
          const o = { domain: '', version: 0 };
          for (const g of readFields(bytes, f.valueStart, f.valueEnd)) {
            if (g.no === F.opset.domain) o.domain = str(bytes, g, 'OperatorSetIdProto.domain');
            else if (g.no === F.opset.version) o.version = int(g, 'OperatorSetIdProto.version');
          }
          m.opsetImport.push(o);
          break;
        }
        case F.model.metadataProps: m.metadataProps.push(decodeEntry(bytes, f, 'ModelProto.metadata_props')); break;
        default: keep(bytes, f, m);
      }
    }
    if (!graphSeen) throw new ProtoError(`the ${bytes.length} bytes decode as protobuf but hold no ModelProto.graph (field 7)`);
    if (m.irVersion <= 0) throw new ProtoError(`ModelProto.ir_version is ${m.irVersion}; an ONNX model has a positive IR version`);
    return m;
  } catch (e) {
    if (e instanceof ProtoError) throw new Error(`${ONNX_PREFIX}${e.message}.`);
    if (e instanceof RangeError) throw new Error(`${ONNX_PREFIX}${e.message}.`); // DataView past the end
    throw e;
  }
}
