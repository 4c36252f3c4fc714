import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideModel, isInside, type TrustInput } from '../../src/extension/models/trust';
import { modelInfoMarkdown } from '../../src/extension/models/infoText';
import type { ModelSummary } from '../../src/shared/types';

const WS = ['/home/u/project'];
/** Folders that exist: the workspace's own model and one in the user's home. */
const folders: Record<string, string> = { 'models/bert': '/home/u/project/models/bert', '/home/u/models/bert': '/home/u/models/bert', '/home/u/project/m': '/home/u/project/m' };
const input = (trusted: boolean, user: string, workspace?: string): TrustInput => ({
  trusted, setting: { user, workspace }, workspaceFolders: WS, folderOf: (v) => folders[v] ?? null,
});

test('a trusted workspace uses the workspace value, else the user value', () => {
  assert.deepEqual(decideModel(input(true, 'Xenova/a', 'models/bert')), { kind: 'use', value: 'models/bert', note: null });
  assert.deepEqual(decideModel(input(true, 'Xenova/a')), { kind: 'use', value: 'Xenova/a', note: null });
  assert.deepEqual(decideModel(input(true, '')), { kind: 'use', value: '', note: null });
});

test('Restricted Mode: a workspace value is not loaded; the user value is, with a note', () => {
  const refused = decideModel(input(false, '', 'Xenova/evil'));
  assert.equal(refused.kind, 'refuse');
  assert.match(refused.kind === 'refuse' ? refused.message : '', /Restricted Mode.*Trust the workspace/);
  const user = decideModel(input(false, 'Xenova/bert-base-uncased', 'models/bert'));
  assert.equal(user.kind, 'use');
  assert.equal(user.kind === 'use' && user.value, 'Xenova/bert-base-uncased');
  assert.match(user.kind === 'use' ? user.note ?? '' : '', /ignored/);
});

test('Restricted Mode: no model folder inside the workspace, even from the user setting; Hub ids and outside folders load', () => {
  assert.equal(decideModel(input(false, 'models/bert')).kind, 'refuse');
  assert.equal(decideModel(input(false, '/home/u/project/m')).kind, 'refuse');
  assert.deepEqual(decideModel(input(false, '/home/u/models/bert')), { kind: 'use', value: '/home/u/models/bert', note: null });
  assert.deepEqual(decideModel(input(false, 'Xenova/all-MiniLM-L6-v2@main')), { kind: 'use', value: 'Xenova/all-MiniLM-L6-v2@main', note: null });
  assert.deepEqual(decideModel(input(false, '')), { kind: 'use', value: '', note: null });
});

test('isInside compares whole path segments', () => {
  assert.ok(isInside('/a/b', ['/a/b']));
  assert.ok(isInside('/a/b/c', ['/a/b/']));
  assert.ok(!isInside('/a/bc', ['/a/b']));
  assert.ok(isInside('C:\\w\\m', ['C:\\w']));
});

const summary: ModelSummary = {
  ref: 'Xenova/bert-base-uncased', name: 'bert-base-uncased', folder: '/c/models--Xenova--bert-base-uncased/snapshots/abc', onnxFile: 'onnx/model_quantized.onnx',
  modelType: 'bert', layers: 12, heads: 12, hidden: 768, maxTokens: 512, vocabSize: 30522, inputs: ['input_ids', 'attention_mask'],
  attentions: { source: 'rewritten', reason: 'Softmax outputs added' }, hiddenStates: { source: 'native' }, hasPooler: false,
  poolingMode: null, randomWeights: false, warnings: ['a | warning'],
};

test('the model info page names repo, commit, cache, precision, shape and where each output comes from', () => {
  const md = modelInfoMarkdown({
    setting: 'Xenova/bert-base-uncased', summary,
    hub: { repo: 'Xenova/bert-base-uncased', commit: 'a'.repeat(40), refs: ['main'], cacheDir: '/c', repoFolder: '/c/models--Xenova--bert-base-uncased' },
    files: [{ path: 'config.json', size: 600 }, { path: 'onnx/model_quantized.onnx', size: 110 * 1024 * 1024 }],
  });
  for (const want of ['| Hub repo | Xenova/bert-base-uncased |', `| Commit | ${'a'.repeat(40)} |`, '| Cached in | /c/models--Xenova--bert-base-uncased |',
    '| Precision | int8', '| Layers | 12 |', '| Attention heads | 12 |', '| Hidden size | 768 |', '| Vocabulary | 30522 tokens |', '| Max tokens | 512 |',
    '| Attentions | exposed by the rewrite', '| Hidden states | native', '| onnx/model_quantized.onnx | 110.0 MB |', '## Files (2, 110.0 MB)', '- a | warning']) {
    assert.ok(md.includes(want), `missing: ${want}\n${md}`);
  }
  const local = modelInfoMarkdown({ setting: '/m', summary: { ...summary, onnxFile: 'model.onnx' }, hub: null, files: [] });
  assert.ok(!local.includes('Hub repo'));
  assert.ok(local.includes('| Precision | fp32'));
});
