// The CLI's words: its usage text and how it tells users which flag to change when the engine names an input.
// Kept apart from main.ts so that tests can import them without running the CLI.
import type { FixPhrases } from '../engine/errors';
import { POOLING_REGISTRY } from '../shared/poolings';

export const USAGE = `Usage:
  cls-lens inspect --model DIR (--text TEXT | --file PATH | < stdin) [--json | --csv] [--no-attentions] [--max-tokens N] [--windows STRIDE]
  cls-lens compare --model DIR --text A --text B [--text C …] [--json]
  cls-lens embed   --model DIR (--file PATH | < stdin) [--pooling cls,mean] [--layers last|all]   one text per line → JSON lines
  cls-lens embed   --model DIR --data FILE --out DIR [--shard K/N] [--layers all|last|0,6,12] [--poolings cls,mean,…] [--max-tokens N]
                   [--text-column text] [--label-column label]   a data set (or shard K of N: rows i with i mod N == K) → .npy per layer × pooling
  cls-lens download ORG/NAME[@REV] [--onnx-file F] [--offline] [--endpoint URL] [--cache-dir DIR] [--json]   prints the snapshot folder

Options:
  --model DIR        model folder (config.json, tokenizer.json, onnx/model.onnx or model.onnx), or a Hugging Face Hub id
                     ORG/NAME[@REV] (downloaded into the cache Python's huggingface_hub uses); or env CLS_LENS_MODEL
  --offline          Hub models from the cache only (or HF_HUB_OFFLINE=1)
  --endpoint URL     Hub endpoint (or HF_ENDPOINT; default https://huggingface.co)
  --cache-dir DIR    Hub cache (or HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)
  --onnx-file F      ONNX file inside the folder (default: onnx/model.onnx, then model.onnx, then quantised variants)
  --max-tokens N     cap on tokens including [CLS]/[SEP] (default: the model's maximum)
  --threads N        onnxruntime intra-op threads (default: onnxruntime's choice)
  --no-attentions    skip attentions, their analysis and rollout (faster, smaller output)
  --windows STRIDE   also pool a long text over sliding windows sharing STRIDE tokens (inspect)
  --token I          also print the hidden state of token I at every layer as vectors["token:I"] (inspect; repeatable)
  --digits N         round numbers to N significant digits in JSON (default: full float32 precision)
  --json             print one JSON object (default: a readable summary)
  --csv              inspect: print the pooled vectors as CSV, one row per pooling and layer (as Export Vectors… writes; not with --token or --windows)
  --pooling LIST     embed: poolings to print, comma-separated (default cls,mean)
  --layers WHICH     embed: 'last' (default) or 'all' layers

Hub tokens (private and gated models): HF_TOKEN, else the file \`huggingface-cli login\` writes ($HF_HOME/token).

Poolings:
${POOLING_REGISTRY.map((p) => `  ${p.name.padEnd(18)} ${p.description}`).join('\n')}
`;

/** What to change, in the CLI's terms, when the engine says which input is at fault. */
export const CLI_FIXES: FixPhrases = {
  model: 'Pass --model DIR (or set CLS_LENS_MODEL) with a model folder, or ORG/NAME[@REV] for a Hugging Face Hub model.',
  onnxFile: 'Check --onnx-file: it names a file inside the model folder; leave it out to use onnx/model.onnx or model.onnx.',
  text: 'Give the text with --text, --file or on stdin.',
};
