// Tokenisation: bad input (blank, odd characters, long words), degraded modes, isPunctuationToken and load errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { wordPieceTokenizerFiles, writeTokenizerFiles } from '../../scripts/lib/tokenizers';
import { encodeText, isBlank, isPunctuationToken, loadTokenizer } from '../../src/engine/tokenizer';
import { enc, FIXTURE_NAMES, fixtureDir, H, layout, scratchDir, useTokenizerFixtures } from './tokens-fixtures';
import { checkEncoding } from './tokens-invariants';
import { refEncode } from './tokens-reference';

useTokenizerFixtures();

describe('bad input', () => {
  it('empty and whitespace-only text: what HF gives (WordPiece: the specials only; byte-level and sentencepiece tokenizers tokenise the whitespace)', async () => {
    // (the engine refuses blank text before tokenising; encodeText itself tokenises it as Hugging Face does)
    for (const name of FIXTURE_NAMES) {
      for (const text of ['', ' ', '\n\t \r\n', '\u00a0\u3000', '\u200b\ufeff']) {
        const e = enc(name, text);
        assert.deepEqual(e.ids, (await refEncode(name, [text]))[0].ids, `${name} ${JSON.stringify(text)}`);
        if (H(name).kind === 'wordpiece' || text === '') {
          assert.equal(e.ids.length, 2, `${name} ${JSON.stringify(text)}`);
          assert.ok(e.tokens.every((t) => t.special && t.start === null));
          assert.deepEqual(e.truncation, { truncated: false, droppedTokens: 0, keptChars: 0, maxTokens: 512 });
        }
        // whitespace-only tokens cover whitespace only (or nothing: a prepended "▁"/"Ġ")
        for (const t of e.tokens) if (t.start !== null) assert.match(text.slice(t.start, t.end!), /^[\s\u200b\ufeff]*$/u);
      }
    }
    assert.equal(isBlank(''), true);
    assert.equal(isBlank(' \t\n\u00a0\u2028\u200b'), true);
    assert.equal(isBlank(' a '), false);
    assert.equal(isBlank('.'), false);
  });

  it('only punctuation, only special tokens, control characters and lone surrogates', async () => {
    for (const name of FIXTURE_NAMES) {
      const h = H(name);
      for (const text of ['!!!???', '[CLS][SEP]', '<s></s><mask>', '\u0000\u0001\u0002x', '\ud800', '\udc00\ud800', 'a\ud83d', '[CLS]', '\u0301\u0301', '\u0000']) {
        const e = encodeText(h, text, { maxTokens: 64 });
        assert.deepEqual(e.ids, (await refEncode(name, [text]))[0].ids, `${name} ${JSON.stringify(text)}`);
        if (isBlank(text)) continue;
        assert.equal(checkEncoding(h, text, e), null, `${name} ${JSON.stringify(text)}`);
      }
    }
    const e = enc('wpUncased', '[CLS]');
    assert.deepEqual(layout(e), [['[CLS]'], ['[CLS]', 0, 5], ['[SEP]']]);
    assert.equal(e.tokens[1].special, true);
  });

  it('very long words become one [UNK] (max_input_chars_per_word = 100)', () => {
    const word = 'a'.repeat(150);
    assert.deepEqual(layout(enc('wpUncased', `x ${word} y`)), [['[CLS]'], ['x', 0, 1], ['[UNK]', 2, 152], ['y', 153, 154], ['[SEP]']]);
  });
});

describe('degraded modes', () => {
  it('a tokenizer whose pipeline cannot be reproduced gives the library tokens without positions', () => {
    const h = loadTokenizer(fixtureDir('wpUncased'));
    (h as { offsetsReliable: boolean }).offsetsReliable = false;
    const text = 'Hello, [SEP] world!';
    const e = encodeText(h, text, { maxTokens: 512 });
    assert.deepEqual(e.ids, h.tokenizer.encode(text).ids);
    assert.ok(e.tokens.every((t) => t.start === null && t.end === null));
    assert.deepEqual(e.tokens.map((t) => t.special), [true, false, false, true, false, false, true]);
    assert.deepEqual(e.truncation, { truncated: false, droppedTokens: 0, keptChars: text.length, maxTokens: 512 });
    assert.equal(encodeText(h, text, { maxTokens: 4 }).truncation.keptChars, 0);
  });

  it('an unexpected failure while computing offsets falls back to the library, counted in diagnostics', () => {
    const h = loadTokenizer(fixtureDir('bpe'));
    const lib = h.internals.lib;
    const broken = Object.create(lib, { splitter_unnormalized: { get() { throw new Error('boom'); } } });
    (h.internals as { lib: unknown }).lib = broken;
    const e = encodeText(h, 'Hello world', { maxTokens: 512 });
    assert.deepEqual(e.ids, h.tokenizer.encode('Hello world').ids);
    assert.ok(e.tokens.every((t) => t.start === null));
    assert.equal(h.diagnostics.failures, 1);
    assert.equal(h.diagnostics.lastError, 'boom');
  });
});

describe('isPunctuationToken', () => {
  it('recognises punctuation across tokenizer kinds', () => {
    const wp = H('wpUncased');
    for (const t of [',', '.', '!', '##.', '"', '(', '...']) assert.equal(isPunctuationToken(wp, t), true, t);
    for (const t of ['hello', '##ing', '[SEP]', '[CLS]', '[UNK]', '', 'a.']) assert.equal(isPunctuationToken(wp, t), false, t);
    const bpe = H('bpe');
    for (const t of ['.', 'Ġ.', ',', 'Ġ(', 'âĢĶ' /* "—" */]) assert.equal(isPunctuationToken(bpe, t), true, t);
    for (const t of ['Ġ', 'Ġthe', '</s>', '<s>', 'Ċ']) assert.equal(isPunctuationToken(bpe, t), false, t);
    const uni = H('unigram');
    for (const t of ['▁,', '.', '!']) assert.equal(isPunctuationToken(uni, t), true, t);
    for (const t of ['▁', '▁the', '</s>', '<unk>']) assert.equal(isPunctuationToken(uni, t), false, t);
  });
});

describe('loadTokenizer errors', () => {
  it('names the file and the next step', () => {
    const dir = scratchDir('broken');
    fs.mkdirSync(dir, { recursive: true });
    assert.throws(() => loadTokenizer(path.join(path.dirname(dir), 'does-not-exist')), /does not exist/);
    assert.throws(() => loadTokenizer(dir), (e: Error) => /tokenizer\.json is missing/.test(e.message) && e.message.includes(path.join(dir, 'tokenizer.json')) && /save_pretrained/.test(e.message));
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), '{"model": {');
    assert.throws(() => loadTokenizer(dir), (e: Error) => e.message.includes(path.join(dir, 'tokenizer.json')) && /not valid JSON/.test(e.message) && /download/.test(e.message));
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'WordLevel', vocab: { a: 0 }, unk_token: 'a' } }));
    assert.throws(() => loadTokenizer(dir), (e: Error) => /"WordLevel"/.test(e.message) && /Supported: WordPiece/.test(e.message) && e.message.includes('tokenizer.json'));
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify({ version: '1.0' }));
    assert.throws(() => loadTokenizer(dir), /no "model" section/);
    writeTokenizerFiles(dir, wordPieceTokenizerFiles());
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), '{oops');
    assert.throws(() => loadTokenizer(dir), (e: Error) => e.message.includes('tokenizer_config.json') && /not valid JSON/.test(e.message));
    fs.rmSync(path.join(dir, 'tokenizer_config.json'));
    fs.rmSync(path.join(dir, 'special_tokens_map.json'));
    const h = loadTokenizer(dir); // the two optional files may be missing
    assert.equal(h.clsId, 101);
    assert.equal(h.modelMaxLength, null);
    const bad = wordPieceTokenizerFiles();
    (bad.tokenizerJson as { normalizer: object }).normalizer = { type: 'NoSuchNormalizer' };
    writeTokenizerFiles(dir, bad);
    assert.throws(() => loadTokenizer(dir), (e: Error) => /could not be loaded/.test(e.message) && /NoSuchNormalizer/.test(e.message));
  });
});
