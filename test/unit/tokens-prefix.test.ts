// Truncation fast path: a long text is tokenised only as far as the kept tokens need (encodeText's prefix path).
// Its tokens, ranges and kept characters must equal those of tokenising the whole text; the dropped count is then
// a lower bound, flagged droppedTokensExact: false. Timing is measured by `npm run bench`, not here.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeText } from '../../src/engine/tokenizer';
import { PREFIX_MARGIN } from '../../src/engine/tokenizer/encode';
import { H, useTokenizerFixtures } from './tokens-fixtures';
import { FRAGMENTS, randomText, rng, SCALE } from './tokens-random';

useTokenizerFixtures();

const NAMES = ['wpUncased', 'wpCased', 'wpStrip', 'bpe', 'unigram', 'wpPunct', 'bpeSplit', 'uniWhitespace', 'uniPrepend', 'bpeByteFallback'];

function longText(r: () => number, parts: number, joiner: () => string): string {
  const out: string[] = [];
  for (let i = 0; i < parts; i++) out.push(randomText(r), joiner());
  return out.join('');
}

function checkSame(name: string, text: string, maxTokens: number, start: number): 'prefix' | 'whole' {
  const h = H(name);
  const whole = encodeText(h, text, { maxTokens, prefix: 'never' });
  const fast = encodeText(h, text, { maxTokens, prefix: start });
  const what = `${name} max ${maxTokens} start ${start} text ${JSON.stringify(text.slice(0, 80))}… (${text.length} chars)`;
  assert.deepEqual(fast.tokens, whole.tokens, what);
  assert.deepEqual(fast.ids, whole.ids, what);
  assert.deepEqual(fast.tokenTypeIds, whole.tokenTypeIds, what);
  assert.deepEqual(fast.attentionMask, whole.attentionMask, what);
  assert.equal(fast.truncation.keptChars, whole.truncation.keptChars, what);
  assert.equal(fast.truncation.maxTokens, whole.truncation.maxTokens, what);
  assert.equal(fast.truncation.truncated, whole.truncation.truncated, what);
  if (fast.truncation.droppedTokensExact === false) {
    assert.ok(fast.truncation.droppedTokens >= 1 && fast.truncation.droppedTokens <= whole.truncation.droppedTokens,
      `${what}: at least ${fast.truncation.droppedTokens} dropped, really ${whole.truncation.droppedTokens}`);
    return 'prefix';
  }
  assert.deepEqual(fast.truncation, whole.truncation, what);
  return 'whole';
}

describe('truncation fast path (prefix tokenisation)', () => {
  it('equals the whole text\'s truncated encoding on fuzzed texts, every tokenizer kind, cuts anywhere', () => {
    const r = rng(4242);
    let prefix = 0, whole = 0;
    const n = 100 * SCALE;
    for (let i = 0; i < n; i++) {
      const name = NAMES[i % NAMES.length];
      // spaces between fragments, or none at all (CJK runs, emoji, marks: the cut falls between characters)
      const joiner = i % 3 === 2 ? () => '' : () => (r() < 0.8 ? ' ' : FRAGMENTS.space[Math.floor(r() * FRAGMENTS.space.length)]);
      const text = longText(r, 12 + Math.floor(r() * 40), joiner);
      const maxTokens = 2 + Math.floor(r() * 60);
      const start = 1 + Math.floor(r() * 80);
      if (checkSame(name, text, maxTokens, start) === 'prefix') prefix++; else whole++;
    }
    console.log(`[tokens] prefix path: ${prefix} texts cut short, ${whole} tokenised whole (too short to cut), all equal to the whole text's encoding`);
    assert.ok(prefix > n / 2, 'most cases take the prefix path');
  });

  it('long prose with a kept count near the margin, and texts only just longer than what is kept', () => {
    const prose = 'The river was grey and slow, and the baker opened the kitchen window at seven. ';
    for (const name of ['wpUncased', 'bpe', 'unigram']) {
      for (const max of [2, 3, 10, 2 + PREFIX_MARGIN, 130]) {
        for (const reps of [1, 2, 5, 40]) checkSame(name, prose.repeat(reps), max, 8);
      }
    }
  });

  it('a word longer than a prefix (no space to cut at) and a text that is one unknown run', () => {
    for (const name of ['wpUncased', 'bpe', 'unigram']) {
      checkSame(name, `${'x'.repeat(300)} ${'y'.repeat(500)} ${'word '.repeat(200)}`, 12, 4);
      checkSame(name, `${'北京大学东京'.repeat(300)}`, 40, 16);
      checkSame(name, `${'e\u0301'.repeat(400)} ${'👨\u200d👩\u200d👧'.repeat(100)}`, 30, 5);
    }
  });

  it("'auto' cuts a 200 KB text short, with the same tokens as the whole text; a short text stays exact", () => {
    const r = rng(9);
    const text = longText(r, 4000, () => ' ');
    assert.ok(text.length > 100_000);
    for (const name of ['wpUncased', 'bpe', 'unigram']) {
      const auto = encodeText(H(name), text, { maxTokens: 512 });
      const whole = encodeText(H(name), text, { maxTokens: 512, prefix: 'never' });
      assert.equal(auto.truncation.droppedTokensExact, false);
      assert.deepEqual(auto.tokens, whole.tokens);
      assert.equal(auto.truncation.keptChars, whole.truncation.keptChars);
      assert.ok(auto.truncation.droppedTokens < whole.truncation.droppedTokens);
      const short = encodeText(H(name), text.slice(0, 5000), { maxTokens: 128 });
      assert.equal(short.truncation.droppedTokensExact, undefined, 'a short text is tokenised whole: exact count');
      assert.deepEqual(short, encodeText(H(name), text.slice(0, 5000), { maxTokens: 128, prefix: 'never' }));
    }
  });
});
