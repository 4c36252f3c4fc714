// The ONNX codec's public entry: the protobuf wire helpers, the ONNX schema, and model decoding and encoding.
export { concatBytes, encodeLenField, encodeTag, encodeVarint, ProtoError, readFields, Wire, type Field } from './wire';
export {
  AttributeType, TensorType,
  type AttributeProto, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto,
} from './schema';
export { decodeModel, decodeTensor } from './decode';
export { encodeModel, encodeModelChunks, encodeNode, encodeTensor, encodeValueInfo } from './encode';
