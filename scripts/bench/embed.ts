// `node out/scripts/bench/embed.js`: the throughput of embedding a data set for experiments (Engine.embed with every
// layer and the probe's poolings: tokenise, bucket, pad, run, pool, in input order) against a bare onnxruntime
// `session.run` of the same padded batches on the same graph and outputs (feeds built beforehand, nothing pooled).
// Runs alternate (bare, engine, bare, …) so that load on a shared machine hits both alike; prints medians and the
// ratio bare ms / engine ms (the target: ≥ 0.95). Asserts nothing.
//   node out/scripts/bench/embed.js [--model DIR | --preset tiny|minilm] [--n 2000] [--reps 5] [--threads N] [--max-tokens 128]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Engine, type EmbedPooling } from '../../src/engine/engine';
import { ort, sessionOptionsFor } from '../../src/engine/runtime/ort';
import { prepareGraph } from '../../src/engine/onnx/rewrite';
import { encodeText } from '../../src/engine/tokenizer';
import { poolBatchRow, type RowPooling } from '../../src/engine/compute/pooling';
import { readAll } from '../../src/experiments/data';
import { embedFeatures } from '../../src/experiments/features';
import { DEFAULT_PROBE_POOLINGS } from '../../src/shared/experiments';
import { generateModel, repoRoot } from '../gen-model';

const { values } = parseArgs({
  options: {
    model: { type: 'string' }, preset: { type: 'string', default: 'minilm' }, n: { type: 'string', default: '2000' }, reps: { type: 'string', default: '5' },
    threads: { type: 'string', default: '0' }, 'max-tokens': { type: 'string', default: '128' }, features: { type: 'boolean', default: false },
  },
});
const threads = Number(values.threads) || undefined;
const reps = Number(values.reps);
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

async function modelFolder(): Promise<string> {
  if (values.model) return path.resolve(values.model);
  const folder = path.join(repoRoot(), '.cache', 'bench-models', `bert-${values.preset}`);
  if (!fs.existsSync(path.join(folder, '.complete'))) {
    await generateModel({ out: folder, arch: 'bert', preset: values.preset as 'minilm', variant: 'stock', seed: 1 });
    fs.writeFileSync(path.join(folder, '.complete'), 'bench');
  }
  return folder;
}

async function main(): Promise<void> {
  const folder = await modelFolder();
  const { texts: base } = await readAll('builtin:sentences');
  const n = Number(values.n);
  const texts = Array.from({ length: n }, (_, i) => base[i % base.length] + (i >= base.length ? ` (${Math.floor(i / base.length)})` : ''));
  const engine = new Engine({ threads });
  const m = await engine.load(folder);
  const maxTokens = Math.min(Number(values['max-tokens']), m.summary.maxTokens);
  const poolings = DEFAULT_PROBE_POOLINGS.filter((p) => p !== 'pooler' || m.summary.hasPooler) as EmbedPooling[];

  // the same batches Engine.embed makes: chunks of 512, sorted by length, cut under 8192 padded tokens and 64 rows
  const batches: { B: number; T: number; ids: BigInt64Array; mask: BigInt64Array; types: BigInt64Array }[] = [];
  const padId = BigInt(m.tokenizer.padId ?? 0);
  for (let c = 0; c < texts.length; c += 512) {
    const encs = texts.slice(c, c + 512).map((t) => encodeText(m.tokenizer, t, { maxTokens }));
    const order = encs.map((_, i) => i).sort((a, b) => encs[a].ids.length - encs[b].ids.length);
    for (let s = 0; s < order.length;) {
      let e = s + 1;
      while (e < order.length && e - s < 64 && (e - s + 1) * encs[order[e]].ids.length <= Math.max(8192, maxTokens)) e++;
      const T = encs[order[e - 1]].ids.length, B = e - s;
      const ids = new BigInt64Array(B * T).fill(padId), mask = new BigInt64Array(B * T), types = new BigInt64Array(B * T);
      order.slice(s, e).forEach((ri, b) => encs[ri].ids.forEach((id, t) => { ids[b * T + t] = BigInt(id); mask[b * T + t] = 1n; types[b * T + t] = BigInt(encs[ri].tokenTypeIds[t]); }));
      batches.push({ B, T, ids, mask, types });
      s = e;
    }
  }
  const O = ort();
  const prepared = prepareGraph(fs.readFileSync(m.folder.onnxFile), m.summary.layers);
  const session = await O.InferenceSession.create(prepared.bytes, sessionOptionsFor(threads));
  const fetch = [...new Set([...(prepared.plan.hiddenStates ?? [prepared.plan.lastHidden]), ...(m.summary.hasPooler && prepared.plan.pooler ? [prepared.plan.pooler] : [])])];
  const bare = async () => {
    for (const b of batches) {
      const shape = [b.B, b.T];
      const feeds: Record<string, InstanceType<typeof O.Tensor>> = {};
      for (const name of prepared.plan.inputs) {
        if (name === 'input_ids') feeds[name] = new O.Tensor('int64', b.ids, shape);
        else if (name === 'attention_mask') feeds[name] = new O.Tensor('int64', b.mask, shape);
        else if (name === 'token_type_ids') feeds[name] = new O.Tensor('int64', b.types, shape);
      }
      await session.run(feeds, fetch);
    }
  };
  const ours = async () => { for await (const _ of engine.embed(folder, texts, { poolings, layers: 'all', maxTokens })) { /* consume */ } };
  const csv = path.join(repoRoot(), '.cache', 'bench-embed.csv');
  fs.mkdirSync(path.dirname(csv), { recursive: true });
  fs.writeFileSync(csv, 'text,label\n' + texts.map((t, i) => `"${t.replace(/"/g, '""')}",c${i % 5}`).join('\n') + '\n');
  const feats = async () => { await embedFeatures(engine, { model: folder, data: csv, poolings: poolings as never, maxTokens, cacheDir: false }); };
  await bare(); await ours(); // warm-up
  // wall time, and CPU time of the process (onnxruntime's threads included): on a loaded machine the CPU time is the
  // steadier figure, since waiting for a core counts in wall time only
  const tb: number[] = [], te: number[] = [], tf: number[] = [], cb: number[] = [], ce: number[] = [];
  const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const timed = async (fn: () => Promise<void>, wall: number[], cpu?: number[]) => {
    const c0 = cpuMs(), t0 = performance.now();
    await fn();
    wall.push(performance.now() - t0);
    cpu?.push(cpuMs() - c0);
  };
  for (let r = 0; r < reps; r++) {
    await timed(bare, tb, cb);
    await timed(ours, te, ce);
    if (values.features) await timed(feats, tf);
  }
  // where the difference goes: tokenising every text, and pooling every row of the bare run's outputs
  const cTok = cpuMs();
  for (const t of texts) encodeText(m.tokenizer, t, { maxTokens });
  const tokenizeCpu = cpuMs() - cTok;
  let poolCpu = 0;
  for (const bt of batches) {
    const shape = [bt.B, bt.T];
    const out = await session.run({ input_ids: new O.Tensor('int64', bt.ids, shape), attention_mask: new O.Tensor('int64', bt.mask, shape), token_type_ids: new O.Tensor('int64', bt.types, shape) }, fetch);
    const layers = (prepared.plan.hiddenStates ?? [prepared.plan.lastHidden]).map((k) => ({ data: out[k].data as Float32Array, dims: out[k].dims.map(Number) }));
    // masks built outside the timing ([CLS] and the last real token are the specials)
    const masks = Array.from({ length: bt.B }, (_, r) => {
      const all = new Uint8Array(bt.T), content = new Uint8Array(bt.T);
      for (let t = 0; t < bt.T; t++) all[t] = bt.mask[r * bt.T + t] ? 1 : 0;
      for (let t = 1; t < bt.T - 1; t++) content[t] = all[t] && all[t + 1] ? 1 : 0;
      return { all, content };
    });
    const rowPoolings = poolings.filter((p) => p !== 'pooler') as RowPooling[];
    const c0 = cpuMs();
    for (let r = 0; r < bt.B; r++) poolBatchRow(layers, r, masks[r], rowPoolings);
    poolCpu += cpuMs() - c0;
  }
  const b = median(tb), e = median(te);
  const tokens = batches.reduce((s, x) => s + x.B * x.T, 0);
  const row: Record<string, string | number> = {
    model: `${m.summary.name} (${m.summary.layers} layers, hidden ${m.summary.hidden})`, texts: n, batches: batches.length, 'padded tokens': tokens, maxTokens, threads: threads ?? 'ort default',
    poolings: poolings.join(','), 'bare ms': b.toFixed(0), 'embed ms': e.toFixed(0), 'bare/embed': (b / e).toFixed(3), 'embed texts/s': (n / e * 1000).toFixed(0),
    'bare runs ms': tb.map((x) => x.toFixed(0)).join(' '), 'embed runs ms': te.map((x) => x.toFixed(0)).join(' '),
    'tokenise CPU ms': tokenizeCpu.toFixed(0), 'pool CPU ms': poolCpu.toFixed(0),
    'bare CPU ms': median(cb).toFixed(0), 'embed CPU ms': median(ce).toFixed(0), 'bare/embed (CPU)': (median(cb) / median(ce)).toFixed(3),
  };
  if (tf.length) { row['embedFeatures ms'] = median(tf).toFixed(0); row['bare/embedFeatures'] = (b / median(tf)).toFixed(3); }
  console.log(JSON.stringify(row, null, 1));
  await session.release();
  await engine.dispose();
}

main().catch((e) => { console.error(e); process.exit(1); });
