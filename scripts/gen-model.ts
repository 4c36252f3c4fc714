// Generates BERT-family ONNX models with random weights and a fixed seed, in the Hugging Face folder layout:
// config.json, model.safetensors (HF parameter names), onnx/model.onnx (transformers.js) or model.onnx (optimum),
// tokenizer.json, tokenizer_config.json, special_tokens_map.json.
//
//   node out/scripts/gen-model.js --out DIR --arch bert|distilbert|roberta --preset tiny|minilm|bert-base
//        [--variant stock|native|fused] [--seed N] [--layout transformersjs|optimum] [--head mlm]
//   node out/scripts/gen-model.js --fixture bert-tiny-stock     (test fixture: made once, prints its folder)
//
// --head mlm (bert only) adds BertForMaskedLM's head: the graph also outputs `logits` [batch, tokens, vocab], as
// Xenova/bert-base-uncased's export does (here next to last_hidden_state), and model.safetensors holds
// cls.predictions.*. Without it the files are byte-identical to what this generator made before the option existed.
//
// Parameters are generated one at a time and written to both files as they are made (the two files list them in
// the same order), so memory stays near the largest single tensor whatever the model size. See scripts/lib/
// bertGraph.ts for the graph, the initialisation and the position-id convention.
import fs from 'node:fs';
import path from 'node:path';
import { encodeModelChunks, encodeTag, encodeTensor, encodeVarint, readFields, concatBytes, Wire } from '../src/engine/onnx';
import {
  ARCHS, PRESETS, VARIANTS, archConfig, buildBertOnnx, generateParam, hfParams, numel, PRESET_SIZES,
  type Arch, type ArchConfig, type LazyInitializer, type Preset, type Variant,
} from './lib/bertGraph';
import { SafetensorsWriter, type SafetensorsEntry } from './lib/safetensors';
import { quantizeDynamicInt8, type QuantizeReport } from './lib/quantize';
import { byteLevelBpeTokenizerFiles, wordPieceTokenizerFiles, writeTokenizerFiles, type TokenizerFiles } from './lib/tokenizers';

export { ARCHS, PRESETS, VARIANTS, type Arch, type Preset, type Variant };
export type Layout = 'transformersjs' | 'optimum';
export const LAYOUTS: readonly Layout[] = ['transformersjs', 'optimum'];

/** Bumped whenever generated files change for the same options; fixtures made by another version are remade. */
export const GENERATOR_VERSION = '1';
export const DEFAULT_SEED = 42;

export interface GenerateOptions {
  out: string;
  arch: Arch;
  preset: Preset;
  variant?: Variant;
  seed?: number;
  layout?: Layout;
  /** 'mlm': add the masked-LM head and its `logits` output (bert only). Default: none. */
  head?: 'mlm';
  /** Also write a dynamically quantised int8 copy (onnx/model_quantized.onnx, or model_quantized.onnx for optimum). */
  quantize?: 'int8';
}

export interface GeneratedModel {
  folder: string;
  /** Absolute path of the ONNX file. */
  onnxPath: string;
  /** ONNX file path relative to the folder: `onnx/model.onnx` or `model.onnx`. */
  onnxFile: string;
  arch: Arch;
  preset: Preset;
  variant: Variant;
  layout: Layout;
  seed: number;
  head: 'mlm' | null;
  config: ArchConfig;
  /** Graph input and output names, in order. */
  inputs: string[];
  outputs: string[];
  params: number;
  onnxBytes: number;
  safetensorsBytes: number;
  ms: number;
  /** With `quantize`: the int8 file relative to the folder, and what was quantised. */
  quantized?: { onnxFile: string; onnxPath: string; bytes: number; report: QuantizeReport };
}

function tokenizerFor(arch: Arch, maxTokens: number): TokenizerFiles {
  return arch === 'roberta' ? byteLevelBpeTokenizerFiles({ maxLength: maxTokens }) : wordPieceTokenizerFiles({ maxLength: maxTokens });
}

/** The id of a special token, from tokenizer.json's added_tokens or its model vocabulary. */
function tokenId(files: TokenizerFiles, content: string): number | undefined {
  const tj = files.tokenizerJson as { added_tokens?: { id: number; content: string }[]; model?: { vocab?: unknown } };
  const added = tj.added_tokens?.find((t) => t.content === content);
  if (added) return added.id;
  const vocab = tj.model?.vocab;
  if (vocab && typeof vocab === 'object' && !Array.isArray(vocab)) {
    const id = (vocab as Record<string, number>)[content];
    if (typeof id === 'number') return id;
  }
  return undefined;
}

function hfConfig(c: ArchConfig, opts: Required<Omit<GenerateOptions, 'out' | 'head' | 'quantize'>> & { head?: 'mlm' }, files: TokenizerFiles): Record<string, unknown> {
  const clsLens = {
    random_weights: true, generator: 'scripts/gen-model.ts', generator_version: GENERATOR_VERSION, seed: opts.seed,
    variant: opts.variant, preset: opts.preset, layout: opts.layout, ...(opts.head ? { head: opts.head } : {}),
    init: 'embeddings N(0,0.02) (padding rows zero); linear N(0,1/fan_in); query/key N(0,3/hidden); biases, LayerNorm beta N(0,0.02); LayerNorm gamma 1+N(0,0.05)',
    position_ids: c.arch === 'roberta' ? 'cumsum(input_ids != pad) * (input_ids != pad) + pad_token_id (as transformers)' : 'arange(sequence_length)',
  };
  const common = { initializer_range: 0.02, max_position_embeddings: c.maxPositions, pad_token_id: c.padTokenId, torch_dtype: 'float32', transformers_version: '4.44.2', vocab_size: c.vocabSize };
  if (c.arch === 'distilbert') {
    return {
      activation: 'gelu', architectures: ['DistilBertModel'], attention_dropout: 0.1, dim: c.hidden, dropout: 0.1, hidden_dim: c.intermediate,
      ...common, model_type: 'distilbert', n_heads: c.heads, n_layers: c.layers, qa_dropout: 0.1, seq_classif_dropout: 0.2,
      sinusoidal_pos_embds: false, tie_weights_: true, cls_lens: clsLens,
    };
  }
  const roberta = c.arch === 'roberta';
  return {
    architectures: [roberta ? 'RobertaModel' : opts.head === 'mlm' ? 'BertForMaskedLM' : 'BertModel'], attention_probs_dropout_prob: 0.1,
    ...(roberta ? { bos_token_id: tokenId(files, '<s>') ?? 0, eos_token_id: tokenId(files, '</s>') ?? 2 } : {}),
    classifier_dropout: null, hidden_act: 'gelu', hidden_dropout_prob: 0.1, hidden_size: c.hidden, ...common,
    intermediate_size: c.intermediate, layer_norm_eps: c.layerNormEps, model_type: c.arch, num_attention_heads: c.heads,
    num_hidden_layers: c.layers, position_embedding_type: 'absolute', type_vocab_size: c.typeVocabSize, use_cache: true,
    cls_lens: clsLens,
  };
}

function writeAll(fd: number, b: Uint8Array): void {
  let o = 0;
  while (o < b.length) o += fs.writeSync(fd, b, o, b.length - o);
}

/** The small part of the model (everything but initializer data) and the framing of each initializer. */
function onnxLayout(model: ReturnType<typeof buildBertOnnx>['model'], inits: LazyInitializer[]): { head: Uint8Array; framing: Uint8Array[]; total: number } {
  const base = concatBytes(encodeModelChunks(model));
  const graph = readFields(base).find((f) => f.no === 7);
  if (!graph || graph.end !== base.length) throw new Error('internal: the graph is not the last field of the encoded model');
  // each initializer: tag 5 + length + (TensorProto without raw_data) + tag 9 + length, then the data
  const framing = inits.map((t) => {
    const meta = encodeTensor({ name: t.name, dataType: t.dataType, dims: t.dims });
    const rawHead = concatBytes([encodeTag(9, Wire.Len), encodeVarint(t.byteLength)]);
    const tensorLen = meta.length + rawHead.length + t.byteLength;
    return concatBytes([encodeTag(5, Wire.Len), encodeVarint(tensorLen), meta, rawHead]);
  });
  let graphLen = graph.valueEnd - graph.valueStart;
  inits.forEach((t, i) => { graphLen += framing[i].length + t.byteLength; });
  const head = concatBytes([base.subarray(0, graph.start), encodeTag(7, Wire.Len), encodeVarint(graphLen), base.subarray(graph.valueStart, graph.valueEnd)]);
  return { head, framing, total: head.length + graphLen - (graph.valueEnd - graph.valueStart) };
}

export async function generateModel(opts: GenerateOptions): Promise<GeneratedModel> {
  const t0 = performance.now();
  const o = { arch: opts.arch, preset: opts.preset, variant: opts.variant ?? 'stock', seed: opts.seed ?? DEFAULT_SEED, layout: opts.layout ?? 'transformersjs', ...(opts.head ? { head: opts.head } : {}) };
  if (!ARCHS.includes(o.arch)) throw new Error(`--arch must be one of ${ARCHS.join(', ')} (got ${String(o.arch)})`);
  if (!PRESETS.includes(o.preset)) throw new Error(`--preset must be one of ${PRESETS.join(', ')} (got ${String(o.preset)})`);
  if (!VARIANTS.includes(o.variant)) throw new Error(`--variant must be one of ${VARIANTS.join(', ')} (got ${String(o.variant)})`);
  if (!LAYOUTS.includes(o.layout)) throw new Error(`--layout must be one of ${LAYOUTS.join(', ')} (got ${String(o.layout)})`);
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) throw new Error(`--seed must be an integer in [0, 2^32) (got ${o.seed})`);
  if (o.head !== undefined && (o.head !== 'mlm' || o.arch !== 'bert')) throw new Error(`--head takes mlm, for --arch bert only (got ${String(o.head)} for ${o.arch})`);

  const folder = path.resolve(opts.out);
  const maxTokens = PRESET_SIZES[o.preset].maxTokens;
  const tok = tokenizerFor(o.arch, maxTokens);
  const pad = tokenId(tok, o.arch === 'roberta' ? '<pad>' : '[PAD]');
  if (pad === undefined) throw new Error('the tokenizer has no pad token');
  const cfg = archConfig(o.arch, o.preset, tok.vocabSize, pad);

  fs.mkdirSync(folder, { recursive: true });
  writeTokenizerFiles(folder, tok);
  fs.writeFileSync(path.join(folder, 'config.json'), `${JSON.stringify(hfConfig(cfg, o, tok), null, 2)}\n`);

  const params = hfParams(cfg, { mlmHead: o.head === 'mlm' });
  const byName = new Map(params.map((p) => [p.name, p]));
  const onnx = buildBertOnnx(cfg, o.variant, { mlmHead: o.head === 'mlm' });

  // one order for both files: parameters in the order the ONNX initializers first need them, then any others
  const order: string[] = [];
  const uses = new Map<string, number>();
  for (const init of onnx.initializers) {
    for (const s of init.sources) {
      if (!byName.has(s)) throw new Error(`internal: initializer ${init.name} needs unknown parameter ${s}`);
      if (!uses.has(s)) order.push(s);
      uses.set(s, (uses.get(s) ?? 0) + 1);
    }
  }
  for (const p of params) if (!uses.has(p.name)) order.push(p.name);

  const stPath = path.join(folder, 'model.safetensors');
  const entries: SafetensorsEntry[] = order.map((n) => ({ name: n, dtype: 'F32', shape: byName.get(n)!.shape }));
  const st = new SafetensorsWriter(stPath, entries);
  const onnxFile = o.layout === 'optimum' ? 'model.onnx' : 'onnx/model.onnx';
  const onnxPath = path.join(folder, onnxFile);
  fs.mkdirSync(path.dirname(onnxPath), { recursive: true });
  // the other layout's file, if an earlier run left one, would be picked up instead of this one
  fs.rmSync(path.join(folder, o.layout === 'optimum' ? 'onnx/model.onnx' : 'model.onnx'), { force: true });
  const layout = onnxLayout(onnx.model, onnx.initializers);
  const fd = fs.openSync(onnxPath, 'w');
  let onnxBytes = 0;
  try {
    const cache = new Map<string, Float32Array>();
    const get = (name: string): Float32Array => {
      let v = cache.get(name);
      if (!v) {
        v = generateParam(byName.get(name)!, o.seed, cfg);
        st.write(name, v);
        cache.set(name, v);
      }
      return v;
    };
    writeAll(fd, layout.head);
    onnxBytes += layout.head.length;
    onnx.initializers.forEach((init, i) => {
      const data = init.build(init.sources.map(get));
      if (data.length !== init.byteLength) throw new Error(`internal: ${init.name} built ${data.length} bytes, declared ${init.byteLength}`);
      writeAll(fd, layout.framing[i]);
      writeAll(fd, data);
      onnxBytes += layout.framing[i].length + data.length;
      for (const s of init.sources) {
        const left = (uses.get(s) ?? 1) - 1;
        uses.set(s, left);
        if (left === 0) cache.delete(s);
      }
    });
    for (const n of order) if (!uses.has(n)) get(n);
    st.close();
  } finally {
    fs.closeSync(fd);
  }
  if (onnxBytes !== layout.total) throw new Error(`internal: wrote ${onnxBytes} ONNX bytes, expected ${layout.total}`);
  let quantized: GeneratedModel['quantized'];
  if (opts.quantize !== undefined) {
    if (opts.quantize !== 'int8') throw new Error(`--quantize must be int8 (got ${String(opts.quantize)})`);
    const q = quantizeDynamicInt8(fs.readFileSync(onnxPath));
    const qFile = o.layout === 'optimum' ? 'model_quantized.onnx' : 'onnx/model_quantized.onnx';
    const qPath = path.join(folder, qFile);
    fs.writeFileSync(qPath, q.bytes);
    quantized = { onnxFile: qFile, onnxPath: qPath, bytes: q.bytes.length, report: q.report };
  }

  return {
    folder, onnxPath, onnxFile, arch: o.arch, preset: o.preset, variant: o.variant, layout: o.layout, seed: o.seed, head: o.head ?? null, config: cfg,
    inputs: onnx.inputs, outputs: onnx.outputs, params: params.reduce((a, p) => a + numel(p.shape), 0),
    onnxBytes, safetensorsBytes: st.bytesWritten, ms: performance.now() - t0, ...(quantized ? { quantized } : {}),
  };
}

// ───────────────────────────── test fixtures ─────────────────────────────

export type FixtureName = `${Arch}-${Preset}-${Variant}` | `${Arch}-${Preset}-${Variant}-optimum` | `bert-${Preset}-${Variant}-mlm`;

/** Parses `arch-preset-variant[-optimum]` (e.g. `bert-tiny-native`, `roberta-tiny-stock-optimum`) or `bert-preset-variant-mlm`. */
export function parseFixtureName(name: string): Required<Omit<GenerateOptions, 'out' | 'head' | 'quantize'>> & { head?: 'mlm' } {
  for (const arch of ARCHS) {
    for (const preset of PRESETS) {
      for (const variant of VARIANTS) {
        const base = `${arch}-${preset}-${variant}`;
        if (name === base) return { arch, preset, variant, seed: DEFAULT_SEED, layout: 'transformersjs' };
        if (name === `${base}-optimum`) return { arch, preset, variant, seed: DEFAULT_SEED, layout: 'optimum' };
        if (name === `${base}-mlm` && arch === 'bert') return { arch, preset, variant, seed: DEFAULT_SEED, layout: 'transformersjs', head: 'mlm' };
      }
    }
  }
  throw new Error(`unknown fixture model ${name}: expected arch-preset-variant[-optimum], e.g. bert-tiny-stock`);
}

/** The repository root: the nearest folder above this bundle (or the working directory) with the project's package.json. */
export function repoRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    let dir = path.resolve(start);
    for (;;) {
      const pkg = path.join(dir, 'package.json');
      if (fs.existsSync(pkg)) {
        try {
          if ((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'cls-lens') return dir;
        } catch { /* keep looking */ }
      }
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return process.cwd();
}

const pending = new Map<string, Promise<string>>();

function markerMatches(folder: string, expected: string): boolean {
  try {
    return fs.readFileSync(path.join(folder, '.complete'), 'utf8') === expected;
  } catch {
    return false;
  }
}

/**
 * `test/.fixtures/<name>/` (see fixturesRoot), generated on first use with seed 42 and reused while its `.complete` marker names the
 * same generator version. Safe to call from several test processes at once: each generates into its own
 * temporary folder and renames it into place.
 */
export function ensureFixtureModel(name: FixtureName): Promise<string> {
  let p = pending.get(name);
  if (!p) {
    p = makeFixture(name);
    pending.set(name, p);
    p.catch(() => pending.delete(name));
  }
  return p;
}

/** Where fixtures live: $CLS_LENS_FIXTURES, or test/.fixtures in the repository (gitignored). */
export function fixturesRoot(): string {
  return process.env.CLS_LENS_FIXTURES ? path.resolve(process.env.CLS_LENS_FIXTURES) : path.join(repoRoot(), 'test', '.fixtures');
}

async function makeFixture(name: string): Promise<string> {
  const opts = parseFixtureName(name);
  const root = fixturesRoot();
  const folder = path.join(root, name);
  const marker = JSON.stringify({ generator: GENERATOR_VERSION, ...opts });
  if (markerMatches(folder, marker)) return folder;
  fs.mkdirSync(root, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(root, `.${name}.tmp-`));
  try {
    await generateModel({ out: tmp, ...opts });
    fs.writeFileSync(path.join(tmp, '.complete'), marker);
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        fs.renameSync(tmp, folder);
        return folder;
      } catch {
        // another process got there first, or a stale folder (older generator) is in the way
        if (markerMatches(folder, marker)) return folder;
        try {
          fs.renameSync(folder, `${tmp}.old${attempt}`);
        } catch { /* someone else moved it: try again */ }
      }
    }
    throw new Error(`cannot put the generated fixture in place at ${folder}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    for (let attempt = 0; attempt < 5; attempt++) fs.rmSync(`${tmp}.old${attempt}`, { recursive: true, force: true });
  }
}

// ───────────────────────────── CLI ─────────────────────────────

const USAGE = 'usage: node out/scripts/gen-model.js --out DIR --arch bert|distilbert|roberta --preset tiny|minilm|bert-base [--variant stock|native|fused] [--seed N] [--layout transformersjs|optimum] [--head mlm] [--quantize int8]\n' +
  '       node out/scripts/gen-model.js --fixture NAME   (e.g. bert-tiny-stock: test/.fixtures/NAME, made once; prints the folder)';

function parseArgs(argv: string[]): GenerateOptions | { fixture: string } {
  if (argv[0] === '--fixture' || argv[0]?.startsWith('--fixture=')) {
    const name = argv[0] === '--fixture' ? argv[1] : argv[0].slice('--fixture='.length);
    if (!name || argv.length > (argv[0] === '--fixture' ? 2 : 1)) throw new Error('--fixture takes one name and no other arguments');
    return { fixture: name };
  }
  const vals: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      console.log(USAGE);
      process.exit(0);
    }
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(a);
    if (!m || !['out', 'arch', 'preset', 'variant', 'seed', 'layout', 'head', 'quantize'].includes(m[1])) throw new Error(`unknown argument ${a}`);
    const v = m[2] ?? argv[++i];
    if (v === undefined) throw new Error(`--${m[1]} needs a value`);
    vals[m[1]] = v;
  }
  if (!vals.out || !vals.arch || !vals.preset) throw new Error('--out, --arch and --preset are required');
  return {
    out: vals.out, arch: vals.arch as Arch, preset: vals.preset as Preset, variant: vals.variant as Variant | undefined,
    seed: vals.seed === undefined ? undefined : Number(vals.seed), layout: vals.layout as Layout | undefined,
    head: vals.head as 'mlm' | undefined,
    ...(vals.quantize !== undefined ? { quantize: vals.quantize as 'int8' } : {}),
  };
}

async function main(): Promise<void> {
  let opts: GenerateOptions | { fixture: string };
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`gen-model: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if ('fixture' in opts) {
    console.log(await ensureFixtureModel(opts.fixture as FixtureName));
    return;
  }
  const r = await generateModel(opts);
  const mb = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
  console.log(`${r.arch}/${r.preset}/${r.variant} seed ${r.seed}: ${r.params.toLocaleString('en-US')} parameters, ${r.onnxFile} ${mb(r.onnxBytes)}, model.safetensors ${mb(r.safetensorsBytes)}, ${(r.ms / 1000).toFixed(2)} s → ${r.folder}`);
  if (r.quantized) console.log(`int8: ${r.quantized.onnxFile} ${mb(r.quantized.bytes)} (${r.quantized.report.matmuls} MatMuls dynamically quantised, weights ${mb(r.quantized.report.weightBytesBefore)} → ${mb(r.quantized.report.weightBytesAfter)})`);
}

// run as a script only (this module is also bundled into tests)
if (/gen-model\.[cm]?js$/.test(process.argv[1] ?? '')) {
  main().catch((e: unknown) => {
    console.error(`gen-model: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
