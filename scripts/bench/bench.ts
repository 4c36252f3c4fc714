// `npm run bench`: the time of CLS Lens `inspect` (tokenise, run, pool, analyse) against a bare onnxruntime
// `session.run` in the same process, at 16/128/512 tokens, for a MiniLM-size and a BERT-base-size model with random
// weights made by the project's generator. Prints medians and ratios; asserts nothing.
//   node out/scripts/bench.js [--models minilm,bert-base] [--lengths 16,128,512] [--reps 15] [--threads N]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Engine } from '../../src/engine/engine';
import { ort } from '../../src/engine/runtime/ort';
import { prepareGraph } from '../../src/engine/onnx/rewrite';
import { encodeText } from '../../src/engine/tokenizer';
import { toInspectionView } from '../../src/extension/inspection/viewModel';
import { generateModel } from '../gen-model';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'minilm,bert-base' }, lengths: { type: 'string', default: '16,128,512' },
    reps: { type: 'string', default: '15' }, threads: { type: 'string', default: '0' }, out: { type: 'string' },
  },
});
const reps = Number(values.reps);
const threads = Number(values.threads) || undefined;
const root = path.resolve(__dirname, '..', '..');
const cacheDir = path.join(root, '.cache', 'bench-models');

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const WORDS = 'the model reads every token and the first position gathers what the sequence holds while training shapes it like any other'.split(' ');

async function timeIt(fn: () => Promise<unknown>, n: number): Promise<number> {
  await fn(); await fn(); // warm-up
  const ts: number[] = [];
  for (let i = 0; i < n; i++) { const t0 = performance.now(); await fn(); ts.push(performance.now() - t0); }
  return median(ts);
}

async function main(): Promise<void> {
  const O = ort();
  const rows: Record<string, string | number>[] = [];
  console.log(`onnxruntime-node ${O.env.versions.node}, node ${process.version}, threads ${threads ?? 'ort default'}, reps ${reps} (median)`);
  for (const preset of values.models!.split(',')) {
    const folder = path.join(cacheDir, `bert-${preset}`);
    if (!fs.existsSync(path.join(folder, '.complete'))) {
      const t0 = performance.now();
      await generateModel({ out: folder, arch: 'bert', preset: preset as 'minilm' | 'bert-base', variant: 'stock', seed: 1 });
      fs.writeFileSync(path.join(folder, '.complete'), 'bench');
      console.log(`generated ${preset} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    const engine = new Engine({ threads });
    const m = await engine.load(folder);
    const raw = fs.readFileSync(m.folder.onnxFile);
    const prepared = prepareGraph(raw, m.summary.layers);
    const sessOpts = { interOpNumThreads: 1, graphOptimizationLevel: 'all' as const, ...(threads ? { intraOpNumThreads: threads } : {}) };
    const stock = await O.InferenceSession.create(raw, sessOpts);
    const same = await O.InferenceSession.create(prepared.bytes, sessOpts);
    for (const T of values.lengths!.split(',').map(Number)) {
      const text = Array.from({ length: T * 2 }, (_, i) => WORDS[i % WORDS.length]).join(' ');
      const enc = encodeText(m.tokenizer, text, { maxTokens: T });
      const n = enc.ids.length;
      const t = (a: ArrayLike<number>) => new O.Tensor('int64', BigInt64Array.from(Array.from(a), BigInt), [1, n]);
      const feeds = { input_ids: t(enc.ids), attention_mask: t(enc.attentionMask), token_type_ids: t(enc.tokenTypeIds) };
      const sameOutputs = [...new Set([prepared.plan.lastHidden, ...(prepared.plan.hiddenStates ?? []), ...(prepared.plan.attentions ?? []), ...(prepared.plan.pooler ? [prepared.plan.pooler] : [])])];
      const bareStock = await timeIt(() => stock.run(feeds, [prepared.plan.lastHidden]), reps);
      const bareSame = await timeIt(() => same.run(feeds, sameOutputs), reps);
      const inspect = await timeIt(() => engine.inspect(folder, text, { maxTokens: T }), reps);
      let viewBytes = 0;
      const ins = await engine.inspect(folder, text, { maxTokens: T });
      const view = toInspectionView(ins, 1);
      const count = (v: unknown): void => {
        if (ArrayBuffer.isView(v)) { viewBytes += v.byteLength; return; }
        if (typeof v === 'string') { viewBytes += v.length; return; }
        if (v && typeof v === 'object') for (const x of Object.values(v)) count(x);
      };
      count(view);
      const row = {
        model: preset, tokens: n, 'bare stock ms': bareStock.toFixed(1), 'bare same-graph ms': bareSame.toFixed(1), 'inspect ms': inspect.toFixed(1),
        'inspect/same': (inspect / bareSame).toFixed(3), 'inspect/stock': (inspect / bareStock).toFixed(3),
        'tokenize ms': ins.timings.tokenizeMs.toFixed(2), 'analyse ms': ins.timings.analyseMs.toFixed(2), 'snapshot KiB': (viewBytes / 1024).toFixed(0),
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
    await stock.release(); await same.release(); await engine.dispose();
  }
  console.table(rows);
  if (values.out) fs.writeFileSync(values.out, JSON.stringify(rows, null, 2));
}

main().catch((e) => { console.error(e); process.exit(1); });
