// The CLI as a Unix tool: errors name its flags (not VS Code's commands), and a reader that stops early is no error.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { ensureFixtureModel } from '../../scripts/gen-model';

const root = path.resolve(__dirname, '..', '..', '..');
const cliFile = path.join(root, 'dist', 'cli.js');
const VSCODE_WORDS = /Select Model|clsLens\.|CLS Lens:|Run "/;

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliFile, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cli as a Unix tool', () => {
  let model: string;
  before(async () => { model = await ensureFixtureModel('bert-tiny-stock'); });

  test('engine errors name the flag to change and no VS Code command', () => {
    const missing = cli(['inspect', '--model', '/no/such/model', '--text', 'x']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /does not exist/);
    assert.match(missing.stderr, /--model DIR/);
    assert.match(missing.stderr, /CLS_LENS_MODEL/);
    assert.doesNotMatch(missing.stderr, VSCODE_WORDS);
    const onnx = cli(['inspect', '--model', model, '--onnx-file', 'onnx/nope.onnx', '--text', 'x']);
    assert.equal(onnx.status, 1);
    assert.match(onnx.stderr, /--onnx-file/);
    assert.doesNotMatch(onnx.stderr, VSCODE_WORDS);
    const blank = cli(['inspect', '--model', model, '--text', '   ']);
    assert.equal(blank.status, 1);
    assert.match(blank.stderr, /--text/);
    assert.doesNotMatch(blank.stderr, VSCODE_WORDS);
    const csvMisuse = cli(['compare', '--model', model, '--text', 'a', '--text', 'b', '--csv']);
    assert.equal(csvMisuse.status, 2);
    assert.match(csvMisuse.stderr, /--csv is for inspect/);
    for (const extra of [['--token', '1'], ['--windows', '8']]) {
      const r = cli(['inspect', '--model', model, '--text', 'Paris is a city.', '--csv', ...extra]);
      assert.equal(r.status, 2, `--csv ${extra.join(' ')}: ${r.stdout.slice(0, 80)}`);
      assert.match(r.stderr, /--token and --windows add to the JSON/);
      assert.equal(r.stdout, '', 'nothing half-written');
    }
    const emptyCache = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-lens-cli-cache-'));
    const hub = cli(['inspect', '--model', 'some-org/some-model', '--offline', '--cache-dir', emptyCache, '--text', 'x']);
    assert.equal(hub.status, 1);
    assert.match(hub.stderr, /some-org\/some-model@main .*not in the Hugging Face cache/);
    assert.match(hub.stderr, /--offline or HF_HUB_OFFLINE/);
    fs.rmSync(emptyCache, { recursive: true, force: true });
    assert.doesNotMatch(hub.stderr, VSCODE_WORDS);
  });

  test('inspect --csv and --json carry the same vectors (the shape Export Vectors… writes)', () => {
    const args = ['inspect', '--model', model, '--text', 'Paris is a city.', '--no-attentions'];
    const json = JSON.parse(spawnSync(process.execPath, [cliFile, ...args, '--json'], { encoding: 'utf8' }).stdout) as { layers: number[]; vectors: Record<string, number[][]> };
    const csv = spawnSync(process.execPath, [cliFile, ...args, '--csv'], { encoding: 'utf8' }).stdout.trimEnd().split('\n');
    const H = json.vectors.cls[0].length;
    assert.equal(csv[0], ['', ...Array.from({ length: H }, (_, i) => `d${i}`)].join(','));
    const rowsOut = Object.values(json.vectors).reduce((n, v) => n + v.length, 0);
    assert.equal(csv.length - 1, rowsOut);
    for (const line of csv.slice(1)) {
      const [label, ...vals] = line.split(',');
      const [pool, layer] = label.split('@');
      const rows = json.vectors[pool];
      assert.deepEqual(vals.map(Number), rows[rows.length === 1 ? 0 : json.layers.indexOf(Number(layer))], label);
    }
  });

  test('inspect --json prints every layer\'s attention and the analysis', () => {
    const r = spawnSync(process.execPath, [cliFile, 'inspect', '--model', model, '--text', 'Paris is a city.', '--json'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { attentions: number[][][][] | null; analysis: Record<string, unknown> | null; model: { attentions: { source: string } } };
    assert.equal(j.model.attentions.source, 'recomputed');
    assert.ok(j.attentions && j.attentions.length > 0 && j.attentions[0].length > 0, 'attentions');
    const T = j.attentions[0][0].length;
    for (const row of j.attentions[0][0]) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-3 && row.length === T);
    assert.ok(j.analysis && j.analysis.toCls && j.analysis.entropy && j.analysis.clsRow, 'analysis');
  });

  test('help lists every pooling from the registry', () => {
    const r = spawnSync(process.execPath, [cliFile, '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    for (const p of ['cls', 'mean', 'meanWithSpecials', 'max', 'meanSqrtLen', 'lastToken', 'pooler']) assert.match(r.stdout, new RegExp(`^  ${p} +\\S`, 'm'), p);
  });

  test('`| head -c 200`: a reader that closes the pipe early ends the CLI quietly with status 0', { timeout: 60_000 }, async () => {
    // several MB of JSON (attentions of a long text), far more than a pipe holds, so the CLI is still writing when the reader goes
    const text = 'a long text to fill the pipe '.repeat(40);
    const child = spawn(process.execPath, [cliFile, 'inspect', '--model', model, '--text', text, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    let head = Buffer.alloc(0);
    child.stdout.on('data', (d: Buffer) => {
      head = Buffer.concat([head, d]);
      if (head.length >= 200) child.stdout.destroy();
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    assert.ok(head.length >= 200, `read ${head.length} bytes`);
    assert.match(head.subarray(0, 200).toString('utf8'), /^\{"model":/);
    assert.equal(stderr, '', 'no stack trace');
    assert.equal(status, 0);
  });
});
