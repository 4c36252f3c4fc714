// Reading a model folder in the Hugging Face layout: config.json, tokenizer files, and which ONNX file to run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError } from '../errors';
import { familyOf } from './families';
import { readJsonObject, readOptionalJsonObject } from '../io/json';

/** The architecture numbers the engine needs, whatever the config's key names (BERT vs DistilBERT style). */
export interface ModelConfig {
  modelType: string;
  name: string;
  layers: number;
  heads: number;
  hidden: number;
  maxPositions: number;
  vocabSize: number;
  randomWeights: boolean;
  raw: Record<string, unknown>;
}

export interface ModelFolder {
  folder: string;
  onnxFile: string;
  config: ModelConfig;
  /** sentence-transformers `1_Pooling/config.json` pooling mode (e.g. "mean", "cls"), if present. */
  poolingMode: string | null;
}

/** What a model folder holds, for errors that ask for another one. */
export const MODEL_FOLDER_HINT = 'A model folder holds config.json, tokenizer.json and an ONNX file.';

/** ONNX files looked for, in order of preference. transformers.js layout first, then optimum's. */
export const ONNX_CANDIDATES = ['onnx/model.onnx', 'model.onnx', 'onnx/model_fp16.onnx', 'onnx/model_quantized.onnx', 'model_quantized.onnx', 'onnx/model_int8.onnx', 'onnx/model_uint8.onnx', 'onnx/model_q4.onnx'];

function num(raw: Record<string, unknown>, keys: string[]): number | undefined {
  for (const k of keys) {
    const v = raw[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

export function parseConfig(raw: Record<string, unknown>, fallbackName: string): ModelConfig {
  const modelType = typeof raw.model_type === 'string' ? raw.model_type : 'unknown';
  const layers = num(raw, ['num_hidden_layers', 'n_layers', 'num_layers']);
  const heads = num(raw, ['num_attention_heads', 'n_heads']);
  const hidden = num(raw, ['hidden_size', 'dim', 'd_model']);
  const maxPositions = num(raw, ['max_position_embeddings', 'n_positions']) ?? 512;
  const vocabSize = num(raw, ['vocab_size']) ?? 0;
  if (layers === undefined || heads === undefined || hidden === undefined) {
    throw new EngineError('model-config',
      `config.json (model_type "${modelType}") lacks the layer, head or hidden-size numbers of an encoder.`,
      'CLS Lens supports BERT-family encoders (BERT, DistilBERT, RoBERTa, XLM-R, MiniLM, ELECTRA, DeBERTa).');
  }
  const clsLens = raw.cls_lens as Record<string, unknown> | undefined;
  const name = typeof raw._name_or_path === 'string' && raw._name_or_path ? raw._name_or_path : fallbackName;
  return { modelType, name, layers, heads, hidden, maxPositions, vocabSize, randomWeights: clsLens?.random_weights === true, raw };
}

/** The longest input the model takes: max_position_embeddings less the family's reserved positions, capped by the tokenizer's maximum. */
export function usableMaxTokens(config: ModelConfig, tokenizerMax: number | null): number {
  let max = config.maxPositions;
  const reserved = familyOf(config.modelType).reservedPositions;
  if (max > reserved) max -= reserved;
  if (tokenizerMax !== null && tokenizerMax > 0 && tokenizerMax < max) max = tokenizerMax;
  return max;
}

/**
 * The ONNX files of a model folder (its root and `onnx/`, the optimum and transformers.js layouts), as paths
 * relative to it: the usual ones in ONNX_CANDIDATES order first (the first is the default), then the others by name.
 */
export function listOnnxFiles(folder: string): string[] {
  const found: string[] = [];
  for (const dir of ['', 'onnx']) {
    let names: string[] = [];
    try { names = fs.readdirSync(path.join(folder, dir)); } catch { continue; }
    for (const n of names) {
      const rel = dir ? `${dir}/${n}` : n;
      if (!n.toLowerCase().endsWith('.onnx')) continue;
      try { if (fs.statSync(path.join(folder, rel)).isFile()) found.push(rel); } catch { /* dangling link */ }
    }
  }
  const rank = (f: string) => { const i = ONNX_CANDIDATES.indexOf(f); return i < 0 ? ONNX_CANDIDATES.length : i; };
  return found.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

export function findOnnxFile(folder: string, preferred?: string): string {
  if (preferred) {
    const p = path.resolve(folder, preferred);
    if (!fs.existsSync(p)) throw new EngineError('model-files', `The ONNX file ${preferred} does not exist in ${folder}.`, undefined, 'onnxFile');
    return p;
  }
  for (const c of ONNX_CANDIDATES) {
    const p = path.join(folder, c);
    if (fs.existsSync(p)) return p;
  }
  throw new EngineError('model-files', `No ONNX file in ${folder} (looked for ${ONNX_CANDIDATES.slice(0, 2).join(', ')} and quantised variants).`,
    'Export the model with optimum (optimum-cli export onnx) or use a transformers.js (Xenova/…) model folder.');
}

export function readModelFolder(folder: string, opts: { onnxFile?: string } = {}): ModelFolder {
  const abs = path.resolve(folder);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    throw new EngineError('model-not-found', `The model folder ${abs} does not exist.`, MODEL_FOLDER_HINT, 'model');
  }
  if (!st.isDirectory()) throw new EngineError('model-not-found', `${abs} is a file, not a model folder.`, 'A model folder is the one that holds config.json.', 'model');
  const config = parseConfig(readJsonObject(path.join(abs, 'config.json'), 'config.json', { missing: MODEL_FOLDER_HINT, fix: 'model' }), path.basename(abs));
  const onnxFile = findOnnxFile(abs, opts.onnxFile);
  let poolingMode: string | null = null;
  const p = readOptionalJsonObject(path.join(abs, '1_Pooling', 'config.json'), '1_Pooling/config.json');
  if (p) {
    const modes: [string, string][] = [['pooling_mode_cls_token', 'cls'], ['pooling_mode_mean_tokens', 'mean'], ['pooling_mode_max_tokens', 'max'],
      ['pooling_mode_mean_sqrt_len_tokens', 'meanSqrtLen'], ['pooling_mode_lasttoken', 'lastToken'], ['pooling_mode_weightedmean_tokens', 'weightedMean']];
    poolingMode = modes.filter(([k]) => p[k] === true).map(([, m]) => m).join('+') || null;
  }
  return { folder: abs, onnxFile, config, poolingMode };
}
