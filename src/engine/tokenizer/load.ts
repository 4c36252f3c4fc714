// Loading: tokenizer.json, tokenizer_config.json and special_tokens_map.json into a checked TokenizerHandle.
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { readJsonObject, readOptionalJsonObject } from '../io/json';
import { hasCorrectedStage } from './corrected';
import { longPiecesFor } from './models';
import { contentTokens, postProcess } from './pipeline';
import type { Internals, LibTokenizer, TokenizerHandle } from './types';

const SUPPORTED_MODELS = 'WordPiece (BERT family), BPE (RoBERTa/GPT-2 family) and Unigram (XLM-R/ALBERT/T5 family)';

/** tokenizer files are read by the engine's one JSON reader; its errors carry the code 'tokenizer'. */
const REPAIR = 'The file is damaged or incomplete: save the tokenizer again with tokenizer.save_pretrained(...) or download it again.';
function readTokenizerJson(file: string, required: boolean): Record<string, unknown> | null {
  const what = path.basename(file);
  const opts = {
    code: 'tokenizer' as const, repair: REPAIR, fix: 'model' as const,
    missing: `CLS Lens needs the "fast" tokenizer file: save it with tokenizer.save_pretrained("${path.dirname(file)}") in Python (transformers), or download tokenizer.json from the model's page into this folder.`,
  };
  return required ? readJsonObject(file, what, opts) : readOptionalJsonObject(file, what, opts);
}

/** A special-token entry of tokenizer_config.json / special_tokens_map.json: a string or `{ content }`. */
function tokenString(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return null;
}

function modelTypeOf(model: Record<string, unknown>): string {
  if (typeof model.type === 'string') return model.type;
  // the library's own inference for files without "type"
  if (Array.isArray(model.vocab)) return 'Unigram';
  if (model.vocab && typeof model.vocab === 'object' && 'continuing_subword_prefix' in model && 'unk_token' in model) {
    return 'merges' in model ? 'BPE' : 'WordPiece';
  }
  return 'unknown';
}

/** Finds a post-processor config of one of `types` (looking inside Sequence). */
function findPostProcessor(pp: unknown, types: string[]): Record<string, unknown> | null {
  if (!pp || typeof pp !== 'object') return null;
  const p = pp as Record<string, unknown>;
  if (typeof p.type === 'string' && types.includes(p.type)) return p;
  if (p.type === 'Sequence' && Array.isArray(p.processors)) {
    for (const q of p.processors) { const r = findPostProcessor(q, types); if (r) return r; }
  }
  return null;
}

function findPreTokenizer(pt: unknown, type: string): Record<string, unknown> | null {
  if (!pt || typeof pt !== 'object') return null;
  const p = pt as Record<string, unknown>;
  if (p.type === type) return p;
  if (p.type === 'Sequence' && Array.isArray(p.pretokenizers)) {
    for (const q of p.pretokenizers) { const r = findPreTokenizer(q, type); if (r) return r; }
  }
  return null;
}

export function loadTokenizer(folder: string): TokenizerHandle {
  const dir = path.resolve(folder);
  if (!fs.existsSync(dir)) throw new Error(`The model folder ${dir} does not exist. Check the configured path.`);
  const tokFile = path.join(dir, 'tokenizer.json');
  const json = readTokenizerJson(tokFile, true)!;
  const configFile = path.join(dir, 'tokenizer_config.json');
  const mapFile = path.join(dir, 'special_tokens_map.json');
  const tokConfig = readTokenizerJson(configFile, false) ?? {};
  const specialMap = readTokenizerJson(mapFile, false) ?? {};

  const model = json.model;
  if (!model || typeof model !== 'object' || Array.isArray(model)) {
    throw new Error(`${tokFile} has no "model" section, so it is not a Hugging Face tokenizer.json. Save the tokenizer with tokenizer.save_pretrained(...) and point CLS Lens at that folder.`);
  }
  const modelType = modelTypeOf(model as Record<string, unknown>);
  if (modelType !== 'WordPiece' && modelType !== 'BPE' && modelType !== 'Unigram') {
    throw new Error(
      `${tokFile} uses a "${modelType}" tokenizer model, which CLS Lens does not support. ` +
      `Supported: ${SUPPORTED_MODELS}. Choose a model whose tokenizer is one of these.`,
    );
  }

  // The library wants every section present (null when unused) and strings for the special tokens it reads.
  const libJson: Record<string, unknown> = {
    normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, ...json,
    added_tokens: Array.isArray(json.added_tokens) ? json.added_tokens : [],
  };
  const libConfig: Record<string, unknown> = {};
  for (const src of [specialMap, tokConfig]) {
    for (const [k, v] of Object.entries(src)) {
      if (k === 'additional_special_tokens' && Array.isArray(v)) libConfig[k] = v.map(tokenString).filter((x): x is string => x !== null);
      else if (/_token$/.test(k)) { const s = tokenString(v); if (s !== null) libConfig[k] = s; } else libConfig[k] = v;
    }
  }
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(libJson, libConfig);
  } catch (err) {
    throw new Error(
      `${tokFile} could not be loaded by the tokenizer library: ${(err as Error).message}. ` +
      `It may use a component this library does not implement; supported models: ${SUPPORTED_MODELS}.`,
    );
  }
  const lib = tokenizer as unknown as LibTokenizer;

  const cfgStr = (key: string): string | null => tokenString(tokConfig[key]) ?? tokenString(specialMap[key]);
  const tokenId = (t: string | null): number | null => (t === null ? null : lib.added_tokens_map.get(t)?.id ?? lib.model.tokens_to_ids.get(t) ?? null);
  const addedNamed = (...names: string[]): string | null => names.find((n) => lib.added_tokens_map.has(n) || lib.model.tokens_to_ids.has(n)) ?? null;

  // cls / sep: configuration first, then the post-processor, then the conventional names
  let ppCls: string | null = null;
  let ppSep: string | null = null;
  const ppJson = json.post_processor as Record<string, unknown> | null | undefined;
  const bertLike = findPostProcessor(ppJson, ['BertProcessing', 'RobertaProcessing']);
  if (bertLike) {
    ppCls = Array.isArray(bertLike.cls) ? String(bertLike.cls[0]) : null;
    ppSep = Array.isArray(bertLike.sep) ? String(bertLike.sep[0]) : null;
  }
  const tmpl = findPostProcessor(ppJson, ['TemplateProcessing']);
  if (tmpl && Array.isArray(tmpl.single)) {
    const items = (tmpl.single as unknown[]).filter((x): x is Record<string, { id?: unknown }> => !!x && typeof x === 'object');
    const seqAt = items.findIndex((x) => 'Sequence' in x);
    const specialAt = (x: Record<string, { id?: unknown }>): string | null => ('SpecialToken' in x && x.SpecialToken ? String(x.SpecialToken.id) : null);
    const before = items.slice(0, Math.max(0, seqAt)).map(specialAt).filter((x): x is string => x !== null);
    const afterSeq = seqAt >= 0 ? items.slice(seqAt + 1).map(specialAt).filter((x): x is string => x !== null) : [];
    if (before.length) ppCls = before[0];
    if (afterSeq.length) ppSep = afterSeq[afterSeq.length - 1];
  }
  const clsToken = cfgStr('cls_token') ?? ppCls ?? addedNamed('[CLS]', '<s>', '<cls>');
  const sepToken = cfgStr('sep_token') ?? ppSep ?? addedNamed('[SEP]', '</s>', '<sep>');
  const padToken = cfgStr('pad_token') ?? addedNamed('[PAD]', '<pad>');
  const unkToken = cfgStr('unk_token') ?? lib.model.unk_token ?? addedNamed('[UNK]', '<unk>');
  const maskToken = cfgStr('mask_token') ?? addedNamed('[MASK]', '<mask>');

  const specialTokens = new Set<string>();
  for (const t of lib.added_tokens) if (t.special) specialTokens.add(t.content);
  for (const t of [clsToken, sepToken, padToken, unkToken, maskToken, cfgStr('bos_token'), cfgStr('eos_token')]) if (t !== null) specialTokens.add(t);
  const extra = tokConfig.additional_special_tokens ?? specialMap.additional_special_tokens;
  if (Array.isArray(extra)) for (const t of extra) { const s = tokenString(t); if (s !== null) specialTokens.add(s); }
  const specialIds = new Set<number>();
  for (const t of specialTokens) { const id = tokenId(t); if (id !== null) specialIds.add(id); }

  let maxId = lib.model.vocab.length - 1;
  for (const t of lib.added_tokens) maxId = Math.max(maxId, t.id);

  const mml = tokConfig.model_max_length;
  const modelMaxLength = typeof mml === 'number' && Number.isFinite(mml) && mml > 0 && mml < 1e7 ? Math.floor(mml) : null;
  const normJson = json.normalizer as Record<string, unknown> | null | undefined;
  const doLowerCase = typeof tokConfig.do_lower_case === 'boolean' ? tokConfig.do_lower_case
    : normJson && typeof normJson.lowercase === 'boolean' ? normJson.lowercase : null;

  const trimPp = findPostProcessor(ppJson, ['RobertaProcessing', 'ByteLevel']);
  const byteLevel = findPreTokenizer(json.pre_tokenizer, 'ByteLevel') !== null;
  const internals: Internals = {
    lib,
    modelType,
    wordPiecePrefix: String((lib.model.config as { continuing_subword_prefix?: unknown }).continuing_subword_prefix ?? '##'),
    trimOffsets: trimPp !== null && trimPp.trim_offsets !== false,
    trimAddPrefixSpace: trimPp !== null && trimPp.add_prefix_space !== false,
    longPieces: longPiecesFor(lib),
    metaspaceRep: metaspaceRepOf(json.pre_tokenizer),
    byteDecoder: byteLevel ? byteDecoderTable() : null,
  };

  const warnings: string[] = [];
  const handle: TokenizerHandle = {
    folder: dir,
    tokenizer,
    kind: modelType === 'WordPiece' ? 'wordpiece' : modelType === 'BPE' ? 'bpe' : 'unigram',
    byteLevel,
    vocabSize: maxId + 1,
    modelMaxLength,
    doLowerCase,
    clsToken, sepToken, padToken, unkToken, maskToken,
    clsId: tokenId(clsToken), sepId: tokenId(sepToken), padId: tokenId(padToken), unkId: tokenId(unkToken), maskId: tokenId(maskToken),
    specialTokens,
    specialIds,
    numSpecialTokens: 0,
    offsetsReliable: true,
    warnings,
    diagnostics: { coarse: 0, failures: 0, lastError: null },
    internals,
  };
  try {
    (handle as { numSpecialTokens: number }).numSpecialTokens = postProcess(handle, [0]).filter((x) => typeof x !== 'number').length;
  } catch (err) {
    throw new Error(`The post_processor of ${tokFile} cannot run (${(err as Error).message}). Save the tokenizer again with tokenizer.save_pretrained(...) or download tokenizer.json again.`);
  }

  // Probe: the staged pipeline must give exactly the library's ids. Where a stage runs with Hugging Face's (Rust)
  // semantics because the library's differs (corrected.ts), the library is not the reference (its ids are wrong even
  // on ASCII: the Punctuation pre-tokenizer groups "</"): the probes then only have to run (the unit tests compare
  // those stages with Hugging Face's own tokenizers).
  const corrected = hasCorrectedStage(internals.lib.normalizer, internals.lib.pre_tokenizer);
  const probes = [
    "Hello, World! It's 2024: \"quotes\" (and) 3.14 $5 #tag @user.  leading  and   multiple spaces\t\ttabs\nnew\r\nlines ",
    "Hello, World! It's 2024: naïve café, ÉCOLE, Ångström — \"quotes\" (and) 3.14 $5 #tag @user.",
    '北京大学 東京 한국어 ไทย العربية Ελληνικά ΟΔΟΣ İstanbul ﬁ ① ㎏ ｆｕｌｌ',
    'e\u0301 a\u0308\u0301 😀👍🏽 👨‍👩‍👧 x\u200by \u00a0nbsp\u3000wide',
    '  leading  and   multiple spaces\t\ttabs\nnew\r\nlines ▁meta ',
    [clsToken, sepToken, maskToken, unkToken, padToken].filter((x): x is string => x !== null).map((t) => `a ${t}b`).join(' ') + ' [CLS] <s> </s> <mask>',
  ];
  try {
    for (const p of probes) {
      const mine = contentTokens(handle, p).map((t) => t.id);
      if (corrected) continue;
      const theirs = tokenizer.encode(p, { add_special_tokens: false }).ids;
      if (mine.length !== theirs.length || mine.some((id, i) => id !== theirs[i])) {
        throw new Error(`ids differ on probe ${JSON.stringify(p)}`);
      }
    }
  } catch (err) {
    (handle as { offsetsReliable: boolean }).offsetsReliable = false;
    warnings.push(
      `Token positions are unavailable for this tokenizer: CLS Lens could not reproduce its tokenisation step by step (${(err as Error).message}). ` +
      'Tokens are shown without their place in the text.',
    );
  }
  return handle;
}

function metaspaceRepOf(preTokJson: unknown): string | null {
  const ms = findPreTokenizer(preTokJson, 'Metaspace');
  return ms ? (typeof ms.replacement === 'string' ? ms.replacement : '\u2581') : null;
}

let byteDecoderCache: Map<string, number> | null = null;
function byteDecoderTable(): Map<string, number> {
  if (byteDecoderCache) return byteDecoderCache;
  const keep: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) keep.push(b);
  for (let b = 0xa1; b <= 0xac; b++) keep.push(b);
  for (let b = 0xae; b <= 0xff; b++) keep.push(b);
  const kept = new Set(keep);
  const m = new Map<string, number>();
  for (const b of keep) m.set(String.fromCharCode(b), b);
  let n = 0;
  for (let b = 0; b < 256; b++) if (!kept.has(b)) m.set(String.fromCharCode(256 + n++), b);
  byteDecoderCache = m;
  return m;
}
