// Tokenisation with offsets: property tests over thousands of seeded random strings on every test tokenizer: ids
// identical to the library's own `encode`, and ranges that are valid, ordered, never cut a surrogate pair, reproduce
// the token's text once normalised, tile each word and cover every visible character.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeText, isBlank } from '../../src/engine/tokenizer';
import { ALL_NAMES, H, isFixture, layout, useTokenizerFixtures } from './tokens-fixtures';
import { checkEncoding } from './tokens-invariants';
import { randomText, rng, SCALE } from './tokens-random';

useTokenizerFixtures();

describe('property tests over seeded random text', () => {
  const PER_TOKENIZER = 1500 * SCALE;
  const PER_VARIANT = 400 * SCALE;
  for (const name of ALL_NAMES) {
    const count = isFixture(name) ? PER_TOKENIZER : PER_VARIANT;
    it(`${name}: ${count} random strings — library ids, valid ordered ranges, normalised surfaces`, () => {
      const h = H(name);
      const r = rng(0x5eed + name.length * 7919 + name.charCodeAt(0) + name.charCodeAt(name.length - 1) * 31 + SCALE);
      let blank = 0;
      let tokens = 0;
      for (let n = 0; n < count; n++) {
        const text = randomText(r);
        const e = encodeText(h, text, { maxTokens: 100000 });
        tokens += e.ids.length;
        if (isBlank(text)) {
          blank++;
          assert.equal(e.ids.length, 2, `blank ${JSON.stringify(text)}`);
          continue;
        }
        const lib = h.tokenizer.encode(text).ids;
        assert.deepEqual(e.ids, lib, `${name}: ids differ from the library for ${JSON.stringify(text)}`);
        const err = checkEncoding(h, text, e);
        assert.equal(err, null, `${name}: ${err} in ${JSON.stringify(text)}\n${JSON.stringify(layout(e))}`);
      }
      assert.equal(h.diagnostics.coarse, 0, 'no piece needed the coarse fallback');
      assert.equal(h.diagnostics.failures, 0, `no text fell back to the library: ${h.diagnostics.lastError}`);
      console.log(`[tokens] ${name}: ${count} random strings (${blank} blank), ${tokens} tokens checked`);
    });
  }

  it('longer random documents (multi-line, 2–8 KB; long pieces are cut where no token can cross) on every tokenizer', () => {
    const r = rng(424242);
    for (let n = 0; n < 12 * SCALE; n++) {
      let text = '';
      const target = 2000 + Math.floor(r() * 6000);
      // some documents without spaces at all: one long piece for every tokenizer
      const glue = n % 3 === 2 ? '' : null;
      while (text.length < target) text += randomText(r).replace(/\s+/g, glue ?? ' ') + (glue ?? (r() < 0.3 ? '\n' : ' '));
      for (const name of ALL_NAMES) {
        const h = H(name);
        const e = encodeText(h, text, { maxTokens: 1e6 });
        assert.deepEqual(e.ids, h.tokenizer.encode(text).ids, `${name}: ids differ on document ${n}`);
        const err = checkEncoding(h, text, e);
        assert.equal(err, null, `${name}: ${err} in document ${n}`);
      }
    }
  });
});
