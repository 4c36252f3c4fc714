// Pin labels (inspection/pins.ts names each pinned text with them).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pinLabel } from '../../src/extension/inspection/viewModel';

test('a pin label numbers the pin and keeps a short text whole, with its whitespace collapsed', () => {
  assert.equal(pinLabel(1, '  Paris is\n\tthe capital. '), '#1 Paris is the capital.');
});

test('a long text is cut at a word boundary before 40 characters, with an ellipsis', () => {
  const label = pinLabel(3, 'The quick brown fox jumps over the lazy dog and keeps running far away');
  assert.equal(label, '#3 The quick brown fox jumps over the lazy…');
  assert.ok(label.length - '#3 '.length <= 41);
});
