// `cls-lens`: the engine from the command line, JSON out. Every number the extension shows can be had here.
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Engine } from '../engine/engine';
import { EngineError } from '../engine/errors';
import { badHubId, cliErrorMessage, downloadCommand, hubOptionsFrom, stderrProgress } from './hub';
import { USAGE } from './usage';
import { experimentMain, isExperimentCommand } from './experiments';
import { embedDataMain, isEmbedData } from './embedData';
import { tokenVector } from '../engine/compute/pooling';
import { tensorRows, vectorsCsv, vectorsJson, type Round } from '../engine/io/export';
import { measure, METRICS } from '../engine/compute/similarity';
import { isPoolingName, POOLINGS, type PoolingName } from '../shared/poolings';
import type { FloatTensor, Inspection } from '../shared/types';

class UsageError extends Error {}

/**
 * Output piped into a reader that stops early (`| head -c 200`) closes the pipe: stop quietly with status 0, as
 * Unix tools do, instead of dying on an unhandled EPIPE. Other write errors are reported.
 */
function quietOnClosedPipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    process.stderr.write(`cls-lens: cannot write the output: ${e.message}\n`);
    process.exit(1);
  });
}

function readStdin(): string {
  try { return fs.readFileSync(0, 'utf8'); } catch { return ''; }
}

const nest4 = (t: FloatTensor, round: Round): number[][][][] => {
  const [A, B, C, D] = t.dims;
  return Array.from({ length: A }, (_, a) => Array.from({ length: B }, (_, b) => Array.from({ length: C }, (_, c) => {
    const o = ((a * B + b) * C + c) * D;
    return Array.from(t.data.subarray(o, o + D), round);
  })));
};

/** `inspect --json`: the exported vectors (io/export.ts's one shape), then attention, similarity and timings. */
export function inspectionJson(r: Inspection, round: Round): Record<string, unknown> {
  const m = r.model;
  const a = r.analysis;
  const lastRollout = a ? (() => {
    const [L, T] = a.rollout.dims;
    return tensorRows({ data: a.rollout.data.subarray((L - 1) * T * T), dims: [T, T] }, round);
  })() : null;
  return {
    ...vectorsJson(r, round),
    attentions: r.attentions ? nest4(r.attentions, round) : null,
    attentionsReason: r.attentions ? null : m.attentions.reason ?? 'not requested',
    rollout: lastRollout,
    analysis: a ? {
      toCls: tensorRows(a.toCls, round), toSep: tensorRows(a.toSep, round), toPunct: tensorRows(a.toPunct, round), toSelf: tensorRows(a.toSelf, round),
      entropy: tensorRows(a.entropy, round), clsRow: a.clsRow.dims[0] ? nest3(a.clsRow, round) : [],
    } : null,
    similarity: { clsMean: Array.from(r.similarity.clsMean, round), clsToken: tensorRows(r.similarity.clsToken, round) },
    timings: r.timings,
  };
}
function nest3(t: FloatTensor, round: Round): number[][][] {
  const [A, B, C] = t.dims;
  return Array.from({ length: A }, (_, a) => Array.from({ length: B }, (_, b) => Array.from(t.data.subarray((a * B + b) * C, (a * B + b + 1) * C), round)));
}

export function compareJson(results: Inspection[], round: Round): Record<string, unknown> {
  const pairs: Record<string, unknown>[] = [];
  for (let i = 0; i < results.length; i++) {
    for (let j = i + 1; j < results.length; j++) {
      const sims: Record<string, Record<string, number[]>> = {};
      for (const p of POOLINGS) {
        const a = results[i].vectors[p], b = results[j].vectors[p];
        if (!a || !b) continue;
        const [R, H] = a.dims;
        sims[p] = {};
        for (const metric of METRICS) sims[p][metric] = Array.from({ length: R }, (_, r) => round(measure(metric, a.data, b.data, r * H, r * H, H)));
      }
      pairs.push({ a: i, b: j, similarity: sims });
    }
  }
  return { model: { name: results[0].model.name, layers: results[0].layerIds }, texts: results.map((r) => r.text), pairs };
}

function summary(r: Inspection): string {
  const m = r.model;
  const lines = [`model ${m.name} (${m.modelType}, ${m.layers} layers × ${m.heads} heads, hidden ${m.hidden}, max ${m.maxTokens} tokens)${m.randomWeights ? ' — RANDOM WEIGHTS' : ''}`];
  lines.push(`attentions: ${m.attentions.source}; hidden states: ${m.hiddenStates.source}`);
  if (r.truncation.truncated) lines.push(`TRUNCATED: ${r.truncation.droppedTokensExact === false ? 'at least ' : ''}${r.truncation.droppedTokens} tokens dropped; kept the first ${r.truncation.keptChars} characters`);
  lines.push(`tokens (${r.tokens.length}): ${r.tokens.map((t) => t.special && t.start === null ? t.text : `${t.text}[${t.start},${t.end})`).join(' ')}`);
  lines.push('layer  cos(cls,mean)  |cls|     |mean|');
  r.layerIds.forEach((l, i) => lines.push(`${String(l).padStart(5)}  ${r.similarity.clsMean[i].toFixed(4).padStart(13)}  ${r.norms.cls![i].toFixed(3).padStart(8)}  ${r.norms.mean![i].toFixed(3).padStart(8)}`));
  lines.push(`time: tokenize ${r.timings.tokenizeMs.toFixed(1)} ms, run ${r.timings.runMs.toFixed(1)} ms, analyse ${r.timings.analyseMs.toFixed(1)} ms`);
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  if (isExperimentCommand(argv)) return experimentMain(argv);
  if (isEmbedData(argv)) return embedDataMain(argv.slice(1));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        model: { type: 'string' }, 'onnx-file': { type: 'string' }, text: { type: 'string', multiple: true }, file: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false }, csv: { type: 'boolean', default: false }, 'no-attentions': { type: 'boolean', default: false }, 'max-tokens': { type: 'string' },
        threads: { type: 'string' }, windows: { type: 'string' }, digits: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
        pooling: { type: 'string', default: 'cls,mean' }, layers: { type: 'string', default: 'last' }, token: { type: 'string', multiple: true },
        offline: { type: 'boolean', default: false }, endpoint: { type: 'string' }, 'cache-dir': { type: 'string' },
      },
    });
  } catch (e) {
    process.stderr.write(`cls-lens: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  const cmd = positionals[0];
  if (v.help || !cmd) { process.stdout.write(USAGE); return v.help ? 0 : 2; }
  const { cacheDir, ...hub } = hubOptionsFrom(v);
  const engine = new Engine({ threads: v.threads ? Number(v.threads) : undefined, cacheDir, hub });
  try {
    if (cmd === 'download') {
      const bad = badHubId(positionals[1]);
      if (bad) throw new UsageError(bad);
      process.stdout.write(`${await downloadCommand(positionals[1], v)}\n`);
      return 0;
    }
    if (cmd !== 'inspect' && cmd !== 'compare' && cmd !== 'embed') throw new UsageError(`unknown command "${cmd}"`);
    if (v.csv && (cmd !== 'inspect' || v.json)) throw new UsageError('--csv is for inspect, instead of --json');
    if (v.csv && (v.token?.length || v.windows)) throw new UsageError('--token and --windows add to the JSON (--json); --csv writes the pooled vectors only');
    const model = v.model ?? process.env.CLS_LENS_MODEL;
    if (!model) throw new UsageError('--model DIR is required (or set CLS_LENS_MODEL)');
    const texts = [...(v.text ?? []), ...(v.file ?? []).map((f) => {
      try { return fs.readFileSync(f, 'utf8'); } catch (e) { throw new UsageError(`cannot read --file ${f}: ${(e as NodeJS.ErrnoException).code}`); }
    })];
    if (texts.length === 0 && !process.stdin.isTTY) texts.push(readStdin());
    const digits = v.digits ? Number(v.digits) : 0;
    if (!Number.isInteger(digits) || digits < 0) throw new UsageError('--digits takes a whole number');
    const round: Round = digits ? (x) => Number(x.toPrecision(digits)) : (x) => x;
    const maxTokens = v['max-tokens'] ? Number(v['max-tokens']) : undefined;
    if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens > 2)) throw new UsageError('--max-tokens takes a whole number above 2');
    const onDownload = stderrProgress();
    const opts = { maxTokens, attentions: !v['no-attentions'], onnxFile: v['onnx-file'], onDownload };
    if (cmd === 'embed') {
      const poolings = v.pooling!.split(',').map((x) => x.trim());
      const bad = poolings.filter((p) => !isPoolingName(p));
      if (bad.length) throw new UsageError(`unknown pooling ${bad.join(', ')}; choose from ${POOLINGS.join(', ')}`);
      if (v.layers !== 'last' && v.layers !== 'all') throw new UsageError('--layers takes last or all');
      const lines = texts.join('\n').split(/\r?\n/).filter((l) => l.length > 0);
      for await (const e of engine.embed(model, lines, { poolings: poolings as PoolingName[], layers: v.layers, maxTokens, onnxFile: v['onnx-file'], onDownload })) {
        const vectors = Object.fromEntries(Object.entries(e.vectors).map(([k, d]) => [k, Array.from(d, round)]));
        process.stdout.write(`${JSON.stringify({ index: e.index, tokens: e.tokens, truncated: e.truncated, layers: e.layerIds, vectors })}\n`);
      }
    } else if (cmd === 'inspect') {
      if (texts.length !== 1) throw new UsageError(`inspect takes one text (--text, --file or stdin); got ${texts.length}`);
      // --json prints everything: every layer's attention and the analysis (the editor computes those on request)
      const r = await engine.inspect(model, texts[0], { ...opts, detail: v.csv ? 'first' : 'full' });
      if (v.csv) { process.stdout.write(vectorsCsv(r)); return 0; }
      const out = inspectionJson(r, round);
      for (const spec of v.token ?? []) {
        const i = Number(spec);
        if (!Number.isInteger(i) || i < 0 || i >= r.tokens.length) throw new UsageError(`--token ${spec}: the text has tokens 0..${r.tokens.length - 1}`);
        (out.vectors as Record<string, number[][]>)[`token:${i}`] = tensorRows(tokenVector(r.hidden, i), round);
      }
      if (v.windows) {
        const stride = Number(v.windows);
        if (!Number.isInteger(stride) || stride < 0) throw new UsageError('--windows takes a whole number of shared tokens');
        const w = await engine.inspectWindows(model, texts[0], { stride, maxTokens, onnxFile: v['onnx-file'], onDownload });
        out.windows = { count: w.windows, stride, vectors: Object.fromEntries(Object.entries(w.vectors).map(([k, t]) => [k, tensorRows(t, round)])) };
      }
      process.stdout.write(v.json ? `${JSON.stringify(out)}\n` : `${summary(r)}\n`);
    } else {
      if (texts.length < 2) throw new UsageError('compare takes at least two texts (--text A --text B)');
      const results: Inspection[] = [];
      for (const t of texts) results.push(await engine.inspect(model, t, { ...opts, attentions: false }));
      const out = compareJson(results, round);
      if (v.json) process.stdout.write(`${JSON.stringify(out)}\n`);
      else {
        for (const p of out.pairs as { a: number; b: number; similarity: Record<string, Record<string, number[]>> }[]) {
          process.stdout.write(`texts ${p.a} and ${p.b}: cosine per layer\n`);
          for (const [pool, s] of Object.entries(p.similarity)) process.stdout.write(`  ${pool.padEnd(16)} ${s.cosine.map((x) => x.toFixed(3)).join(' ')}\n`);
        }
      }
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`cls-lens: ${e.message}\n\n${USAGE}`); return 2; }
    process.stderr.write(`cls-lens: ${e instanceof EngineError ? cliErrorMessage(e) : (e as Error).stack}\n`);
    return 1;
  } finally {
    await engine.dispose();
  }
}

if (require.main === module) {
  quietOnClosedPipe();
  void main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
