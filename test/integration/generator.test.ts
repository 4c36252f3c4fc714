import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel, type NodeProto } from '../../src/engine/onnx';
import { ensureFixtureModel, generateModel, GENERATOR_VERSION, type Arch, type FixtureName } from '../../scripts/gen-model';
import { erf, gelu, readSafetensors, referenceForward } from '../reference/bert';

const TOL = 1e-4;
const ARCHS: Arch[] = ['bert', 'distilbert', 'roberta'];

interface Cfg { vocab_size: number; pad_token_id: number; num_hidden_layers?: number; n_layers?: number; num_attention_heads?: number; n_heads?: number; hidden_size?: number; dim?: number }
const readConfig = (folder: string): Cfg => JSON.parse(fs.readFileSync(path.join(folder, 'config.json'), 'utf8')) as Cfg;
const dimsOf = (c: Cfg) => ({ L: (c.num_hidden_layers ?? c.n_layers) as number, heads: (c.num_attention_heads ?? c.n_heads) as number, H: (c.hidden_size ?? c.dim) as number });

type OptLevel = 'disabled' | 'basic' | 'extended' | 'all';
const sessions = new Map<string, Promise<ort.InferenceSession>>();
function session(file: string, level: OptLevel = 'all'): Promise<ort.InferenceSession> {
  const key = `${level}:${file}`;
  let s = sessions.get(key);
  if (!s) sessions.set(key, (s = ort.InferenceSession.create(file, { graphOptimizationLevel: level })));
  return s;
}

/** Token ids for a sequence of `n` tokens: [CLS]/<s>, pseudo-random ordinary tokens, [SEP]/</s>. */
function sequence(arch: Arch, vocab: number, n: number, salt: number): number[] {
  const [bos, eos, lo] = arch === 'roberta' ? [0, 2, 4] : [101, 102, 1000];
  let s = 12345 + salt * 7919;
  const ids = [bos];
  for (let i = 1; i < n - 1; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    ids.push(lo + (s % (vocab - lo - 1)));
  }
  ids.push(eos);
  return ids;
}

/** Runs a (possibly padded) batch; sequences shorter than the longest are padded with `pad` and mask 0. */
async function runBatch(folder: string, onnxFile: string, seqs: number[][], types: number[][] | null, pad: number, level: OptLevel = 'all'): Promise<ort.InferenceSession.OnnxValueMapType> {
  const s = await session(path.join(folder, onnxFile), level);
  const B = seqs.length;
  const T = Math.max(...seqs.map((q) => q.length));
  const ids = new BigInt64Array(B * T).fill(BigInt(pad));
  const mask = new BigInt64Array(B * T);
  const tt = new BigInt64Array(B * T);
  seqs.forEach((q, b) => q.forEach((id, t) => {
    ids[b * T + t] = BigInt(id);
    mask[b * T + t] = 1n;
    tt[b * T + t] = BigInt(types?.[b][t] ?? 0);
  }));
  const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', ids, [B, T]), attention_mask: new ort.Tensor('int64', mask, [B, T]) };
  if (s.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', tt, [B, T]);
  return s.run(feeds);
}

const f32 = (t: ort.Tensor): Float32Array => t.data as Float32Array;

/** max |a - b| over rows [0, n) of batch item `b` of a [B, T, H] tensor, against a reference [n, H]. */
function diffRows(t: ort.Tensor, b: number, n: number, ref: Float64Array): number {
  const [, T, H] = t.dims;
  const d = f32(t);
  let m = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < H; j++) m = Math.max(m, Math.abs(d[(b * T + i) * H + j] - ref[i * H + j]));
  return m;
}

/** max diff of the [n, n] real-token block of every head of batch item `b` of a [B, heads, T, T] tensor; padded keys must be 0. */
function diffAttn(t: ort.Tensor, b: number, n: number, ref: Float64Array): number {
  const [, heads, T] = t.dims;
  const d = f32(t);
  let m = 0;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < T; j++) {
        const v = d[((b * heads + h) * T + i) * T + j];
        m = Math.max(m, Math.abs(j < n ? v - ref[(h * n + i) * n + j] : v));
      }
    }
  }
  return m;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

void test('erf and gelu match tabulated values', () => {
  const table: [number, number][] = [
    [0, 0], [1e-3, 0.0011283787909692365], [0.1, 0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497149],
    [1.5, 0.9661051464753108], [2, 0.9953222650189527], [2.4999, 0.9995928300996666], [2.5, 0.999593047982555], [3, 0.9999779095030014],
    [4, 0.9999999845827421], [5.5, 0.9999999999999927], [7, 1],
  ];
  for (const [x, v] of table) {
    assert.ok(Math.abs(erf(x) - v) < 1e-13, `erf(${x}) = ${erf(x)}, expected ${v}`);
    assert.ok(Math.abs(erf(-x) + v) < 1e-13);
  }
  assert.ok(Math.abs(gelu(1) - 0.8413447460685429) < 1e-13);
  assert.ok(Math.abs(gelu(-2) - -0.04550026389635842) < 1e-13);
});

for (const arch of ARCHS) {
  for (const variant of ['stock', 'native'] as const) {
    void test(`${arch} tiny ${variant}: onnxruntime matches the reference forward pass`, async (t) => {
      const folder = await ensureFixtureModel(`${arch}-tiny-${variant}` as FixtureName);
      const cfg = readConfig(folder);
      const { L, heads, H } = dimsOf(cfg);
      const ids = sequence(arch, cfg.vocab_size, 13, 1);
      const types = arch === 'bert' ? ids.map((_, i) => (i < 7 ? 0 : 1)) : undefined;
      const ref = referenceForward(folder, ids, types);
      assert.equal(ref.hiddenStates.length, L + 1);
      assert.equal(ref.attentions.length, L);
      const out = await runBatch(folder, 'onnx/model.onnx', [ids], types ? [types] : null, cfg.pad_token_id);
      const diffs: Record<string, number> = {};
      assert.deepEqual(out.last_hidden_state.dims, [1, ids.length, H]);
      diffs.last_hidden_state = diffRows(out.last_hidden_state, 0, ids.length, ref.hiddenStates[L]);
      if (arch === 'distilbert') {
        assert.equal(out.pooler_output, undefined);
        assert.equal(ref.poolerOutput, null);
      } else {
        assert.deepEqual(out.pooler_output.dims, [1, H]);
        diffs.pooler_output = maxDiff(f32(out.pooler_output), ref.poolerOutput as Float64Array);
      }
      if (variant === 'native') {
        for (let i = 0; i <= L; i++) diffs[`hidden_states.${i}`] = diffRows(out[`hidden_states.${i}`], 0, ids.length, ref.hiddenStates[i]);
        for (let i = 0; i < L; i++) {
          assert.deepEqual(out[`attentions.${i}`].dims, [1, heads, ids.length, ids.length]);
          diffs[`attentions.${i}`] = diffAttn(out[`attentions.${i}`], 0, ids.length, ref.attentions[i]);
        }
      } else {
        assert.deepEqual(Object.keys(out), arch === 'distilbert' ? ['last_hidden_state'] : ['last_hidden_state', 'pooler_output']);
      }
      t.diagnostic(`max abs diff: ${Object.entries(diffs).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}`);
      for (const [k, v] of Object.entries(diffs)) assert.ok(v < TOL, `${k}: max abs diff ${v}`);
      // the reference is not degenerate: attention is peaked, layers change the hidden state
      const maxProb = Math.max(...ref.attentions[0]);
      assert.ok(maxProb > 0.5, `attention is near-uniform (max ${maxProb})`);
      assert.ok(maxDiff(ref.hiddenStates[0], ref.hiddenStates[L]) > 0.5);
    });
  }

  void test(`${arch} tiny fused: com.microsoft.Attention graph matches the reference, no Softmax visible`, async (t) => {
    const folder = await ensureFixtureModel(`${arch}-tiny-fused` as FixtureName);
    const model = decodeModel(fs.readFileSync(path.join(folder, 'onnx/model.onnx')));
    const cfg = readConfig(folder);
    const { L } = dimsOf(cfg);
    assert.equal(model.graph.node.filter((n) => n.opType === 'Softmax').length, 0);
    assert.equal(model.graph.node.filter((n) => n.opType === 'Attention' && n.domain === 'com.microsoft').length, L);
    assert.ok(model.opsetImport.some((o) => o.domain === 'com.microsoft' && o.version === 1));
    const ids = sequence(arch, cfg.vocab_size, 11, 2);
    const ref = referenceForward(folder, ids);
    const out = await runBatch(folder, 'onnx/model.onnx', [ids], null, cfg.pad_token_id);
    const d = diffRows(out.last_hidden_state, 0, ids.length, ref.hiddenStates[L]);
    const p = ref.poolerOutput ? maxDiff(f32(out.pooler_output), ref.poolerOutput) : 0;
    t.diagnostic(`max abs diff: last_hidden_state ${d.toExponential(2)}, pooler_output ${p.toExponential(2)}`);
    assert.ok(d < TOL && p < TOL);
  });

  void test(`${arch} tiny: stock and native give the same last_hidden_state and pooler_output`, async (t) => {
    const stock = await ensureFixtureModel(`${arch}-tiny-stock` as FixtureName);
    const native = await ensureFixtureModel(`${arch}-tiny-native` as FixtureName);
    const cfg = readConfig(stock);
    const ids = sequence(arch, cfg.vocab_size, 17, 3);
    const diffs: string[] = [];
    // without ORT's fusions (which differ where the native graph exposes intermediate values) the results are
    // bit-identical; with them, they agree to float32 rounding
    for (const [level, tol] of [['basic', 0], ['all', 1e-5]] as const) {
      const a = await runBatch(stock, 'onnx/model.onnx', [ids], null, cfg.pad_token_id, level);
      const b = await runBatch(native, 'onnx/model.onnx', [ids], null, cfg.pad_token_id, level);
      const d = maxDiff(f32(a.last_hidden_state), f32(b.last_hidden_state));
      const p = a.pooler_output ? maxDiff(f32(a.pooler_output), f32(b.pooler_output)) : 0;
      diffs.push(`optimisation ${level}: last_hidden_state ${d}, pooler_output ${p}`);
      assert.ok(d <= tol && p <= tol, diffs.at(-1));
    }
    t.diagnostic(`stock vs native max abs diff: ${diffs.join('; ')}`);
    // the weights are the same file
    assert.ok(fs.readFileSync(path.join(stock, 'model.safetensors')).equals(fs.readFileSync(path.join(native, 'model.safetensors'))));
  });

  void test(`${arch} tiny native: a padded batch of two gives each sequence's own results on its real tokens`, async (t) => {
    const folder = await ensureFixtureModel(`${arch}-tiny-native` as FixtureName);
    const cfg = readConfig(folder);
    const { L } = dimsOf(cfg);
    const long = sequence(arch, cfg.vocab_size, 14, 4);
    const short = sequence(arch, cfg.vocab_size, 6, 5);
    const types = arch === 'bert' ? [long.map((_, i) => (i < 9 ? 0 : 1)), short.map((_, i) => (i < 3 ? 0 : 1))] : null;
    const batch = await runBatch(folder, 'onnx/model.onnx', [long, short], types, cfg.pad_token_id);
    let worstAlone = 0;
    let worstRef = 0;
    for (const [b, seq] of [long, short].entries()) {
      const alone = await runBatch(folder, 'onnx/model.onnx', [seq], types ? [types[b]] : null, cfg.pad_token_id);
      const ref = referenceForward(folder, seq, types?.[b]);
      const n = seq.length;
      // ORT alone vs ORT in the batch
      for (const name of ['last_hidden_state', ...Array.from({ length: L + 1 }, (_, i) => `hidden_states.${i}`)]) {
        const aloneRows = Float64Array.from(f32(alone[name]));
        worstAlone = Math.max(worstAlone, diffRows(batch[name], b, n, aloneRows));
      }
      for (let i = 0; i < L; i++) worstAlone = Math.max(worstAlone, diffAttn(batch[`attentions.${i}`], b, n, Float64Array.from(f32(alone[`attentions.${i}`]))));
      if (batch.pooler_output) {
        const H = batch.pooler_output.dims[1];
        worstAlone = Math.max(worstAlone, maxDiff(f32(batch.pooler_output).subarray(b * H, (b + 1) * H), f32(alone.pooler_output)));
        worstRef = Math.max(worstRef, maxDiff(f32(batch.pooler_output).subarray(b * H, (b + 1) * H), ref.poolerOutput as Float64Array));
      }
      // the batch vs the reference of the sequence alone
      for (let i = 0; i <= L; i++) worstRef = Math.max(worstRef, diffRows(batch[`hidden_states.${i}`], b, n, ref.hiddenStates[i]));
      for (let i = 0; i < L; i++) worstRef = Math.max(worstRef, diffAttn(batch[`attentions.${i}`], b, n, ref.attentions[i]));
      // and the reference of the padded sequence agrees with itself unpadded
      if (b === 1) {
        const T = long.length;
        const padded = [...seq, ...Array<number>(T - n).fill(cfg.pad_token_id)];
        const refPadded = referenceForward(folder, padded, types ? [...types[1], ...Array<number>(T - n).fill(0)] : undefined, padded.map((_, i) => (i < n ? 1 : 0)));
        const H = dimsOf(cfg).H;
        assert.ok(maxDiff(refPadded.hiddenStates[L].subarray(0, n * H), ref.hiddenStates[L]) < 1e-12);
      }
    }
    t.diagnostic(`padded batch: max abs diff vs alone ${worstAlone.toExponential(2)}, vs reference ${worstRef.toExponential(2)}`);
    assert.ok(worstAlone < 1e-5, `batch vs alone ${worstAlone}`);
    assert.ok(worstRef < TOL, `batch vs reference ${worstRef}`);
  });

  void test(`${arch} tiny: the longest input (40 tokens) runs and matches the reference`, async () => {
    const folder = await ensureFixtureModel(`${arch}-tiny-stock` as FixtureName);
    const cfg = readConfig(folder);
    const max = (JSON.parse(fs.readFileSync(path.join(folder, 'tokenizer_config.json'), 'utf8')) as { model_max_length: number }).model_max_length;
    assert.equal(max, 40);
    const ids = sequence(arch, cfg.vocab_size, max, 6);
    const out = await runBatch(folder, 'onnx/model.onnx', [ids], null, cfg.pad_token_id);
    const ref = referenceForward(folder, ids);
    assert.ok(diffRows(out.last_hidden_state, 0, max, ref.hiddenStates[dimsOf(cfg).L]) < TOL);
  });
}

function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cls-lens-gen-${tag}-`));
}

void test('generation is deterministic for a seed, and the seed changes the weights', async () => {
  const dirs = [tmpDir('a'), tmpDir('b'), tmpDir('c'), tmpDir('d')];
  try {
    await generateModel({ out: dirs[0], arch: 'bert', preset: 'tiny', seed: 7 });
    await generateModel({ out: dirs[1], arch: 'bert', preset: 'tiny', seed: 7 });
    await generateModel({ out: dirs[2], arch: 'bert', preset: 'tiny', seed: 8 });
    await generateModel({ out: dirs[3], arch: 'bert', preset: 'tiny', seed: 7, variant: 'native' });
    const files = ['config.json', 'model.safetensors', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];
    for (const f of files) assert.ok(fs.readFileSync(path.join(dirs[0], f)).equals(fs.readFileSync(path.join(dirs[1], f))), `${f} differs between two runs`);
    assert.ok(!fs.readFileSync(path.join(dirs[0], 'model.safetensors')).equals(fs.readFileSync(path.join(dirs[2], 'model.safetensors'))));
    assert.ok(fs.readFileSync(path.join(dirs[0], 'model.safetensors')).equals(fs.readFileSync(path.join(dirs[3], 'model.safetensors'))), 'the variant changed the weights');
    const a = readSafetensors(path.join(dirs[0], 'model.safetensors'));
    const c = readSafetensors(path.join(dirs[2], 'model.safetensors'));
    assert.ok(maxDiff(a.get('encoder.layer.0.attention.self.query.weight')!.data, c.get('encoder.layer.0.attention.self.query.weight')!.data) > 0.1);
  } finally {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
});

void test('folder layout: config.json, safetensors names and shapes, tokenizer files, optimum layout', async () => {
  const dir = tmpDir('layout');
  try {
    const r = await generateModel({ out: dir, arch: 'distilbert', preset: 'tiny', layout: 'optimum', seed: 3 });
    assert.equal(r.onnxFile, 'model.onnx');
    assert.ok(fs.existsSync(path.join(dir, 'model.onnx')) && !fs.existsSync(path.join(dir, 'onnx')));
    for (const f of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) assert.ok(fs.existsSync(path.join(dir, f)), f);
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(
      [cfg.model_type, cfg.architectures, cfg.dim, cfg.n_layers, cfg.n_heads, cfg.hidden_dim, cfg.max_position_embeddings, cfg.vocab_size, cfg.activation],
      ['distilbert', ['DistilBertModel'], 32, 2, 4, 64, 40, 30522, 'gelu'],
    );
    assert.deepEqual(cfg.cls_lens, {
      ...(cfg.cls_lens as object), random_weights: true, generator: 'scripts/gen-model.ts', seed: 3, variant: 'stock', generator_version: GENERATOR_VERSION,
    });
    const st = readSafetensors(path.join(dir, 'model.safetensors'));
    assert.deepEqual(st.get('transformer.layer.1.ffn.lin1.weight')?.shape, [64, 32]);
    assert.deepEqual(st.get('embeddings.word_embeddings.weight')?.shape, [30522, 32]);
    assert.equal(st.size, 4 + 2 * 16);
    // [PAD] row zeroed as nn.Embedding(padding_idx) does
    assert.ok(st.get('embeddings.word_embeddings.weight')!.data.subarray(0, 32).every((v) => v === 0));
    assert.equal(r.params, [...st.values()].reduce((n, t) => n + t.data.length, 0));
    assert.equal(r.safetensorsBytes, fs.statSync(path.join(dir, 'model.safetensors')).size);
    assert.equal(r.onnxBytes, fs.statSync(path.join(dir, 'model.onnx')).size);

    const b = await generateModel({ out: dir, arch: 'bert', preset: 'tiny' });
    assert.ok(!fs.existsSync(path.join(dir, 'model.onnx')), 'the other layout\'s ONNX file is removed');
    const bc = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(
      [bc.model_type, bc.architectures, bc.hidden_size, bc.num_hidden_layers, bc.num_attention_heads, bc.intermediate_size, bc.type_vocab_size, bc.layer_norm_eps, bc.pad_token_id, bc.hidden_act],
      ['bert', ['BertModel'], 32, 2, 4, 64, 2, 1e-12, 0, 'gelu'],
    );
    assert.deepEqual(b.outputs, ['last_hidden_state', 'pooler_output']);
    const bst = readSafetensors(path.join(dir, 'model.safetensors'));
    for (const n of ['encoder.layer.0.attention.self.query.weight', 'encoder.layer.1.output.LayerNorm.bias', 'pooler.dense.weight', 'embeddings.token_type_embeddings.weight']) assert.ok(bst.has(n), n);
    assert.deepEqual(bst.get('encoder.layer.0.intermediate.dense.weight')?.shape, [64, 32]); // [out, in]
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function producers(nodes: NodeProto[]): Map<string, NodeProto> {
  return new Map(nodes.flatMap((n) => n.output.map((o) => [o, n] as [string, NodeProto])));
}

void test('the ONNX graphs look like torch exports at opset 14 and re-encode byte for byte', async () => {
  for (const name of ['bert-tiny-stock', 'distilbert-tiny-stock', 'roberta-tiny-stock', 'bert-tiny-native'] as const) {
    const folder = await ensureFixtureModel(name);
    const bytes = fs.readFileSync(path.join(folder, 'onnx/model.onnx'));
    const m = decodeModel(bytes);
    assert.ok(Buffer.from(encodeModel(m)).equals(bytes), `${name}: decode → encode changed the bytes`);
    assert.equal(m.irVersion, 8);
    assert.equal(m.producerName, 'cls-lens-gen');
    assert.deepEqual(m.opsetImport, [{ domain: '', version: 14 }]);
    const distil = name.startsWith('distilbert');
    assert.deepEqual(m.graph.input.map((v) => [v.name, v.elemType, v.shape]),
      (distil ? ['input_ids', 'attention_mask'] : ['input_ids', 'attention_mask', 'token_type_ids']).map((n) => [n, 7, ['batch_size', 'sequence_length']]));
    const names = new Set(m.graph.node.map((n) => n.name));
    const expectNames = distil
      ? ['/embeddings/LayerNorm/Add_1', '/transformer/layer.0/attention/Softmax', '/transformer/layer.0/sa_layer_norm/Add_1', '/transformer/layer.1/output_layer_norm/Add_1', '/transformer/layer.0/ffn/activation/Erf']
      : ['/embeddings/LayerNorm/Add_1', '/encoder/layer.0/attention/self/Softmax', '/encoder/layer.0/output/LayerNorm/Add_1', '/encoder/layer.1/attention/output/LayerNorm/Div', '/encoder/layer.0/intermediate/intermediate_act_fn/Erf', '/pooler/activation/Tanh', '/Mul'];
    for (const n of expectNames) assert.ok(names.has(n), `${name}: no node ${n}`);
    const softmax = m.graph.node.filter((n) => n.opType === 'Softmax');
    assert.equal(softmax.length, 2);
    for (const s of softmax) assert.deepEqual(s.attribute.map((a) => [a.name, a.i]), [['axis', -1n]]);
    // each LayerNorm: ReduceMean → Sub → Pow → ReduceMean → Add eps → Sqrt → Div → Mul γ → Add β
    const prod = producers(m.graph.node);
    const lnOut = m.graph.node.filter((n) => n.opType === 'Div' && prod.get(n.input[1])?.opType === 'Sqrt');
    assert.equal(lnOut.length, 2 * 2 + 1);
    for (const div of lnOut) {
      const sub = prod.get(div.input[0])!;
      assert.equal(sub.opType, 'Sub');
      assert.equal(prod.get(sub.input[1])?.opType, 'ReduceMean');
      const add = prod.get(prod.get(div.input[1])!.input[0])!;
      assert.equal(add.opType, 'Add');
      assert.equal(prod.get(add.input[0])?.opType, 'ReduceMean');
      assert.equal(prod.get(prod.get(add.input[0])!.input[0])?.opType, 'Pow');
    }
    const outs = m.graph.output.map((o) => o.name);
    if (name === 'bert-tiny-native') {
      assert.deepEqual(outs, ['last_hidden_state', 'pooler_output', 'hidden_states.0', 'hidden_states.1', 'hidden_states.2', 'attentions.0', 'attentions.1']);
      assert.deepEqual(m.graph.output[5].shape, ['batch_size', 4, 'sequence_length', 'sequence_length']);
      assert.equal(prod.get('attentions.1')?.name, '/encoder/layer.1/attention/self/Softmax');
      assert.equal(prod.get('hidden_states.1')?.name, '/encoder/layer.0/output/LayerNorm/Add_1');
    } else {
      assert.deepEqual(outs, distil ? ['last_hidden_state'] : ['last_hidden_state', 'pooler_output']);
      assert.deepEqual(m.graph.output[0].shape, ['batch_size', 'sequence_length', 32]);
    }
    // transposed Linear weights are named as torch names them
    assert.ok(m.graph.initializer.some((t) => /^onnx::MatMul_\d+$/.test(t.name) && t.dims[0] === 32 && t.dims[1] === 64));
    assert.ok(m.graph.initializer.every((t) => t.rawData && t.rawData.length > 0));
  }
});

void test('ensureFixtureModel generates once and reuses the folder', async () => {
  const a = await ensureFixtureModel('bert-tiny-stock');
  const marker = fs.readFileSync(path.join(a, '.complete'), 'utf8');
  assert.match(marker, new RegExp(`"generator":"${GENERATOR_VERSION}"`));
  const mtime = fs.statSync(path.join(a, 'onnx/model.onnx')).mtimeMs;
  const b = await ensureFixtureModel('bert-tiny-stock');
  assert.equal(a, b);
  assert.equal(fs.statSync(path.join(b, 'onnx/model.onnx')).mtimeMs, mtime);
  assert.equal(path.basename(path.dirname(a)), '.fixtures');
  await assert.rejects(ensureFixtureModel('gpt-tiny-stock' as FixtureName), /unknown fixture model/);
});

void test('fixtures: several processes asking at once get one complete folder; a stale version is remade', async (t) => {
  const script = path.join(__dirname, '..', '..', 'scripts', 'gen-model.js');
  if (!fs.existsSync(script)) {
    t.skip('out/scripts/gen-model.js is not built');
    return;
  }
  const root = tmpDir('fixtures');
  const env = { ...process.env, CLS_LENS_FIXTURES: root };
  const run = () => new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [script, '--fixture', 'roberta-tiny-stock'], { env }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim())));
  });
  try {
    const folders = await Promise.all([run(), run(), run(), run()]);
    const folder = path.join(root, 'roberta-tiny-stock');
    assert.deepEqual(folders, [folder, folder, folder, folder]);
    assert.deepEqual(fs.readdirSync(root), ['roberta-tiny-stock'], 'temporary folders are cleaned up');
    assert.ok(fs.existsSync(path.join(folder, '.complete')) && fs.existsSync(path.join(folder, 'onnx/model.onnx')));
    // a fixture from another generator version is replaced
    fs.writeFileSync(path.join(folder, '.complete'), '{"generator":"0"}');
    fs.writeFileSync(path.join(folder, 'stale'), '');
    assert.equal(await run(), folder);
    assert.ok(!fs.existsSync(path.join(folder, 'stale')));
    assert.match(fs.readFileSync(path.join(folder, '.complete'), 'utf8'), new RegExp(`"generator":"${GENERATOR_VERSION}"`));
    assert.deepEqual(fs.readdirSync(root), ['roberta-tiny-stock']);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
