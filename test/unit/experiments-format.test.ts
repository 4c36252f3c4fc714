// Result → JSON (typed arrays to lists, non-finite to null) and → CSV (quoting, one table per kind), and the CLI's
// flag parsing for the experiment subcommands (each bad flag named).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseExperimentArgs, resultText } from '../../src/cli/experiments';
import { csvText, resultCsv } from '../../src/experiments/csv';
import { resultToJson } from '../../src/experiments/json';
import type { CensusResult, ExperimentMeta, MapResult, ProbeResult } from '../../src/shared/experiments';

const meta = (kind: ExperimentMeta['kind']): ExperimentMeta => ({
  kind, version: 1,
  model: { ref: '/m', name: 'tiny', onnxFile: 'onnx/model.onnx', onnxSha256: 'ab'.repeat(32), commit: null, layers: 2, heads: 2, hidden: 4, randomWeights: true },
  data: { file: '/d.csv', format: 'csv', sha256: 'cd'.repeat(32), n: 3, textColumn: 'text', labelColumn: 'label', classes: { a: 2, b: 1 }, skipped: {} },
  seed: 0, folds: 2, layers: [0, 1, 2], poolings: ['cls'], maxTokens: 40, partial: false, notes: [], startedAt: '2026-01-01T00:00:00.000Z', elapsedMs: 5,
});

describe('experiment results as JSON and CSV', () => {
  test('JSON: typed arrays become number lists, NaN and Infinity null, nothing else changes', () => {
    const r: CensusResult = {
      ...meta('census'), kind: 'census', texts: 3,
      toCls: { data: Float32Array.from([0.5, 0.25]), dims: [1, 2] }, toSep: { data: new Float32Array(2), dims: [1, 2] },
      toPunct: { data: new Float32Array(2), dims: [1, 2] }, toSelf: { data: Float32Array.from([NaN, 1]), dims: [1, 2] },
      entropy: { data: new Float32Array(2), dims: [1, 2] }, sinks: [{ layer: 1, head: 0, toCls: 0.5, toSep: Infinity }],
    };
    const j = resultToJson(r) as unknown as Record<string, { data: unknown; dims: unknown }>;
    assert.deepEqual(j.toCls, { data: [0.5, 0.25], dims: [1, 2] });
    assert.deepEqual(j.toSelf.data, [null, 1]);
    assert.deepEqual(j.sinks, [{ layer: 1, head: 0, toCls: 0.5, toSep: null }]);
    assert.equal(JSON.parse(JSON.stringify(j)).model.onnxSha256, 'ab'.repeat(32));
    const csv = resultCsv(r).split('\r\n');
    assert.equal(csv[0], 'layer,head,toCls,toSep,toPunct,toSelf,entropy,sink');
    assert.equal(csv[1], '1,0,0.5,0,0,,0,true');
  });

  test('CSV: quotes commas, quotes and line breaks; one row per map point', () => {
    assert.equal(csvText({ header: ['a', 'b'], rows: [['x,y', 'say "hi"'], ['line\nbreak', null]] }), 'a,b\r\n"x,y","say ""hi"""\r\n"line\nbreak",\r\n');
    const m: MapResult = {
      ...meta('map'), kind: 'map', method: 'pca', labels: ['a', 'b'], labelOf: Uint16Array.from([0, 0, 1]), texts: ['one', 'two, too', 'three'],
      maps: [{ layer: 2, pooling: 'cls', xy: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
    };
    const lines = resultCsv(m).trim().split('\r\n');
    assert.deepEqual(lines, ['layer,pooling,index,label,x,y,text', '2,cls,0,a,1,2,one', '2,cls,1,a,3,4,"two, too"', '2,cls,2,b,5,6,three']);
  });

  test('readable text: model, data sha256, seed, majority, a row per layer × pooling, the random-weights warning', () => {
    const p: ProbeResult = {
      ...meta('probe'), kind: 'probe', majority: 2 / 3, C: 1,
      results: [{ layer: 0, pooling: 'cls', accuracy: 2 / 3, accuracyStd: 0, macroF1: 0.4, control: { accuracy: 0.6 }, selectivity: 2 / 3 - 0.6 }],
    };
    const t = resultText(p);
    assert.match(t, /^probe: model tiny/);
    assert.match(t, /WARNING: This model has random weights/);
    assert.match(t, new RegExp(`sha256 ${'cd'.repeat(32)}`));
    assert.match(t, /seed 0, 2 folds/);
    assert.match(t, /majority 0\.667/);
    assert.match(t, /\n {4}0  cls +0\.667  0\.000 +0\.400 +0\.600 +0\.067\n/);
  });
});

describe('experiment flags', () => {
  const ok = (argv: string[]) => parseExperimentArgs(argv).args;
  const bad = (argv: string[], re: RegExp) => assert.throws(() => parseExperimentArgs(argv), re);

  test('flags become ExperimentArgs', () => {
    assert.deepEqual(ok(['probe', '--model', 'M', '--data', 'd.csv', '--layers', '0,3,6', '--poolings', 'cls,mean', '--folds', '3', '--seed', '7', '--C', '0.5', '--max-tokens', '64']),
      { kind: 'probe', model: 'M', data: 'd.csv', layers: [0, 3, 6], poolings: ['cls', 'mean'], folds: 3, seed: 7, C: 0.5, maxTokens: 64 });
    assert.deepEqual(ok(['probe', '--model', 'M', '--features', 'a', 'b', 'c']).features, ['a', 'b', 'c']);
    assert.equal(ok(['map', '--model', 'M', '--data', 'd', '--method', 'umap']).method, 'umap');
    assert.equal(ok(['layers', '--model', 'M', '--data', 'd', '--layers', 'all']).layers, 'all');
    assert.equal(ok(['census', '--model', 'M', '--data', 'd', '--no-embed-cache']).cacheDir, false);
  });

  test('bad flags are named', () => {
    bad(['probe', '--model', 'M'], /--data FILE is required/);
    bad(['probe', '--data', 'd'], /--model DIR is required/);
    bad(['probe', '--model', 'M', '--data', 'd', '--layers', 'last'], /--layers takes all or a comma-separated list/);
    bad(['probe', '--model', 'M', '--data', 'd', '--poolings', 'cls,avg'], /--poolings: unknown pooling avg/);
    bad(['probe', '--model', 'M', '--data', 'd', '--folds', '1'], /--folds takes a whole number of 2 or more/);
    bad(['probe', '--model', 'M', '--data', 'd', '--C', '0'], /--C takes a positive number/);
    bad(['map', '--model', 'M', '--data', 'd', '--method', 'tsne'], /--method takes pca or umap/);
    bad(['layers', '--model', 'M', '--data', 'd', '--method', 'pca'], /--method is for map/);
    bad(['position', '--model', 'M', '--features', 'x'], /--features is for probe only/);
    bad(['probe', '--model', 'M', '--data', 'd', 'stray'], /unexpected argument stray/);
    bad(['probe', '--model', 'M', '--data', 'd', '--json', '--csv'], /choose one/);
    bad(['probe', '--model', 'M', '--data', 'd', '--seed=-1'], /--seed takes a whole number of 0 or more/);
    bad(['probe', '--model', 'M', '--data', 'd', '--limit', '10'], /--limit is for layers, census and recover/);
    bad(['census', '--model', 'M', '--data', 'd', '--poolings', 'cls'], /--poolings is for probe and map/);
  });
});
