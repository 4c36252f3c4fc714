// The encoder-level parts of the experiments (layer story, attention census, position edits, occlusion,
// identification) on the project's random-weight models, against answers known in advance or computed independently
// (the engine's own inspection, and the float64 reference forward pass that reads model.safetensors).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ensureFixtureModel } from '../../scripts/gen-model';
import { Engine, type LoadedModel } from '../../src/engine/engine';
import { attentionCensus, tokenClasses } from '../../src/experiments/census';
import { headMeasures } from '../../src/engine/compute/attention';
import { layerStory, textPairs } from '../../src/experiments/layers';
import { cosine } from '../../src/experiments/meta';
import { editSequence, positionTest } from '../../src/experiments/position';
import { identification, identificationAccuracy, maskOneWord, mlmDecode, occlusion, tokenString, wordSpans } from '../../src/experiments/recover';
import { encodeAll, contentIndices } from '../../src/experiments/sequences';
import * as path from 'node:path';
import { gelu, readSafetensors, referenceForward } from '../reference/bert';

const TEXTS = [
  'The cat sat on the mat.',
  'Paris is the capital of France, on the Seine.',
  'A quick brown fox jumps over the lazy dog!',
  'Stocks fell sharply; investors worried about rates.',
  'She scored twice in the final minutes of the match.',
  'Rain is expected tomorrow, with strong winds.',
];

/** A small seeded generator for the tests (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('experiments: encoder-level parts', () => {
  const engine = new Engine({ threads: 1 });
  let folder: string, roberta: string;
  let m: LoadedModel;
  before(async () => {
    folder = await ensureFixtureModel('bert-tiny-stock');
    roberta = await ensureFixtureModel('roberta-tiny-stock');
    m = await engine.load(folder);
  });
  after(() => engine.dispose());

  test('layers: layer-0 [CLS] is one vector for every text (anisotropy 1); rows match the engine\'s inspection', async () => {
    const encs = encodeAll(m, TEXTS, m.summary.maxTokens);
    const layers = [0, 1, 2];
    const r = await layerStory(m, encs, { layers, rand: rng(0) });
    assert.equal(r.rows.length, 3);
    assert.ok(Math.abs(r.rows[0].anisotropy.cls - 1) < 1e-6, `anisotropy(cls) at layer 0 = ${r.rows[0].anisotropy.cls}`);
    assert.ok(r.rows[0].anisotropy.mean < 0.999, `mean vectors differ between texts at layer 0 (${r.rows[0].anisotropy.mean})`);
    // independent: the engine's single-text inspection (its own pooling and similarity code)
    const ins = await Promise.all(TEXTS.map((t) => engine.inspect(folder, t, { attentions: false })));
    for (const [li, l] of layers.entries()) {
      const clsMean = ins.reduce((s, x) => s + x.similarity.clsMean[l], 0) / TEXTS.length;
      assert.ok(Math.abs(r.rows[li].clsMean - clsMean) < 1e-5, `clsMean layer ${l}: ${r.rows[li].clsMean} vs ${clsMean}`);
      const clsNorm = ins.reduce((s, x) => s + x.norms.cls![l], 0) / TEXTS.length;
      assert.ok(Math.abs(r.rows[li].clsNorm - clsNorm) < 1e-4, `clsNorm layer ${l}`);
    }
    // same seed, same numbers
    const again = await layerStory(m, encs, { layers, rand: rng(0) });
    assert.deepEqual(again.rows, r.rows);
  });

  test('layers: text pairs are every pair when few, seeded draws of distinct texts when many', () => {
    assert.equal(textPairs(4, 2000, rng(1)).length, 6);
    const ps = textPairs(100, 500, rng(1));
    assert.equal(ps.length, 500);
    assert.ok(ps.every(([i, j]) => i !== j && i >= 0 && j >= 0 && i < 100 && j < 100));
    assert.deepEqual(textPairs(100, 500, rng(1)), ps);
    assert.deepEqual(textPairs(1, 10, rng(1)), []);
  });

  test('census: one text matches the engine\'s attention analysis; many texts are the mean of single ones', async () => {
    const encs = encodeAll(m, TEXTS, m.summary.maxTokens);
    const one = await attentionCensus(m, encs.slice(1, 2), {});
    const ins = await engine.inspect(folder, TEXTS[1], { detail: 'full' });
    const a = ins.analysis!;
    for (const k of ['toCls', 'toSep', 'toPunct', 'toSelf', 'entropy'] as const) {
      assert.deepEqual(one[k].dims, a[k].dims);
      one[k].data.forEach((x, i) => assert.ok(Math.abs(x - a[k].data[i]) < 1e-5, `${k}[${i}] ${x} vs ${a[k].data[i]}`));
    }
    // and against compute/attention.ts's headMeasures on the same attention tensor
    const hm = headMeasures(ins.attentions!, tokenClasses(m, encs[1]));
    for (const k of ['toCls', 'toSep', 'toPunct', 'toSelf', 'entropy'] as const) {
      one[k].data.forEach((x, i) => assert.ok(Math.abs(x - hm[k].data[i]) < 1e-6, `${k}[${i}] ${x} vs headMeasures ${hm[k].data[i]}`));
    }
    const all = await attentionCensus(m, encs, {});
    const singles = await Promise.all(encs.map((e) => attentionCensus(m, [e], {})));
    all.toCls.data.forEach((x, i) => {
      const mean = singles.reduce((s, c) => s + c.toCls.data[i], 0) / singles.length;
      assert.ok(Math.abs(x - mean) < 1e-6);
    });
    for (const s of all.sinks) assert.ok(s.toCls + s.toSep > 0.5 && s.layer >= 1 && s.layer <= m.summary.layers);
    const shares = all.toCls.data.map((c, i) => c + all.toSep.data[i]);
    assert.equal(all.sinks.length, shares.filter((x) => x > 0.5).length);
  });

  test('position: edited sequences; layer-0 cosine of the moved [CLS] matches the float64 reference from the weights', async () => {
    const encs = encodeAll(m, TEXTS, m.summary.maxTokens - 1);
    const cls = m.tokenizer.clsId!;
    const e = encs[0];
    assert.deepEqual(editSequence(e, 'end', cls).ids, [...e.ids.slice(1), cls]);
    assert.deepEqual(editSequence(e, 'none', cls).ids, e.ids.slice(1));
    const mid = editSequence(e, 'middle', cls);
    assert.equal(mid.ids.length, e.ids.length + 1);
    assert.equal(mid.ids[mid.at], cls);
    assert.equal(mid.ids.filter((x) => x === cls).length, 2);
    const seen: string[] = [];
    const r = await positionTest(m, encs, { layers: [0, 2], score: (f, l, what) => { seen.push(`${l}:${what}`); return f.length; } });
    assert.deepEqual(seen, ['0:cls', '0:end', '0:middle', '0:none', '2:cls', '2:end', '2:middle', '2:none']);
    const H = m.summary.hidden;
    for (const variant of ['end', 'middle'] as const) {
      const cs = encs.map((en) => {
        const ed = editSequence(en, variant, cls);
        const a = referenceForward(folder, ed.ids).hiddenStates[0], b = referenceForward(folder, en.ids).hiddenStates[0];
        return cosine(a, ed.at * H, b, 0, H);
      });
      const want = cs.reduce((s, x) => s + x, 0) / cs.length;
      const row = r.rows.find((x) => x.layer === 0 && x.variant === variant)!;
      assert.ok(Math.abs(row.cosine! - want) < 1e-5, `${variant}: ${row.cosine} vs reference ${want}`);
      assert.ok(row.cosine! < 1, 'a moved [CLS] differs by its position embedding');
    }
    assert.equal(r.rows.find((x) => x.variant === 'none')!.cosine, null);
  });

  test('position: a tokenizer without [CLS] moves its <s>, and says so', async () => {
    const rm = await engine.load(roberta);
    const encs = encodeAll(rm, TEXTS.slice(0, 3), rm.summary.maxTokens - 1);
    const r = await positionTest(rm, encs, { layers: [0], score: () => 0 });
    assert.equal(rm.tokenizer.clsToken, '<s>');
    assert.ok(r.notes.some((n) => /no \[CLS\]; its <s>/.test(n)), r.notes.join(' | '));
    assert.equal(r.rows.length, 3);
  });

  test('occlusion: each dropped token\'s 1 − cos matches the reference forward pass', async () => {
    const encs = encodeAll(m, TEXTS.slice(0, 2), m.summary.maxTokens);
    const occ = await occlusion(m, TEXTS.slice(0, 2), encs, {});
    const H = m.summary.hidden, L = m.summary.layers;
    assert.equal(occ[0].tokens.length, contentIndices(encs[0]).length);
    const e = encs[0];
    const d = contentIndices(e)[2];
    const orig = referenceForward(folder, e.ids).hiddenStates[L];
    const dropped = referenceForward(folder, e.ids.filter((_, t) => t !== d)).hiddenStates[L];
    const want = 1 - cosine(dropped, 0, orig, 0, H);
    assert.ok(Math.abs(occ[0].cls[2] - want) < 1e-5, `${occ[0].cls[2]} vs ${want}`);
    assert.ok(occ.every((o) => o.cls.every((x) => x >= -1e-6 && x <= 2) && o.mean.every((x) => x > 0)));
  });

  test('identification: a masked word; layer-0 [CLS] is one vector for all texts, so it scores exactly chance', async () => {
    assert.deepEqual(wordSpans("It's 42, isn't it?"), [[0, 4], [5, 7], [9, 14], [15, 17]]);
    const encs = encodeAll(m, TEXTS, m.summary.maxTokens);
    const mk = maskOneWord(TEXTS[0], encs[0], m.tokenizer.maskId, rng(3));
    assert.ok(mk.seq.ids.includes(m.tokenizer.maskId!));
    assert.ok(mk.word.length > 0 && TEXTS[0].includes(mk.word));
    const r = await identification(m, TEXTS, encs, { layers: [0, 2], rand: rng(3) });
    const at = (l: number, p: string) => r.rows.find((x) => x.layer === l && x.pooling === p)!;
    assert.equal(at(0, 'cls').accuracy, 1 / TEXTS.length);
    assert.equal(at(0, 'cls').chance, 1 / TEXTS.length);
    assert.ok(at(0, 'mean').accuracy >= 0.8, `mean at layer 0 keeps most of the words: ${at(0, 'mean').accuracy}`);
    // the retrieval itself on a hand-made case
    const orig = Float32Array.from([1, 0, 0, 1, 1, 1]), masked = Float32Array.from([0.9, 0.1, 0.1, 0.9, 1, 0.8]);
    assert.equal(identificationAccuracy(orig, masked, 3, 2), 1);
    assert.equal(identificationAccuracy(orig, Float32Array.from([0, 1, 1, 0, 1, 1]), 3, 2), 1 / 3);
  });

  test('MLM decoding: the generator\'s masked-LM head gives logits; top tokens and probabilities match a float64 recomputation from the weights', async () => {
    const none = await mlmDecode(m, TEXTS.slice(0, 1), encodeAll(m, TEXTS.slice(0, 1), m.summary.maxTokens));
    assert.equal(none.available, false);
    assert.match(none.reason!, /no masked-LM head: its outputs are last_hidden_state, pooler_output/);
    const mlmFolder = await ensureFixtureModel('bert-tiny-stock-mlm');
    const mm = await engine.load(mlmFolder);
    assert.equal(mm.summary.hiddenStates.source, 'rewritten', 'the head\'s LayerNorm does not hide the encoder\'s hidden states');
    const encs = encodeAll(mm, TEXTS.slice(0, 2), mm.summary.maxTokens);
    const r = await mlmDecode(mm, TEXTS.slice(0, 2), encs, 5);
    assert.equal(r.available, true);
    // independent: reference hidden state at position 0 → dense → gelu → LayerNorm → Eᵀ + b, in float64
    const w = readSafetensors(path.join(mlmFolder, 'model.safetensors'));
    const H = mm.summary.hidden, L = mm.summary.layers;
    const W = (n: string) => w.get(n)!.data;
    for (const [i, e] of encs.entries()) {
      const h = referenceForward(mlmFolder, e.ids).hiddenStates[L].subarray(0, H);
      const dw = W('cls.predictions.transform.dense.weight'), db = W('cls.predictions.transform.dense.bias');
      const t = Array.from({ length: H }, (_, o) => { let s = db[o]; for (let k = 0; k < H; k++) s += dw[o * H + k] * h[k]; return gelu(s); });
      const mu = t.reduce((a, b) => a + b, 0) / H, v = t.reduce((a, b) => a + (b - mu) ** 2, 0) / H;
      const g = W('cls.predictions.transform.LayerNorm.weight'), bb = W('cls.predictions.transform.LayerNorm.bias');
      const n = t.map((x, k) => ((x - mu) / Math.sqrt(v + 1e-12)) * g[k] + bb[k]);
      const E = W('embeddings.word_embeddings.weight'), bias = W('cls.predictions.bias');
      const V = bias.length;
      const logits = Array.from({ length: V }, (_, j) => { let s = bias[j]; for (let k = 0; k < H; k++) s += E[j * H + k] * n[k]; return s; });
      const mx = Math.max(...logits), z = logits.reduce((a, x) => a + Math.exp(x - mx), 0);
      const order = logits.map((_, j) => j).sort((a, b) => logits[b] - logits[a]).slice(0, 5);
      assert.deepEqual(r.texts[i].top.map((x) => x.token), order.map((j) => tokenString(mm, j)));
      r.texts[i].top.forEach((x, k) => assert.ok(Math.abs(x.p - Math.exp(logits[order[k]] - mx) / z) < 1e-5, `p ${x.p}`));
    }
  });
});
