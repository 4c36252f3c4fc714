// Tokenisation: 1 MB of text on every tokenizer kind, with offsets (times printed, not asserted), and bad input
// compared with Hugging Face's tokenizers. Each test's body runs in a worker thread of this file, so that its timeout
// (a hang guard) can stop even a synchronous hang.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { encodeText } from '../../src/engine/tokenizer';
import { hasCorrectedStage } from '../../src/engine/tokenizer/corrected';
import { ALL_NAMES, fixtureRoot, H, useFixtureRoot, useTokenizerFixtures } from '../unit/tokens-fixtures';
import { checkEncoding } from '../unit/tokens-invariants';
import { compareWithRef, HF_UNLOADABLE, refEncode, whitespaceAtEdge } from '../unit/tokens-reference';
import { randomText, rng } from '../unit/tokens-random';

/**
 * A hang guard, not a speed budget: each test takes a few seconds (about 11 s and 4 s on a busy 2-core machine).
 * A synchronous test cannot time out (its timer never gets to run), hence the worker threads.
 */
const HANG_GUARD_MS = 120_000;

type Job = 'every-kind' | 'one-section' | 'bad-input';

/** Bad input: each must give HF's ids and ranges, never a crash or a hang. */
const BAD: [string, string][] = [
  ['lone surrogates', '\ud800 a\udc00b \udbff\udfff \ud83d'],
  ['U+FFFD', '\ufffd \ufffdword\ufffd'],
  ['10,000 combining marks on one letter', `e${'\u0301'.repeat(10_000)} x`],
  ['NUL bytes', 'a\u0000b \u0000\u0000 c\u0000'],
  ['a 100 KB word outside the BMP', '𪜀𝐀'.repeat(25_000)],
  ['only whitespace and controls', ' \t\n\u0085\u00a0\u3000\u200b\ufeff\u0001'],
  // a 1 MB word takes each side about a second per layout: one layout per family
  ['a 1 MB word', 'abcdefghij'.repeat(100_000)],
];
const badLayouts = (text: string): string[] => (text.length > 50_000 ? ['wpUncased', 'bpe', 'unigram'] : ALL_NAMES.filter((n) => !HF_UNLOADABLE.has(n)));

/** The tests' bodies, run in a worker: assertions throw; the result is the lines to print. */
const JOBS: Record<Job, () => string[] | Promise<string[]>> = {
  'every-kind': () => {
    const lines: string[] = [];
    const r = rng(2024);
    const parts: string[] = [];
    let len = 0;
    const prose = 'The river was grey and slow, and the baker opened the kitchen window at seven. ';
    while (len < 1_000_000) {
      const p = r() < 0.8 ? prose : randomText(r) + ' ';
      parts.push(p);
      len += p.length;
    }
    const text = parts.join('');
    for (const name of ['wpUncased', 'bpe', 'unigram']) {
      const h = H(name);
      let t0 = performance.now();
      const e = encodeText(h, text, { maxTokens: 512, prefix: 'never' }); // the whole text: its exact token count
      const ours = performance.now() - t0;
      const total = e.truncation.droppedTokens + e.ids.length - 2;
      assert.equal(e.ids.length, 512);
      assert.equal(e.truncation.truncated, true);
      assert.equal(checkEncoding(h, text.slice(0, e.truncation.keptChars), e, true), null);
      let line = `[tokens] 1 MB ${name}: ${text.length} chars → ${total} tokens with offsets in ${ours.toFixed(0)} ms (${Math.round(total / ours * 1000)} tokens/s)`;
      // the bare library on the same text (no offsets); its Unigram path overflows the stack when one section is huge
      t0 = performance.now();
      let ids: number[] | null = null;
      try { ids = h.tokenizer.encode(text).ids; } catch (err) { line += `; bare tokenizer.encode fails: ${(err as Error).message}`; }
      const bare = performance.now() - t0;
      if (ids) {
        // the library is the reference only where CLS Lens runs its stages as they are (tokens-reference.test.ts
        // compares 1 MB with Hugging Face's tokenizers)
        if (!hasCorrectedStage(h.internals.lib.normalizer, h.internals.lib.pre_tokenizer)) {
          assert.equal(ids.length, total + 2);
          assert.deepEqual(e.ids.slice(0, -1), ids.slice(0, 511));
        }
        line += `; bare tokenizer.encode ${bare.toFixed(0)} ms (${Math.round(ids.length / bare * 1000)} tokens/s)`;
      }
      lines.push(line);
    }
    return lines;
  },
  'bad-input': async () => {
    const lines: string[] = [];
    for (const [what, text] of BAD) {
      const names = badLayouts(text);
      for (const name of names) {
        const e = encodeText(H(name), text, { maxTokens: 1e7 });
        const [ref] = await refEncode(name, [text]);
        assert.equal(compareWithRef(name, text, e, ref) ?? whitespaceAtEdge(name, text, e), null, `${what} on ${name}`);
      }
      lines.push(`[tokens] bad input, ${what}: HF's ids and ranges on ${names.length} layouts`);
    }
    return lines;
  },
  'one-section': () => {
    const text = 'The river was grey and slow, and the baker opened the kitchen window at seven. Café naïve 北京. '.repeat(10800);
    const t0 = performance.now();
    const e = encodeText(H('unigram'), text, { maxTokens: 512, prefix: 'never' });
    const ms = performance.now() - t0;
    const total = e.truncation.droppedTokens + 510;
    assert.equal(e.ids.length, 512);
    // the same text in a 20 KB slice, where the library itself still copes, gives the same tokens
    const slice = text.slice(0, 20000);
    assert.deepEqual(encodeText(H('unigram'), slice, { maxTokens: 1e6 }).ids, H('unigram').tokenizer.encode(slice).ids);
    return [`[tokens] 1 MB unigram, one section: ${text.length} chars → ${total} tokens with offsets in ${ms.toFixed(0)} ms (${Math.round(total / ms * 1000)} tokens/s)`];
  },
};

/** Runs a job in a worker thread of this file; rejects with its failure; a cancelled (timed-out) test stops the worker. */
function inWorker(job: Job, signal: AbortSignal): Promise<string[]> {
  return new Promise((resolve, reject) => {
    // the worker writes its fixtures under this file's temporary root, which is removed even when a worker is stopped
    const w = new Worker(__filename, { workerData: { job, root: path.join(fixtureRoot(), job) } });
    const stop = (): void => { void w.terminate(); };
    signal.addEventListener('abort', stop, { once: true });
    let result: { lines?: string[]; error?: string } | null = null;
    w.once('message', (m: { lines?: string[]; error?: string }) => { result = m; });
    w.once('error', reject);
    // settle on exit: the worker is gone when the test ends
    w.once('exit', (code) => {
      signal.removeEventListener('abort', stop);
      if (result?.lines) resolve(result.lines);
      else reject(new Error(result?.error ?? `the ${job} worker exited (code ${code}) without a result`));
    });
  });
}

if (isMainThread) {
  useTokenizerFixtures();

  describe('1 MB of text', () => {
    it('tokenises 1 MB with offsets on every kind (times printed, not asserted)', { timeout: HANG_GUARD_MS }, async (t) => {
      for (const line of await inWorker('every-kind', t.signal)) console.log(line);
    });

    it("bad input (lone surrogates, U+FFFD, 10,000 marks on a letter, NUL, a 1 MB word): HF's ids and ranges, no crash, no hang", { timeout: HANG_GUARD_MS }, async (t) => {
      const lines = await inWorker('bad-input', t.signal);
      assert.equal(lines.length, BAD.length);
      for (const line of lines) console.log(line);
    });

    it('tokenises 1 MB of one section with Unigram (long pieces cut where no token can cross)', { timeout: HANG_GUARD_MS }, async (t) => {
      for (const line of await inWorker('one-section', t.signal)) console.log(line);
    });
  });
} else {
  const { job, root } = workerData as { job: Job; root: string };
  useFixtureRoot(root);
  try {
    Promise.resolve(JOBS[job]()).then(
      (lines) => parentPort!.postMessage({ lines }),
      (err: unknown) => parentPort!.postMessage({ error: (err as Error).stack ?? String(err) }),
    );
  } catch (err) {
    parentPort!.postMessage({ error: (err as Error).stack ?? String(err) });
  }
}
