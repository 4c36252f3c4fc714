// `cls-lens embed --data FILE --out DIR [--shard K/N]`: embed a data set (or one shard of it) into a feature folder:
// one .npy per layer × pooling, labels.json, texts.json and manifest.json (src/experiments/features/store.ts).
// Shard K of N takes the rows i with i mod N == K; `readFeatures` (and `cls-lens probe --features`) merges the folders.
import { parseArgs } from 'node:util';
import { Engine } from '../engine/engine';
import { EngineError } from '../engine/errors';
import { writeFeatures } from '../experiments/features';
import { DEFAULT_PROBE_POOLINGS, isProbePooling, PROBE_POOLINGS, type ProbePooling } from '../shared/experiments';
import { cliErrorMessage, hubOptionsFrom } from './hub';
import { USAGE } from './usage';

class UsageError extends Error {}

/** True when argv is an `embed` of a data set (the stdin form of `embed` stays in main.ts). */
export function isEmbedData(argv: string[]): boolean {
  return argv[0] === 'embed' && argv.some((a) => a === '--data' || a.startsWith('--data='));
}

export function parseShard(s: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  if (!m) throw new UsageError(`--shard takes K/N (shard K of N, counted from 0), not "${s}"`);
  const index = Number(m[1]), count = Number(m[2]);
  if (count < 1 || index >= count) throw new UsageError(`--shard ${s}: K must be below N (shards 0/${count || 'N'} … ${Math.max(count - 1, 0)}/${count || 'N'})`);
  return { index, count };
}

export function parseLayers(s: string): 'all' | 'last' | number[] {
  if (s === 'all' || s === 'last') return s;
  const ls = s.split(',').map((x) => x.trim());
  if (!ls.every((x) => /^\d+$/.test(x))) throw new UsageError(`--layers takes all, last or layer numbers like 0,6,12; not "${s}"`);
  return ls.map(Number);
}

export function parsePoolings(s: string): ProbePooling[] {
  const ps = s.split(',').map((x) => x.trim()).filter(Boolean);
  const bad = ps.filter((p) => !isProbePooling(p));
  if (bad.length || !ps.length) throw new UsageError(`unknown pooling ${bad.join(', ') || '(none)'}; choose from ${PROBE_POOLINGS.join(', ')}`);
  return ps as ProbePooling[];
}

export async function embedDataMain(argv: string[]): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        data: { type: 'string' }, out: { type: 'string' }, shard: { type: 'string' }, model: { type: 'string' }, 'onnx-file': { type: 'string' },
        layers: { type: 'string', default: 'all' }, poolings: { type: 'string' }, pooling: { type: 'string' }, 'max-tokens': { type: 'string' },
        'text-column': { type: 'string' }, 'label-column': { type: 'string' }, threads: { type: 'string' },
        offline: { type: 'boolean', default: false }, endpoint: { type: 'string' }, 'cache-dir': { type: 'string' },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`cls-lens: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { cacheDir, ...hub } = hubOptionsFrom(v);
  const engine = new Engine({ threads: v.threads ? Number(v.threads) : undefined, cacheDir, hub });
  try {
    const model = v.model ?? process.env.CLS_LENS_MODEL;
    if (!model) throw new UsageError('--model DIR is required (or set CLS_LENS_MODEL)');
    if (!v.data) throw new UsageError('--data FILE is required');
    if (!v.out) throw new UsageError('embed --data writes a feature folder: --out DIR is required');
    const shard = v.shard ? parseShard(v.shard) : { index: 0, count: 1 };
    const poolings = parsePoolings(v.poolings ?? v.pooling ?? DEFAULT_PROBE_POOLINGS.join(','));
    const maxTokens = v['max-tokens'] ? Number(v['max-tokens']) : undefined;
    if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens > 2)) throw new UsageError('--max-tokens takes a whole number above 2');
    let layers = parseLayers(v.layers!);
    if (layers === 'last') layers = [(await engine.load(model, { onnxFile: v['onnx-file'] })).summary.layers];
    const tty = process.stderr.isTTY;
    const r = await writeFeatures(engine, {
      model, onnxFile: v['onnx-file'], data: v.data, out: v.out, shard, layers, poolings, maxTokens, textColumn: v['text-column'], labelColumn: v['label-column'],
    }, {
      onProgress: tty ? (p) => process.stderr.write(`\r\x1b[K${p.phase} ${p.done ?? ''}${p.total ? ` / ${p.total}` : ''}`) : undefined,
    });
    if (tty) process.stderr.write('\r\x1b[K');
    for (const n of r.notes) process.stderr.write(`cls-lens: ${n}\n`);
    process.stdout.write(`${JSON.stringify({
      out: r.out, shard: `${r.shard.index}/${r.shard.count}`, rows: r.rows, total: r.total, layers: r.layers, poolings: r.poolings, hidden: r.hidden,
      model: { name: r.model.name, onnxSha256: r.model.onnxSha256, randomWeights: r.model.randomWeights }, data: { file: r.data.file, sha256: r.data.sha256, classes: r.data.classes, skipped: r.data.skipped },
    })}\n`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`cls-lens: ${e.message}\n\n${USAGE}`); return 2; }
    if (e instanceof EngineError) {
      const flag = e.code === 'data-column' ? ' (--text-column NAME, --label-column NAME)' : e.code === 'data-labels' && /label column/.test(e.message + (e.next ?? '')) ? ' (--label-column NAME)' : '';
      process.stderr.write(`cls-lens: ${cliErrorMessage(e)}${flag}\n`);
      return 1;
    }
    process.stderr.write(`cls-lens: ${(e as Error).stack}\n`);
    return 1;
  } finally {
    await engine.dispose();
  }
}
