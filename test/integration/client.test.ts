// The worker boundary: results cross as typed arrays, latest wins per lane, cancellation, crash recovery.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureFixtureModel } from '../../scripts/gen-model';
import { EngineClient } from '../../src/engine/worker/client';
import { CancelledError, EngineError } from '../../src/engine/errors';

const root = path.resolve(__dirname, '..', '..', '..');
const workerFile = path.join(root, 'dist', 'worker.js');
const cliFile = path.join(root, 'dist', 'cli.js');

describe('EngineClient over the worker thread', () => {
  let model: string;
  const client = new EngineClient({ threads: 1 }, workerFile);
  before(async () => { model = await ensureFixtureModel('bert-tiny-stock'); });
  after(() => client.dispose());

  test('inspect returns typed arrays (transferred, not JSON lists) and leaves the heavy tensors in the worker', async () => {
    const r = await client.run('inspect', { ref: model, text: 'hello world' });
    assert.ok(r.vectors.cls?.data instanceof Float32Array);
    assert.equal(r.vectors.cls.data.length, r.vectors.cls.dims.reduce((a, b) => a * b, 1));
    assert.ok(r.analysis?.rolloutClsRow.data instanceof Float32Array);
    assert.ok(r.similarity.clsToken.data instanceof Float32Array);
    for (const k of ['hidden', 'attentions']) assert.ok(!(k in r), `${k} stays in the worker`);
    assert.ok(!('rollout' in r.analysis), 'the full rollout stays in the worker');
    assert.match(r.runId, /^w\d+-\d+$/);
  });

  test('latest wins: a newer request in the same lane cancels the older one', async () => {
    const first = client.run('inspect', { ref: model, text: 'first text '.repeat(5) }, { lane: 'lane' });
    const second = client.run('inspect', { ref: model, text: 'second text' }, { lane: 'lane' });
    await assert.rejects(first, (e) => e instanceof CancelledError);
    const r = await second;
    assert.equal(r.text, 'second text');
  });

  test('a cancellation token cancels', async () => {
    let fire: () => void = () => {};
    const token = { isCancellationRequested: false, onCancellationRequested: (l: () => void) => { fire = l; return { dispose() {} }; } };
    const p = client.run('inspect', { ref: model, text: 'to be cancelled' }, { token });
    fire();
    await assert.rejects(p, (e) => e instanceof CancelledError);
  });

  test('engine errors keep their code and next step across the boundary', async () => {
    await assert.rejects(client.run('inspect', { ref: model, text: '   ' }), (e) => e instanceof EngineError && e.code === 'empty-text');
    await assert.rejects(client.load('/nonexistent/model'), (e) => e instanceof EngineError && e.code === 'model-not-found' && e.fix === 'model' && /does not exist/.test(e.message) && !/Select Model|clsLens\./.test(e.message));
  });

  test('a dead worker rejects what was pending and the next request starts a fresh one', async () => {
    const c = new EngineClient({ threads: 1 }, workerFile);
    await c.load(model);
    const w = (c as unknown as { worker: { terminate(): Promise<number> } }).worker;
    const pending = c.run('inspect', { ref: model, text: 'pending while the worker dies' });
    await w.terminate();
    await assert.rejects(pending, (e) => e instanceof EngineError);
    const r = await c.run('inspect', { ref: model, text: 'after restart' });
    assert.equal(r.text, 'after restart');
    await c.dispose();
  });
});

describe('cli', () => {
  let model: string;
  before(async () => { model = await ensureFixtureModel('bert-tiny-stock'); });

  test('inspect --json prints the documented shape', () => {
    const out = JSON.parse(execFileSync(process.execPath, [cliFile, 'inspect', '--model', model, '--text', 'Hello, world!', '--json', '--token', '0', '--token', '2'], { encoding: 'utf8' }));
    assert.deepEqual(out.vectors['token:0'], out.vectors.cls, 'token:0 is the [CLS] vector at every layer');
    assert.equal(out.vectors['token:2'].length, out.model.layers + 1);
    const L = out.model.layers;
    assert.deepEqual(Object.keys(out.model).filter((k) => ['layers', 'heads', 'hidden', 'maxTokens'].includes(k)).sort(), ['heads', 'hidden', 'layers', 'maxTokens']);
    assert.equal(out.tokens[0].text, '[CLS]');
    assert.equal(out.tokens[0].start, null);
    assert.deepEqual(out.tokens[1], { id: out.tokens[1].id, text: 'hello', start: 0, end: 5, special: false });
    assert.equal(out.truncated, false);
    for (const k of ['cls', 'mean', 'max']) assert.equal(out.vectors[k].length, L + 1);
    assert.equal(out.vectors.pooler.length, 1);
    const T = out.tokens.length;
    assert.equal(out.attentions.length, L);
    assert.equal(out.attentions[0].length, out.model.heads);
    assert.equal(out.attentions[0][0].length, T);
    assert.equal(out.attentions[0][0][0].length, T);
    assert.equal(out.rollout.length, T);
    assert.equal(out.similarity.clsMean.length, L + 1);
  });

  test('stdin and --file are read; compare prints per-pooling, per-layer similarities', () => {
    const out = JSON.parse(execFileSync(process.execPath, [cliFile, 'inspect', '--model', model, '--json', '--no-attentions'], { input: 'from stdin', encoding: 'utf8' }));
    assert.equal(out.text, 'from stdin');
    assert.equal(out.attentions, null);
    const cmp = JSON.parse(execFileSync(process.execPath, [cliFile, 'compare', '--model', model, '--text', 'a cat', '--text', 'a dog', '--json'], { encoding: 'utf8' }));
    assert.equal(cmp.pairs.length, 1);
    assert.equal(cmp.pairs[0].similarity.cls.cosine.length, cmp.model.layers.length);
  });

  test('embed prints one JSON line per input line, in order', () => {
    const out = execFileSync(process.execPath, [cliFile, 'embed', '--model', model, '--pooling', 'cls,mean', '--layers', 'all'], { input: 'one\ntwo words\nthree words here\n', encoding: 'utf8' });
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.index), [0, 1, 2]);
    assert.equal(lines[0].vectors.cls.length, lines[0].layers.length * 32);
  });

  test('bad usage exits 2 with usage; engine errors exit 1 with the cause', () => {
    const run = (args: string[]) => { try { execFileSync(process.execPath, [cliFile, ...args], { encoding: 'utf8', stdio: 'pipe' }); return { code: 0, err: '' }; } catch (e) { const x = e as { status: number; stderr: string }; return { code: x.status, err: x.stderr }; } };
    const a = run(['inspect', '--text', 'x']);
    assert.equal(a.code, 2); assert.match(a.err, /--model/);
    const b = run(['inspect', '--model', '/no/such/model', '--text', 'x']);
    assert.equal(b.code, 1); assert.match(b.err, /does not exist/);
  });
});
