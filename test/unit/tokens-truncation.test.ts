// Tokenisation: truncation to maxTokens and sliding windows (counts, overlaps, offsets relative to the whole text).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeWindows } from '../../src/engine/tokenizer';
import { enc, H, useTokenizerFixtures } from './tokens-fixtures';
import { randomText, rng } from './tokens-random';

useTokenizerFixtures();

describe('truncation', () => {
  it('keeps at most maxTokens including specials and reports what was dropped', () => {
    const text = 'The quick brown fox jumps over the lazy dog near the river bank.';
    const full = enc('wpUncased', text);
    const n = full.ids.length - 2;
    assert.equal(n, 14); // the quick brown fox jumps over the lazy dog near the river bank .
    for (const max of [2, 3, 5, 10, 14, 15, 16, 512]) {
      const e = enc('wpUncased', text, max);
      const kept = Math.min(n, max - 2);
      assert.equal(e.ids.length, kept + 2, `max ${max}`);
      assert.deepEqual(e.ids.slice(0, -1), full.ids.slice(0, kept + 1));
      assert.equal(e.tokens[e.tokens.length - 1].text, '[SEP]');
      assert.equal(e.truncation.truncated, kept < n);
      assert.equal(e.truncation.droppedTokens, n - kept);
      assert.equal(e.truncation.keptChars, kept ? full.tokens[kept].end : 0);
      assert.equal(e.truncation.maxTokens, max);
    }
    assert.equal(enc('wpUncased', text, 6).truncation.keptChars, 'The quick brown fox'.length);
    assert.throws(() => enc('wpUncased', text, 1), /at least 2/);
    assert.throws(() => enc('wpUncased', text, 2.5), RangeError);
  });

  it('random truncation points on all tokenizers', () => {
    const r = rng(777);
    for (let n = 0; n < 300; n++) {
      const text = randomText(r) + ' ' + randomText(r);
      for (const name of ['wpUncased', 'bpe', 'unigram']) {
        const full = enc(name, text, 1e6);
        const count = full.ids.length - 2;
        const max = 2 + Math.floor(r() * (count + 3));
        const e = enc(name, text, max);
        const kept = Math.min(count, max - 2);
        assert.equal(e.ids.length, kept + 2);
        assert.deepEqual(e.tokens.slice(1, -1), full.tokens.slice(1, kept + 1));
        assert.deepEqual(e.truncation, { truncated: kept < count, droppedTokens: count - kept, keptChars: kept ? full.tokens[kept].end : 0, maxTokens: max });
      }
    }
  });
});

describe('sliding windows', () => {
  function checkWindows(name: string, text: string, maxTokens: number, stride: number): void {
    const full = enc(name, text, 1e6);
    const content = full.tokens.slice(1, -1);
    const wins = encodeWindows(H(name), text, { maxTokens, stride });
    const cap = maxTokens - 2;
    assert.equal(wins.length, content.length <= cap ? 1 : 1 + Math.ceil((content.length - cap) / (cap - stride)));
    let covered = 0;
    wins.forEach((w, i) => {
      assert.ok(w.ids.length <= maxTokens);
      assert.ok(w.tokens[0].special && w.tokens[0].start === null && w.tokens[w.tokens.length - 1].special && w.tokens[w.tokens.length - 1].start === null);
      const c = w.tokens.slice(1, -1);
      const from = i * (cap - stride);
      // same tokens, same offsets (relative to the whole text) as the single encoding
      assert.deepEqual(c, content.slice(from, from + cap));
      if (i > 0) {
        const prev = wins[i - 1].tokens.slice(1, -1);
        assert.deepEqual(c.slice(0, stride), prev.slice(prev.length - stride), 'windows share exactly `stride` tokens');
      }
      assert.equal(w.truncation.droppedTokens, content.length - c.length);
      assert.equal(w.truncation.truncated, c.length < content.length);
      assert.equal(w.truncation.keptChars, c.length ? c[c.length - 1].end : 0);
      covered = from + c.length;
    });
    assert.equal(covered, content.length, 'the last window ends with the last token');
  }

  it('windows over known text: counts, overlaps = stride, offsets relative to the whole text', () => {
    const text = 'One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen.';
    checkWindows('wpUncased', text, 8, 2);
    checkWindows('wpUncased', text, 8, 0);
    checkWindows('wpUncased', text, 8, 5);
    checkWindows('wpUncased', text, 512, 100);
    const wins = encodeWindows(H('wpUncased'), text, { maxTokens: 8, stride: 2 });
    assert.equal(wins[1].tokens[1].text, 'five'); // window 2 starts 4 tokens on: five six seven eight nine ten
    assert.equal(text.slice(wins[1].tokens[1].start!, wins[1].tokens[1].end!), 'five');
    assert.throws(() => encodeWindows(H('wpUncased'), text, { maxTokens: 8, stride: 6 }), /stride/);
    assert.throws(() => encodeWindows(H('wpUncased'), text, { maxTokens: 2, stride: 0 }), /at least 3/);
    assert.equal(encodeWindows(H('wpUncased'), '', { maxTokens: 8, stride: 2 }).length, 1);
  });

  it('random windows on all tokenizer kinds', () => {
    const r = rng(99);
    let n = 0;
    for (; n < 150; n++) {
      const text = randomText(r) + ' ' + randomText(r) + ' ' + randomText(r);
      const name = ['wpUncased', 'bpe', 'unigram', 'wpCased'][n % 4];
      const maxTokens = 3 + Math.floor(r() * 12);
      const stride = Math.floor(r() * (maxTokens - 2));
      checkWindows(name, text, maxTokens, stride);
    }
    console.log(`[tokens] windows: ${n} random texts`);
  });
});
