// `npm run bench`: issue #10's table, measured in one process on the project's random-weight models (MiniLM and
// BERT-base sizes, made by scripts/gen-model.ts and cached in .cache/bench-models), all at the same thread count:
//   - per model × tokens (16/128/512), fp32 and int8: a bare onnxruntime `session.run` of the stock graph, of the
//     rewritten graph (every hidden state and attention exposed), CLS Lens `inspect` (and its stages), and
//     transformers.js `feature-extraction` (@huggingface/transformers, same ONNX file, same tokens);
//   - batch embedding: 1,000 texts of 5–300 tokens, CLS Lens `Engine.embed` against transformers.js's batched
//     pipeline and against bare runs of the stock graph over the batches Engine.embed makes;
//   - memory: resident memory after loading each model and after 3 inspections at 512 tokens (a fresh process each);
//   - activation: loading dist/extension.js and running activate() with a stub `vscode` (a fresh process);
//   - tokenising 1 MB with offsets against Hugging Face's Rust tokenizers, and a truncating 1 MB inspection;
//   - PyTorch eager on the same weights when Debian's python3-torch is installed (OpenBLAS preloaded).
// Contenders are timed in turns, each call after a full garbage collection; medians of --reps rounds (more for rows
// whose rounds are short, up to 1.5 s of rounds; the row's `reps` says how many) after 2 warm-ups. Prints tables
// (or, with --json, one JSON object per row on stdout and the rest on stderr). Asserts nothing: the tests check the
// rows' structure only.
//
//   npm run bench -- [--models minilm,bert-base] [--lengths 16,128,512] [--reps 9] [--threads N] [--quick] [--json]
//                    [--texts 1000] [--batch-reps 3] [--no-int8] [--no-torch] [--no-batch] [--out FILE]
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { parseArgs } from 'node:util';
import { Engine } from '../../src/engine/engine';
import { RunStore } from '../../src/engine/worker/runs';
import type { Inspection } from '../../src/shared/types';
import { ort } from '../../src/engine/runtime/ort';
import { prepareGraph } from '../../src/engine/onnx/rewrite';
import { encodeText, type TokenizerHandle } from '../../src/engine/tokenizer';
import { generateModel, repoRoot } from '../gen-model';

type Row = Record<string, string | number | boolean | null>;

const { values } = parseArgs({
  options: {
    models: { type: 'string' }, lengths: { type: 'string' }, reps: { type: 'string' }, threads: { type: 'string' },
    quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, texts: { type: 'string' },
    'batch-reps': { type: 'string' }, 'no-int8': { type: 'boolean', default: false }, 'no-torch': { type: 'boolean', default: false }, 'no-batch': { type: 'boolean', default: false },
    out: { type: 'string' },
    // child-process probes (memory, activation)
    probe: { type: 'string' }, dir: { type: 'string' }, 'onnx-file': { type: 'string' },
  },
});
const quick = values.quick!;
const reps = Number(values.reps ?? (quick ? 3 : 9));
const threads = Number(values.threads ?? 0) || os.availableParallelism();
const root = repoRoot();
const cacheDir = path.join(root, '.cache', 'bench-models');
const INT8_FILE = 'onnx/model_quantized.onnx';
/** Bumped when the bench's models change (the int8 copy was added in 2). */
const MODEL_CACHE_VERSION = 'bench-2';

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const mib = (b: number) => Math.round(b / 1048576);
const log = (s: string) => (values.json ? process.stderr : process.stdout).write(`${s}\n`);
const rows: Row[] = [];
function emit(row: Row): void {
  rows.push(row);
  if (values.json) process.stdout.write(`${JSON.stringify(row)}\n`);
  else log(JSON.stringify(row));
}

const WORDS = 'the model reads every token and the first position gathers what the sequence holds while training shapes it like any other'.split(' ');

const WARMUPS = quick ? 1 : 2;

async function timeIt(fn: () => Promise<unknown>, n: number): Promise<number> {
  for (let i = 0; i < WARMUPS; i++) await fn();
  const ts: number[] = [];
  for (let i = 0; i < n; i++) { const t0 = performance.now(); await fn(); ts.push(performance.now() - t0); }
  return median(ts);
}

/**
 * A full garbage collection, run before every timed call of every contender (V8's gc(), exposed at run time). The
 * contenders share one process, so without it each call paid for garbage the previous contender left: the rewritten
 * graph returns 75 MB of attention per MiniLM call at 512 tokens, and whoever ran next met the collection it caused
 * (MiniLM 512: inspect measured 1.38× transformers.js in turns, 1.23× with a collection before each call, the same
 * hour). Each contender still pays for collecting its own garbage when a collection falls inside its call.
 * Running each contender in its own process instead was tried: there, every onnxruntime run was slower after another
 * process's run (a bare BERT-base run at 16 tokens took 25–56 ms against 18–20 ms alone), by amounts that differed
 * between contenders, so the rows did not compare like with like.
 */
const collectGarbage: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

/** Rows whose contenders take a few ms get more rounds, so a median is not read off a few tens of milliseconds. */
const MIN_TIMED_MS = quick ? 0 : 1500;
const MAX_ROUNDS = 400;

/**
 * Medians of several contenders timed in turns (a, b, c, a, b, c, …) after warm-ups: on a shared machine a burst
 * of load then slows every contender alike instead of whichever ran during it. At least `n` rounds, more when a round
 * is short (until the rounds add up to MIN_TIMED_MS, at most MAX_ROUNDS).
 */
async function timeInTurns<K extends string>(fns: Record<K, () => Promise<unknown>>, n: number, warmups = WARMUPS): Promise<Record<K, number> & { rounds: number }> {
  const keys = Object.keys(fns) as K[];
  const w0 = performance.now();
  for (let i = 0; i < warmups; i++) for (const k of keys) await fns[k]();
  const roundMs = (performance.now() - w0) / Math.max(1, warmups);
  const rounds = Math.max(n, Math.min(MAX_ROUNDS, Math.ceil(MIN_TIMED_MS / Math.max(roundMs, 1e-3))));
  const ts = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < rounds; i++) {
    for (const k of keys) { collectGarbage(); const t0 = performance.now(); await fns[k](); ts[k].push(performance.now() - t0); }
  }
  return Object.assign(Object.fromEntries(keys.map((k) => [k, median(ts[k])])) as Record<K, number>, { rounds });
}

/** A text of exactly `n` tokens (specials included) for this tokenizer: words cut after the n-th token's characters. */
function textOfTokens(tok: TokenizerHandle, n: number, seed = 0): string {
  const long = Array.from({ length: n * 2 + 8 }, (_, i) => WORDS[(i * 7 + seed) % WORDS.length]).join(' ');
  const e = encodeText(tok, long, { maxTokens: n });
  return long.slice(0, e.truncation.keptChars);
}

async function ensureModel(preset: 'minilm' | 'bert-base' | 'tiny'): Promise<string> {
  const folder = path.join(cacheDir, `bert-${preset}`);
  const marker = path.join(folder, '.complete');
  if (!fs.existsSync(marker) || fs.readFileSync(marker, 'utf8') !== MODEL_CACHE_VERSION) {
    const t0 = performance.now();
    fs.rmSync(folder, { recursive: true, force: true });
    await generateModel({ out: folder, arch: 'bert', preset, variant: 'stock', seed: 1, quantize: 'int8' });
    fs.writeFileSync(marker, MODEL_CACHE_VERSION);
    log(`generated ${preset} (fp32 and int8) in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${folder}`);
  }
  return folder;
}

// ───────────── transformers.js ─────────────

interface TjsPipe { (texts: string | string[], opts: Record<string, unknown>): Promise<{ dims: number[] }>; dispose(): Promise<void> }
let tjsMod: { pipeline: (task: string, model: string, opts: Record<string, unknown>) => Promise<TjsPipe>; env: Record<string, unknown> } | null = null;

/**
 * transformers.js on the same files: a folder per model under .cache/bench-models/tjs/ with symlinks in the layout it
 * expects (config.json, tokenizer files, onnx/model.onnx and onnx/model_quantized.onnx), loaded with remote models off.
 */
async function tjsPipeline(folder: string, precision: 'fp32' | 'int8'): Promise<TjsPipe> {
  if (!tjsMod) {
    const name = '@huggingface/transformers'; // not bundled: loaded from node_modules as an ES module
    tjsMod = (await import(name)) as typeof tjsMod;
    tjsMod!.env.allowRemoteModels = false;
    tjsMod!.env.allowLocalModels = true;
    tjsMod!.env.localModelPath = path.join(cacheDir, 'tjs');
  }
  const id = path.basename(folder);
  const dst = path.join(cacheDir, 'tjs', id);
  fs.rmSync(dst, { recursive: true, force: true });
  fs.mkdirSync(path.join(dst, 'onnx'), { recursive: true });
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) {
    if (fs.existsSync(path.join(folder, f))) fs.symlinkSync(path.join(folder, f), path.join(dst, f));
  }
  for (const f of ['onnx/model.onnx', INT8_FILE]) if (fs.existsSync(path.join(folder, f))) fs.symlinkSync(path.join(folder, f), path.join(dst, f));
  return tjsMod!.pipeline('feature-extraction', id, {
    device: 'cpu', dtype: precision === 'int8' ? 'q8' : 'fp32',
    session_options: { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', extra: NO_SPIN },
  });
}

/**
 * Every contender's sessions run with spinning off, as the engine's do (src/engine/runtime/ort.ts). Contenders are
 * timed in turns in one process, and a pool that spins after its run takes the 2 cores from whichever contender runs
 * next: with onnxruntime's default (spinning on) the bare stock run of BERT-base at 128 tokens measured 97.5 ms here
 * in turns against 67–70 ms alone, and transformers.js, timed after a non-spinning contender, looked faster than a
 * bare run of the same graph.
 */
const NO_SPIN = { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } };

// ───────────── inspect rows ─────────────

async function inspectRows(preset: string, folder: string, precision: 'fp32' | 'int8', lengths: number[], torchCases: unknown[]): Promise<void> {
  const O = ort();
  const onnxFile = precision === 'int8' ? INT8_FILE : undefined;
  const engine = new Engine({ threads });
  const m = await engine.load(folder, { onnxFile });
  const raw = fs.readFileSync(m.folder.onnxFile);
  const prepared = prepareGraph(raw, m.summary.layers);
  const sessOpts = { interOpNumThreads: 1, intraOpNumThreads: threads, graphOptimizationLevel: 'all' as const, extra: NO_SPIN };
  const stock = await O.InferenceSession.create(raw, sessOpts);
  const same = await O.InferenceSession.create(prepared.bytes, sessOpts);
  const tjs = await tjsPipeline(folder, precision);
  const keepLikeWorker = workerRuns(engine);
  for (const T of lengths) {
    const text = textOfTokens(m.tokenizer, T);
    const enc = encodeText(m.tokenizer, text, { maxTokens: 100000 });
    const n = enc.ids.length;
    const t = (a: ArrayLike<number>) => new O.Tensor('int64', BigInt64Array.from(Array.from(a), BigInt), [1, n]);
    const feeds = { input_ids: t(enc.ids), attention_mask: t(enc.attentionMask), token_type_ids: t(enc.tokenTypeIds) };
    const sameOutputs = [...new Set([prepared.plan.lastHidden, ...(prepared.plan.hiddenStates ?? []), ...(prepared.plan.attentions ?? []), ...(prepared.plan.pooler ? [prepared.plan.pooler] : [])])];
    const stages: { tokenizeMs: number; runMs: number; analyseMs: number }[] = [];
    let tjsTokens = 0;
    const { bareStock, inspect, tjsMs, rounds } = await timeInTurns({
      bareStock: () => stock.run(feeds, [prepared.plan.lastHidden]),
      inspect: async () => { const ins = await engine.inspect(folder, text, { onnxFile }); stages.push(ins.timings); keepLikeWorker(ins); },
      tjsMs: async () => { tjsTokens = (await tjs(text, { pooling: 'none' })).dims[1]; },
    }, reps);
    // the rewritten graph on its own afterwards: its attention outputs (75 MB per MiniLM call at 512 tokens) changed
    // the allocator's and the caches' state for whichever contender ran next
    const { bareSame } = await timeInTurns({ bareSame: () => same.run(feeds, sameOutputs) }, reps);
    const s = stages.slice(WARMUPS);
    emit({
      kind: 'inspect', model: preset, precision, model_dir: folder, onnx_file: path.relative(folder, m.folder.onnxFile), tokens: n, threads, reps: rounds,
      bare_stock_ms: r1(bareStock), rewritten_ms: r1(bareSame), inspect_ms: r1(inspect),
      tokenize_ms: r3(median(s.map((x) => x.tokenizeMs))), run_ms: r1(median(s.map((x) => x.runMs))), analyse_ms: r1(median(s.map((x) => x.analyseMs))),
      transformersjs_ms: r1(tjsMs), transformersjs_tokens: tjsTokens, ratio_tjs: r3(inspect / tjsMs), ratio_stock: r3(inspect / bareStock),
      ratio_rewritten_stock: r3(bareSame / bareStock),
    });
    if (precision === 'fp32') {
      const ins = await engine.inspect(folder, text);
      const H = m.summary.hidden, L = m.summary.layers;
      torchCases.push({ tokens: n, ids: enc.ids, types: enc.tokenTypeIds, cls: Array.from(ins.hidden.data.subarray(L * n * H, L * n * H + H)) });
    }
  }
  await tjs.dispose();
  await stock.release(); await same.release(); await engine.dispose();
}

// ───────────── batch embedding ─────────────

function mixedTexts(tok: TokenizerHandle, count: number): string[] {
  let s = 12345;
  const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
  return Array.from({ length: count }, (_, i) => textOfTokens(tok, 7 + Math.floor(rnd() * 296), i)); // 5–300 content tokens + 2 specials
}

async function batchRows(preset: string, folder: string, count: number): Promise<void> {
  const O = ort();
  const engine = new Engine({ threads });
  const m = await engine.load(folder);
  const texts = mixedTexts(m.tokenizer, count);
  const encs = texts.map((t) => encodeText(m.tokenizer, t, { maxTokens: 512 }));
  const totalTokens = encs.reduce((a, e) => a + e.ids.length, 0);
  // CLS Lens Engine.embed ([CLS] of the last layer, its default batching)
  const embedOnce = async () => { let k = 0; for await (const e of engine.embed(folder, texts, { poolings: ['cls'], layers: 'last' })) { void e; k++; } return k; };
  const batchShapes: [number, number][] = [];
  // the batches Engine.embed makes (defaults: chunks of 512 texts sorted by length, 8192 padded tokens, 64 rows),
  // run bare on the stock graph: tokenisation done beforehand, only session.run timed
  const raw = fs.readFileSync(m.folder.onnxFile);
  const stock = await O.InferenceSession.create(raw, { interOpNumThreads: 1, intraOpNumThreads: threads, graphOptimizationLevel: 'all', extra: NO_SPIN });
  const lastHidden = prepareGraph(raw, m.summary.layers).plan.lastHidden;
  const feedsList: Record<string, InstanceType<typeof O.Tensor>>[] = [];
  for (let c = 0; c < encs.length; c += 512) {
    const chunk = encs.slice(c, c + 512);
    const order = chunk.map((_, i) => i).sort((a, b) => chunk[a].ids.length - chunk[b].ids.length);
    for (let st = 0; st < order.length;) {
      let e = st + 1;
      while (e < order.length && e - st < 64 && (e - st + 1) * chunk[order[e]].ids.length <= 8192) e++;
      const T = chunk[order[e - 1]].ids.length, B = e - st;
      const ids = new BigInt64Array(B * T), mask = new BigInt64Array(B * T), types = new BigInt64Array(B * T);
      order.slice(st, e).forEach((ri, b) => chunk[ri].ids.forEach((id, t) => { ids[b * T + t] = BigInt(id); mask[b * T + t] = 1n; types[b * T + t] = BigInt(chunk[ri].tokenTypeIds[t]); }));
      feedsList.push({ input_ids: new O.Tensor('int64', ids, [B, T]), attention_mask: new O.Tensor('int64', mask, [B, T]), token_type_ids: new O.Tensor('int64', types, [B, T]) });
      batchShapes.push([B, T]);
      st = e;
    }
  }
  // transformers.js: its batched pipeline on batches of 32 texts in input order (it pads each batch to its longest)
  const tjs = await tjsPipeline(folder, 'fp32');
  const TJS_BATCH = 32;
  const { embedMs, tjsMs, bareMs } = await timeInTurns({
    embedMs: embedOnce,
    tjsMs: async () => { for (let i = 0; i < texts.length; i += TJS_BATCH) await tjs(texts.slice(i, i + TJS_BATCH), { pooling: 'cls' }); },
    bareMs: async () => { for (const f of feedsList) await stock.run(f, [lastHidden]); },
  }, Number(values['batch-reps'] ?? (quick ? 1 : Math.min(reps, 3))), 1);
  await tjs.dispose(); await stock.release(); await engine.dispose();
  const padded = batchShapes.reduce((a, [B, T]) => a + B * T, 0);
  const tps = (ms: number) => Math.round(texts.length / ms * 1000 * 10) / 10;
  emit({
    kind: 'embed', model: preset, precision: 'fp32', model_dir: folder, texts: texts.length, tokens_total: totalTokens, threads,
    clslens_texts_per_s: tps(embedMs), transformersjs_texts_per_s: tps(tjsMs), bare_texts_per_s: tps(bareMs),
    clslens_ms: Math.round(embedMs), transformersjs_ms: Math.round(tjsMs), bare_ms: Math.round(bareMs),
    ratio_tjs: r3(tjsMs / embedMs), ratio_bare: r3(bareMs / embedMs), batches: batchShapes.length, padding_share: r3(1 - totalTokens / padded),
    transformersjs_batch: TJS_BATCH,
  });
}

// ───────────── probes in a fresh process ─────────────

function probe(args: string[]): Row | null {
  const r = spawnSync(process.execPath, [__filename, ...args, '--threads', String(threads)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Row;
  } catch {
    log(`probe ${args.join(' ')} failed (status ${r.status}): ${r.stderr.slice(-2000)}`);
    return null;
  }
}

/**
 * What the engine worker does with each inspection: keep its hidden states in a RunStore of 2 runs and give the
 * dropped run's buffer back to the engine (Engine.recycleHidden), which the next inspection writes into.
 */
function workerRuns(engine: Engine): (ins: Inspection) => void {
  const runs = new RunStore('bench', 2, (r) => engine.recycleHidden(r.hidden));
  return (ins) => { runs.add({ hidden: ins.hidden, layerIds: ins.layerIds, attentions: null, rollout: null }); };
}

async function memoryProbe(folder: string, onnxFile: string | undefined): Promise<void> {
  const rss = () => process.memoryUsage().rss;
  const base = rss();
  const engine = new Engine({ threads });
  const m = await engine.load(folder, { onnxFile });
  const loaded = rss();
  const text = textOfTokens(m.tokenizer, 512);
  const keep = workerRuns(engine);
  for (let i = 0; i < 3; i++) keep(await engine.inspect(folder, text, { onnxFile }));
  // as found, then after a full collection: onnxruntime-node hands back a copy of every output even when it wrote into
  // the engine's buffer, so each inspection leaves (L+1)·T·H floats of garbage (20 MiB for BERT-base at 512 tokens)
  // that the next collection frees; the first figure moved by 20–60 MiB with when V8 last collected
  const found = rss();
  collectGarbage();
  const after = rss();
  process.stdout.write(`${JSON.stringify({ onnx_bytes: fs.statSync(m.folder.onnxFile).size, rss_start_mib: mib(base), rss_after_load_mib: mib(loaded), rss_after_3_inspections_512_mib: mib(after), rss_after_3_inspections_512_before_gc_mib: mib(found) })}\n`);
}

/** Loads dist/extension.js with a stub `vscode` module and runs activate(); reports the times and whether onnxruntime was loaded. */
async function activationProbe(): Promise<void> {
  const ext = path.join(root, 'dist', 'extension.js');
  const stub = (name: string): unknown => {
    const fn = function () { return undefined; };
    return new Proxy(fn, {
      get: (_t, p) => {
        if (p === 'then') return undefined;
        if (p === Symbol.toPrimitive) return () => name;
        if (p === 'dispose') return () => undefined;
        return stub(`${name}.${String(p)}`);
      },
      set: () => true,
      apply: () => stub(`${name}()`),
      construct: () => stub(`new ${name}`) as object,
    });
  };
  const memento = () => { const m = new Map<string, unknown>(); return { get: (k: string, d?: unknown) => (m.has(k) ? m.get(k) : d), update: async (k: string, v: unknown) => { m.set(k, v); }, keys: () => [...m.keys()], setKeysForSync: () => undefined }; };
  // every name the bundle reads from `vscode` (esbuild copies the module's own keys), each a do-nothing stub
  const names = new Set([...fs.readFileSync(ext, 'utf8').matchAll(/\b(?:import_)?vscode\d*\.([A-Za-z_$][\w$]*)/g)].map((x) => x[1]));
  const vscodeStub: Record<string, unknown> = Object.fromEntries([...names].map((n) => [n, stub(n)]));
  vscodeStub.workspace = new Proxy({ getConfiguration: () => ({ get: (_k: string, d?: unknown) => d, has: () => false, inspect: () => undefined, update: async () => undefined }), isTrusted: true, workspaceFolders: undefined },
    { get: (t, p) => (p in t ? (t as Record<string | symbol, unknown>)[p] : stub(`workspace.${String(p)}`)) });
  interface FakeUri { fsPath: string; path: string; scheme: string; toString(): string; with(): FakeUri }
  const uri = (p: string): FakeUri => ({ fsPath: p, path: p, scheme: 'file', toString: () => `file://${p}`, with: () => uri(p) });
  vscodeStub.Uri = { file: uri, parse: (x: string) => uri(x.replace(/^file:\/\//, '')), joinPath: (u: FakeUri, ...ps: string[]) => uri(path.join(u.fsPath, ...ps)) };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Module = require('node:module') as { _load: (req: string, ...rest: unknown[]) => unknown };
  const load = Module._load;
  Module._load = function (req: string, ...rest: unknown[]) { return req === 'vscode' ? vscodeStub : load.call(this, req, ...rest); };
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(ext) as { activate: (c: unknown) => Promise<void> };
  const t1 = performance.now();
  const context = {
    subscriptions: [] as unknown[], extensionUri: uri(root), extensionPath: root, globalState: memento(), workspaceState: memento(),
    secrets: { get: async () => undefined, store: async () => undefined, delete: async () => undefined, onDidChange: () => ({ dispose: () => undefined }) },
    globalStorageUri: uri(path.join(os.tmpdir(), 'cls-lens-bench-storage')), storageUri: undefined, logUri: uri(os.tmpdir()), extensionMode: 3, environmentVariableCollection: stub('env'),
  };
  let error: string | null = null;
  try { await mod.activate(context); } catch (e) { error = (e as Error).message; }
  const t2 = performance.now();
  const ortLoaded = Object.keys(require.cache).some((k) => k.includes('onnxruntime'));
  process.stdout.write(`${JSON.stringify({ bundle_bytes: fs.statSync(ext).size, require_ms: r1(t1 - t0), activate_ms: r1(t2 - t1), total_ms: r1(t2 - t0), onnxruntime_loaded: ortLoaded, error })}\n`);
}

// ───────────── tokenising 1 MB ─────────────

async function tokenizeRows(preset: string, folder: string): Promise<void> {
  const engine = new Engine({ threads });
  const m = await engine.load(folder);
  const prose = 'The river was grey and slow, and the baker opened the kitchen window at seven. ';
  const text = prose.repeat(Math.ceil(1_000_000 / prose.length)).slice(0, 1_000_000);
  const n = Math.max(3, Math.min(reps, 5));
  let tokens = 0;
  const ours = await timeIt(async () => { tokens = encodeText(m.tokenizer, text, { maxTokens: 1e7 }).ids.length; }, n);
  const row: Row = { kind: 'tokenize', model: preset, model_dir: folder, chars: text.length, tokens, clslens_ms: Math.round(ours) };
  try {
    const name = 'tokenizers'; // HF's Rust binding (dev dependency), loaded from node_modules
    const { Tokenizer } = (await import(name)) as { Tokenizer: { fromFile(f: string): { encode(t: string): Promise<{ getIds(): number[]; getOffsets(): unknown[] }> } } };
    const hf = Tokenizer.fromFile(path.join(folder, 'tokenizer.json'));
    const theirs = await timeIt(async () => { const e = await hf.encode(text); e.getIds(); e.getOffsets(); }, n);
    Object.assign(row, { hf_tokenizers_ms: Math.round(theirs), ratio_hf: r3(ours / theirs) });
  } catch (e) { Object.assign(row, { hf_tokenizers_ms: null, hf_error: (e as Error).message }); }
  emit(row);
  // a truncating inspection of the same 1 MB: only what fits (plus a margin) is tokenised
  for (const T of [128, 512]) {
    const enc = await timeIt(async () => encodeText(m.tokenizer, text, { maxTokens: T }), n);
    const whole = await timeIt(async () => encodeText(m.tokenizer, text, { maxTokens: T, prefix: 'never' }), 1);
    let r: Awaited<ReturnType<Engine['inspect']>> | null = null;
    const tokMs: number[] = [];
    const ins = await timeIt(async () => { r = await engine.inspect(folder, text, { maxTokens: T }); tokMs.push(r.timings.tokenizeMs); }, n);
    const last = r!;
    emit({ kind: 'truncate', model: preset, model_dir: folder, chars: text.length, tokens: T, threads, encode_ms: r1(enc), encode_whole_text_ms: Math.round(whole), inspect_ms: r1(ins), inspect_tokenize_ms: r1(median(tokMs.slice(WARMUPS))), dropped_at_least: last.truncation.droppedTokens, dropped_exact: last.truncation.droppedTokensExact !== false });
  }
  await engine.dispose();
}

// ───────────── PyTorch eager ─────────────

function torchRows(preset: string, folder: string, cases: unknown[]): void {
  const py = ['/usr/bin/python3', 'python3'].find((p) => { try { execFileSync(p, ['-c', 'import torch'], { stdio: 'ignore' }); return true; } catch { return false; } });
  if (!py) { log('PyTorch rows skipped: no python3 with torch (apt-get install -y python3-torch libopenblas0-pthread)'); return; }
  const openblas = ['/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3', '/usr/lib/x86_64-linux-gnu/libopenblas.so.0'].find((f) => fs.existsSync(f));
  const blas = openblas ? `OpenBLAS (LD_PRELOAD ${openblas})` : `default (${(() => { try { return fs.realpathSync('/usr/lib/x86_64-linux-gnu/libblas.so.3'); } catch { return 'unknown'; } })()})`;
  const r = spawnSync(py, [path.join(root, 'scripts', 'bench', 'torch_bert.py')], {
    input: JSON.stringify({ folder, threads, reps, cases }), encoding: 'utf8', maxBuffer: 1 << 26,
    env: { ...process.env, ...(openblas ? { LD_PRELOAD: openblas } : {}), OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) },
  });
  if (r.status !== 0) { log(`PyTorch rows failed: ${r.stderr.slice(-2000)}`); return; }
  for (const line of r.stdout.trim().split('\n')) {
    const x = JSON.parse(line) as Row;
    emit({ kind: 'torch', model: preset, precision: 'fp32', model_dir: folder, blas, ...x });
  }
}

// ───────────── main ─────────────

async function main(): Promise<void> {
  if (values.probe === 'memory') return memoryProbe(values.dir!, values['onnx-file']);
  if (values.probe === 'activation') return activationProbe();
  const O = ort();
  const models = (values.models ?? (quick ? 'minilm' : 'minilm,bert-base')).split(',') as ('minilm' | 'bert-base')[];
  const lengths = (values.lengths ?? (quick ? '16' : '16,128,512')).split(',').map(Number);
  const textCount = Number(values.texts ?? (quick ? 12 : 1000));
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  emit({ kind: 'machine', cpu, cores: os.availableParallelism(), node: process.version, onnxruntime_node: O.env.versions.node ?? null, onnxruntime_common: O.env.versions.common ?? null, transformersjs: (JSON.parse(fs.readFileSync(path.join(root, 'node_modules/@huggingface/transformers/package.json'), 'utf8')) as { version: string }).version, threads, reps, quick });
  const act = probe(['--probe', 'activation']);
  if (act) emit({ kind: 'activation', ...act });
  for (const preset of models) {
    const folder = await ensureModel(preset);
    const torchCases: unknown[] = [];
    await inspectRows(preset, folder, 'fp32', lengths, torchCases);
    if (!values['no-int8']) await inspectRows(preset, folder, 'int8', lengths, []);
    for (const precision of values['no-int8'] ? ['fp32'] : ['fp32', 'int8']) {
      const mem = probe(['--probe', 'memory', '--dir', folder, ...(precision === 'int8' ? ['--onnx-file', INT8_FILE] : [])]);
      if (mem) emit({ kind: 'memory', model: preset, precision, model_dir: folder, threads, ...mem, rss_limit_mib: mib(Number(mem.onnx_bytes)) + 500 });
    }
    if (!values['no-batch'] && preset === models[0]) await batchRows(preset, folder, textCount);
    if (!quick) await tokenizeRows(preset, folder);
    if (!quick && !values['no-torch']) torchRows(preset, folder, torchCases);
  }
  if (!values.json) {
    for (const kind of [...new Set(rows.map((r) => r.kind))]) {
      console.log(`\n${kind}`);
      console.table(rows.filter((r) => r.kind === kind).map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'kind' && k !== 'model_dir'))));
    }
  }
  if (values.out) fs.writeFileSync(values.out, `${JSON.stringify(rows, null, 2)}\n`);
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
