// The CLI's words: its usage text and how it tells users which flag to change when the engine names an input.
// Kept apart from main.ts so that tests can import them without running the CLI.
import type { FixPhrases } from '../engine/errors';
import { POOLING_REGISTRY } from '../shared/poolings';
import { PROBE_POOLINGS } from '../shared/experiments';

export const USAGE = `Usage:
  cls-lens inspect --model DIR (--text TEXT | --file PATH | < stdin) [--json | --csv] [--no-attentions] [--max-tokens N] [--windows STRIDE]
  cls-lens compare --model DIR --text A --text B [--text C …] [--json]
  cls-lens embed   --model DIR (--file PATH | < stdin) [--pooling cls,mean] [--layers last|all]   one text per line → JSON lines
  cls-lens embed   --model DIR --data FILE --out DIR [--shard K/N] [--layers all|last|0,6,12] [--poolings cls,mean,…] [--max-tokens N]
                   [--text-column text] [--label-column label]   a data set (or shard K of N: rows i with i mod N == K) → .npy per layer × pooling
  cls-lens download ORG/NAME[@REV] [--onnx-file F] [--offline] [--endpoint URL] [--cache-dir DIR] [--json]   prints the snapshot folder
  cls-lens probe|position|layers|census|recover|map --model DIR --data FILE [options]   experiments (cls-lens probe --help)

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

/** `cls-lens probe --help`: the experiments and their flags. */
export const EXPERIMENT_USAGE = `Usage (experiments; the subcommand comes first):
  cls-lens probe    --model M --data FILE [--text-column C] [--label-column C] [--layers all|0,3,6] [--poolings cls,mean,…]
                    [--folds 5] [--seed 0] [--C 1] [--max-tokens N] [--features DIR [DIR…]] [--json | --csv]
  cls-lens position --model M --data FILE [--layers …] [--folds 5] [--seed 0] [--C 1] [--max-tokens N] [--json | --csv]
  cls-lens layers   --model M --data FILE [--layers …] [--limit 200] [--seed 0] [--max-tokens N] [--json | --csv]
  cls-lens census   --model M --data FILE [--limit 200] [--seed 0] [--max-tokens N] [--json | --csv]
  cls-lens recover  --model M --data FILE [--layers …] [--limit 200] [--seed 0] [--max-tokens N] [--json | --csv]
  cls-lens map      --model M --data FILE [--layers …] [--poolings cls,mean] [--method pca|umap] [--seed 0] [--json | --csv]

  probe     would another token or a mean pool do as well? L2 logistic regression per layer × pooling, stratified
            k-fold, with a shuffled-label control (Hewitt & Liang 2019) and the majority rate
  position  why the first token? [CLS] moved to the end, a second [CLS] in the middle, none at all
  layers    how does it come to summarise? cos(cls, mean), cos(cls, token), norms, anisotropy baselines
  census    attention per layer × head to [CLS], [SEP], punctuation, self; entropy; sink heads
  recover   can the text be recovered? bag-of-words probe, masked-LM decoding, occlusion, identification
  map       2-D PCA or UMAP coordinates per layer × pooling, seeded

Options:
  --data FILE          a .csv/.tsv with a header, a .jsonl of {"text", "label"}, a folder with one file per class
                       (one text per line), or builtin:sentences (the shipped set)
  --text-column C      column of the texts (default text); --label-column C: of the labels (default label)
  --layers WHICH       all (default) or a comma-separated list; 0 is the embeddings output
  --poolings LIST      probe and map: ${PROBE_POOLINGS.join(',')} (first/last/middle: content tokens)
  --folds K            cross-validation folds (default 5); --C X: inverse L2 strength as scikit-learn's (default 1)
  --seed N             seeds folds, controls, samples and maps (default 0): the same seed gives the same numbers
  --limit N            layers, census, recover: a seeded sample of N texts (default 200)
  --features DIR…      probe: train on folders written by \`cls-lens embed --out\` instead of embedding
  --method pca|umap    map (default pca)
  --embed-cache DIR    where embeddings are cached between runs; --no-embed-cache turns the cache off
  --max-tokens N       cap on tokens including [CLS]/[SEP]; --threads N; --onnx-file F; Hub flags as above
  --json               print one JSON object; --csv: the result's table; default a readable table
`;
