// The pure part of the experiment commands: settings → ExperimentArgs, header columns, progress wording, panel
// titles, the folds offer read from an engine error, and command ids matching package.json.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { EngineError } from '../../src/engine/errors';
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

test('foldsOffer: a class smaller than the folds offers the smallest class size (at least 2); other errors offer nothing', () => {
  const e = (summary: string, next?: string) => new EngineError('internal', summary, next);
  assert.equal(foldsOffer(e('The class "tech" has 3 texts, fewer than the 5 folds.'), 5), 3);
  assert.equal(foldsOffer(e('A class has too few texts for 5-fold cross-validation.', 'Run with 2 folds, or add texts.'), 5), 2);
  // the data reader's words (src/experiments/data/dataset.ts validateForProbe); a label with digits does not confuse it
  assert.equal(foldsOffer(new EngineError('data-labels', 'Class "tech 2" has 4 texts, fewer than the 5 folds: each fold needs one of each class.', 'Use 4 folds or fewer, or add texts of class "tech 2".'), 5), 4);
  assert.equal(foldsOffer(e('The class "tech" has 1 text, fewer than the 5 folds.'), 5), null, 'one text: no fold count works');
  assert.equal(foldsOffer(e('No column "label" in the header.'), 5), null);
  assert.equal(foldsOffer(e('Only one class (3 texts).'), 5), null);
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
