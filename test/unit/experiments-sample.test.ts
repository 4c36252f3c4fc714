// The seeded stream sample (reservoir) the layers, census and recover runs draw their texts with.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reservoir } from '../../src/experiments/meta';
import { makeRng } from '../../src/experiments/ml';
import { bowVocabulary } from '../../src/experiments/recover';

async function* count(n: number): AsyncGenerator<number> { for (let i = 0; i < n; i++) yield i; }

test('reservoir: seeded, in stream order, all items when fewer than the limit, uniform inclusion', async () => {
  const a = await reservoir(count(100), 10, makeRng(5));
  assert.equal(a.seen, 100);
  assert.equal(a.sample.length, 10);
  assert.deepEqual(a.sample, [...a.sample].sort((x, y) => x - y));
  assert.equal(new Set(a.sample).size, 10);
  assert.deepEqual((await reservoir(count(100), 10, makeRng(5))).sample, a.sample);
  assert.notDeepEqual((await reservoir(count(100), 10, makeRng(6))).sample, a.sample);
  assert.deepEqual((await reservoir(count(7), 10, makeRng(5))).sample, [0, 1, 2, 3, 4, 5, 6]);
  const hits = new Array<number>(50).fill(0);
  const runs = 4000;
  for (let s = 0; s < runs; s++) for (const i of (await reservoir(count(50), 5, makeRng(s))).sample) hits[i]++;
  // each item is kept with probability 5/50; over 4000 runs the count is 400 ± 19 (sd): allow 5 sd
  for (const [i, h] of hits.entries()) assert.ok(Math.abs(h - 400) < 95, `item ${i} kept ${h} times`);
});

test('bag-of-words vocabulary: words in the most texts, lower-cased, ties alphabetical; Y marks each text\'s words', () => {
  const { words, Y } = bowVocabulary(['The cat and the dog.', 'A cat!', "Dog's day, the end"], 4);
  // document frequencies: the 2, cat 2, dog 1, dog's 1, and 1, a 1, day 1, end 1
  assert.deepEqual(words, ['cat', 'the', 'a', 'and']);
  assert.deepEqual(Array.from(Y), [1, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0]);
});
