// The inspection path stage by stage, against a bare onnxruntime session.run of the stock graph, for the generator's
// MiniLM-size and BERT-base-size models (random weights, seed 1, cached in .cache/bench-models like bench.ts):
//   bare stock           session.run of the unmodified file, last_hidden_state only
//   stock+hidden         the same graph with every hidden state as an output (what the encoder runs now)
//   rewritten            hidden states and every attention Softmax as outputs (the encoder before, and the fallback)
//   inspect first        Engine.inspect (detail 'first'): tokenise, run, pool, cosines, the [CLS] row of every head
//   one layer            one layer's full [heads, T, T] attention on request (the last layer)
//   analysis             shares, entropy, rollout on request (every layer recomputed, then the analysis graph)
//   inspect before       Engine.inspect of everything with attentions read from the rewritten graph (the old path)
// Medians of interleaved repetitions (each round runs every variant once, so load drift hits all alike). Asserts nothing.
//   node out/scripts/bench/inspect-parts.js [--models minilm,bert-base] [--lengths 16,128,512] [--reps 9] [--threads 2]
//   node out/scripts/bench/inspect-parts.js --memory [--models bert-base] [--inspections 3] [--tokens 512]
//     resident memory (process.memoryUsage().rss) of a fresh process after loading the model and after N inspections,
//     each followed by one layer's attention and the analysis (what the Attention tab asks for), next to the file size.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Engine } from '../../src/engine/engine';
import { ort, sessionOptionsFor } from '../../src/engine/runtime/ort';
import { exposeOutputs, prepareGraph } from '../../src/engine/onnx/rewrite';
import { encodeText } from '../../src/engine/tokenizer';
import { generateModel } from '../gen-model';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'minilm,bert-base' }, lengths: { type: 'string', default: '16,128,512' },
    reps: { type: 'string', default: '9' }, threads: { type: 'string', default: '2' },
    memory: { type: 'boolean', default: false }, inspections: { type: 'string', default: '3' }, tokens: { type: 'string', default: '512' },
    'memory-child': { type: 'string' }, before: { type: 'boolean', default: false }, json: { type: 'boolean', default: false },
  },
});
const threads = Number(values.threads) || undefined;
const root = path.resolve(__dirname, '..', '..');
const cacheDir = path.join(root, '.cache', 'bench-models');
const WORDS = 'the model reads every token and the first position gathers what the sequence holds while training shapes it like any other'.split(' ');
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const mib = (n: number) => n / 1048576;

async function ensureModel(preset: string): Promise<string> {
  const folder = path.join(cacheDir, `bert-${preset}`);
  if (!fs.existsSync(path.join(folder, '.complete'))) {
    await generateModel({ out: folder, arch: 'bert', preset: preset as 'minilm' | 'bert-base', variant: 'stock', seed: 1 });
    fs.writeFileSync(path.join(folder, '.complete'), 'bench');
  }
  return folder;
}

const textOf = (T: number) => Array.from({ length: T * 2 }, (_, i) => WORDS[i % WORDS.length]).join(' ');

async function timing(): Promise<void> {
  const O = ort();
  const reps = Number(values.reps);
  console.log(`onnxruntime-node ${O.env.versions.node}, node ${process.version}, threads ${threads ?? 'ort default'}, ${reps} interleaved rounds (median ms)`);
  const rows: Record<string, string | number>[] = [];
  for (const preset of values.models!.split(',')) {
    const folder = await ensureModel(preset);
    const engine = new Engine({ threads });
    const before = new Engine({ threads, recomputeAttention: false });
    const m = await engine.load(folder);
    await before.load(folder);
    const raw = fs.readFileSync(m.folder.onnxFile);
    const prepared = prepareGraph(raw, m.summary.layers);
    const plan = prepared.plan;
    const hiddenOnly = exposeOutputs(raw, (plan.hiddenStates ?? []).filter((n) => n !== plan.lastHidden), plan.floatType);
    const opts = sessionOptionsFor(threads);
    const sessions = {
      stock: await O.InferenceSession.create(raw, opts),
      hidden: await O.InferenceSession.create(hiddenOnly, opts),
      rewritten: await O.InferenceSession.create(prepared.bytes, opts),
    };
    const fetch = {
      stock: [plan.lastHidden],
      hidden: [...new Set([...(plan.hiddenStates ?? []), plan.lastHidden])],
      rewritten: [...new Set([...(plan.hiddenStates ?? []), plan.lastHidden, ...(plan.attentions ?? [])])],
    };
    for (const T of values.lengths!.split(',').map(Number)) {
      const text = textOf(T);
      const enc = encodeText(m.tokenizer, text, { maxTokens: T });
      const n = enc.ids.length;
      const t = (a: ArrayLike<number>) => new O.Tensor('int64', BigInt64Array.from(Array.from(a), BigInt), [1, n]);
      const feeds = { input_ids: t(enc.ids), attention_mask: t(enc.attentionMask), token_type_ids: t(enc.tokenTypeIds) };
      const L = m.summary.layers;
      const steps: Record<string, () => Promise<unknown>> = {
        'bare stock': () => sessions.stock.run(feeds, fetch.stock),
        'stock+hidden': () => sessions.hidden.run(feeds, fetch.hidden),
        rewritten: () => sessions.rewritten.run(feeds, fetch.rewritten),
        'inspect first': () => engine.inspect(folder, text, { maxTokens: T }),
        'inspect before': () => before.inspect(folder, text, { maxTokens: T, detail: 'full' }),
      };
      const times: Record<string, number[]> = { 'one layer': [], analysis: [] };
      for (const k of Object.keys(steps)) times[k] = [];
      for (let r = -1; r < reps; r++) { // round -1 warms up
        for (const [k, f] of Object.entries(steps)) {
          const t0 = performance.now();
          await f();
          if (r >= 0) times[k].push(performance.now() - t0);
        }
        const { attention } = await engine.inspectFirst(folder, text, { maxTokens: T });
        let t0 = performance.now();
        await attention!.layer(L - 1);
        if (r >= 0) times['one layer'].push(performance.now() - t0);
        t0 = performance.now();
        await attention!.analysis();
        if (r >= 0) times.analysis.push(performance.now() - t0);
      }
      const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
      const row = {
        model: preset, tokens: n, 'bare stock': med['bare stock'].toFixed(1), 'stock+hidden': med['stock+hidden'].toFixed(1), rewritten: med.rewritten.toFixed(1),
        'inspect first': med['inspect first'].toFixed(1), 'first/bare': (med['inspect first'] / med['bare stock']).toFixed(2),
        'one layer': med['one layer'].toFixed(1), analysis: med.analysis.toFixed(1),
        'inspect before': med['inspect before'].toFixed(1), 'before/bare': (med['inspect before'] / med['bare stock']).toFixed(2),
      };
      rows.push(row);
      if (values.json) console.log(JSON.stringify(row));
    }
    for (const s of Object.values(sessions)) await s.release();
    await engine.dispose();
    await before.dispose();
  }
  console.table(rows);
}

/** One fresh process per measurement: RSS after load and after each inspection (+ one layer + the analysis). */
async function memoryChild(preset: string): Promise<void> {
  const folder = await ensureModel(preset);
  const engine = new Engine({ threads, recomputeAttention: !values.before });
  const rss = () => mib(process.memoryUsage().rss);
  const gc = (globalThis as { gc?: () => void }).gc;
  const start = rss();
  const m = await engine.load(folder);
  gc?.();
  const loaded = rss();
  const after: number[] = [];
  const T = Number(values.tokens);
  for (let i = 0; i < Number(values.inspections); i++) {
    const text = `${i} ${textOf(T)}`;
    if (values.before) {
      await engine.inspect(folder, text, { maxTokens: T, detail: 'full' });
    } else {
      const { attention } = await engine.inspectFirst(folder, text, { maxTokens: T });
      await attention?.layer(m.summary.layers - 1);
      await attention?.analysis();
    }
    gc?.();
    after.push(rss());
  }
  const file = mib(fs.statSync(m.folder.onnxFile).size);
  console.log(JSON.stringify({ model: preset, path: values.before ? 'before (rewritten graph)' : 'now (stock graph + recompute)', fileMiB: file, startMiB: start, loadedMiB: loaded, afterMiB: after, overFileMiB: Math.max(...after) - file }));
}

function memory(): void {
  for (const preset of values.models!.split(',')) {
    for (const before of [false, true]) {
      const args = ['--expose-gc', __filename, '--memory-child', preset, '--inspections', values.inspections!, '--tokens', values.tokens!, '--threads', String(threads ?? 0), ...(before ? ['--before'] : [])];
      const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
      if (r.status !== 0) { console.error(r.stderr); continue; }
      const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as { path: string; fileMiB: number; loadedMiB: number; afterMiB: number[]; overFileMiB: number };
      console.log(values.json ? JSON.stringify(j) : `${preset} ${j.path}: file ${j.fileMiB.toFixed(0)} MiB; RSS after load ${j.loadedMiB.toFixed(0)} MiB, after each 512-token inspection ${j.afterMiB.map((x) => x.toFixed(0)).join(' / ')} MiB; file + ${j.overFileMiB.toFixed(0)} MiB`);
    }
  }
}

async function main(): Promise<void> {
  if (values['memory-child']) return memoryChild(values['memory-child']);
  if (values.memory) return memory();
  return timing();
}

main().catch((e) => { console.error(e); process.exit(1); });
