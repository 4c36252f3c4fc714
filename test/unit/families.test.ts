// One table of model-family facts: the encoder's position ids and the usable token count both read it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { familyOf, MODEL_FAMILIES } from '../../src/engine/models/families';
import { parseConfig, usableMaxTokens } from '../../src/engine/models/modelFolder';

const config = (modelType: string, maxPositions: number) =>
  parseConfig({ model_type: modelType, num_hidden_layers: 2, num_attention_heads: 2, hidden_size: 8, max_position_embeddings: maxPositions }, 'm');

test('RoBERTa-family models number positions from 2 and reserve two positions; BERT-style ones do neither', () => {
  for (const t of ['roberta', 'xlm-roberta', 'camembert', 'longformer']) {
    assert.equal(familyOf(t).positionOffset, 2, t);
    assert.equal(familyOf(t).reservedPositions, 2, t);
  }
  for (const t of ['bert', 'distilbert', 'electra', 'deberta-v2', 'unknown']) {
    assert.equal(familyOf(t).positionOffset, 0, t);
    assert.equal(familyOf(t).reservedPositions, 0, t);
  }
});

test('each model_type belongs to one family at most', () => {
  const all = MODEL_FAMILIES.flatMap((f) => f.modelTypes);
  assert.equal(new Set(all).size, all.length);
});

test('usableMaxTokens takes the reserved positions from the family table, then the tokenizer cap', () => {
  assert.equal(usableMaxTokens(config('roberta', 514), null), 512);
  assert.equal(usableMaxTokens(config('longformer', 4098), null), 4096);
  assert.equal(usableMaxTokens(config('bert', 512), null), 512);
  assert.equal(usableMaxTokens(config('bert', 512), 128), 128);
  assert.equal(usableMaxTokens(config('xlm-roberta', 514), 512), 512);
  assert.equal(usableMaxTokens(config('roberta', 514), 0), 512, 'a tokenizer maximum of 0 means none');
});
