// Finding, and exposing as graph outputs, each layer's attention probabilities (Softmax) and each layer's hidden
// state (the output LayerNorm) in a stock BERT-family ONNX export, which outputs only last_hidden_state.
// The model bytes are spliced, not re-encoded: every field of the original file is kept as it was.
import { EngineError } from '../errors';
import { decodeModel } from './decode';
import { encodeNode, encodeTensor, encodeValueInfo } from './encode';
import { F, TensorType, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from './schema';
import { concatBytes, encodeLenField } from './wire';
import type { Capability } from '../../shared/types';

export interface OutputPlan {
  /** Graph inputs (names) the model declares. */
  inputs: string[];
  lastHidden: string;
  pooler: string | null;
  /** L+1 tensor names (embeddings output first) or null when they cannot be found. */
  hiddenStates: string[] | null;
  /** L tensor names, [batch, heads, T, T] each, or null. */
  attentions: string[] | null;
  attentionsCap: Capability;
  hiddenCap: Capability;
  /** Element type of the float outputs (1 = float32, 10 = float16). */
  floatType: number;
}

const NATIVE_HIDDEN = /^(?:all_)?hidden_states[._]?(\d+)$/;
const NATIVE_ATTN = /^(?:all_)?attentions[._]?(\d+)$/;
const FUSED_ATTENTION_OPS = new Set(['Attention', 'MultiHeadAttention', 'PackedAttention', 'PackedMultiHeadAttention', 'GroupQueryAttention', 'DecoderMaskedMultiHeadAttention']);
const LAYER_NORM_OPS = new Set(['LayerNormalization', 'SkipLayerNormalization', 'EmbedLayerNormalization', 'SimplifiedLayerNormalization', 'SkipSimplifiedLayerNormalization']);

function layerIndexOf(name: string): number | null {
  const m = /(?:layer|layers|block|blocks)[._/](\d+)/i.exec(name);
  return m ? Number(m[1]) : null;
}

/** Stable sort by the layer number in node names where every name has one; otherwise keep graph (topological) order. */
function inLayerOrder<T>(items: T[], name: (t: T) => string): T[] {
  const idx = items.map((t) => layerIndexOf(name(t)));
  if (idx.some((i) => i === null)) return items;
  return items.map((t, i) => ({ t, i, l: idx[i] as number })).sort((a, b) => a.l - b.l || a.i - b.i).map((x) => x.t);
}

interface GraphIndex {
  producer: Map<string, NodeProto>;
  consumers: Map<string, NodeProto[]>;
}

function indexGraph(nodes: NodeProto[]): GraphIndex {
  const producer = new Map<string, NodeProto>();
  const consumers = new Map<string, NodeProto[]>();
  for (const n of nodes) {
    for (const o of n.output) if (o) producer.set(o, n);
    for (const i of n.input) {
      if (!i) continue;
      const list = consumers.get(i);
      if (list) list.push(n); else consumers.set(i, [n]);
    }
  }
  return { producer, consumers };
}

/** Output tensor of every LayerNorm, fused or decomposed (ReduceMean/Sub/Pow/…/Div/Mul/Add), in graph order. */
export function layerNormOutputs(nodes: NodeProto[]): string[] {
  const g = indexGraph(nodes);
  const found: { name: string; order: number }[] = [];
  nodes.forEach((n, order) => {
    if (LAYER_NORM_OPS.has(n.opType)) {
      found.push({ name: n.output[0], order });
      return;
    }
    // decomposed: Div(Sub(x, ReduceMean(x)), Sqrt(…)) → Mul(γ) → Add(β)
    if (n.opType !== 'Div' || n.input.length < 2) return;
    const num = g.producer.get(n.input[0]);
    const den = g.producer.get(n.input[1]);
    if (num?.opType !== 'Sub' || den?.opType !== 'Sqrt') return;
    const mean = g.producer.get(num.input[1]);
    if (mean?.opType !== 'ReduceMean') return;
    const mul = g.consumers.get(n.output[0]);
    if (mul?.length !== 1 || mul[0].opType !== 'Mul') return;
    const add = g.consumers.get(mul[0].output[0]);
    if (add?.length !== 1 || add[0].opType !== 'Add') return;
    found.push({ name: add[0].output[0], order: nodes.indexOf(add[0]) });
  });
  return found.sort((a, b) => a.order - b.order).map((f) => f.name);
}

/** Softmax nodes whose probabilities multiply the values (attention), as opposed to any other Softmax. */
export function attentionSoftmaxOutputs(nodes: NodeProto[]): string[] {
  const g = indexGraph(nodes);
  const soft = nodes.filter((n) => n.opType === 'Softmax' && (n.domain === '' || n.domain === 'ai.onnx'));
  const feedsMatMul = (t: string, depth = 0): boolean => (g.consumers.get(t) ?? []).some((c) =>
    c.opType === 'MatMul' || c.opType === 'Einsum'
    || (depth < 3 && ['Dropout', 'Cast', 'Identity', 'Where', 'Mul'].includes(c.opType) && feedsMatMul(c.output[0], depth + 1)));
  return inLayerOrder(soft.filter((n) => feedsMatMul(n.output[0])), (n) => n.name).map((n) => n.output[0]);
}

/** Decide, once per model, where attentions and hidden states come from. */
export function planOutputs(model: ModelProto, layers: number): OutputPlan {
  const graph = model.graph;
  const inputs = graph.input.map((v) => v.name).filter((n) => !graph.initializer.some((t) => t.name === n));
  const outs = graph.output.map((o) => o.name);
  if (outs.length === 0) throw new EngineError('onnx-unsupported', 'The ONNX graph declares no outputs.', 'Re-export the model.');
  const lastHidden = outs.includes('last_hidden_state') ? 'last_hidden_state' : outs[0];
  const lastInfo = graph.output.find((o) => o.name === lastHidden);
  if (lastInfo?.shape && lastInfo.shape.length !== 3) {
    throw new EngineError('onnx-unsupported',
      `The graph's first output "${lastHidden}" has rank ${lastInfo.shape.length}, not the [batch, tokens, hidden] of an encoder.`,
      'Use an encoder export whose first output is last_hidden_state (optimum feature "feature-extraction").');
  }
  const pooler = outs.includes('pooler_output') ? 'pooler_output' : null;
  const floatType = lastInfo?.elemType === TensorType.FLOAT16 ? TensorType.FLOAT16 : TensorType.FLOAT;

  const sortNative = (re: RegExp) => outs.map((n) => ({ n, m: re.exec(n) })).filter((x) => x.m)
    .sort((a, b) => Number(a.m![1]) - Number(b.m![1])).map((x) => x.n);
  const nativeHidden = sortNative(NATIVE_HIDDEN);
  const nativeAttn = sortNative(NATIVE_ATTN);

  let attentions: string[] | null = null;
  let attentionsCap: Capability;
  if (nativeAttn.length === layers) {
    attentions = nativeAttn;
    attentionsCap = { source: 'native', reason: 'The export outputs attention probabilities.' };
  } else {
    const fused = graph.node.find((n) => FUSED_ATTENTION_OPS.has(n.opType));
    const soft = attentionSoftmaxOutputs(graph.node);
    if (fused && soft.length < layers) {
      attentionsCap = { source: 'unavailable', reason: `Attention is fused into ${fused.domain || 'ai.onnx'}.${fused.opType} nodes, which compute the softmax internally; its probabilities cannot be read. Use an unoptimised export (optimum without --optimize) to see attention.` };
    } else if (soft.length === layers) {
      attentions = soft;
      attentionsCap = { source: 'rewritten', reason: `Exposed the ${layers} attention Softmax outputs of the graph.` };
    } else {
      attentionsCap = { source: 'unavailable', reason: `Found ${soft.length} attention Softmax nodes for ${layers} layers, so they cannot be matched to layers.` };
    }
  }

  let hiddenStates: string[] | null = null;
  let hiddenCap: Capability;
  if (nativeHidden.length === layers + 1) {
    hiddenStates = nativeHidden;
    hiddenCap = { source: 'native', reason: 'The export outputs every hidden state.' };
  } else {
    const ln = layerNormOutputs(graph.node);
    if (ln.length === 2 * layers + 1) {
      // post-LN encoders: embeddings LN, then (attention-output LN, output LN) per layer
      hiddenStates = ln.filter((_, i) => i % 2 === 0);
      hiddenCap = { source: 'rewritten', reason: 'Exposed the embeddings LayerNorm and each layer\'s output LayerNorm.' };
    } else {
      hiddenCap = { source: 'unavailable', reason: `Found ${ln.length} LayerNorms where a post-LN encoder of ${layers} layers has ${2 * layers + 1}; only the last layer is shown.` };
    }
  }
  return { inputs, lastHidden, pooler, hiddenStates, attentions, attentionsCap, hiddenCap, floatType };
}

/** Nodes, initializers and typed outputs added to a graph (appended after the file's bytes by `outputsSuffix`). */
export interface GraphAddition {
  nodes: NodeProto[];
  initializers: TensorProto[];
  outputs: ValueInfoProto[];
}

/** Append graph outputs for the tensors the plan needs that the graph does not output yet (and `extra`'s nodes). */
export function exposeOutputs(bytes: Uint8Array, names: string[], elemType: number, extra?: GraphAddition): Uint8Array {
  const suffix = outputsSuffix(names, elemType, extra);
  return suffix.length === 0 ? bytes : concatBytes([bytes, suffix]);
}

/**
 * The bytes that, appended to a ModelProto, add `names` as graph outputs of type `elemType` (and `extra`'s nodes,
 * initializers and outputs): a second `graph` field holding only what is added, which protobuf parsers (onnxruntime's,
 * and decodeModel) merge into the first. The model's own bytes are never rewritten: splicing the outputs into the graph
 * field copied a BERT-base file (418 MB) three times, ≈ 5 s of a 11 s load and three copies alive at once. Empty when
 * there is nothing to add.
 */
export function outputsSuffix(names: string[], elemType: number, extra: GraphAddition = { nodes: [], initializers: [], outputs: [] }): Uint8Array {
  const outputs = [...names.map((name) => ({ name, elemType, shape: null })), ...extra.outputs];
  if (outputs.length === 0 && extra.nodes.length === 0) return new Uint8Array(0);
  const graph = concatBytes([
    ...extra.nodes.map((n) => encodeLenField(F.graph.node, encodeNode(n))),
    ...extra.initializers.map((t) => encodeLenField(F.graph.initializer, encodeTensor(t))),
    ...outputs.map((o) => encodeLenField(F.graph.output, encodeValueInfo(o))),
  ]);
  return encodeLenField(F.model.graph, graph);
}

/** The graph output the query-row taps add: [L·B, heads, T] (or [L·B·heads, T]; the same floats for one sequence). */
export const QUERY_ROWS_OUTPUT = 'cls_lens/query_rows';
/** A small int64 output of the taps that only orders the run (see queryRowTaps); never fetched. */
export const TAPS_ORDER_OUTPUT = 'cls_lens/after_model';

/**
 * Nodes that read the first query's row (the [CLS] row) out of every layer's attention Softmax, so that the encoder's
 * own run returns them as QUERY_ROWS_OUTPUT: no second run, and no second read of the query and key weights (≈ 7 MB
 * per MiniLM-size inspection, 56 MB at BERT-base size). Null where the graph does not allow it: fp16 outputs (the
 * Softmax may run in either precision), an opset before 11 (negative Gather axes), or not one attention Softmax per
 * layer.
 *
 * The order of the added nodes matters. onnxruntime runs every node on every run, fetched or not, in the order of a
 * depth-first walk back from the graph's leaf nodes, the leaf with the highest node index first (graph_viewer.cc, the
 * default execution order). Appended naively, the row Gathers run after the whole encoder, and every layer's
 * [B, heads, T, T] probabilities stay allocated until then: +136 MiB resident for BERT-base size at 512 tokens, and
 * L times a batch's probabilities in the experiments' batched runs. So:
 *   - the rows are concatenated as a chain (rows of layers 0..l, then layer l+1 appended), each Gather appended after
 *     the next layer's, so that the walk from the chain's end reaches layer 0's Softmax first and each Gather runs
 *     right after its Softmax (test/integration/attention.test.ts checks the order in onnxruntime's profile);
 *   - the model's own leaves (its outputs, which fusions renumber above every appended node) become inputs of one
 *     added node (TAPS_ORDER_OUTPUT, the concatenated shapes of those outputs), so that the chain's end is the leaf
 *     with the highest index, walked first.
 */
export function queryRowTaps(model: ModelProto, layers: number, floatType: number): (GraphAddition & { output: string }) | null {
  const opset = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 0;
  if (floatType !== TensorType.FLOAT || opset < 11 || layers < 1) return null;
  const soft = attentionSoftmaxOutputs(model.graph.node);
  if (soft.length !== layers) return null;
  const node = (opType: string, input: string[], output: string, attribute: NodeProto['attribute'] = []): NodeProto =>
    ({ name: output, opType, domain: '', input, output: [output], attribute });
  const axis = (i: bigint) => [{ name: 'axis', type: 2, i }];
  // the model's leaves: nodes none of whose outputs another node reads
  const read = new Set(model.graph.node.flatMap((n) => n.input));
  const leaves = model.graph.node.filter((n) => n.output.every((o) => !o || !read.has(o))).map((n) => n.output.find((o) => o)).filter((o): o is string => !!o);
  const shapes = leaves.map((o, i) => node('Shape', [o], `cls_lens/leaf_shape_${i}`));
  const after = node('Concat', shapes.map((n) => n.output[0]), TAPS_ORDER_OUTPUT, axis(0n));
  // a scalar index: Gather drops the query axis ([B, heads, T, T] → [B, heads, T])
  const index = 'cls_lens/query_index';
  const rowName = (l: number) => (layers === 1 ? QUERY_ROWS_OUTPUT : `cls_lens/query_row_${l}`);
  const gathers = soft.map((name, l) => node('Gather', [name, index], rowName(l), axis(-2n)));
  const chain: NodeProto[] = [];
  for (let l = 1; l < layers; l++) {
    chain.push(node('Concat', [l === 1 ? gathers[0].output[0] : chain[l - 2].output[0], gathers[l].output[0]], l === layers - 1 ? QUERY_ROWS_OUTPUT : `cls_lens/query_rows_0_${l}`, axis(0n)));
  }
  const zero: TensorProto = { name: index, dataType: TensorType.INT64, dims: [], rawData: new Uint8Array(8) };
  return {
    nodes: [...shapes, ...(shapes.length ? [after] : []), ...[...gathers].reverse(), ...chain],
    initializers: [zero],
    outputs: [
      { name: QUERY_ROWS_OUTPUT, elemType: TensorType.FLOAT, shape: null },
      ...(shapes.length ? [{ name: TAPS_ORDER_OUTPUT, elemType: TensorType.INT64, shape: null }] : []),
    ],
    output: QUERY_ROWS_OUTPUT,
  };
}

export interface PreparedGraph {
  bytes: Uint8Array;
  plan: OutputPlan;
  model: ModelProto;
}

/** Analyse the model file and return bytes whose outputs include everything the plan names. */
export function prepareGraph(bytes: Uint8Array, layers: number): PreparedGraph {
  let model: ModelProto;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    throw new EngineError('onnx-invalid', `The ONNX file cannot be read: ${(e as Error).message}`, 'The file may be truncated or not an ONNX model: re-download or re-export it.');
  }
  const plan = planOutputs(model, layers);
  const existing = new Set(model.graph.output.map((o) => o.name));
  const wanted = [...(plan.hiddenStates ?? []), ...(plan.attentions ?? [])].filter((n) => !existing.has(n));
  return { bytes: exposeOutputs(bytes, [...new Set(wanted)], plan.floatType), plan, model };
}
