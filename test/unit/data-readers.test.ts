// Data set readers: CSV (RFC 4180), TSV, JSONL, a folder per class; hashing, skips, label checks and every bad input.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { EngineError } from '../../src/engine/errors';
import { CsvParser } from '../../src/experiments/data/csv';
import { findDataFolder, openDataset, readAll, validateForProbe } from '../../src/experiments/data';
import type { DataInfo } from '../../src/shared/experiments';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-lens-data-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let seq = 0;
function write(name: string, content: string | Buffer): string {
  const f = path.join(tmp, `${seq++}-${name}`);
  fs.writeFileSync(f, content);
  return f;
}
const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

async function refused(p: Promise<unknown>, code: string, ...patterns: RegExp[]): Promise<EngineError> {
  try { await p; } catch (e) {
    assert.ok(e instanceof EngineError, `expected EngineError, got ${(e as Error)?.stack}`);
    assert.equal(e.code, code, e.message);
    for (const re of patterns) assert.match(e.message, re);
    if (code !== 'cancelled') assert.ok(e.next, 'names a next step');
    return e;
  }
  assert.fail(`expected EngineError ${code}`);
}

describe('CSV parser', () => {
  const src = 'a,b,c\r\n"x, y","say ""hi""\nnext line",3\n\nplain,"",\r"last"';
  const expected = [['a', 'b', 'c'], ['x, y', 'say "hi"\nnext line', '3'], [''], ['plain', '', ''], ['last']];
  test('quotes, doubled quotes, line breaks inside quotes, CRLF / LF / CR, empty fields, no final line break', () => {
    const p = new CsvParser(',');
    const recs = [...p.push(src), ...p.end()];
    assert.deepEqual(recs.map((r) => r.fields), expected);
    assert.deepEqual(recs.map((r) => r.line), [1, 2, 4, 5, 6]);
  });
  test('the same records whatever the chunk boundaries', () => {
    for (let cut = 0; cut <= src.length; cut++) {
      for (const step of [1, 2, 3, 7]) {
        const p = new CsvParser(',');
        const recs = [...p.push(src.slice(0, cut))];
        for (let i = cut; i < src.length; i += step) recs.push(...p.push(src.slice(i, i + step)));
        recs.push(...p.end());
        assert.deepEqual(recs.map((r) => r.fields), expected, `cut ${cut} step ${step}`);
        assert.deepEqual(recs.map((r) => r.line), [1, 2, 4, 5, 6], `lines, cut ${cut} step ${step}`);
      }
    }
  });
});

describe('readers', () => {
  test('CSV: columns by name, BOM stripped, quoted line breaks, sha256 of the bytes, skips counted', async () => {
    const f = write('d.csv', '\uFEFFid,label,text\n1,pos,"good, really ""good""\nday"\n2,neg,bad day\n\n3,neg,   \n4,,no label\n5,pos,fine\n');
    const ds = await openDataset(f);
    assert.equal(ds.format, 'csv');
    const rows = [];
    for await (const r of ds.rows()) rows.push(r);
    assert.deepEqual(rows.map((r) => [r.text, r.label, r.row, r.line]), [['good, really "good"\nday', 'pos', 0, 2], ['bad day', 'neg', 1, 4], ['fine', 'pos', 2, 8]]);
    const info = ds.info();
    assert.deepEqual(info, { file: f, format: 'csv', sha256: sha(f), n: 3, textColumn: 'text', labelColumn: 'label', classes: { pos: 2, neg: 1 }, skipped: { 'empty line': 1, 'blank text': 1, 'missing label': 1 } });
  });

  test('info() is refused before a full pass', async () => {
    const ds = await openDataset(write('e.csv', 'text,label\na,x\nb,y\n'));
    assert.throws(() => ds.info(), /complete pass/);
  });

  test('TSV and other column names', async () => {
    const f = write('d.tsv', 'sentence\tcat\nthe sun\tweather\n"a ""quoted""\ttab"\tmusic\n');
    const r = await readAll(f, { textColumn: 'sentence', labelColumn: 'cat' });
    assert.deepEqual(r.texts, ['the sun', 'a "quoted"\ttab']);
    assert.deepEqual(r.labels, ['weather', 'music']);
    assert.equal(r.info.format, 'tsv');
    assert.equal(r.info.textColumn, 'sentence');
  });

  test('JSONL: objects per line, numeric labels, blank lines and missing labels skipped', async () => {
    const f = write('d.jsonl', '{"text":"one","label":1}\n\n{"text":"two","label":"b"}\r\n{"text":"three"}\n{"text":"","label":"b"}\n{"text":"four","label":1}');
    const r = await readAll(f);
    assert.deepEqual(r.texts, ['one', 'two', 'four']);
    assert.deepEqual(r.labels, ['1', 'b', '1']);
    assert.deepEqual(r.info.skipped, { 'empty line': 1, 'missing label': 1, 'blank text': 1 });
    assert.equal(r.info.sha256, sha(f));
    await refused(readAll(write('bad.jsonl', '{"text":"a","label":"x"}\n{"text": oops}\n')), 'data-format', /Line 2/, /not JSON/);
    await refused(readAll(write('arr.jsonl', '["a","b"]\n')), 'data-format', /Line 1.*not a JSON object/);
  });

  test('folder: one file per class, label = file name, sha256 over names and contents', async () => {
    const dir = path.join(tmp, 'folder');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'sport.txt'), 'the match\n\nthe goal\n');
    fs.writeFileSync(path.join(dir, 'music.txt'), 'a song\r\nthe band');
    fs.writeFileSync(path.join(dir, '.hidden'), 'ignored\n');
    const r = await readAll(dir);
    assert.deepEqual(r.texts, ['a song', 'the band', 'the match', 'the goal']);
    assert.deepEqual(r.labels, ['music', 'music', 'sport', 'sport']);
    assert.equal(r.info.format, 'folder');
    assert.equal(r.info.textColumn, null);
    assert.deepEqual(r.info.skipped, { 'empty line': 1 });
    const before = r.info.sha256;
    assert.equal((await readAll(dir)).info.sha256, before, 'same bytes, same hash');
    fs.writeFileSync(path.join(dir, 'music.txt'), 'a song\r\nthe bend');
    assert.notEqual((await readAll(dir)).info.sha256, before, 'a changed file changes the hash');
  });

  test('rows stream: the first rows arrive before a fault near the end of a large file is read', async () => {
    const body = 'text,label\n' + Array.from({ length: 60_000 }, (_, i) => `sentence number ${i} with some words in it,c${i % 3}`).join('\n');
    const f = write('big.csv', Buffer.concat([Buffer.from(body), Buffer.from([0x0a, 0xff, 0x2c, 0x61, 0x0a])]));
    const ds = await openDataset(f);
    let seen = 0;
    await refused((async () => { for await (const _ of ds.rows()) seen++; })(), 'data-encoding', /not valid UTF-8/, new RegExp(`at byte ${Buffer.byteLength(body) + 1} \\(line 60002\\)`), /Save it as UTF-8/);
    assert.ok(seen > 10_000, `rows before the fault: ${seen}`);
  });
});

describe('bad input', () => {
  test('a missing file', async () => {
    await refused(openDataset(path.join(tmp, 'nope.csv')), 'data-not-found', /does not exist/);
  });
  test('an unknown extension', async () => {
    await refused(openDataset(write('d.xlsx', 'x')), 'data-format', /\.csv, \.tsv or \.jsonl/);
  });
  test('no such column: lists the columns; a case-only difference is suggested', async () => {
    const f = write('cols.csv', 'Text,label,id\na,x,1\n');
    const e = await refused(readAll(f), 'data-column', /no text column "text"/, /"Text", "label", "id"/);
    assert.match(e.next!, /did you mean "Text"/);
    const e2 = await refused(readAll(f, { textColumn: 'Text', labelColumn: 'class' }), 'data-column', /no label column "class"/);
    assert.doesNotMatch(e2.next!, /did you mean/);
    await refused(readAll(write('cols.jsonl', '{"sentence":"a","label":"x"}\n')), 'data-column', /no text column "text"/, /"sentence", "label"/);
  });
  test('non-UTF-8 bytes: the byte offset and line, and "save it as UTF-8"', async () => {
    const latin1 = Buffer.concat([Buffer.from('text,label\ncaf'), Buffer.from([0xe9]), Buffer.from(',x\nb,y\n')]);
    await refused(readAll(write('latin1.csv', latin1)), 'data-encoding', /at byte 14 \(line 2\)/, /Save it as UTF-8/);
    // an overlong encoding and a sequence cut short at the end are faults too
    await refused(readAll(write('overlong.jsonl', Buffer.from([0x7b, 0x7d, 0x0a, 0xc0, 0xaf]))), 'data-encoding', /at byte 3 \(line 2\)/);
    await refused(readAll(write('cut.csv', Buffer.concat([Buffer.from('text,label\na,b\n'), Buffer.from([0xe2, 0x82])]))), 'data-encoding', /at byte 15 \(line 3\)/);
  });
  test('an unclosed quote names the line it opens on', async () => {
    await refused(readAll(write('q.csv', 'text,label\na,x\n"never closed,y\nmore\n')), 'data-format', /line 3 is never closed/);
  });
  test('an empty file needs a header', async () => {
    await refused(readAll(write('empty.csv', '')), 'data-format', /is empty/);
  });
  test('only one class', async () => {
    await refused(readAll(write('one.csv', 'text,label\na,x\nb,x\n,y\n')), 'data-labels', /only one class \("x", 2 texts\)/);
  });
  test('no usable rows says what was skipped', async () => {
    await refused(readAll(write('none.csv', 'text,label\n ,x\nb,\n')), 'data-labels', /no usable rows \(skipped: 1 blank text, 1 missing label\)/);
  });
  test('a label column with very many distinct values: "is the label column the text?"', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${i % 2 ? 'a' : 'b'},text number ${i}`);
    await refused(readAll(write('swapped.csv', `label,text\n${rows.join('\n')}\n`), { textColumn: 'label', labelColumn: 'text' }), 'data-labels', /40 distinct values for 40 texts: is the label column the text\?/);
    // over 1,000 distinct labels is refused as soon as it is seen, before the whole file is read
    const many = Array.from({ length: 5000 }, (_, i) => `t${i},l${i}`);
    const ds = await openDataset(write('many.csv', `text,label\n${many.join('\n')}\n`));
    let seen = 0;
    await refused((async () => { for await (const _ of ds.rows()) seen++; })(), 'data-labels', /1001 distinct values/);
    assert.equal(seen, 1000);
    // small sets with many classes are fine; checkLabels: false turns the checks off
    assert.equal((await readAll(write('small.csv', 'text,label\na,x\nb,y\nc,z\n'))).info.n, 3);
    assert.equal((await readAll(write('one2.csv', 'text,label\na,x\n'), { checkLabels: false })).info.n, 1);
  });
  test('cancelled by the signal', async () => {
    const ac = new AbortController();
    ac.abort();
    await refused(openDataset(write('c.csv', 'text,label\na,b\n'), { signal: ac.signal }), 'cancelled');
  });
});

describe('validateForProbe', () => {
  const info = (classes: Record<string, number>): DataInfo => ({ file: '/d.csv', format: 'csv', sha256: '', n: 0, textColumn: 'text', labelColumn: 'label', classes, skipped: {} });
  test('enough texts per class passes', () => {
    validateForProbe(info({ a: 5, b: 7 }), 5);
  });
  test('a class with fewer texts than folds: which class, how many, the largest fold count that works', () => {
    const e = (() => { try { validateForProbe(info({ a: 9, b: 3, c: 4 }), 5); } catch (x) { return x as EngineError; } })();
    assert.ok(e instanceof EngineError);
    assert.equal(e.code, 'data-labels');
    assert.match(e.message, /Class "b" has 3 texts, fewer than the 5 folds/);
    assert.match(e.next!, /Use 3 folds or fewer/);
  });
  test('folds must be a whole number from 2', () => {
    for (const f of [1, 0, 2.5, NaN]) assert.throws(() => validateForProbe(info({ a: 9, b: 9 }), f), (e: EngineError) => e.code === 'experiment-args' && /2 or more/.test(e.message), String(f));
  });
  test('a class with one text cannot be cross-validated at all', () => {
    assert.throws(() => validateForProbe(info({ a: 9, b: 1 }), 2), (e: EngineError) => /Class "b" has 1 text,/.test(e.message) && /at least 2 per class/.test(e.next!));
  });
});

describe('the shipped data set', () => {
  test('builtin:sentences: 400 sentences, 5 balanced classes, 4–30 words, no duplicates, found from the test bundle', async () => {
    const r = await readAll('builtin:sentences');
    assert.equal(r.info.file, 'builtin:sentences');
    assert.equal(r.info.format, 'csv');
    assert.deepEqual(Object.keys(r.info.classes).sort(), ['computing', 'cooking', 'music', 'sport', 'weather']);
    for (const [k, v] of Object.entries(r.info.classes)) assert.equal(v, 80, k);
    assert.deepEqual(r.info.skipped, {});
    assert.equal(new Set(r.texts).size, r.texts.length, 'no duplicates');
    for (const t of r.texts) {
      const words = t.split(/\s+/).length;
      assert.ok(words >= 4 && words <= 30, `${words} words: ${t}`);
    }
    assert.equal(r.info.sha256, '95fd3acf5ce128d05f96f38283df7ebdc0ef2972d03ba8a0e11dd51899f80aa1', 'data/README.md names this hash');
  });
  test('data/ is found above dist/, out/ and src/ bundles alike, and not from elsewhere', () => {
    const root = path.resolve(findDataFolder()!, '..');
    for (const from of ['dist', 'out/test/unit', 'src/experiments/data']) assert.equal(findDataFolder(path.join(root, from)), path.join(root, 'data'), from);
    assert.equal(findDataFolder(os.tmpdir()), null);
  });
  test('a bag of words separates the classes reasonably (leave-one-out naive Bayes well above chance, below perfect)', async () => {
    const { texts, labels } = await readAll('builtin:sentences');
    const words = (s: string) => s.toLowerCase().match(/[a-z]+/g) ?? [];
    const counts = new Map<string, Map<string, number>>(), totals = new Map<string, number>(), docs = new Map<string, number>();
    const vocab = new Set<string>();
    texts.forEach((t, i) => {
      const c = counts.get(labels[i]) ?? new Map<string, number>();
      counts.set(labels[i], c);
      docs.set(labels[i], (docs.get(labels[i]) ?? 0) + 1);
      for (const w of words(t)) { c.set(w, (c.get(w) ?? 0) + 1); totals.set(labels[i], (totals.get(labels[i]) ?? 0) + 1); vocab.add(w); }
    });
    let ok = 0;
    texts.forEach((t, i) => {
      const ws = words(t);
      let best = '', bestScore = -Infinity;
      for (const k of counts.keys()) {
        const own = k === labels[i];
        const tf = (w: string) => (counts.get(k)!.get(w) ?? 0) - (own ? ws.filter((x) => x === w).length : 0);
        const n = totals.get(k)! - (own ? ws.length : 0);
        let s = Math.log(docs.get(k)! - (own ? 1 : 0));
        for (const w of ws) s += Math.log((tf(w) + 1) / (n + vocab.size));
        if (s > bestScore) { bestScore = s; best = k; }
      }
      if (best === labels[i]) ok++;
    });
    const acc = ok / texts.length;
    assert.ok(acc > 0.6 && acc < 0.95, `leave-one-out accuracy ${acc}`);
  });
});
