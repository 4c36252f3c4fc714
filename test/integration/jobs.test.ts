// Worker jobs: progress before the result, streamed partials, cancel, exactly one terminal message per job,
// unknown kinds, crash recovery, and matrices computed in the worker from the runs it keeps.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { after, before, describe, test } from 'node:test';
import { ensureFixtureModel } from '../../scripts/gen-model';
import { Engine, type EmbeddedText } from '../../src/engine/engine';
import { CancelledError, EngineError } from '../../src/engine/errors';
import { CancelSource, EngineClient } from '../../src/engine/worker/client';
import type { ClientMessage, JobKind, JobProgress, WorkerMessage } from '../../src/engine/worker/protocol';
import type { MatrixKind } from '../../src/shared/protocol';

const root = path.resolve(__dirname, '..', '..', '..');
const workerFile = path.join(root, 'dist', 'worker.js');
const TEXT = 'The capital of France, Paris, is on the Seine.';
/** Enough one- and two-row batches that a cancel sent on the first partial lands long before the last batch. */
const manyTexts = (n: number) => Array.from({ length: n }, (_, i) => `text number ${i} ${'with some words '.repeat(1 + (i % 7))}`);

/** Settles on the next macrotask: tells whether a promise had already settled without waiting on the worker. */
function settledNow(p: Promise<unknown>): Promise<'resolved' | 'rejected' | 'pending'> {
  return Promise.race([p.then(() => 'resolved' as const, () => 'rejected' as const), new Promise<'pending'>((r) => setImmediate(() => r('pending')))]);
}

async function expectEngineError(p: Promise<unknown>, code: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(p, (e) => {
    assert.ok(e instanceof EngineError, `expected EngineError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

describe('jobs through EngineClient', () => {
  let model: string;
  const client = new EngineClient({ threads: 1 }, workerFile);
  const engine = new Engine({ threads: 1 });
  before(async () => { model = await ensureFixtureModel('bert-tiny-stock'); });
  after(async () => { await client.dispose(); await engine.dispose(); });

  test('progress events arrive in stage order, all before the result', async () => {
    const fresh = new EngineClient({ threads: 1 }, workerFile);
    try {
      const events: string[] = [];
      const summary = await fresh.run('load', { ref: model }, { onProgress: (p) => events.push(p.phase) }).then((s) => { events.push('result'); return s; });
      assert.deepEqual(events, ['resolving', 'reading model', 'creating session', 'result']);
      assert.equal(summary.layers, 2);
      const steps: JobProgress[] = [];
      events.length = 0;
      const r = await fresh.run('inspect', { ref: model, text: TEXT }, { onProgress: (p) => { steps.push(p); events.push(p.phase); } }).then((x) => { events.push('result'); return x; });
      assert.deepEqual(events, ['tokenise', 'run', 'analyse', 'result'], 'a loaded model reports only the inspection stages');
      assert.deepEqual(steps.map((p) => [p.done, p.total]), [[0, 3], [1, 3], [2, 3]]);
      assert.ok(steps.every((p) => typeof p.message === 'string' && p.message.length > 0));
      assert.equal(r.text, TEXT);
    } finally {
      await fresh.dispose();
    }
  });

  test('embed streams every text exactly once in partials, with progress, and the result follows them', async () => {
    const texts = manyTexts(23);
    const seen: number[] = [];
    const got = new Map<number, EmbeddedText>();
    const done: number[] = [];
    let resultArrived = false, partialAfterResult = false;
    const r = await client.run('embed', { ref: model, texts, poolings: ['cls', 'mean'], layers: 'all', maxBatch: 4 }, {
      onPartial: (v) => {
        if (resultArrived) partialAfterResult = true;
        for (const it of v.items) { seen.push(it.index); got.set(it.index, it); }
      },
      onProgress: (p) => { if (p.phase === 'embed') done.push(p.done!); },
    }).then((x) => { resultArrived = true; return x; });
    assert.equal(partialAfterResult, false);
    assert.deepEqual([...seen].sort((a, b) => a - b), texts.map((_, i) => i), 'each index once');
    assert.ok(seen.length > 4, 'more than one batch streamed');
    assert.deepEqual(r, { count: texts.length, truncated: 0 });
    assert.equal(done[0], 0);
    assert.equal(done[done.length - 1], texts.length);
    for (let i = 1; i < done.length; i++) assert.ok(done[i] > done[i - 1], `progress increases: ${done.join(',')}`);
    // the streamed vectors are the in-process engine's
    const ref: EmbeddedText[] = [];
    for await (const e of engine.embed(model, texts, { poolings: ['cls', 'mean'], layers: 'all', maxBatch: 4 })) ref.push(e);
    for (const e of ref) {
      const w = got.get(e.index)!;
      assert.ok(w.vectors.cls instanceof Float32Array);
      assert.deepEqual(w.layerIds, e.layerIds);
      for (const k of ['cls', 'mean'] as const) {
        const a = w.vectors[k]!, b = e.vectors[k]!;
        assert.equal(a.length, b.length);
        for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5, `${k} of text ${e.index}`);
      }
    }
  });

  test('cancelling an embed halfway rejects at once, nothing more is delivered, and the next job works', async () => {
    const texts = manyTexts(400);
    const src = new CancelSource();
    let partials = 0;
    let cancelled: () => void = () => {};
    const cancelSent = new Promise<void>((r) => { cancelled = r; });
    const p = client.run('embed', { ref: model, texts, maxBatch: 2 }, {
      token: src.token,
      onPartial: () => {
        partials++;
        src.cancel();
        cancelled();
      },
    });
    p.catch(() => undefined);
    await cancelSent;
    assert.equal(await settledNow(p), 'rejected', 'rejected without waiting for the worker');
    await assert.rejects(p, (e) => e instanceof CancelledError);
    assert.equal(partials, 1);
    const r = await client.run('inspect', { ref: model, text: 'after the cancel' });
    assert.equal(r.text, 'after the cancel');
    // that the worker itself sends nothing more once it reads the cancel is checked on the raw worker below: the
    // client drops whatever arrives for a settled job, so a count here could not fail
  });

  test('an unknown job kind fails with an error naming the kinds there are', async () => {
    await expectEngineError(client.run('nope' as JobKind, { ref: model } as never), 'internal', /no job "nope".*load, inspect, embed, matrix/);
    const r = await client.run('inspect', { ref: model, text: 'still fine' });
    assert.equal(r.text, 'still fine');
  });

  test('a worker crash fails every pending job; the next job starts a fresh worker', async () => {
    const c = new EngineClient({ threads: 1 }, workerFile);
    await c.load(model);
    const w = (c as unknown as { worker: Worker }).worker;
    const running = c.run('embed', { ref: model, texts: manyTexts(400), maxBatch: 1 });
    const queued = c.run('inspect', { ref: model, text: 'queued' });
    await w.terminate();
    for (const p of [running, queued]) await assert.rejects(p, (e) => e instanceof EngineError && !(e instanceof CancelledError) && /stopped|failed/.test(e.message));
    const r = await c.run('inspect', { ref: model, text: 'after the crash' });
    assert.equal(r.text, 'after the crash');
    await c.dispose();
  });

  test('a worker that throws fails its jobs; a job started from the catch runs on a fresh worker and succeeds', async () => {
    // the real worker behind a listener that throws (an uncaught exception: 'error', then 'exit' with code 1) on one text
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-lens-throw-'));
    const file = path.join(dir, 'throwing-worker.js');
    fs.writeFileSync(file, `const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => { if (m.type === 'start' && m.args && m.args.text === 'throw now') throw new Error('boom'); });
require(${JSON.stringify(workerFile)});
`);
    const c = new EngineClient({ threads: 1 }, file);
    try {
      await c.load(model);
      const after = await c.run('inspect', { ref: model, text: 'throw now' }).then(
        () => assert.fail('the throwing job resolved'),
        (e: unknown) => {
          assert.ok(e instanceof EngineError && /failed: boom/.test(e.message), String(e));
          return c.run('inspect', { ref: model, text: 'started from the catch' });
        });
      assert.equal(after.text, 'started from the catch');
    } finally {
      await c.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('matrix: the full inspection\'s own tensors for every kind and layer (attention slice, token×token cosine, rollout); null past the last layer', async () => {
    const r = await client.run('inspect', { ref: model, text: TEXT });
    const full = await engine.inspect(model, TEXT, { detail: 'full' });
    const L = full.model.layers, R = full.layerIds.length;
    const [, T, H] = full.hidden.dims;
    const att = full.attentions!, rollout = full.analysis!.rollout;
    const heads = att.dims[1];
    assert.deepEqual(att.dims, [L, heads, T, T]);
    assert.deepEqual(rollout.dims, [L, T, T]);
    const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
    for (let layer = 0; layer < L; layer++) {
      // attention: the layer's [heads, T, T] slice, as bytes of its maximum
      const got = await client.run('matrix', { runId: r.runId, kind: 'attention', layer });
      const want = att.data.subarray(layer * heads * T * T, (layer + 1) * heads * T * T);
      assert.ok(got && got.data instanceof Uint8Array, `attention ${layer}`);
      assert.deepEqual(got.dims, [heads, T, T]);
      close(got.scale, Math.max(...want), 1e-6, `attention ${layer} scale`);
      for (let i = 0; i < want.length; i++) close(got.data[i] / 255 * got.scale, want[i], got.scale / 510 + 1e-6, `attention ${layer} [${i}]`);
      // rollout: the layer's [T, T] slice
      const ro = await client.run('matrix', { runId: r.runId, kind: 'rollout', layer });
      assert.ok(ro && ro.data instanceof Float32Array, `rollout ${layer}`);
      assert.deepEqual([ro.dims, ro.scale], [[T, T], 1]);
      for (let i = 0; i < T * T; i++) close(ro.data[i], rollout.data[layer * T * T + i], 1e-6, `rollout ${layer} [${i}]`);
    }
    for (let row = 0; row < R; row++) {
      // token×token cosine of the hidden states of that layerIds row, computed here
      const got = await client.run('matrix', { runId: r.runId, kind: 'tokenCosine', layer: row });
      assert.ok(got && got.data instanceof Float32Array, `tokenCosine ${row}`);
      assert.deepEqual(got.dims, [T, T]);
      const vec = (t: number) => full.hidden.data.subarray((row * T + t) * H, (row * T + t + 1) * H);
      for (let a = 0; a < T; a++) {
        for (let b = 0; b < T; b++) {
          const x = vec(a), y = vec(b);
          let dot = 0, nx = 0, ny = 0;
          for (let k = 0; k < H; k++) { dot += x[k] * y[k]; nx += x[k] * x[k]; ny += y[k] * y[k]; }
          close(got.data[a * T + b], dot / Math.sqrt(nx * ny), 1e-6, `tokenCosine ${row} [${a}, ${b}]`);
        }
      }
    }
    for (const [kind, n] of [['attention', L], ['rollout', L], ['tokenCosine', R]] as [MatrixKind, number][]) {
      assert.equal(await client.run('matrix', { runId: r.runId, kind, layer: n }), null, `${kind} past the last layer`);
    }
    // asking twice gives the same answer: the kept tensors were not transferred away with the first
    const once = await client.run('matrix', { runId: r.runId, kind: 'tokenCosine', layer: 1 });
    const again = await client.run('matrix', { runId: r.runId, kind: 'tokenCosine', layer: 1 });
    assert.deepEqual(again, once);
    assert.ok(again && again.data.some((v) => v !== 0));
  });

  test('inspect with analysis:false returns the [CLS] rows only; the analysis job and the rollout matrix compute the rest on request, equal to a full inspection', async () => {
    const first = await client.run('inspect', { ref: model, text: TEXT, analysis: false });
    const eager = await client.run('inspect', { ref: model, text: TEXT });
    assert.equal(first.analysis, null);
    assert.ok(first.clsAttention && eager.analysis);
    // the query-row graph and the full matrices differ in summation order only
    first.clsAttention.data.forEach((v, i) => assert.ok(Math.abs(v - eager.analysis!.clsRow.data[i]) <= 1e-5, `clsAttention [${i}]`));
    // the rollout matrix before the analysis was asked for: computed then
    const ro = await client.run('matrix', { runId: first.runId, kind: 'rollout', layer: 0 });
    const T = first.tokens.length;
    assert.ok(ro);
    assert.deepEqual([...ro.data.subarray(0, T)], [...eager.analysis.rolloutClsRow.data.subarray(0, T)]);
    const a1 = await client.run('analysis', { runId: first.runId });
    const a2 = await client.run('analysis', { runId: first.runId });
    assert.ok(a1 && a2);
    for (const k of ['clsRow', 'toCls', 'toSep', 'toPunct', 'toSelf', 'entropy', 'rolloutClsRow'] as const) {
      assert.deepEqual([...a1[k].data], [...eager.analysis[k].data], k);
      assert.deepEqual([...a2[k].data], [...a1[k].data], `${k} again (the kept analysis was not transferred away)`);
    }
    await expectEngineError(client.run('analysis', { runId: 'w0-999' }), 'run-expired', /Inspect the selection again/);
  });

  test('matrix for a run the worker no longer holds fails with a clear error', async () => {
    const a = await client.run('inspect', { ref: model, text: 'first' });
    const b = await client.run('inspect', { ref: model, text: 'second' });
    const c = await client.run('inspect', { ref: model, text: 'third' });
    assert.equal(new Set([a.runId, b.runId, c.runId]).size, 3);
    await expectEngineError(client.run('matrix', { runId: a.runId, kind: 'rollout', layer: 0 }), 'run-expired', /no longer holds run .*last 2 inspections.*Inspect the selection again/);
    for (const id of [b.runId, c.runId]) assert.ok(await client.run('matrix', { runId: id, kind: 'rollout', layer: 0 }));
  });

  test('job arguments and results are typed by kind', () => {
    // compile-time checks: `npm run typecheck` fails if these lines stop being errors
    // @ts-expect-error inspect needs a text
    void (() => client.run('inspect', { ref: model }));
    // @ts-expect-error a matrix run id is the worker's string id
    void (() => client.run('matrix', { runId: 1, kind: 'rollout', layer: 0 }));
    // @ts-expect-error load streams no partial values
    void (() => client.run('load', { ref: model }, { onPartial: (v: { items: unknown[] }) => v }));
    const typed: () => Promise<string> = () => client.run('inspect', { ref: model, text: 'x' }).then((r) => r.runId);
    assert.equal(typeof typed, 'function');
  });
});

describe('jobs on a raw worker (the wire protocol)', () => {
  let model: string;
  before(async () => { model = await ensureFixtureModel('bert-tiny-stock'); });

  test('exactly one terminal message per job, on success, error, unknown kind, and cancel (running and queued)', { timeout: 120_000 }, async () => {
    const w = new Worker(workerFile, { workerData: { threads: 1 } });
    const log: WorkerMessage[] = [];
    const send = (m: ClientMessage) => w.postMessage(m);
    const N = 400;
    let cancelSent = false, partialsAfterCancelSent = 0, embedded = 0;
    let firstRun = '', lastRun = '';
    const finished = new Promise<void>((resolve, reject) => {
      w.on('error', reject);
      w.on('message', (m: WorkerMessage) => {
        log.push(m);
        if (m.id === 4 && m.type === 'partial') {
          embedded += (m.value as { items: unknown[] }).items.length;
          if (cancelSent) partialsAfterCancelSent++;
          else {
            // job 4 runs, job 5 waits behind it: cancel both
            send({ type: 'cancel', target: 4 });
            send({ type: 'cancel', target: 5 });
            cancelSent = true;
          }
        }
        if (m.id === 1 && m.type === 'result') firstRun = (m.value as { runId: string }).runId;
        if (m.id === 4 && (m.type === 'result' || m.type === 'error')) {
          // two more inspections: the worker keeps the last two runs, so job 1's is evicted
          send({ type: 'start', id: 6, kind: 'inspect', args: { ref: model, text: 'second run' } });
          send({ type: 'start', id: 7, kind: 'inspect', args: { ref: model, text: 'third run' } });
          send({ type: 'start', id: 8, kind: 'matrix', args: { runId: firstRun, kind: 'rollout', layer: 0 } });
          send({ type: 'start', id: 9, kind: 'load', args: { ref: model } });
        }
        if (m.id === 7 && m.type === 'result') lastRun = (m.value as { runId: string }).runId;
        // a sentinel after the last job: whatever the worker sent for jobs 1..9 arrives before its answer
        if (m.id === 9 && (m.type === 'result' || m.type === 'error')) send({ type: 'start', id: 10, kind: 'matrix', args: { runId: lastRun, kind: 'rollout', layer: 0 } });
        if (m.id === 10 && (m.type === 'result' || m.type === 'error')) resolve();
      });
    });
    send({ type: 'start', id: 1, kind: 'inspect', args: { ref: model, text: TEXT } });
    send({ type: 'start', id: 2, kind: 'inspect', args: { ref: model, text: '  ' } });
    send({ type: 'start', id: 3, kind: 'bogus' as JobKind, args: { ref: model } } as ClientMessage);
    send({ type: 'start', id: 4, kind: 'embed', args: { ref: model, texts: manyTexts(N), maxBatch: 2 } });
    send({ type: 'start', id: 5, kind: 'inspect', args: { ref: model, text: 'queued behind the embed' } });
    await finished;
    await w.terminate();

    const terminals = new Map<number, WorkerMessage[]>();
    for (const m of log) if (m.type === 'result' || m.type === 'error') terminals.set(m.id, [...(terminals.get(m.id) ?? []), m]);
    for (let id = 1; id <= 10; id++) assert.equal(terminals.get(id)?.length, 1, `job ${id}: ${JSON.stringify(terminals.get(id)?.map((m) => m.type))}`);
    for (const m of log) {
      const last = log.indexOf(terminals.get(m.id)![0]);
      assert.ok(log.indexOf(m) <= last, `job ${m.id}: a ${m.type} after its terminal message`);
    }
    const code = (id: number) => { const t = terminals.get(id)![0]; return t.type === 'error' ? t.error.code : 'result'; };
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(code), ['result', 'empty-text', 'internal', 'cancelled', 'cancelled', 'result', 'result', 'run-expired', 'result', 'result']);
    const expired = terminals.get(8)![0];
    assert.ok(firstRun && expired.type === 'error' && expired.error.message.includes(`run ${firstRun}`), JSON.stringify(expired));
    assert.ok(embedded < N / 2, `the embed stopped early (${embedded} of ${N} texts sent, ${partialsAfterCancelSent} partials in flight when the cancel was sent)`);
    assert.ok(!log.some((m) => m.id === 5 && m.type !== 'error'), 'the queued job never ran');
    // the worker answered the queued job's cancel as it read it, right after the running job's: from then on the
    // running job sends nothing but its terminal message
    const after5 = log.slice(log.indexOf(terminals.get(5)![0]) + 1).filter((m) => m.id === 4);
    assert.deepEqual(after5.map((m) => m.type), ['error'], 'no progress or partial once the cancel was read');
  });
});
