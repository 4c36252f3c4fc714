// The engine against an independent reference forward pass (plain TypeScript, float64, weights read from
// model.safetensors — not onnxruntime), on models made by the project's generator.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureFixtureModel } from '../../scripts/gen-model';
import { Engine } from '../../src/engine/engine';
import { EngineError } from '../../src/engine/errors';
import { layerNormOutputs, attentionSoftmaxOutputs } from '../../src/engine/onnx/rewrite';
import { decodeModel, encodeModel, TensorType, type NodeProto } from '../../src/engine/onnx';
import type { Inspection } from '../../src/shared/types';
import { referenceForward } from '../reference/bert';

const TOL = 1e-4;
const FULL = { detail: 'full' } as const;
const TEXT = 'The capital of France, Paris, is on the Seine.';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'length');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function expectEngineError(p: Promise<unknown>, code: string, pattern?: RegExp): Promise<EngineError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof EngineError, `expected EngineError, got ${(e as Error)?.stack}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return e;
  }
  assert.fail(`expected EngineError ${code}`);
}

function checkAgainstReference(r: Inspection, folder: string): void {
  const ids = r.tokens.map((t) => t.id);
  const ref = referenceForward(folder, ids, new Array(ids.length).fill(0), new Array(ids.length).fill(1));
  const L = r.model.layers, T = ids.length, H = r.model.hidden, Hd = r.model.heads;
  assert.deepEqual(r.layerIds, Array.from({ length: L + 1 }, (_, i) => i));
  for (let l = 0; l <= L; l++) {
    const d = maxAbsDiff(r.hidden.data.subarray(l * T * H, (l + 1) * T * H), ref.hiddenStates[l]);
    assert.ok(d < TOL, `hidden state ${l}: max abs diff ${d}`);
  }
  assert.ok(r.attentions, 'attentions present');
  for (let l = 0; l < L; l++) {
    const d = maxAbsDiff(r.attentions.data.subarray(l * Hd * T * T, (l + 1) * Hd * T * T), ref.attentions[l]);
    assert.ok(d < TOL, `attention ${l}: max abs diff ${d}`);
  }
  if (ref.poolerOutput) {
    assert.ok(r.vectors.pooler, 'pooler present');
    const d = maxAbsDiff(r.vectors.pooler.data, ref.poolerOutput);
    assert.ok(d < TOL, `pooler: max abs diff ${d}`);
  }
  // cls pooling = the reference's first-token hidden state at every layer
  for (let l = 0; l <= L; l++) {
    const d = maxAbsDiff(r.vectors.cls!.data.subarray(l * H, (l + 1) * H), ref.hiddenStates[l].subarray(0, H));
    assert.ok(d < TOL, `cls ${l}: ${d}`);
  }
}

describe('engine on generated models', () => {
  const engine = new Engine({ threads: 1 });
  let bertStock: string, bertNative: string, distil: string, roberta: string;
  before(async () => {
    bertStock = await ensureFixtureModel('bert-tiny-stock');
    bertNative = await ensureFixtureModel('bert-tiny-native');
    distil = await ensureFixtureModel('distilbert-tiny-stock');
    roberta = await ensureFixtureModel('roberta-tiny-stock');
  });
  after(() => engine.dispose());

  test('stock BERT export: recomputed attentions and rewritten hidden states match the reference', async () => {
    const r = await engine.inspect(bertStock, TEXT, FULL);
    assert.equal(r.model.attentions.source, 'recomputed');
    assert.equal(r.model.hiddenStates.source, 'rewritten');
    assert.equal(r.model.randomWeights, true);
    assert.ok(r.model.warnings.some((w) => /random weights/.test(w)));
    checkAgainstReference(r, bertStock);
  });

  test('native export: same numbers, read from the outputs the export declares', async () => {
    const a = await engine.inspect(bertNative, TEXT, FULL);
    const b = await engine.inspect(bertStock, TEXT, FULL);
    assert.equal(a.model.attentions.source, 'native');
    assert.equal(a.model.hiddenStates.source, 'native');
    assert.ok(maxAbsDiff(a.hidden.data, b.hidden.data) < 1e-5);
    assert.ok(maxAbsDiff(a.attentions!.data, b.attentions!.data) < 1e-6);
  });

  test('the rewrite finds Softmax and LayerNorm outputs in layer order', async () => {
    const stock = decodeModel(fs.readFileSync(path.join(bertStock, 'onnx', 'model.onnx')));
    const native = decodeModel(fs.readFileSync(path.join(bertNative, 'onnx', 'model.onnx')));
    const L = 2;
    const layers = Array.from({ length: L }, (_, i) => i);
    // what each layer's tensors are, from the exporter's (torch's) node names, independently of how the rewrite searches
    const softmaxNode = (i: number) => `/encoder/layer.${i}/attention/self/Softmax`;
    const outputOf = (nodes: NodeProto[], name: string): string => {
      const n = nodes.find((x) => x.name === name);
      assert.ok(n, `no node ${name}`);
      return n.output[0];
    };
    const wantSoftmax = layers.map((i) => outputOf(stock.graph.node, softmaxNode(i)));
    assert.deepEqual(attentionSoftmaxOutputs(stock.graph.node), wantSoftmax);
    // the layer number in the node names decides, not where the nodes happen to stand in the graph
    assert.deepEqual(attentionSoftmaxOutputs([...stock.graph.node].reverse()), wantSoftmax);
    // a decomposed LayerNorm ends in its scope's last node (Add β): embeddings, then per layer attention-output and output
    const lastOutputIn = (scope: string): string => {
      const inScope = stock.graph.node.filter((n) => n.name.startsWith(`${scope}/`));
      assert.ok(inScope.length > 0, `no nodes in ${scope}`);
      return inScope[inScope.length - 1].output[0];
    };
    const lnScopes = ['/embeddings/LayerNorm', ...layers.flatMap((i) => [`/encoder/layer.${i}/attention/output/LayerNorm`, `/encoder/layer.${i}/output/LayerNorm`])];
    assert.deepEqual(layerNormOutputs(stock.graph.node), lnScopes.map(lastOutputIn));
    // the native export's attentions.i is the output of layer i's Softmax
    const nativeAttnProducers = native.graph.output.filter((o) => o.name.startsWith('attentions.')).map((o) => {
      const n = native.graph.node.find((x) => x.output.includes(o.name));
      return [o.name, n?.opType, n?.name];
    });
    assert.deepEqual(nativeAttnProducers, layers.map((i) => [`attentions.${i}`, 'Softmax', softmaxNode(i)]));
    // and the numbers: the i-th attention the engine returns is reference layer i, and differs from every other
    // layer by far more than the tolerance, so outputs exposed in another order would fail here
    const r = await engine.inspect(bertStock, TEXT, FULL);
    const ids = r.tokens.map((t) => t.id);
    const ref = referenceForward(bertStock, ids, new Array(ids.length).fill(0), new Array(ids.length).fill(1));
    const size = r.model.heads * ids.length * ids.length;
    for (const i of layers) {
      const got = r.attentions!.data.subarray(i * size, (i + 1) * size);
      for (const j of layers) {
        const d = maxAbsDiff(got, ref.attentions[j]);
        if (i === j) assert.ok(d < TOL, `attention ${i} vs reference layer ${j}: ${d}`);
        else assert.ok(d > 100 * TOL, `attention ${i} is as close to reference layer ${j} as to its own (${d}): the check cannot see the order`);
      }
    }
  });

  test('DistilBERT: no token_type_ids input is fed; values match the reference', async () => {
    const r = await engine.inspect(distil, TEXT, FULL);
    assert.ok(!r.model.inputs.includes('token_type_ids'));
    assert.equal(r.model.hasPooler, false);
    checkAgainstReference(r, distil);
  });

  test('RoBERTa with byte-level BPE: <s> … </s>, values match the reference', async () => {
    const r = await engine.inspect(roberta, TEXT, FULL);
    assert.equal(r.tokens[0].text, '<s>');
    assert.equal(r.tokens[r.tokens.length - 1].text, '</s>');
    checkAgainstReference(r, roberta);
  });

  test('analysis: shares are in [0,1], [CLS] row sums to 1, rollout rows sum to 1, clsToken[.,0] = 1', async () => {
    const r = await engine.inspect(bertStock, TEXT, FULL);
    const a = r.analysis!;
    const T = r.tokens.length;
    for (const t of [a.toCls, a.toSep, a.toPunct, a.toSelf]) for (const v of t.data) assert.ok(v >= 0 && v <= 1 + 1e-6);
    for (let i = 0; i < a.clsRow.data.length / T; i++) {
      const s = a.clsRow.data.subarray(i * T, (i + 1) * T).reduce((x, y) => x + y, 0);
      assert.ok(Math.abs(s - 1) < 1e-4, `clsRow sum ${s}`);
    }
    const [L] = a.rollout.dims;
    for (let q = 0; q < L * T; q++) {
      const s = a.rollout.data.subarray(q * T, (q + 1) * T).reduce((x, y) => x + y, 0);
      assert.ok(Math.abs(s - 1) < 1e-4, `rollout row sum ${s}`);
    }
    for (let l = 0; l < r.layerIds.length; l++) assert.ok(Math.abs(r.similarity.clsToken.data[l * T] - 1) < 1e-5);
    // toPunct from the returned attentions by hand: the two commas and the full stop are the punctuation keys
    const punct = r.tokens.map((t) => !t.special && /^[,.]$/.test(t.text));
    assert.deepEqual(r.tokens.filter((_, i) => punct[i]).map((t) => t.text), [',', ',', '.']);
    assert.equal(a.toPunct.data.length, r.model.layers * r.model.heads);
    const att = r.attentions!.data;
    for (let lh = 0; lh < a.toPunct.data.length; lh++) {
      let s = 0;
      for (let q = 0; q < T; q++) for (let k = 0; k < T; k++) if (punct[k]) s += att[(lh * T + q) * T + k];
      assert.ok(Math.abs(a.toPunct.data[lh] - s / T) < 1e-5, `toPunct[${lh}] = ${a.toPunct.data[lh]}, by hand ${s / T}`);
    }
  });

  test('long text is truncated with an explicit flag and count; windows cover it', async () => {
    const long = Array.from({ length: 60 }, (_, i) => `word${i % 7} is here`).join(' ');
    const r = await engine.inspect(bertStock, long, FULL);
    assert.equal(r.truncation.truncated, true);
    assert.ok(r.truncation.droppedTokens > 0);
    assert.equal(r.tokens.length, r.model.maxTokens);
    assert.ok(r.truncation.keptChars > 0 && r.truncation.keptChars < long.length);
    const w = await engine.inspectWindows(bertStock, long, { stride: 8 });
    assert.ok(w.windows > 1, `${w.windows} windows`);
    assert.deepEqual(w.vectors.mean.dims, [r.model.layers + 1, r.model.hidden]);
  });

  // the timeout is a hang guard, not a speed budget (a few seconds on a busy 2-core machine)
  test('1 MB of text completes, truncated', { timeout: 120_000 }, async () => {
    const big = 'lorem ipsum dolor sit amet. '.repeat(40000);
    const t0 = performance.now();
    const r = await engine.inspect(bertStock, big);
    console.log(`1 MB text: ${(performance.now() - t0).toFixed(0)} ms, ${r.tokens.length} tokens kept, ${r.truncation.droppedTokens} dropped`);
    assert.equal(r.truncation.truncated, true);
  });

  test('odd characters: lone surrogates, control characters, only punctuation, a typed [SEP]', async () => {
    for (const text of ['a\uD800b \u0007 c\uDC00', '!!! ??? ...', 'one [SEP] two', '\u200b zero width']) {
      const r = await engine.inspect(bertStock, text);
      assert.ok(r.tokens.length >= 2, text);
      for (const t of r.tokens) if (t.start !== null) assert.ok(t.start >= 0 && t.end! <= text.length && t.start <= t.end!, `${JSON.stringify(text)} ${JSON.stringify(t)}`);
    }
  });

  test('empty and whitespace-only text are refused with a clear message', async () => {
    await expectEngineError(engine.inspect(bertStock, ''), 'empty-text', /empty/);
    await expectEngineError(engine.inspect(bertStock, '  \n\t '), 'empty-text');
  });

  test('embed: length-bucketed padded batches give the same vectors as one text at a time, in input order', async () => {
    const texts = ['a', 'the longest text of them all, with several words and commas', 'mid length text here', '', 'b c', 'Paris is in France.', 'x'];
    const progress: number[] = [];
    const got = [];
    for await (const e of engine.embed(bertStock, texts, { poolings: ['cls', 'mean', 'max', 'pooler'], layers: 'all', chunk: 3, maxBatch: 2, onProgress: (d) => progress.push(d) })) got.push(e);
    assert.deepEqual(got.map((e) => e.index), [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(got[3].blank, true);
    assert.ok(progress.length >= 4 && progress[progress.length - 1] === texts.length, `progress ${progress}`);
    for (const [i, t] of texts.entries()) {
      if (!t.trim()) continue;
      const r = await engine.inspect(bertStock, t, { attentions: false });
      for (const p of ['cls', 'mean', 'max'] as const) {
        const d = maxAbsDiff(got[i].vectors[p]!, r.vectors[p]!.data);
        assert.ok(d < 1e-4, `text ${i} ${p}: ${d}`);
      }
      assert.ok(maxAbsDiff(got[i].vectors.pooler!, r.vectors.pooler!.data) < 1e-4);
    }
  });

  test('embed stops with CancelledError when its signal aborts', async () => {
    const ctl = new AbortController();
    const texts = Array.from({ length: 50 }, (_, i) => `text number ${i}`);
    const run = async () => { for await (const _ of engine.embed(bertStock, texts, { maxBatch: 4, signal: ctl.signal, onProgress: () => ctl.abort() })) { /* consume */ } };
    await expectEngineError(run(), 'cancelled');
  });

  test('fused attention (com.microsoft.Attention): recomputed from the packed weights, matching the reference', async () => {
    const fused = await ensureFixtureModel('bert-tiny-fused');
    const r = await engine.inspect(fused, TEXT, FULL);
    assert.equal(r.model.attentions.source, 'recomputed');
    assert.match(r.model.attentions.reason ?? '', /fused Attention/);
    assert.ok(r.vectors.cls && r.vectors.mean && r.vectors.pooler);
    checkAgainstReference(r, fused);
  });

  test('fallback: with recomputation off, attentions come from the rewritten graph, equal to the recomputed ones', async () => {
    const rewriting = new Engine({ threads: 1, recomputeAttention: false });
    try {
      const a = await rewriting.inspect(bertStock, TEXT, FULL);
      const b = await engine.inspect(bertStock, TEXT, FULL);
      assert.equal(a.model.attentions.source, 'rewritten');
      assert.equal(b.model.attentions.source, 'recomputed');
      assert.ok(maxAbsDiff(a.attentions!.data, b.attentions!.data) <= 1e-5);
      for (const k of ['clsRow', 'toCls', 'toSep', 'toPunct', 'toSelf', 'entropy', 'rollout'] as const) {
        assert.ok(maxAbsDiff(a.analysis![k].data, b.analysis![k].data) <= 1e-5, k);
      }
      // a fused graph has no Softmax to expose: unavailable, with the reason
      const fused = await rewriting.inspect(await ensureFixtureModel('bert-tiny-fused'), TEXT, FULL);
      assert.equal(fused.model.attentions.source, 'unavailable');
      assert.match(fused.model.attentions.reason ?? '', /fused|Attention/);
      assert.equal(fused.attentions, null);
      assert.equal(fused.analysis, null);
      assert.equal(fused.clsAttention, null);
    } finally {
      await rewriting.dispose();
    }
  });

  test('inspectFirst: vectors and the [CLS] rows at once, one layer and the analysis on request, all equal to inspect', async () => {
    for (const e of [engine, new Engine({ threads: 1, recomputeAttention: false })]) {
      const full = await e.inspect(roberta, TEXT, FULL);
      const { inspection: first, attention } = await e.inspectFirst(roberta, TEXT);
      assert.equal(first.attentions, null);
      assert.equal(first.analysis, null);
      assert.ok(first.clsAttention && attention);
      assert.deepEqual(first.clsAttention.dims, full.analysis!.clsRow.dims);
      assert.ok(maxAbsDiff(first.clsAttention.data, full.analysis!.clsRow.data) <= 1e-5);
      assert.ok(maxAbsDiff(first.vectors.cls!.data, full.vectors.cls!.data) === 0);
      const L = full.model.layers, Hd = full.model.heads, T = full.tokens.length;
      const l1 = await attention.layer(L - 1);
      assert.deepEqual(l1!.dims, [Hd, T, T]);
      assert.ok(maxAbsDiff(l1!.data, full.attentions!.data.subarray((L - 1) * Hd * T * T)) <= 1e-5);
      assert.equal(await attention.layer(L), null);
      const an = await attention.analysis();
      assert.ok(maxAbsDiff(an.rollout.data, full.analysis!.rollout.data) <= 1e-5);
      assert.equal(await attention.analysis(), an, 'memoised');
      if (e !== engine) await e.dispose();
    }
  });

  test('optimum layout (model.onnx at the top) and a sentence-transformers 1_Pooling config', async () => {
    const optimum = await ensureFixtureModel('bert-tiny-stock-optimum');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-lens-st-'));
    fs.cpSync(optimum, dir, { recursive: true });
    fs.mkdirSync(path.join(dir, '1_Pooling'));
    fs.writeFileSync(path.join(dir, '1_Pooling', 'config.json'), JSON.stringify({ word_embedding_dimension: 32, pooling_mode_cls_token: false, pooling_mode_mean_tokens: true }));
    const r = await engine.inspect(dir, TEXT, FULL);
    assert.equal(path.basename(r.model.onnxFile), 'model.onnx');
    assert.equal(path.basename(path.dirname(r.model.onnxFile)), path.basename(dir));
    assert.equal(r.model.poolingMode, 'mean');
    checkAgainstReference(r, dir);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('inspect by default returns what is shown first: vectors and the [CLS] rows, no matrices', async () => {
    const first = await engine.inspect(bertStock, TEXT);
    const full = await engine.inspect(bertStock, TEXT, FULL);
    assert.equal(first.attentions, null);
    assert.equal(first.analysis, null);
    assert.ok(maxAbsDiff(first.clsAttention!.data, full.analysis!.clsRow.data) <= 1e-5);
    assert.ok(maxAbsDiff(first.clsAttention!.data, full.clsAttention!.data) === 0);
    assert.ok(maxAbsDiff(first.vectors.mean!.data, full.vectors.mean!.data) === 0);
  });

  test('stacked run: onnxruntime writes every hidden state into one buffer, bit-identical to its own outputs', async () => {
    const m = await engine.load(bertStock);
    const enc = { ids: [101, 2023, 2003, 1037, 3231, 102], batch: 1, seq: 6, attentionMask: [1, 1, 1, 1, 1, 1] };
    const plain = await m.encoder.run(enc, { hiddenStates: 'all', attentions: false, pooler: true });
    const stacked = await m.encoder.run(enc, { hiddenStates: 'all', attentions: false, pooler: true, stacked: true });
    const L = m.summary.layers, H = m.summary.hidden;
    assert.ok(stacked.stacked, 'a float32 graph at batch 1 is stacked');
    assert.deepEqual(stacked.stacked.dims, [L + 1, 6, H]);
    assert.equal(plain.stacked, null);
    assert.equal(stacked.hiddenStates.length, L + 1);
    stacked.hiddenStates.forEach((h, l) => {
      assert.equal(h.data.buffer, stacked.stacked!.data.buffer, `layer ${l} is a view of the stacked buffer`);
      assert.equal(maxAbsDiff(h.data, plain.hiddenStates[l].data), 0, `layer ${l}`);
    });
    assert.equal(maxAbsDiff(stacked.pooler!.data, plain.pooler!.data), 0);
    // a batch of two is not stacked (the rows would interleave)
    const two = await m.encoder.run({ ...enc, ids: [...enc.ids, ...enc.ids], batch: 2, attentionMask: [...enc.attentionMask, ...enc.attentionMask] },
      { hiddenStates: 'all', attentions: false, pooler: false, stacked: true });
    assert.equal(two.stacked, null);
  });

  test('recycleHidden: the next inspection that fits writes into the given-back buffer, every value its own', async () => {
    const e = new Engine({ threads: 1 });
    try {
      const a = await e.inspect(bertStock, 'one two three four five');
      const fresh = await e.inspect(bertStock, 'six seven eight nine ten');
      e.recycleHidden(a.hidden);
      const b = await e.inspect(bertStock, 'six seven eight nine ten');
      assert.equal(b.tokens.length, a.tokens.length);
      assert.equal(b.hidden.data.buffer, a.hidden.data.buffer, 'written into the recycled buffer');
      assert.equal(maxAbsDiff(b.hidden.data, fresh.hidden.data), 0, 'no value of the old run left');
      assert.equal(maxAbsDiff(b.vectors.mean!.data, fresh.vectors.mean!.data), 0);
      // handed out once: the next inspection gets a fresh buffer
      const c = await e.inspect(bertStock, 'six seven eight nine ten');
      assert.notEqual(c.hidden.data.buffer, a.hidden.data.buffer);
      // a buffer more than 4x too large is not used for a short text; one that fits (a shorter run) is, as a view
      const long = await e.inspect(bertStock, 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen');
      e.recycleHidden(long.hidden);
      const d = await e.inspect(bertStock, 'six');
      assert.ok(long.tokens.length > 4 * d.tokens.length);
      assert.notEqual(d.hidden.data.buffer, long.hidden.data.buffer);
      const f = await e.inspect(bertStock, 'one two three four five six seven eight');
      assert.equal(f.hidden.data.buffer, long.hidden.data.buffer);
      assert.ok(f.hidden.data.length < long.hidden.data.length);
      const fFresh = await e.inspect(bertStock, 'one two three four five six seven eight');
      assert.equal(maxAbsDiff(f.hidden.data, fFresh.hidden.data), 0);
    } finally {
      await e.dispose();
    }
  });

  test('attentions can be skipped', async () => {
    const r = await engine.inspect(bertStock, TEXT, { attentions: false });
    assert.equal(r.attentions, null);
    assert.equal(r.analysis, null);
  });
});

describe('bad model folders', () => {
  const engine = new Engine({ threads: 1 });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-lens-bad-'));
  let good: string;
  before(async () => { good = await ensureFixtureModel('bert-tiny-stock'); });
  after(async () => { await engine.dispose(); fs.rmSync(tmp, { recursive: true, force: true }); });

  const copyModel = (name: string): string => {
    const dst = path.join(tmp, name);
    fs.cpSync(good, dst, { recursive: true });
    return dst;
  };

  test('a missing folder names the path and the next step', async () => {
    const e = await expectEngineError(engine.inspect(path.join(tmp, 'nope'), TEXT), 'model-not-found', /nope does not exist\. A model folder holds config\.json/);
    assert.equal(e.fix, 'model', 'the surface names its own way to change the model');
  });

  test('a Hub id without a local folder goes to the Hub (offline here: it names what is not cached)', async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-lens-nocache-'));
    const offline = new Engine({ threads: 1, cacheDir, hub: { offline: true } });
    await expectEngineError(offline.inspect('Xenova/bert-base-uncased', TEXT), 'hub-offline', /Xenova\/bert-base-uncased@main/);
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  test('a missing ONNX file', async () => {
    const dir = copyModel('no-onnx');
    fs.rmSync(path.join(dir, 'onnx'), { recursive: true });
    await expectEngineError(engine.inspect(dir, TEXT, FULL), 'model-files', /No ONNX file/);
  });

  test('a truncated ONNX file', async () => {
    const dir = copyModel('truncated');
    const f = path.join(dir, 'onnx', 'model.onnx');
    const bytes = fs.readFileSync(f);
    fs.writeFileSync(f, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectEngineError(engine.inspect(dir, TEXT, FULL), 'onnx-invalid', /model\.onnx|truncated/);
  });

  test('a missing tokenizer.json', async () => {
    const dir = copyModel('no-tokenizer');
    fs.rmSync(path.join(dir, 'tokenizer.json'));
    await expectEngineError(engine.inspect(dir, TEXT, FULL), 'tokenizer', /tokenizer\.json/);
  });

  test('invalid config.json', async () => {
    const dir = copyModel('bad-config');
    fs.writeFileSync(path.join(dir, 'config.json'), '{ not json');
    await expectEngineError(engine.inspect(dir, TEXT, FULL), 'model-files', /config\.json/);
  });

  test('a tokenizer whose ids exceed the embedding matrix', async () => {
    const dir = copyModel('small-vocab');
    // shrink the word-embedding initializer's first dimension in the graph: ids beyond it are out of vocabulary
    const f = path.join(dir, 'onnx', 'model.onnx');
    const m = decodeModel(fs.readFileSync(f));
    const gather = m.graph.node.find((n) => n.opType === 'Gather' && n.input[1] === 'input_ids')!;
    const emb = m.graph.initializer.find((t) => t.name === gather.input[0])!;
    const rows = 1000, H = emb.dims[1];
    emb.dims = [rows, H];
    emb.rawData = emb.rawData!.slice(0, rows * H * 4);
    fs.writeFileSync(f, encodeModel(m));
    await expectEngineError(engine.inspect(dir, 'zebra xylophone'), 'vocab-mismatch', /tokenizer does not belong/);
  });

  test('a graph with unexpected input names', async () => {
    const dir = copyModel('pixel-input');
    const f = path.join(dir, 'onnx', 'model.onnx');
    const m = decodeModel(fs.readFileSync(f));
    m.graph.input.push({ name: 'pixel_values', elemType: TensorType.FLOAT, shape: [1, 3] });
    fs.writeFileSync(f, encodeModel(m));
    await expectEngineError(engine.inspect(dir, TEXT, FULL), 'onnx-unsupported', /pixel_values/);
  });

  test('a non-BERT graph (a single Add)', async () => {
    const dir = copyModel('not-bert');
    const f = path.join(dir, 'onnx', 'model.onnx');
    const m = decodeModel(fs.readFileSync(f));
    m.graph.node = [{ name: 'add', opType: 'Add', domain: '', input: ['x', 'x'], output: ['y'], attribute: [] }];
    m.graph.initializer = [];
    m.graph.input = [{ name: 'x', elemType: TensorType.FLOAT, shape: [2] }];
    m.graph.output = [{ name: 'y', elemType: TensorType.FLOAT, shape: [2] }];
    m.graph.valueInfo = [];
    fs.writeFileSync(f, encodeModel(m));
    await expectEngineError(engine.inspect(dir, TEXT, FULL), 'onnx-unsupported');
  });

  test('a failed load is not memoised: fixing the folder makes the next call succeed', async () => {
    const dir = copyModel('fixable');
    const tok = path.join(dir, 'tokenizer.json');
    const saved = fs.readFileSync(tok);
    fs.rmSync(tok);
    await expectEngineError(engine.inspect(dir, TEXT, FULL), 'tokenizer');
    fs.writeFileSync(tok, saved);
    const r = await engine.inspect(dir, TEXT, FULL);
    assert.ok(r.tokens.length > 2);
  });
});
