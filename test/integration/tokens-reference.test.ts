// Tokenisation against an independent reference: Hugging Face's Rust tokenizers through their official Node binding
// (`tokenizers`, a dev dependency). On seeded fuzzed strings (characters outside the BMP, marks, controls, odd
// whitespace, lone surrogates), 1 MB texts and truncated inspections, on every test tokenizer HF can load (bad input:
// tokens-1mb.test.ts, in a worker with a hang guard):
// ids identical; ranges identical in UTF-16 but for the documented differences (compareWithRef); separator
// whitespace never at the edge of a range that holds anything else. CLS_LENS_FUZZ_SCALE / CLS_LENS_FUZZ_SEED as
// in the property tests.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Tokenizer } from 'tokenizers';
import { encodeText } from '../../src/engine/tokenizer';
import { ALL_NAMES, fixtureDir, H, layout, useTokenizerFixtures } from '../unit/tokens-fixtures';
import { codePointToUnit, compareWithRef, HF_UNLOADABLE, refEncode, whitespaceAtEdge, type RefEncoding } from '../unit/tokens-reference';
import { randomText, referenceText, rng, SCALE } from '../unit/tokens-random';

useTokenizerFixtures();

const NAMES = ALL_NAMES.filter((n) => !HF_UNLOADABLE.has(n));
/** 13 layouts × 1600 = 20,800 strings per run (× CLS_LENS_FUZZ_SCALE). */
const PER_LAYOUT = 1600 * SCALE;
const BATCH = 400;

function check(name: string, text: string, maxTokens: number, ref: RefEncoding): string | null {
  const e = encodeText(H(name), text, { maxTokens });
  const err = compareWithRef(name, text, e, ref) ?? whitespaceAtEdge(name, text, e);
  return err && `${name} ${JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text)}: ${err}\n${JSON.stringify(layout(e)).slice(0, 2000)}`;
}

describe("identical to Hugging Face's tokenizers (Rust) on fuzzed text", () => {
  for (const name of NAMES) {
    it(`${name}: ${PER_LAYOUT} fuzzed strings — same ids, same ranges (UTF-16) but for the documented differences`, async () => {
      const r = rng(0xf00d + name.length * 131 + name.charCodeAt(0) * 7 + name.charCodeAt(name.length - 1));
      // half the reference pieces (outside the BMP, marks, controls), half the property tests' mix
      const texts = Array.from({ length: PER_LAYOUT }, (_, i) => (i % 2 ? randomText(r) : referenceText(r)));
      let tokens = 0;
      for (let b = 0; b < texts.length; b += BATCH) {
        const chunk = texts.slice(b, b + BATCH);
        const refs = await refEncode(name, chunk);
        for (let i = 0; i < chunk.length; i++) {
          tokens += refs[i].ids.length;
          const err = check(name, chunk[i], 1e6, refs[i]);
          assert.equal(err, null);
        }
      }
      console.log(`[tokens] reference ${name}: ${texts.length} strings, ${tokens} tokens identical to HF`);
    });
  }
});

describe("identical to Hugging Face's tokenizers on long and truncated text", () => {
  it('1 MB of text (prose and fuzz, one long line without spaces) on WordPiece, byte-level BPE and Unigram', async () => {
    const r = rng(77);
    const prose = 'The river was grey and slow, and the baker opened the kitchen window at seven. ';
    const parts: string[] = [];
    for (let len = 0; len < 1_000_000;) { const p = r() < 0.8 ? prose : `${referenceText(r)} `; parts.push(p); len += p.length; }
    const text = parts.join('');
    const line = Array.from({ length: 4000 }, () => referenceText(r).replace(/\s+/gu, '')).join('').slice(0, 100_000);
    for (const name of ['wpUncased', 'bpe', 'unigram']) {
      for (const t of [text, line]) {
        const [ref] = await refEncode(name, [t]);
        assert.equal(check(name, t, 1e7, ref), null);
      }
    }
  });

  it('truncated inspections: the first maxTokens tokens are HF’s truncated encoding', async () => {
    const r = rng(99);
    for (const name of NAMES) {
      const hf = Tokenizer.fromFile(path.join(fixtureDir(name), 'tokenizer.json'));
      for (const maxTokens of [3, 8, 33]) {
        hf.setTruncation(maxTokens);
        for (let n = 0; n < 40; n++) {
          const text = Array.from({ length: 6 }, () => referenceText(r)).join(n % 2 ? ' ' : '');
          const e = await hf.encode(text);
          const cu = codePointToUnit(text);
          const ref: RefEncoding = { ids: e.getIds(), tokens: e.getTokens(), offsets: e.getOffsets().map(([a, b]) => [cu[a], cu[b]] as [number, number]) };
          assert.equal(check(name, text, maxTokens, ref), null);
          const mine = encodeText(H(name), text, { maxTokens });
          if (mine.truncation.truncated) assert.equal(mine.ids.length, maxTokens);
        }
      }
    }
  });
});
