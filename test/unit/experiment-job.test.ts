// The `experiment` worker job, through the real worker (dist/worker.js) on a random-weight fixture model and the
// shipped sentences: progress and partial results (marked partial) arrive before the result; the worker's result
// has the same numbers as runExperiment in-process with the same arguments and seed; a cancel after the first
// partial ends the job with CancelledError, the partial kept by the caller intact.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureFixtureModel } from '../../scripts/gen-model';
import { Engine } from '../../src/engine/engine';
import { CancelledError } from '../../src/engine/errors';
import { CancelSource, EngineClient } from '../../src/engine/worker/client';
import { resultToJson } from '../../src/experiments/json';
import { runExperiment } from '../../src/experiments/run';
import type { ExperimentArgs } from '../../src/experiments/types';
import type { ExperimentResult } from '../../src/shared/experiments';

const root = path.resolve(__dirname, '..', '..', '..');
const workerFile = path.join(root, 'dist', 'worker.js');

/** The numbers of a result without its timing (elapsedMs, startedAt differ between runs). */
const numbers = (r: ExperimentResult) => { const j = resultToJson(r); delete j.elapsedMs; delete j.startedAt; return j; };

describe('experiment job', () => {
  let model: string;
  const client = new EngineClient({ threads: 1 }, workerFile);
  const engine = new Engine({ threads: 1 });
  before(async () => { model = await ensureFixtureModel('bert-tiny-stock'); });
  after(async () => { await client.dispose(); await engine.dispose(); });

  test('progress and partials before the result; the same numbers as runExperiment in-process', async () => {
    const args: ExperimentArgs = { kind: 'layers', model, data: 'builtin:sentences', seed: 4, limit: 40, cacheDir: false };
    const events: string[] = [];
    const partials: ExperimentResult[] = [];
    const result = await client.run('experiment', args, {
      onProgress: (p) => { events.push('progress'); assert.ok(p.phase.length > 0); },
      onPartial: (r) => { events.push('partial'); partials.push(r); },
    });
    assert.ok(events.includes('progress'), 'progress arrives');
    assert.equal(result.kind, 'layers');
    assert.equal(result.partial, false);
    assert.ok(partials.every((p) => p.partial === true), 'partials are marked partial');
    const local = await runExperiment(engine, args, {});
    assert.deepEqual(numbers(result), numbers(local), 'the worker and the in-process run agree exactly');
    assert.equal(result.seed, 4);
    assert.ok(result.kind === 'layers' && result.rows.length >= 2, 'a row per layer');
  });

  test('the probe streams its rows as partials (marked partial, growing, before the result); the result has them all', async () => {
    const order: string[] = [];
    const partials: ExperimentResult[] = [];
    const result = await client.run('experiment', { kind: 'probe', model, data: 'builtin:sentences', folds: 3, seed: 1, poolings: ['cls', 'mean'], cacheDir: false }, {
      onPartial: (r) => { order.push('partial'); partials.push(r); },
    }).then((r) => { order.push('result'); return r; });
    assert.ok(partials.length >= 2, `partials: ${partials.length}`);
    assert.equal(order[order.length - 1], 'result');
    assert.ok(partials.every((p) => p.partial && p.kind === 'probe'));
    const sizes = partials.map((p) => (p.kind === 'probe' ? p.results.length : -1));
    assert.deepEqual(sizes, sizes.map((_, i) => i + 1), 'one more row each time');
    assert.ok(result.kind === 'probe' && !result.partial);
    const last = partials[partials.length - 1];
    assert.ok(last.kind === 'probe' && result.kind === 'probe');
    assert.deepEqual(last.results, result.results, 'the last partial holds every row of the result');
  });

  test('cancel halfway (at the first partial, or the first counted progress): CancelledError, a partial stays readable', async () => {
    const cancel = new CancelSource();
    let first: ExperimentResult | null = null;
    const run = client.run('experiment', { kind: 'census', model, data: 'builtin:sentences', seed: 0, limit: 400, cacheDir: false }, {
      token: cancel.token,
      onProgress: (p) => { if (p.done !== undefined && p.done > 0) cancel.cancel(); },
      onPartial: (r) => { if (!first) { first = r; cancel.cancel(); } },
    });
    await assert.rejects(run, (e) => e instanceof CancelledError);
    if (first) {
      const p = first as ExperimentResult;
      assert.equal(p.partial, true);
      assert.ok(JSON.stringify(resultToJson(p)).length > 100, 'the partial result is whole and readable after the cancel');
    }
    // the worker is free again
    const next = await client.run('load', { ref: model });
    assert.ok(next.layers >= 1);
  });
});
