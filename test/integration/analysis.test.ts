// The onnxruntime attention analysis graph (src/engine/runtime/analysis.ts) against the JavaScript reference
// (src/engine/compute/attention.ts) on random row-stochastic attention.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addResidual, headMeasures, rolloutJs } from '../../src/engine/compute/attention';
import { AnalysisSession } from '../../src/engine/runtime/analysis';

const near = (a: number, b: number, msg = '') => assert.ok(Math.abs(a - b) < 1e-6, `${msg} ${a} vs ${b}`);

test('the onnxruntime analysis graph agrees with the JavaScript reference', async () => {
  // random row-stochastic attention, 3 layers × 2 heads × 7 tokens, with some exact zeros (masked keys)
  const L3 = 3, H2 = 2, T7 = 7;
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const data = new Float32Array(L3 * H2 * T7 * T7);
  for (let r = 0; r < L3 * H2 * T7; r++) {
    let s = 0;
    for (let k = 0; k < T7; k++) { const v = k === 5 ? 0 : rnd() ** 3; data[r * T7 + k] = v; s += v; }
    for (let k = 0; k < T7; k++) data[r * T7 + k] /= s;
  }
  const a = { data, dims: [L3, H2, T7, T7] };
  const cl = { cls: Uint8Array.from([1, 0, 0, 0, 0, 0, 0]), sep: Uint8Array.from([0, 0, 0, 0, 0, 0, 1]), punct: Uint8Array.from([0, 0, 1, 0, 1, 0, 0]) };
  const js = headMeasures(a, cl);
  const jsRollout = rolloutJs(addResidual(js.mixed));
  const s = await AnalysisSession.create(L3, 1);
  const o = await s.analyse(a, cl);
  await s.dispose();
  const same = (x: Float32Array, y: Float32Array, what: string) => {
    assert.equal(x.length, y.length, what);
    for (let i = 0; i < x.length; i++) near(x[i], y[i], `${what}[${i}]`);
  };
  same(o.clsRow.data, js.clsRow.data, 'clsRow');
  same(o.toCls.data, js.toCls.data, 'toCls');
  same(o.toSep.data, js.toSep.data, 'toSep');
  same(o.toPunct.data, js.toPunct.data, 'toPunct');
  same(o.toSelf.data, js.toSelf.data, 'toSelf');
  same(o.entropy.data, js.entropy.data, 'entropy');
  same(o.rollout.data, jsRollout.data, 'rollout');
});
