// The engine's JSON reader: every way a file can be wrong names the file and the next step.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { EngineError } from '../../src/engine/errors';
import { readJsonObject, readOptionalJsonObject } from '../../src/engine/io/json';
import { readModelFolder } from '../../src/engine/models/modelFolder';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-lens-json-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => { const f = path.join(dir, name); fs.writeFileSync(f, text); return f; };

function refusal(f: () => unknown): EngineError {
  try { f(); } catch (e) { assert.ok(e instanceof EngineError, String(e)); return e; }
  assert.fail('expected an EngineError');
}

test('reads a JSON object, with or without a byte-order mark', () => {
  assert.deepEqual(readJsonObject(file('ok.json', '{"a": 1}'), 'ok.json'), { a: 1 });
  assert.deepEqual(readJsonObject(file('bom.json', '\ufeff{"b": [2]}'), 'bom.json'), { b: [2] });
});

test('a missing file: an error naming it and the next step, or null when the file is optional', () => {
  const missing = path.join(dir, 'nope.json');
  const e = refusal(() => readJsonObject(missing, 'config.json'));
  assert.equal(e.code, 'model-files');
  assert.ok(e.summary.includes(missing) && e.summary.startsWith('config.json is missing'), e.summary);
  assert.ok(e.next && e.next.length > 0);
  assert.equal(readOptionalJsonObject(missing, 'x.json'), null);
  const custom = refusal(() => readJsonObject(missing, 'tokenizer.json', { code: 'tokenizer', missing: 'Save the tokenizer.', fix: 'model' }));
  assert.deepEqual([custom.code, custom.next, custom.fix], ['tokenizer', 'Save the tokenizer.', 'model']);
});

test('damaged files: not JSON, not an object, a folder', () => {
  const bad = refusal(() => readJsonObject(file('bad.json', '{ not json'), 'bad.json'));
  assert.match(bad.message, /bad\.json at .*bad\.json is not valid JSON \(.+\)\. .*re-download/);
  const arr = refusal(() => readOptionalJsonObject(file('arr.json', '[1, 2]'), 'arr.json', { repair: 'Write it again.' }));
  assert.match(arr.message, /does not hold a JSON object\. Write it again\.$/);
  assert.match(refusal(() => readJsonObject(file('null.json', 'null'), 'null.json')).message, /does not hold a JSON object/);
  assert.match(refusal(() => readJsonObject(dir, 'a folder')).message, /is a folder, not a file/);
});

test('model folders read config.json through it: a folder without one asks for another model', () => {
  const e = refusal(() => readModelFolder(dir));
  assert.equal(e.fix, 'model');
  assert.match(e.message, /config\.json is missing: .*config\.json does not exist\. A model folder holds config\.json/);
});
