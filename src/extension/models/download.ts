// "Download from the Hub…": a repo id (with suggestions), the ONNX file when the repo has several, then the worker's
// `download` job in a cancellable notification (bytes, rate, time left). Settings change only after a complete
// download: a cancelled or failed one leaves the model in use as it was (a cancelled blob's partial file stays in
// the cache's blobs/ and the next download resumes it; nothing is linked into snapshots/ until every file is there).
import * as vscode from 'vscode';
import { listRepoOnnxFiles, parseHubId } from '../../engine/models/hub';
import { ONNX_CANDIDATES } from '../../engine/models/modelFolder';
import type { HubModel, RepoOnnxFile } from '../../engine/models/hub/types';
import { EngineError } from '../../engine/errors';
import { hubSettingsOf, readSettings } from '../config';
import type { LensController } from '../inspection/controller';
import { progressReporter } from '../inspection/progress';
import { editorErrorMessage } from './advice';
import { downloadLine, formatBytes, onnxChoices, RateMeter } from './format';
import { rememberModel, saveModelSetting } from './recent';
import type { HubTokenStore } from './token';

export const SUGGESTED_REPOS: readonly { id: string; about: string }[] = [
  { id: 'Xenova/bert-base-uncased', about: 'BERT base, uncased: 12 layers, 768 hidden' },
  { id: 'Xenova/all-MiniLM-L6-v2', about: 'sentence-transformers MiniLM: 6 layers, 384 hidden, mean pooling' },
  { id: 'Xenova/distilbert-base-uncased-finetuned-sst-2-english', about: 'DistilBERT fine-tuned for sentiment (SST-2)' },
  { id: 'Xenova/roberta-base', about: 'RoBERTa base: 12 layers, 768 hidden' },
];

export interface ModelServices {
  controller: LensController;
  tokens: HubTokenStore;
  globalState: vscode.Memento;
  log: vscode.LogOutputChannel;
}

/** The repo id (optionally @revision), typed or picked among the suggestions; undefined when dismissed. */
export async function askRepoId(): Promise<string | undefined> {
  const qp = vscode.window.createQuickPick<vscode.QuickPickItem>();
  qp.title = 'CLS Lens: Download from the Hugging Face Hub';
  qp.placeholder = 'org/name or org/name@revision (a branch, tag or 40-hex commit), e.g. Xenova/bert-base-uncased';
  qp.ignoreFocusOut = true;
  const suggestions: vscode.QuickPickItem[] = SUGGESTED_REPOS.map((r) => ({ label: r.id, description: r.about }));
  qp.items = suggestions;
  qp.onDidChangeValue((v) => {
    const typed = v.trim();
    const hub = typed ? parseHubId(typed) : null;
    const exact = suggestions.some((s) => s.label === typed);
    qp.items = hub && !exact ? [{ label: typed, description: `Download ${hub.repo} at ${hub.revision}` }, ...suggestions] : suggestions;
  });
  try {
    return await new Promise<string | undefined>((resolve) => {
      qp.onDidAccept(() => {
        const picked = qp.selectedItems[0]?.label ?? qp.value.trim();
        if (!parseHubId(picked)) {
          qp.title = `CLS Lens: "${picked}" is not a Hub id; use org/name, optionally @revision`;
          return;
        }
        resolve(picked);
        qp.hide();
      });
      qp.onDidHide(() => resolve(undefined));
      qp.show();
    });
  } finally {
    qp.dispose();
  }
}

/** The ONNX file the engine picks when none is set (ONNX_CANDIDATES order), among `files`. */
export function defaultOnnx(files: readonly RepoOnnxFile[]): string | undefined {
  return ONNX_CANDIDATES.find((c) => files.some((f) => f.path === c));
}

/** Quick pick of a repo's ONNX files with sizes and precision; '' keeps the default. Undefined when dismissed. */
export async function askOnnxFile(repo: string, files: readonly RepoOnnxFile[]): Promise<string | undefined> {
  const def = defaultOnnx(files);
  const items = onnxChoices(files.map((f) => ({
    path: f.path, bytes: f.size !== undefined ? f.size + (f.externalDataSize ?? 0) : undefined, note: f.externalData ? `weights in ${f.externalData}` : undefined,
  })), def);
  const pick = await vscode.window.showQuickPick(items, { title: `CLS Lens: which ONNX file of ${repo}?`, placeHolder: 'Smaller files (int8, q4) load faster; fp32 is the reference', ignoreFocusOut: true });
  if (!pick) return undefined;
  return pick.path === def ? '' : pick.path;
}

function hubOptions(s: ModelServices) {
  return hubSettingsOf(readSettings(), s.tokens.token);
}

/**
 * Runs the `download` job in a cancellable notification. Resolves to the model, or undefined when cancelled or
 * failed (the user was told which, and why).
 */
export async function runDownload(s: ModelServices, ref: string, onnxFile: string): Promise<HubModel | undefined> {
  const meter = new RateMeter();
  let file = '';
  try {
    return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `CLS Lens: downloading ${ref}`, cancellable: true }, (progress, token) => {
      const report = progressReporter(progress);
      return s.controller.download({ ref, onnxFile: onnxFile || undefined, ...hubOptions(s) }, {
        token,
        onProgress: (p) => {
          const m = /^Downloading (\S+)/.exec(p.message ?? '');
          if (m) file = m[1];
          if (p.phase !== 'download' || p.total === undefined || p.bytes === undefined || !m) { report(p); return; }
          meter.add(p.bytes, Date.now());
          report({ ...p, message: `${downloadLine(p.bytes, p.total, meter.rate(), meter.remaining(p.total))} — ${file}` });
        },
      });
    });
  } catch (e) {
    if (e instanceof EngineError && e.code === 'cancelled') {
      s.log.info(`download of ${ref} cancelled${file ? ` during ${file}` : ''}`);
      void vscode.window.showInformationMessage(`CLS Lens: download of ${ref} cancelled. The part already fetched stays in the Hugging Face cache and the next download resumes it; the model in use has not changed.`);
      return undefined;
    }
    const msg = e instanceof EngineError ? editorErrorMessage(e, readSettings().offline) : String(e);
    s.log.error(`download of ${ref} failed: ${msg}`);
    void vscode.window.showErrorMessage(`CLS Lens: ${msg} The model in use has not changed.`);
    return undefined;
  }
}

/** The whole flow: repo id → ONNX file (when several) → download → settings. */
export async function downloadFromHub(s: ModelServices, presetRef?: string): Promise<void> {
  const ref = presetRef ?? await askRepoId();
  if (!ref) return;
  let onnxFile = '';
  let files: RepoOnnxFile[];
  try {
    files = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `CLS Lens: listing ${ref}…` },
      () => listRepoOnnxFiles(ref, hubOptions(s)));
  } catch (e) {
    const msg = e instanceof EngineError ? editorErrorMessage(e, readSettings().offline) : String(e);
    void vscode.window.showErrorMessage(`CLS Lens: ${msg}`);
    return;
  }
  if (files.length > 1) {
    const pick = await askOnnxFile(ref, files);
    if (pick === undefined) return;
    onnxFile = pick;
  }
  const model = await runDownload(s, ref, onnxFile);
  if (!model) return;
  await saveModelSetting(ref, onnxFile);
  await rememberModel(s.globalState, ref);
  const size = model.files.reduce((a, f) => a + f.size, 0);
  s.log.info(`downloaded ${model.repo}@${model.commit.slice(0, 12)} (${formatBytes(model.downloadedBytes)} fetched, ${formatBytes(size)} in all) into ${model.folder}`);
  const what = model.fromCache ? 'found in the Hugging Face cache' : `downloaded (${formatBytes(model.downloadedBytes)})`;
  void vscode.window.showInformationMessage(`CLS Lens: ${model.repo} ${what}, commit ${model.commit.slice(0, 7)}, ${model.onnxFile} — now in use.`, 'Inspect Selection', 'Model Info').then((a) => {
    if (a === 'Inspect Selection') void vscode.commands.executeCommand('clsLens.inspectSelection');
    else if (a === 'Model Info') void vscode.commands.executeCommand('clsLens.modelInfo');
  });
}
