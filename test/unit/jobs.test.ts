// Pure pieces of the worker jobs: the run store, the per-layer matrices, transfer lists, progress → VS Code reports.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runMatrix, type RunTensors } from '../../src/engine/compute/matrix';
import { EngineError } from '../../src/engine/errors';
import { transferables } from '../../src/engine/worker/protocol';
import { RunStore, type KeptRun } from '../../src/engine/worker/runs';
import { LateSink, progressReporter } from '../../src/extension/inspection/progress';

const tensor = (dims: number[], f: (i: number) => number) => ({ data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => f(i)), dims });

function run(): RunTensors {
  // R=2 layers of hidden states, T=2 tokens, H=2; L=1 attention layer with 2 heads
  return {
    hidden: { data: Float32Array.from([1, 0, 0, 1, 1, 1, 2, 2]), dims: [2, 2, 2] },
    layerIds: [0, 1],
    attentions: tensor([1, 2, 2, 2], (i) => [0.5, 0.5, 0.25, 0.75, 1, 0, 0, 1][i]),
    rollout: tensor([1, 2, 2], (i) => [0.9, 0.1, 0.2, 0.8][i]),
  };
}

test('run store: ids are unique per prefix, the oldest beyond `keep` is dropped with an error naming the next step', () => {
  const s = new RunStore('w7', 2);
  const a = s.add(run()), b = s.add(run()), c = s.add(run());
  assert.deepEqual([a, b, c], ['w7-1', 'w7-2', 'w7-3']);
  assert.ok(s.get(b) && s.get(c));
  assert.throws(() => s.get(a), (e) => e instanceof EngineError && e.code === 'run-expired' && /last 2 inspections/.test(e.message) && /Inspect the selection again/.test(e.message));
  assert.equal(s.buffers().size, 6, 'hidden, attentions and rollout of the two kept runs');
});

test('run store: each dropped run goes to onDrop once, in the order added; kept runs never do', () => {
  const dropped: KeptRun[] = [];
  const s = new RunStore('w8', 2, (r) => dropped.push(r));
  const runs = [run(), run(), run(), run()];
  for (const r of runs) s.add(r);
  assert.equal(dropped.length, 2);
  assert.equal(dropped[0], runs[0]);
  assert.equal(dropped[1], runs[1]);
});

test('runMatrix: attention quantised per layer, rollout and token cosine as float32, null outside the run', () => {
  const r = run();
  const att = runMatrix(r, { kind: 'attention', layer: 0 })!;
  assert.deepEqual(att.dims, [2, 2, 2]);
  assert.equal(att.scale, 1);
  assert.deepEqual([...att.data], [128, 128, 64, 191, 255, 0, 0, 255]);
  const ro = runMatrix(r, { kind: 'rollout', layer: 0 })!;
  assert.deepEqual([...ro.data].map((x) => +x.toFixed(6)), [0.9, 0.1, 0.2, 0.8]);
  assert.notEqual(ro.data.buffer, r.rollout!.data.buffer, 'a copy: transferring it leaves the kept run whole');
  const cos0 = runMatrix(r, { kind: 'tokenCosine', layer: 0 })!;
  assert.deepEqual([...cos0.data], [1, 0, 0, 1]);
  const cos1 = runMatrix(r, { kind: 'tokenCosine', layer: 1 })!;
  assert.deepEqual([...cos1.data].map((x) => +x.toFixed(6)), [1, 1, 1, 1]);
  assert.equal(runMatrix(r, { kind: 'attention', layer: 1 }), null);
  assert.equal(runMatrix(r, { kind: 'tokenCosine', layer: 2 }), null);
  assert.equal(runMatrix(r, { kind: 'rollout', layer: -1 }), null);
  assert.equal(runMatrix({ ...r, attentions: null, rollout: null }, { kind: 'rollout', layer: 0 }), null);
});

test('transferables: every ArrayBuffer once, through arrays and objects', () => {
  const shared = new Float32Array(4);
  const v = { items: [{ a: shared, b: shared.subarray(2) }, { c: new Uint8Array(2) }], n: 1, s: 'x' };
  const list = transferables(v);
  assert.equal(list.length, 2);
  assert.ok(list.includes(shared.buffer));
});

test('progressReporter: phase text always, increments from done/total only forwards', () => {
  const got: { message?: string; increment?: number }[] = [];
  const report = progressReporter({ report: (v) => got.push(v) });
  report({ phase: 'reading model', message: 'Reading…' });
  report({ phase: 'tokenise', done: 0, total: 4 });
  report({ phase: 'run', done: 1, total: 4, message: 'Running' });
  report({ phase: 'analyse', done: 3, total: 4 });
  report({ phase: 'again', done: 2, total: 4 });
  assert.deepEqual(got, [
    { message: 'Reading…' }, { message: 'tokenise' }, { message: 'Running', increment: 25 }, { message: 'analyse', increment: 50 }, { message: 'again' },
  ]);
});

test('LateSink: a sink attached late gets the last message and the increments so far, then what follows', () => {
  const late = new LateSink();
  late.report({ message: 'reading model' });
  late.report({ message: 'downloading', increment: 10 });
  late.report({ increment: 15 });
  const got: { message?: string; increment?: number }[] = [];
  late.attach({ report: (v) => got.push(v) });
  late.report({ message: 'run', increment: 5 });
  assert.deepEqual(got, [{ message: 'downloading', increment: 25 }, { message: 'run', increment: 5 }]);
});

test('LateSink: attaching before anything was reported replays nothing; every attached sink gets what follows', () => {
  const late = new LateSink();
  const a: unknown[] = [], b: unknown[] = [];
  late.attach({ report: (v) => a.push(v) });
  assert.deepEqual(a, []);
  late.report({ message: 'run' });
  late.attach({ report: (v) => b.push(v) });
  late.report({ message: 'analyse' });
  assert.deepEqual(a, [{ message: 'run' }, { message: 'analyse' }]);
  assert.deepEqual(b, [{ message: 'run' }, { message: 'analyse' }]);
});
