// `cls-lens probe|position|layers|census|recover|map`: the experiments from a terminal. Each parses its flags into
// ExperimentArgs and calls runExperiment — the same function the extension's worker calls — so the numbers agree.
// --json prints exactly one JSON object (experiments/json.ts); --csv the result's table; otherwise a readable table.
import { parseArgs } from 'node:util';
import { Engine } from '../engine/engine';
import { CancelledError, EngineError } from '../engine/errors';
import { cliErrorMessage, hubOptionsFrom } from './hub';
import { EXPERIMENT_USAGE } from './usage';
import { EXPERIMENT_KINDS, isExperimentKind, isProbePooling, PROBE_POOLINGS, type ExperimentKind, type ExperimentResult, type ProbePooling } from '../shared/experiments';
import { DEFAULTS, runExperiment } from '../experiments/run';
import { resultJsonText } from '../experiments/json';
import { resultCsv } from '../experiments/csv';
import { RANDOM_WEIGHTS_NOTE } from '../experiments/meta';
import type { ExperimentArgs, ExperimentProgress } from '../experiments/types';

class UsageError extends Error {}

/** The flag to change for each data error (the engine's next steps name no surface). */
const DATA_FLAGS: Record<string, string> = {
  'data-not-found': 'Pass --data FILE (a .csv, .tsv or .jsonl file, a folder with one file per class, or builtin:sentences).',
  'data-format': 'Check the file given with --data.',
  'data-encoding': 'Save the file given with --data as UTF-8.',
  'data-column': 'Name the columns with --text-column C and --label-column C.',
  'data-labels': 'Check --label-column (the column that holds the classes), or lower --folds.',
};

/** An experiment error as the CLI prints it: cause, next step, and the flag to change. */
export function experimentErrorMessage(e: EngineError): string {
  const flag = DATA_FLAGS[e.code];
  if (flag) return [e.summary, e.next, flag].filter(Boolean).join(' ');
  if (e.code === 'experiment-args') {
    const which = /^Layer/.test(e.summary) ? 'Change --layers (all, or a list such as 0,3,6).'
      : /^Shard/.test(e.summary) ? 'Change --shard K/N.'
      : /^No pooling asked for/.test(e.summary) ? 'Change --layers or --poolings.'
      : /pooling|pooler/.test(e.summary) ? 'Change --poolings.'
      : /vectors at layer/.test(e.summary) ? 'Change --layers or --poolings to what the --features folders hold.' : '';
    return [e.summary, e.next, which].filter(Boolean).join(' ');
  }
  if (e.code === 'features') return [e.summary, e.next, 'Check the folders given with --features (or --no-embed-cache to embed afresh).'].filter(Boolean).join(' ');
  return cliErrorMessage(e);
}

const int = (flag: string, v: string | undefined, min: number): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} takes a whole number of ${min} or more (got ${v})`);
  return n;
};

/** Flags → ExperimentArgs (throws UsageError naming the flag). Exported for tests. */
export function parseExperimentArgs(argv: string[]): { args: ExperimentArgs; json: boolean; csv: boolean; threads?: number; hub: ReturnType<typeof hubOptionsFrom> } {
  const { values: v, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      model: { type: 'string' }, 'onnx-file': { type: 'string' }, data: { type: 'string' }, 'text-column': { type: 'string' }, 'label-column': { type: 'string' },
      layers: { type: 'string' }, poolings: { type: 'string' }, folds: { type: 'string' }, seed: { type: 'string' }, C: { type: 'string' },
      'max-tokens': { type: 'string' }, features: { type: 'string', multiple: true }, limit: { type: 'string' }, method: { type: 'string' },
      json: { type: 'boolean', default: false }, csv: { type: 'boolean', default: false }, threads: { type: 'string' },
      'embed-cache': { type: 'string' }, 'no-embed-cache': { type: 'boolean', default: false },
      offline: { type: 'boolean', default: false }, endpoint: { type: 'string' }, 'cache-dir': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const kind = positionals[0];
  if (!isExperimentKind(kind)) throw new UsageError(`unknown experiment "${kind}"; choose from ${EXPERIMENT_KINDS.join(', ')}`);
  const extra = positionals.slice(1);
  if (extra.length && !v.features?.length) throw new UsageError(`unexpected argument ${extra[0]}`);
  if (v.json && v.csv) throw new UsageError('--json and --csv: choose one');
  const model = v.model ?? process.env.CLS_LENS_MODEL;
  if (!model) throw new UsageError('--model DIR is required (or set CLS_LENS_MODEL)');
  const features = v.features?.length ? [...v.features, ...extra] : undefined;
  if (features && kind !== 'probe') throw new UsageError('--features is for probe only');
  if (!v.data && !features) throw new UsageError('--data FILE is required (a .csv, .tsv or .jsonl file, a folder with one file per class, or builtin:sentences)');
  let layers: ExperimentArgs['layers'];
  if (v.layers !== undefined && v.layers !== 'all') {
    const parts = v.layers.split(',').map((x) => x.trim());
    if (!parts.every((p) => /^\d+$/.test(p))) throw new UsageError(`--layers takes all or a comma-separated list of layer numbers such as 0,3,6 (got ${v.layers})`);
    layers = parts.map(Number);
  } else if (v.layers === 'all') layers = 'all';
  let poolings: ProbePooling[] | undefined;
  if (v.poolings !== undefined) {
    const ps = v.poolings.split(',').map((x) => x.trim()).filter(Boolean);
    const bad = ps.filter((p) => !isProbePooling(p));
    if (bad.length || !ps.length) throw new UsageError(`--poolings: unknown pooling ${bad.join(', ') || '(none)'}; choose from ${PROBE_POOLINGS.join(', ')}`);
    if (kind !== 'probe' && kind !== 'map') throw new UsageError(`--poolings is for probe and map (${kind} reads its own tokens)`);
    poolings = ps as ProbePooling[];
  }
  const C = v.C === undefined ? undefined : Number(v.C);
  if (C !== undefined && !(Number.isFinite(C) && C > 0)) throw new UsageError(`--C takes a positive number (got ${v.C})`);
  const maxTokens = int('max-tokens', v['max-tokens'], 3);
  if (v.method !== undefined && v.method !== 'pca' && v.method !== 'umap') throw new UsageError(`--method takes pca or umap (got ${v.method})`);
  if (v.method !== undefined && kind !== 'map') throw new UsageError('--method is for map');
  if (v.limit !== undefined && !['layers', 'census', 'recover'].includes(kind)) throw new UsageError(`--limit is for layers, census and recover (${kind} uses every text)`);
  const folds = int('folds', v.folds, 2);
  if (folds !== undefined && kind !== 'probe' && kind !== 'position') throw new UsageError(`--folds is for probe and position (${kind} trains no probe with folds)`);
  const args: ExperimentArgs = {
    kind, model, onnxFile: v['onnx-file'], data: v.data, textColumn: v['text-column'], labelColumn: v['label-column'], layers, poolings,
    folds, seed: int('seed', v.seed, 0), C, maxTokens, limit: int('limit', v.limit, 1), features, method: v.method as ExperimentArgs['method'],
    cacheDir: v['no-embed-cache'] ? false : v['embed-cache'],
  };
  for (const k of Object.keys(args) as (keyof ExperimentArgs)[]) if (args[k] === undefined) delete args[k];
  return { args, json: v.json!, csv: v.csv!, threads: int('threads', v.threads, 1), hub: hubOptionsFrom(v) };
}

const f3 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(3));
const pad = (s: string | number, n: number) => String(s).padStart(n);

/** The readable form: what was run on what, then one row per layer (× pooling, variant, …). */
export function resultText(r: ExperimentResult): string {
  const out: string[] = [];
  const m = r.model;
  out.push(`${r.kind}: model ${m.name} (${m.ref}; ${m.layers} layers × ${m.heads} heads, hidden ${m.hidden}) onnx ${m.onnxFile} sha256 ${m.onnxSha256.slice(0, 16)}…${m.commit ? ` commit ${m.commit}` : ''}`);
  if (m.randomWeights) out.push(`WARNING: ${RANDOM_WEIGHTS_NOTE}`);
  out.push(`data ${r.data.file} (${r.data.format}) sha256 ${r.data.sha256} — ${r.data.n} texts, classes ${Object.entries(r.data.classes).map(([k, n]) => `${k}:${n}`).join(' ')}`);
  out.push(`seed ${r.seed}${r.folds ? `, ${r.folds} folds` : ''}, max ${r.maxTokens} tokens${r.partial ? ', PARTIAL (stopped early)' : ''}, ${(r.elapsedMs / 1000).toFixed(1)} s`);
  switch (r.kind) {
    case 'probe':
      out.push(`majority ${f3(r.majority)}, C ${r.C}`);
      out.push('layer  pooling            accuracy  ±sd     macroF1  control  selectivity');
      for (const x of r.results) out.push(`${pad(x.layer, 5)}  ${x.pooling.padEnd(17)}  ${pad(f3(x.accuracy), 8)}  ${f3(x.accuracyStd)}  ${pad(f3(x.macroF1), 7)}  ${pad(f3(x.control.accuracy), 7)}  ${pad(f3(x.selectivity), 11)}`);
      break;
    case 'position':
      out.push(`majority ${f3(r.majority)}`);
      out.push('layer  variant  cos(moved, [CLS])  ±sd     accuracy  [CLS] accuracy');
      for (const x of r.rows) out.push(`${pad(x.layer, 5)}  ${x.variant.padEnd(7)}  ${pad(f3(x.cosine), 17)}  ${f3(x.cosineStd).padEnd(6)}  ${pad(f3(x.accuracy), 8)}  ${pad(f3(x.clsAccuracy), 14)}`);
      break;
    case 'layers':
      out.push('layer  cos(cls,mean)  cos(cls,token)  |cls|    |token|  aniso cls  aniso mean  aniso token');
      for (const x of r.rows) out.push(`${pad(x.layer, 5)}  ${pad(f3(x.clsMean), 13)}  ${pad(f3(x.clsToken), 14)}  ${pad(f3(x.clsNorm), 7)}  ${pad(f3(x.tokenNorm), 7)}  ${pad(f3(x.anisotropy.cls), 9)}  ${pad(f3(x.anisotropy.mean), 10)}  ${pad(f3(x.anisotropy.token), 11)}`);
      break;
    case 'census': {
      const [L, Hd] = r.toCls.dims;
      out.push(`${r.texts} texts; per layer × head: to [CLS] / to [SEP] / entropy`);
      for (let l = 0; l < L; l++) {
        out.push(`layer ${pad(l + 1, 2)}  ${Array.from({ length: Hd }, (_, h) => `${f3(r.toCls.data[l * Hd + h])}/${f3(r.toSep.data[l * Hd + h])}/${f3(r.entropy.data[l * Hd + h])}`).join('  ')}`);
      }
      out.push(r.sinks.length ? `sinks (> half to [CLS]+[SEP]): ${r.sinks.map((s) => `L${s.layer}H${s.head}`).join(' ')}` : 'no sinks (no head sends more than half its attention to [CLS]+[SEP])');
      break;
    }
    case 'recover':
      if (r.bow.rows.length) {
        out.push(`bag of words: K ${r.bow.vocabulary} words, k ${r.bow.k}; baseline precision@k ${f3(r.bow.baseline.precisionAtK)} recall@k ${f3(r.bow.baseline.recallAtK)}`);
        out.push('layer  pooling  precision@k  recall@k');
        for (const x of r.bow.rows) out.push(`${pad(x.layer, 5)}  ${x.pooling.padEnd(7)}  ${pad(f3(x.precisionAtK), 11)}  ${pad(f3(x.recallAtK), 8)}`);
      }
      out.push(r.mlm.available ? 'masked-LM decoding of [CLS]:' : `masked-LM decoding: not available — ${r.mlm.reason}`);
      for (const t of r.mlm.texts) out.push(`  ${JSON.stringify(t.text.slice(0, 60))}: ${t.top.map((x) => `${x.token} ${x.p.toFixed(3)}`).join(', ')}`);
      out.push('occlusion (1 − cos at the last layer, cls / mean):');
      for (const o of r.occlusion) out.push(`  ${JSON.stringify(o.text.slice(0, 60))}: ${o.tokens.map((t, i) => `${t} ${o.cls[i].toFixed(3)}/${o.mean[i].toFixed(3)}`).join(' ')}`);
      out.push('identification (one word masked; nearest original is its own):');
      for (const x of r.identification) out.push(`${pad(x.layer, 5)}  ${x.pooling.padEnd(7)}  ${f3(x.accuracy)} (chance ${f3(x.chance)})`);
      break;
    case 'map':
      out.push(`${r.method} maps of ${r.texts.length} texts, labels ${r.labels.join(', ')}: ${r.maps.map((x) => `layer ${x.layer} ${x.pooling}`).join('; ')} (coordinates with --json or --csv)`);
      break;
  }
  for (const n of r.notes) if (n !== RANDOM_WEIGHTS_NOTE) out.push(`note: ${n}`);
  return `${out.join('\n')}\n`;
}

/** Progress on stderr, rewritten in place; nothing when stderr is not a terminal. */
function progressLine(stream: NodeJS.WriteStream = process.stderr): ((p: ExperimentProgress) => void) | undefined {
  if (!stream.isTTY) return undefined;
  return (p) => {
    const n = p.total ? ` ${p.done ?? 0}/${p.total}` : '';
    stream.write(`\r\x1b[K${`${p.phase}${n}${p.message ? ` ${p.message}` : ''}`.slice(0, (stream.columns || 80) - 1)}`);
  };
}

/** Runs one experiment subcommand; returns the exit status (0 ok, 1 error, 2 usage). */
export async function experimentMain(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) { process.stdout.write(EXPERIMENT_USAGE); return 0; }
  let parsed: ReturnType<typeof parseExperimentArgs>;
  try {
    parsed = parseExperimentArgs(argv);
  } catch (e) {
    process.stderr.write(`cls-lens: ${(e as Error).message}\n\n${EXPERIMENT_USAGE}`);
    return 2;
  }
  const { cacheDir, ...hub } = parsed.hub;
  const engine = new Engine({ threads: parsed.threads, cacheDir, hub });
  const progress = progressLine();
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  const print = (r: ExperimentResult) => process.stdout.write(parsed.json ? resultJsonText(r) : parsed.csv ? resultCsv(r) : resultText(r));
  let partial: ExperimentResult | null = null;
  try {
    const r = await runExperiment(engine, parsed.args, { signal: ac.signal, onProgress: progress, onPartial: (p) => { partial = p; } });
    if (progress) process.stderr.write('\r\x1b[K');
    print(r);
    return 0;
  } catch (e) {
    if (progress) process.stderr.write('\r\x1b[K');
    if (e instanceof CancelledError && partial) {
      // Ctrl-C during a probe: what was finished, marked partial
      print(partial);
      process.stderr.write('cls-lens: interrupted; the result above is partial.\n');
      return 130;
    }
    process.stderr.write(`cls-lens: ${e instanceof EngineError ? experimentErrorMessage(e) : (e as Error).stack}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
    await engine.dispose();
  }
}

/** True when argv names an experiment subcommand first (main.ts hands those to experimentMain). */
export function isExperimentCommand(argv: string[]): argv is [ExperimentKind, ...string[]] {
  return isExperimentKind(argv[0]);
}

export { DEFAULTS };
