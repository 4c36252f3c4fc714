// Encoding ONNX messages into byte chunks; fields kept in `unknownFields` are written back, so decode → encode
// loses nothing but field order.
import { F, type AttributeProto, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type Unknown, type ValueInfoProto } from './schema';
import { concatBytes, Sink, wBytes, wFloat, wMessage, wPackedFloats, wPackedInts, wString, wVarint } from './wire';

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
