// A minimal protobuf wire-format codec and the part of the ONNX schema (onnx.proto3) the engine needs.
// No dependencies. Decoding keeps large payloads (raw_data, attribute bytes, fields it does not model) as
// subarray views of the input, never copies. Fields a decoder does not model are kept verbatim in
// `unknownFields` and written back by the encoder, so decode → encode loses nothing but field order.

// ───────────────────────────── wire level ─────────────────────────────

export const enum Wire { Varint = 0, I64 = 1, Len = 2, I32 = 5 }

export interface Field {
  /** Field number. */
  no: number;
  wire: Wire;
  /** The whole field, tag included: bytes[start, end). */
  start: number;
  end: number;
  /** The payload: for Len the bytes after the length, for I32/I64 the fixed bytes, for Varint the varint bytes. */
  valueStart: number;
  valueEnd: number;
  /** For Varint fields: the value as an unsigned 64-bit integer (use BigInt.asIntN(64, v) for int64 fields). */
  varint?: bigint;
}

/** Thrown for bytes that are not valid protobuf (truncated, wrong wire type, overlong varint). */
export class ProtoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtoError';
  }
}

/** Reads one varint at `pos` as a JS number; throws if it does not fit 2^53 (lengths, tags, small enums). */
function varintNumber(bytes: Uint8Array, pos: number, end: number, out: { pos: number }): number {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new ProtoError(`a varint at byte ${pos} runs past the end of the data (${end} bytes)`);
    const b = bytes[pos++];
    result += (b & 0x7f) * mul;
    if (b < 0x80) {
      if (result > Number.MAX_SAFE_INTEGER) throw new ProtoError(`a length or tag at byte ${out.pos} is too large (${result})`);
      out.pos = pos;
      return result;
    }
    mul *= 128;
  }
  throw new ProtoError(`a varint at byte ${out.pos} is longer than 10 bytes`);
}

/** Reads one varint at `out.pos` as an unsigned 64-bit bigint and advances `out.pos`. */
function varintBig(bytes: Uint8Array, end: number, out: { pos: number }): bigint {
  let pos = out.pos;
  // first 4 bytes (28 bits) with plain arithmetic: most varints end here
  let lo = 0;
  for (let i = 0; i < 4; i++) {
    if (pos >= end) throw new ProtoError(`a varint at byte ${out.pos} runs past the end of the data (${end} bytes)`);
    const b = bytes[pos++];
    lo |= (b & 0x7f) << (7 * i);
    if (b < 0x80) {
      out.pos = pos;
      return BigInt(lo >>> 0);
    }
  }
  let result = BigInt(lo >>> 0);
  let shift = 28n;
  for (let i = 4; i < 10; i++) {
    if (pos >= end) throw new ProtoError(`a varint at byte ${out.pos} runs past the end of the data (${end} bytes)`);
    const b = bytes[pos++];
    if (i === 9 && b > 1) throw new ProtoError(`a varint at byte ${out.pos} overflows 64 bits`);
    result |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) {
      out.pos = pos;
      return result;
    }
    shift += 7n;
  }
  throw new ProtoError(`a varint at byte ${out.pos} is longer than 10 bytes`);
}

function wireName(w: number): string {
  return ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32'][w] ?? `#${w}`;
}

/**
 * The top-level fields of the message in bytes[from, to), in order. Throws a ProtoError when a field runs
 * past `to`, a varint is malformed, or a wire type is not one of varint / fixed64 / length-delimited / fixed32.
 */
export function readFields(bytes: Uint8Array, from = 0, to = bytes.length): Field[] {
  if (from < 0 || to > bytes.length || from > to) throw new ProtoError(`range [${from}, ${to}) is outside the ${bytes.length} bytes`);
  const fields: Field[] = [];
  const cur = { pos: from };
  while (cur.pos < to) {
    const start = cur.pos;
    const tag = varintNumber(bytes, cur.pos, to, cur);
    const no = Math.floor(tag / 8);
    const wire = tag % 8;
    if (no < 1 || no > 536870911) throw new ProtoError(`invalid field number ${no} at byte ${start}`);
    let valueStart = cur.pos;
    let valueEnd: number;
    let varint: bigint | undefined;
    switch (wire) {
      case Wire.Varint:
        varint = varintBig(bytes, to, cur);
        valueEnd = cur.pos;
        break;
      case Wire.I64:
        valueEnd = valueStart + 8;
        break;
      case Wire.I32:
        valueEnd = valueStart + 4;
        break;
      case Wire.Len: {
        const len = varintNumber(bytes, cur.pos, to, cur);
        valueStart = cur.pos;
        valueEnd = valueStart + len;
        break;
      }
      default:
        throw new ProtoError(`field ${no} at byte ${start} has wire type ${wireName(wire)}, which this reader does not accept`);
    }
    if (valueEnd > to) {
      throw new ProtoError(`field ${no} (${wireName(wire)}, ${valueEnd - valueStart} bytes) at byte ${start} runs past the end of its message at byte ${to}`);
    }
    cur.pos = valueEnd;
    const f: Field = { no, wire: wire as Wire, start, end: valueEnd, valueStart, valueEnd };
    if (varint !== undefined) f.varint = varint;
    fields.push(f);
  }
  return fields;
}

/** Varint bytes of an unsigned or signed integer; negative values are written as 10-byte two's complement (int64). */
export function encodeVarint(n: number | bigint): Uint8Array {
  if (typeof n === 'number') {
    if (!Number.isInteger(n)) throw new RangeError(`encodeVarint: ${n} is not an integer`);
    if (n >= 0 && n <= Number.MAX_SAFE_INTEGER) {
      if (n < 128) return Uint8Array.of(n);
      const out: number[] = [];
      let v = n;
      while (v >= 128) {
        out.push((v % 128) | 0x80);
        v = Math.floor(v / 128);
      }
      out.push(v);
      return Uint8Array.from(out);
    }
    n = BigInt(n);
  }
  if (n < -(1n << 63n) || n >= 1n << 64n) throw new RangeError(`encodeVarint: ${n} does not fit 64 bits`);
  let v = BigInt.asUintN(64, n);
  const out: number[] = [];
  while (v >= 128n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

export function encodeTag(no: number, wire: Wire): Uint8Array {
  if (!Number.isInteger(no) || no < 1 || no > 536870911) throw new RangeError(`encodeTag: invalid field number ${no}`);
  return encodeVarint(no * 8 + wire);
}

/** Tag, length and payload of a length-delimited field. */
export function encodeLenField(no: number, payload: Uint8Array): Uint8Array {
  return concatBytes([encodeTag(no, Wire.Len), encodeVarint(payload.length), payload]);
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// ───────────────────────────── ONNX schema ─────────────────────────────

export const TensorType = {
  FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, FLOAT16: 10, DOUBLE: 11,
  UINT32: 12, UINT64: 13, BFLOAT16: 16,
} as const;

/** AttributeProto.AttributeType values. */
export const AttributeType = {
  UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10,
  SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14,
} as const;

/** Fields a decoder did not model, each kept verbatim (tag included) and re-emitted by the encoder. */
interface Unknown { unknownFields?: Uint8Array[] }

export interface NodeProto extends Unknown {
  name: string; opType: string; domain: string; input: string[]; output: string[]; attribute: AttributeProto[];
}
export interface AttributeProto extends Unknown {
  name: string; type: number; f?: number; i?: bigint; s?: Uint8Array; ints?: bigint[]; floats?: number[]; t?: TensorProto;
}
export interface TensorProto extends Unknown {
  name: string; dataType: number; dims: number[]; rawData?: Uint8Array; floatData?: number[]; int64Data?: bigint[];
  int32Data?: number[]; externalData?: { key: string; value: string }[]; dataLocation?: number;
}
/**
 * A graph input/output/value_info. `elemType` 0 with `shape` null means the type is not a tensor type (its
 * TypeProto is kept in unknownFields). `shape` null = unknown rank; a dimension with neither value nor name is ''.
 */
export interface ValueInfoProto extends Unknown { name: string; elemType: number; shape: (number | string)[] | null }
export interface GraphProto extends Unknown {
  name: string; node: NodeProto[]; initializer: TensorProto[]; input: ValueInfoProto[]; output: ValueInfoProto[]; valueInfo: ValueInfoProto[];
}
export interface ModelProto extends Unknown {
  irVersion: number; producerName: string; producerVersion: string; domain: string; modelVersion: number; docString: string;
  opsetImport: { domain: string; version: number }[]; graph: GraphProto; metadataProps: { key: string; value: string }[];
}

// Field numbers from onnx.proto3.
const F = {
  model: { irVersion: 1, producerName: 2, producerVersion: 3, domain: 4, modelVersion: 5, docString: 6, graph: 7, opsetImport: 8, metadataProps: 14 },
  opset: { domain: 1, version: 2 },
  entry: { key: 1, value: 2 },
  graph: { node: 1, name: 2, initializer: 5, input: 11, output: 12, valueInfo: 13 },
  node: { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 },
  attr: { name: 1, f: 2, i: 3, s: 4, t: 5, floats: 7, ints: 8, type: 20 },
  tensor: { dims: 1, dataType: 2, floatData: 4, int32Data: 5, int64Data: 7, name: 8, rawData: 9, externalData: 13, dataLocation: 14 },
  valueInfo: { name: 1, type: 2 },
  type: { tensorType: 1 },
  tensorType: { elemType: 1, shape: 2 },
  shape: { dim: 1 },
  dim: { value: 1, param: 2 },
} as const;

// ───────────────────────────── decoding ─────────────────────────────

const utf8 = new TextDecoder('utf-8');
const utf8Enc = new TextEncoder();

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
        case F.model.graph:
          expectWire(f, Wire.Len, 'ModelProto.graph');
          m.graph = decodeGraph(bytes, f.valueStart, f.valueEnd);
          graphSeen = true;
          break;
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

// ───────────────────────────── encoding ─────────────────────────────

/**
 * Collects an encoded message as a list of byte chunks: small writes go to a scratch buffer, large payloads
 * (tensor data) are referenced, never copied, until the caller concatenates or streams the chunks.
 */
class Sink {
  readonly parts: Uint8Array[] = [];
  private flushed = 0;
  private buf = new Uint8Array(256);
  private n = 0;

  get length(): number {
    return this.flushed + this.n;
  }
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    if (this.buf.length < 65536) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
      next.set(this.buf.subarray(0, this.n));
      this.buf = next;
    } else {
      this.flush();
      if (k > this.buf.length) this.buf = new Uint8Array(k);
    }
  }
  private flush(): void {
    if (this.n === 0) return;
    this.parts.push(this.buf.subarray(0, this.n));
    this.flushed += this.n;
    // the rest of the scratch buffer stays in use: chunks already handed out end before it
    this.buf = this.buf.length - this.n >= 64 ? this.buf.subarray(this.n) : new Uint8Array(4096);
    this.n = 0;
  }
  varint(v: number | bigint): void {
    if (typeof v === 'number' && v >= 0 && v <= 0x7fffffff && Number.isInteger(v)) {
      this.room(5);
      while (v >= 128) {
        this.buf[this.n++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.buf[this.n++] = v;
      return;
    }
    this.raw(encodeVarint(v));
  }
  raw(b: Uint8Array): void {
    if (b.length <= 512) {
      this.room(b.length);
      this.buf.set(b, this.n);
      this.n += b.length;
    } else {
      this.flush();
      this.parts.push(b);
      this.flushed += b.length;
    }
  }
  tag(no: number, wire: Wire): void {
    this.varint(no * 8 + wire);
  }
  append(child: Sink): void {
    child.flush();
    this.flush();
    for (const p of child.parts) this.parts.push(p);
    this.flushed += child.flushed;
  }
  done(): Uint8Array[] {
    this.flush();
    return this.parts;
  }
}

function wString(s: Sink, no: number, v: string, always = false): void {
  if (!v && !always) return;
  const b = utf8Enc.encode(v);
  s.tag(no, Wire.Len);
  s.varint(b.length);
  s.raw(b);
}
function wBytes(s: Sink, no: number, b: Uint8Array): void {
  s.tag(no, Wire.Len);
  s.varint(b.length);
  s.raw(b);
}
function wVarint(s: Sink, no: number, v: number | bigint): void {
  s.tag(no, Wire.Varint);
  s.varint(v);
}
function wMessage(s: Sink, no: number, child: Sink): void {
  s.tag(no, Wire.Len);
  s.varint(child.length);
  s.append(child);
}
function wFloat(s: Sink, no: number, v: number): void {
  s.tag(no, Wire.I32);
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, true);
  s.raw(b);
}
function wPackedInts(s: Sink, no: number, vs: readonly (number | bigint)[]): void {
  if (vs.length === 0) return;
  const child = new Sink();
  for (const v of vs) child.varint(v);
  wMessage(s, no, child);
}
function wPackedFloats(s: Sink, no: number, vs: readonly number[]): void {
  if (vs.length === 0) return;
  const b = new Uint8Array(vs.length * 4);
  const dv = new DataView(b.buffer);
  vs.forEach((v, i) => dv.setFloat32(i * 4, v, true));
  wBytes(s, no, b);
}
function wUnknown(s: Sink, u: Unknown): void {
  if (u.unknownFields) for (const b of u.unknownFields) s.raw(b);
}
function wEntry(s: Sink, no: number, e: { key: string; value: string }): void {
  const c = new Sink();
  wString(c, F.entry.key, e.key);
  wString(c, F.entry.value, e.value);
  wMessage(s, no, c);
}

function sinkTensor(t: TensorProto): Sink {
  const s = new Sink();
  wPackedInts(s, F.tensor.dims, t.dims);
  if (t.dataType) wVarint(s, F.tensor.dataType, t.dataType);
  if (t.floatData) wPackedFloats(s, F.tensor.floatData, t.floatData);
  if (t.int32Data) wPackedInts(s, F.tensor.int32Data, t.int32Data);
  if (t.int64Data) wPackedInts(s, F.tensor.int64Data, t.int64Data);
  wString(s, F.tensor.name, t.name);
  if (t.rawData) wBytes(s, F.tensor.rawData, t.rawData);
  if (t.externalData) for (const e of t.externalData) wEntry(s, F.tensor.externalData, e);
  if (t.dataLocation) wVarint(s, F.tensor.dataLocation, t.dataLocation);
  wUnknown(s, t);
  return s;
}

function sinkAttribute(a: AttributeProto): Sink {
  const s = new Sink();
  wString(s, F.attr.name, a.name);
  if (a.f !== undefined) wFloat(s, F.attr.f, a.f);
  if (a.i !== undefined) wVarint(s, F.attr.i, a.i);
  if (a.s !== undefined) wBytes(s, F.attr.s, a.s);
  if (a.t !== undefined) wMessage(s, F.attr.t, sinkTensor(a.t));
  if (a.floats) wPackedFloats(s, F.attr.floats, a.floats);
  if (a.ints) wPackedInts(s, F.attr.ints, a.ints);
  if (a.type) wVarint(s, F.attr.type, a.type);
  wUnknown(s, a);
  return s;
}

function sinkNode(n: NodeProto): Sink {
  const s = new Sink();
  for (const i of n.input) wString(s, F.node.input, i, true);
  for (const o of n.output) wString(s, F.node.output, o, true);
  wString(s, F.node.name, n.name);
  wString(s, F.node.opType, n.opType);
  for (const a of n.attribute) wMessage(s, F.node.attribute, sinkAttribute(a));
  wString(s, F.node.domain, n.domain);
  wUnknown(s, n);
  return s;
}

function sinkValueInfo(v: ValueInfoProto): Sink {
  const s = new Sink();
  wString(s, F.valueInfo.name, v.name);
  if (v.elemType !== 0 || v.shape !== null) {
    const tt = new Sink();
    if (v.elemType) wVarint(tt, F.tensorType.elemType, v.elemType);
    if (v.shape !== null) {
      const shape = new Sink();
      for (const d of v.shape) {
        const dim = new Sink();
        if (typeof d === 'number') wVarint(dim, F.dim.value, d);
        else wString(dim, F.dim.param, d);
        wMessage(shape, F.shape.dim, dim);
      }
      wMessage(tt, F.tensorType.shape, shape);
    }
    const type = new Sink();
    wMessage(type, F.type.tensorType, tt);
    wMessage(s, F.valueInfo.type, type);
  }
  wUnknown(s, v);
  return s;
}

function sinkGraph(g: GraphProto): Sink {
  const s = new Sink();
  for (const n of g.node) wMessage(s, F.graph.node, sinkNode(n));
  wString(s, F.graph.name, g.name);
  for (const v of g.input) wMessage(s, F.graph.input, sinkValueInfo(v));
  for (const v of g.output) wMessage(s, F.graph.output, sinkValueInfo(v));
  for (const v of g.valueInfo) wMessage(s, F.graph.valueInfo, sinkValueInfo(v));
  wUnknown(s, g);
  // initializers last: a streaming writer can emit the small part of the graph first
  for (const t of g.initializer) wMessage(s, F.graph.initializer, sinkTensor(t));
  return s;
}

/** The encoded model as a list of chunks (large tensor payloads are the caller's own arrays): for streaming to a file. */
export function encodeModelChunks(m: ModelProto): Uint8Array[] {
  const s = new Sink();
  wVarint(s, F.model.irVersion, m.irVersion);
  for (const o of m.opsetImport) {
    const c = new Sink();
    wString(c, F.opset.domain, o.domain);
    wVarint(c, F.opset.version, o.version);
    wMessage(s, F.model.opsetImport, c);
  }
  wString(s, F.model.producerName, m.producerName);
  wString(s, F.model.producerVersion, m.producerVersion);
  wString(s, F.model.domain, m.domain);
  if (m.modelVersion) wVarint(s, F.model.modelVersion, m.modelVersion);
  wString(s, F.model.docString, m.docString);
  for (const e of m.metadataProps) wEntry(s, F.model.metadataProps, e);
  wUnknown(s, m);
  wMessage(s, F.model.graph, sinkGraph(m.graph));
  return s.done();
}

export function encodeModel(m: ModelProto): Uint8Array {
  return concatBytes(encodeModelChunks(m));
}

export function encodeValueInfo(v: ValueInfoProto): Uint8Array {
  return concatBytes(sinkValueInfo(v).done());
}

export function encodeTensor(t: TensorProto): Uint8Array {
  return concatBytes(sinkTensor(t).done());
}

export function encodeNode(n: NodeProto): Uint8Array {
  return concatBytes(sinkNode(n).done());
}
