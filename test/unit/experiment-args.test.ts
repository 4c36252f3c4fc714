// The pure part of the experiment commands: settings → ExperimentArgs, header columns, progress wording, panel
// titles, the folds offer read from an engine error, and command ids matching package.json.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { EngineError, fromErrorInfo, toErrorInfo } from '../../src/engine/errors';
import { validateForProbe } from '../../src/experiments/data';
import { dataFormat, EXPERIMENT_COMMANDS, experimentArgs, foldsOffer, headerColumns, isDataChoice, panelTitle, parseLayers, progressText, readHeader, type ExperimentSettings } from '../../src/extension/experiments/args';
import { EXPERIMENT_KINDS } from '../../src/shared/experiments';

const settings: ExperimentSettings = { model: 'm', onnxFile: '', maxTokens: 0, folds: 5, seed: 0, layers: 'all', maxTexts: 0 };

test('parseLayers: all, lists (sorted, deduplicated), and a message naming the setting otherwise', () => {
  assert.equal(parseLayers('all'), 'all');
  assert.equal(parseLayers(' ALL '), 'all');
  assert.equal(parseLayers(''), 'all');
  assert.deepEqual(parseLayers('6, 0,3,3'), [0, 3, 6]);
  assert.match(parseLayers('0,three') as string, /clsLens\.experiments\.layers is "0,three"/);
  assert.match(parseLayers('-1') as string, /layer numbers separated by commas/);
});

test('experimentArgs: settings and data become the runner arguments; bad settings are refused with a message', () => {
  assert.deepEqual(experimentArgs('probe', '/models/m', { data: 'builtin:sentences' }, settings),
    { kind: 'probe', model: '/models/m', data: 'builtin:sentences', layers: 'all', folds: 5, seed: 0 });
  assert.deepEqual(experimentArgs('map', 'org/name', { data: '/d/x.csv', textColumn: 'sentence', labelColumn: 'topic' },
    { ...settings, onnxFile: 'onnx/model_quantized.onnx', maxTokens: 64, folds: 3, seed: 9, layers: '0,2', maxTexts: 100 }),
  { kind: 'map', model: 'org/name', data: '/d/x.csv', layers: [0, 2], folds: 3, seed: 9, onnxFile: 'onnx/model_quantized.onnx', textColumn: 'sentence', labelColumn: 'topic', maxTokens: 64 },
  'the map uses every text: no limit');
  // maxTexts reaches the kinds that sample (the CLI refuses --limit for the others)
  for (const kind of ['layers', 'census', 'recover'] as const) assert.equal((experimentArgs(kind, 'm', { data: 'builtin:sentences' }, { ...settings, maxTexts: 50 }) as { limit?: number }).limit, 50, kind);
  for (const kind of ['probe', 'position', 'map'] as const) assert.equal((experimentArgs(kind, 'm', { data: 'builtin:sentences' }, { ...settings, maxTexts: 50 }) as { limit?: number }).limit, undefined, kind);
  assert.match(experimentArgs('probe', 'm', { data: 'x.csv' }, { ...settings, folds: 1 }) as string, /folds is 1: .* at least 2/);
  assert.match(experimentArgs('probe', 'm', { data: 'x.csv' }, { ...settings, layers: 'x' }) as string, /clsLens\.experiments\.layers/);
});

test('headerColumns: separators, quotes, doubled quotes, BOM and CRLF', () => {
  assert.deepEqual(headerColumns('text,label', ','), ['text', 'label']);
  assert.deepEqual(headerColumns('\uFEFF"the text", "a ""b"" c",id\r', ','), ['the text', 'a "b" c', 'id']);
  assert.deepEqual(headerColumns('sentence\ttopic', '\t'), ['sentence', 'topic']);
  assert.deepEqual(headerColumns('"a,b",c', ','), ['a,b', 'c']);
});

test('readHeader reads the first line only; dataFormat by extension or folder', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-exp-'));
  try {
    const f = path.join(dir, 'big.csv');
    fs.writeFileSync(f, `sentence,topic\n${'x,y\n'.repeat(50_000)}`);
    assert.deepEqual(await readHeader(f, ','), ['sentence', 'topic']);
    const t = path.join(dir, 'a.tsv');
    fs.writeFileSync(t, 'text\tlabel');
    assert.deepEqual(await readHeader(t, '\t'), ['text', 'label']);
    assert.equal(dataFormat(f), 'csv');
    assert.equal(dataFormat(t), 'tsv');
    assert.equal(dataFormat('/x/y.JSONL'), 'jsonl');
    assert.equal(dataFormat(dir), 'folder');
    assert.equal(dataFormat('builtin:sentences'), 'builtin');
    assert.equal(dataFormat(path.join(dir, 'missing.txt')), null);
    await assert.rejects(readHeader(path.join(dir, 'missing.csv'), ','), /ENOENT/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('progressText adds done/total unless the message says it; panelTitle names kind, model and data file', () => {
  assert.equal(progressText({ phase: 'training' }), 'training');
  assert.equal(progressText({ phase: 'training', done: 3, total: 10 }), 'training (3/10)');
  assert.equal(progressText({ phase: 'embedding', done: 3, total: 10, message: 'Embedded 3 of 10 texts' }), 'Embedded 3 of 10 texts');
  assert.equal(progressText({ phase: 'embedding', done: 3, total: 12, message: 'Embedding…' }), 'Embedding… (3/12)');
  assert.equal(panelTitle('probe', 'bert-mini', '/ws/data/sentences.csv'), 'Probe — bert-mini — sentences.csv');
  assert.equal(panelTitle('map', 'org/x', 'builtin:sentences'), 'Map — org/x — builtin:sentences');
});

test('foldsOffer: the data reader\'s refusal of a class smaller than the folds carries the offer; other errors offer nothing', () => {
  const info = (classes: Record<string, number>) => ({ file: 'x.csv', format: 'csv' as const, sha256: '', n: 0, textColumn: 'text', labelColumn: 'label', classes, skipped: {} });
  const refusal = (classes: Record<string, number>, folds: number): EngineError => {
    try { validateForProbe(info(classes), folds); } catch (e) { return e as EngineError; }
    throw new Error('validateForProbe accepted the data');
  };
  // a label with digits and a count in its name does not confuse it: the offer is data, not parsed words
  assert.equal(foldsOffer(refusal({ 'tech 2': 4, 'news 9': 30 }, 5), 5), 4);
  assert.equal(foldsOffer(refusal({ a: 2, b: 30 }, 5), 5), 2);
  assert.equal(foldsOffer(refusal({ a: 1, b: 30 }, 5), 5), null, 'one text: no fold count works');
  // it survives the worker boundary
  assert.equal(foldsOffer(fromErrorInfo(toErrorInfo(refusal({ a: 3, b: 9 }, 5))), 5), 3);
  assert.equal(foldsOffer(new EngineError('data-column', 'No column "label" in the header.'), 5), null);
  assert.equal(foldsOffer(new EngineError('internal', 'Use 2 folds.', undefined, undefined, { folds: 7 }), 5), null, 'an offer at or above the request is no offer');
});

test('every experiment kind has a command, contributed in package.json with its title', () => {
  const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { contributes: { commands: { command: string; title: string; category: string }[]; configuration: { properties: Record<string, { default: unknown }> } } };
  for (const k of EXPERIMENT_KINDS) {
    const c = pkg.contributes.commands.find((x) => x.command === EXPERIMENT_COMMANDS[k].id);
    assert.ok(c, `${k}: ${EXPERIMENT_COMMANDS[k].id} contributed`);
    assert.equal(c.title, EXPERIMENT_COMMANDS[k].title);
    assert.equal(c.category, 'CLS Lens');
  }
  const p = pkg.contributes.configuration.properties;
  assert.equal(p['clsLens.experiments.folds'].default, 5);
  assert.equal(p['clsLens.experiments.seed'].default, 0);
  assert.equal(p['clsLens.experiments.layers'].default, 'all');
  assert.equal(parseLayers(String(p['clsLens.experiments.layers'].default)), 'all');
});

test('isDataChoice accepts what pickData stores and refuses the rest', () => {
  assert.ok(isDataChoice({ data: 'builtin:sentences' }));
  assert.ok(isDataChoice({ data: '/x.csv', textColumn: 't', labelColumn: 'l' }));
  assert.ok(!isDataChoice({ data: '' }));
  assert.ok(!isDataChoice({ data: '/x.csv', textColumn: 3 }));
  assert.ok(!isDataChoice(null));
});
