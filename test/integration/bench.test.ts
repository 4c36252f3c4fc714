// `npm run bench -- --quick --json` (the CI case of scripts/bench/bench.ts) runs and prints well-formed rows. Structure
// only: no timing is asserted (the machine may be shared), just that every row has its fields, with sane types.
// Runs the built bench bundle directly (`npm run bench` would rebuild out/, where this test runs from).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../scripts/gen-model';

const root = repoRoot();
const bench = path.join(root, 'out', 'scripts', 'bench', 'bench.js');

const num = (r: Record<string, unknown>, k: string, min = 0): number => {
  assert.equal(typeof r[k], 'number', `${String(r.kind)}.${k} is a number: ${JSON.stringify(r)}`);
  assert.ok(Number.isFinite(r[k] as number) && (r[k] as number) >= min, `${String(r.kind)}.${k} = ${String(r[k])} ≥ ${min}`);
  return r[k] as number;
};

test('npm run bench -- --quick --json: one JSON object per line, every kind of row with its fields', { timeout: 15 * 60_000 }, () => {
  assert.ok(fs.existsSync(bench), `${bench} (built by node scripts/build.mjs)`);
  assert.ok(fs.existsSync(path.join(root, 'dist', 'extension.js')), 'the activation row loads dist/extension.js');
  const r = spawnSync(process.execPath, [bench, '--quick', '--json', '--threads', '1'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr.slice(-3000));
  const lines = r.stdout.trim().split('\n');
  const rows = lines.map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { assert.fail(`not JSON: ${l}`); } });
  const kinds = new Set(rows.map((x) => x.kind));
  for (const k of ['machine', 'activation', 'inspect', 'memory', 'embed']) assert.ok(kinds.has(k), `a ${k} row: ${[...kinds].join(', ')}`);

  const machine = rows.find((x) => x.kind === 'machine')!;
  assert.equal(machine.threads, 1);
  assert.equal(machine.quick, true);
  for (const k of ['cpu', 'node', 'onnxruntime_node', 'transformersjs']) assert.equal(typeof machine[k], 'string', k);

  const inspect = rows.filter((x) => x.kind === 'inspect');
  assert.deepEqual(inspect.map((x) => `${String(x.model)} ${String(x.precision)} ${String(x.tokens)}`), ['minilm fp32 16', 'minilm int8 16'], 'quick: the smallest case, fp32 and int8');
  for (const x of inspect) {
    assert.equal(typeof x.model, 'string');
    assert.ok(fs.existsSync(path.join(String(x.model_dir), String(x.onnx_file))), `model_dir/onnx_file exists: ${String(x.model_dir)}`);
    assert.equal(x.onnx_file, x.precision === 'int8' ? 'onnx/model_quantized.onnx' : 'onnx/model.onnx');
    assert.equal(x.threads, 1);
    for (const k of ['bare_stock_ms', 'rewritten_ms', 'inspect_ms', 'transformersjs_ms', 'run_ms']) num(x, k, 1e-6);
    for (const k of ['tokenize_ms', 'analyse_ms']) num(x, k);
    assert.equal(x.transformersjs_tokens, x.tokens, 'transformers.js ran the same number of tokens');
    // the ratios are of the unrounded medians; the times are printed to 0.1 ms
    const ratioOf = (k: string, a: number, b: number) => {
      const v = num(x, k);
      assert.ok(v >= (a - 0.05) / (b + 0.05) - 0.001 && v <= (a + 0.05) / Math.max(1e-9, b - 0.05) + 0.001, `${k} ${v} = ${a} / ${b}`);
    };
    ratioOf('ratio_tjs', x.inspect_ms as number, x.transformersjs_ms as number);
    ratioOf('ratio_stock', x.inspect_ms as number, x.bare_stock_ms as number);
  }

  const act = rows.find((x) => x.kind === 'activation')!;
  assert.equal(act.error, null, 'activate() ran against the stub vscode');
  assert.equal(act.onnxruntime_loaded, false, 'activation does not load onnxruntime');
  num(act, 'require_ms'); num(act, 'activate_ms');

  const mem = rows.filter((x) => x.kind === 'memory');
  assert.deepEqual(mem.map((x) => x.precision), ['fp32', 'int8']);
  for (const x of mem) {
    num(x, 'onnx_bytes', 1);
    assert.ok(num(x, 'rss_after_load_mib', 1) >= num(x, 'rss_start_mib', 1));
    num(x, 'rss_after_3_inspections_512_mib', 1);
    num(x, 'rss_after_3_inspections_512_before_gc_mib', 1);
  }
  assert.ok((mem[1].onnx_bytes as number) < (mem[0].onnx_bytes as number), 'the int8 file is smaller');

  const embed = rows.find((x) => x.kind === 'embed')!;
  assert.equal(embed.texts, 12);
  for (const k of ['clslens_texts_per_s', 'transformersjs_texts_per_s', 'bare_texts_per_s', 'ratio_tjs', 'ratio_bare', 'batches', 'tokens_total']) num(embed, k, 1e-6);
  assert.ok(num(embed, 'padding_share') < 1);
});
