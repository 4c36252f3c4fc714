// `cls-lens embed --data … --out … [--shard K/N]`: shards from the command line merge into the unsharded run; the
// stdin form of `embed` still works; bad flags and bad data are refused with the flag to change.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { ensureFixtureModel, repoRoot } from '../../scripts/gen-model';
import { fromNpy } from '../../src/engine/io/export';
import { readFeatures } from '../../src/experiments/features';

const cliFile = path.join(repoRoot(), 'dist', 'cli.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-lens-features-cli-'));
let model = '';
before(async () => { model = await ensureFixtureModel('bert-tiny-stock'); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const cli = (args: string[], input?: string) => spawnSync(process.execPath, [cliFile, ...args], { encoding: 'utf8', input });

test('two shards from the command line merge into the unsharded run, byte for byte', () => {
  const base = ['embed', '--model', model, '--data', 'builtin:sentences', '--poolings', 'cls,mean,last,pooler', '--layers', '0,2', '--threads', '1'];
  const whole = cli([...base, '--out', path.join(tmp, 'whole')]);
  assert.equal(whole.status, 0, whole.stderr);
  const summary = JSON.parse(whole.stdout);
  assert.deepEqual([summary.rows, summary.total, summary.shard, summary.layers, summary.poolings], [400, 400, '0/1', [0, 2], ['cls', 'mean', 'last', 'pooler']]);
  assert.equal(summary.data.sha256, '95fd3acf5ce128d05f96f38283df7ebdc0ef2972d03ba8a0e11dd51899f80aa1');
  assert.match(whole.stderr, /random weights/);
  for (const k of [0, 1]) {
    const r = cli([...base, '--out', path.join(tmp, `s${k}`), '--shard', `${k}/2`]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).rows, 200);
  }
  const merged = readFeatures([path.join(tmp, 's1'), path.join(tmp, 's0')]);
  const single = readFeatures([path.join(tmp, 'whole')]);
  assert.deepEqual(merged.labels, single.labels);
  assert.deepEqual(merged.texts, single.texts);
  assert.deepEqual(merged.layers, [0, 2]);
  for (const [l, p] of [[0, 'cls'], [0, 'mean'], [2, 'last'], [2, 'pooler']] as const) {
    assert.ok(Buffer.from(merged.get(l, p).buffer).equals(Buffer.from(single.get(l, p).buffer)), `${p}@${l}`);
  }
  assert.ok(!fs.existsSync(path.join(tmp, 'whole', 'L0.pooler.npy')), 'the pooler at the last layer only');
  // shard 1 holds rows 1, 3, 5, …
  const s1 = fromNpy(fs.readFileSync(path.join(tmp, 's1', 'L2.cls.npy')));
  assert.deepEqual(s1.dims, [200, 32]);
  assert.deepEqual(s1.data.subarray(32, 64), single.get(2, 'cls').subarray(3 * 32, 4 * 32));
  // NumPy reads the files, when it is installed here
  const py = spawnSync('python3', ['-c', `import numpy as np, sys; a = np.load(sys.argv[1]); print(a.shape, a.dtype, repr(float(a[1, 0])))`, path.join(tmp, 's1', 'L2.cls.npy')], { encoding: 'utf8' });
  if (py.status === 0) assert.equal(py.stdout.trim(), `(200, 32) float32 ${Number(s1.data[32]).toString()}`);
});

test('rerunning into the same --out replaces it; the stdin form of embed still prints JSON lines', () => {
  const r = cli(['embed', '--model', model, '--data', 'builtin:sentences', '--poolings', 'cls', '--layers', 'last', '--out', path.join(tmp, 'whole'), '--shard', '0/8']);
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(fs.readFileSync(path.join(tmp, 'whole', 'manifest.json'), 'utf8'));
  assert.deepEqual([m.shard, m.rows.count, m.layers, m.poolings], [{ index: 0, count: 8 }, 50, [2], ['cls']]);
  assert.ok(!fs.existsSync(path.join(tmp, 'whole', 'L0.cls.npy')), 'old files gone');
  const lines = cli(['embed', '--model', model, '--pooling', 'cls'], 'one\ntwo words\n').stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.index), [0, 1]);
  assert.equal(lines[0].vectors.cls.length, 32);
});

test('bad flags and bad data name the flag to change', () => {
  const base = ['embed', '--model', model, '--data', 'builtin:sentences'];
  const noOut = cli(base);
  assert.equal(noOut.status, 2);
  assert.match(noOut.stderr, /--out DIR is required/);
  for (const [shard, re] of [['4/4', /K must be below N/], ['1of4', /--shard takes K\/N/]] as const) {
    const r = cli([...base, '--out', path.join(tmp, 'x'), '--shard', shard]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, re);
  }
  const badPool = cli([...base, '--out', path.join(tmp, 'x'), '--poolings', 'cls,lastToken']);
  assert.equal(badPool.status, 2);
  assert.match(badPool.stderr, /unknown pooling lastToken; choose from cls, mean/);
  const col = cli([...base, '--out', path.join(tmp, 'x'), '--text-column', 'Text']);
  assert.equal(col.status, 1);
  assert.match(col.stderr, /no text column "Text".*did you mean "text"\?.*--text-column NAME/s);
  const missing = cli(['embed', '--model', model, '--data', path.join(tmp, 'nope.csv'), '--out', path.join(tmp, 'x')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope\.csv does not exist/);
  const layer = cli([...base, '--out', path.join(tmp, 'x'), '--layers', '0,7']);
  assert.equal(layer.status, 1);
  assert.match(layer.stderr, /Layer 7 is not in this model/);
  assert.ok(!fs.existsSync(path.join(tmp, 'x')), 'nothing written on errors');
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.includes('.tmp-')), [], 'no temporary folders left');
});
