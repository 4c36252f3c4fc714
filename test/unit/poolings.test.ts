// The pooling registry is the one source: package.json's settings, the guards and the CLI help must agree with it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { isPoolingName, POOLING_COMPARE_ORDER, POOLING_REGISTRY, POOLINGS, poolingLabel } from '../../src/shared/poolings';
import { isViewOptions, TOKEN_MEASURES } from '../../src/shared/protocol';

const root = path.resolve(__dirname, '..', '..', '..');
interface SettingSchema { enum?: string[]; enumDescriptions?: string[]; default?: unknown }
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, SettingSchema> } } };
const settings = pkg.contributes.configuration.properties;

test('clsLens.defaultPooling lists the registry: names, descriptions and order', () => {
  const s = settings['clsLens.defaultPooling'];
  assert.deepEqual(s.enum, POOLING_REGISTRY.map((p) => p.name));
  assert.deepEqual(s.enumDescriptions, POOLING_REGISTRY.map((p) => p.description));
  assert.ok(isPoolingName(s.default), `default ${String(s.default)} is a pooling`);
});

test('clsLens.measure lists TOKEN_MEASURES', () => {
  const s = settings['clsLens.measure'];
  assert.deepEqual(s.enum, [...TOKEN_MEASURES]);
  assert.equal(s.enumDescriptions?.length, TOKEN_MEASURES.length, 'one description per measure');
});

test('each pooling is listed once, with a label, a description and a distinct compare position', () => {
  assert.equal(new Set(POOLINGS).size, POOLINGS.length);
  assert.deepEqual([...POOLING_REGISTRY.map((p) => p.order)].sort((a, b) => a - b), POOLINGS.map((_, i) => i));
  for (const p of POOLING_REGISTRY) {
    assert.ok(p.label.length > 0 && p.description.length > 0, p.name);
    assert.equal(poolingLabel(p.name), p.label);
  }
  assert.deepEqual([...POOLING_COMPARE_ORDER].sort(), [...POOLINGS].sort());
  assert.deepEqual(POOLING_COMPARE_ORDER.slice(0, 4), ['cls', 'mean', 'max', 'pooler']);
});

test('the guards accept registry names only', () => {
  for (const p of POOLINGS) assert.ok(isPoolingName(p), p);
  for (const bad of ['CLS', 'token:0', '', 'weightedMean', 0, null]) assert.ok(!isPoolingName(bad), String(bad));
  const options = { layer: 0, head: -1, measure: 'clsAttention', pooling: 'meanSqrtLen', followSelection: false, decorations: true };
  assert.ok(isViewOptions(options));
  assert.ok(!isViewOptions({ ...options, pooling: 'median' }));
});
