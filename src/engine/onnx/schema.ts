// The part of the ONNX schema (onnx.proto3) the engine needs: message types, element and attribute type enums, field numbers.

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
export interface Unknown { unknownFields?: Uint8Array[] }

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
export const F = {
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
