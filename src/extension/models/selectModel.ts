// "Select Model…": recent models, models in the Hugging Face cache (name, revision/commit, size, ONNX present),
// "Download from the Hub…", "Choose a folder…", settings.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { hubCacheDir, listCachedModels } from '../../engine/models/hub';
import type { CachedModel, CachedRevision } from '../../engine/models/hub/types';
import { readSettings } from '../config';
import { downloadFromHub, type ModelServices } from './download';
import { ONNX_CANDIDATES, listOnnxFiles } from '../../engine/models/modelFolder';
import { formatBytes, onnxChoices } from './format';
import { modelLabel } from './modelSetting';
import { recentModels, rememberModel, saveModelSetting } from './recent';

/** The setting value for a cached snapshot: the repo when `main` points at it, else repo@ref, else repo@commit. */
export function cachedRef(repo: string, rev: Pick<CachedRevision, 'refs' | 'commit'>): string {
  if (rev.refs.includes('main')) return repo;
  return `${repo}@${rev.refs[0] ?? rev.commit}`;
}

function revisionText(rev: CachedRevision): string {
  const refs = rev.refs.length ? rev.refs.join(', ') : 'no branch';
  return `${refs} · ${rev.commit.slice(0, 7)} · ${formatBytes(rev.size)}`;
}

type Item = vscode.QuickPickItem & { run?: () => Promise<void> };

/**
 * Asks which of a model folder's ONNX files to use when it holds several (fp32, int8 `model_quantized`, fp16, …),
 * each with its size and precision; '' for the engine's default, undefined when dismissed.
 */
async function pickOnnxFile(folder: string, files: readonly string[], what: string): Promise<string | undefined> {
  if (files.length <= 1) return '';
  const def = ONNX_CANDIDATES.find((c) => files.includes(c));
  const items = onnxChoices(files.map((f) => {
    let bytes: number | undefined;
    try { bytes = fs.statSync(path.join(folder, f)).size; } catch { /* dangling */ }
    return { path: f, bytes };
  }), def);
  const pick = await vscode.window.showQuickPick(items, { title: `CLS Lens: which ONNX file of ${what}?`, placeHolder: 'int8 (model_quantized) is smaller and often faster on CPU; fp32 is the reference', ignoreFocusOut: true });
  if (!pick) return undefined;
  return pick.isDefault ? '' : pick.path;
}

export async function cachedItems(s: ModelServices, current: string): Promise<Item[]> {
  let cached: CachedModel[] = [];
  try { cached = await listCachedModels(); } catch (e) { s.log.warn(`listing the Hugging Face cache failed: ${(e as Error).message}`); }
  const items: Item[] = [];
  for (const m of cached) {
    for (const rev of m.revisions) {
      const value = cachedRef(m.repo, rev);
      items.push({
        label: `${rev.hasOnnx ? '$(database)' : '$(warning)'} ${m.repo}`,
        description: `${revisionText(rev)}${value === current ? ' · current' : ''}`,
        detail: rev.hasOnnx ? `ONNX: ${rev.onnxFiles.join(', ')}${rev.hasTokenizer ? '' : ' · no tokenizer.json'}` : 'no ONNX file cached: download one with "Download from the Hub…"',
        run: async () => {
          if (!rev.hasOnnx) {
            void vscode.window.showWarningMessage(`CLS Lens: the cached ${m.repo} (${rev.commit.slice(0, 7)}) has no ONNX file. Download it with "Download from the Hub…" (an ONNX conversion such as Xenova/…, or export one with \`optimum-cli export onnx --model ${m.repo} DIR\`).`);
            return;
          }
          const onnx = await pickOnnxFile(rev.folder, rev.onnxFiles, m.repo);
          if (onnx === undefined) return;
          await useModel(s, value, onnx);
        },
      });
    }
  }
  return items;
}

export async function useModel(s: ModelServices, value: string, onnxFile: string): Promise<void> {
  await saveModelSetting(value, onnxFile);
  await rememberModel(s.globalState, value);
  void vscode.window.showInformationMessage(`CLS Lens: using ${modelLabel(value)}${onnxFile ? ` (${onnxFile})` : ''}.`);
}

/** "Choose a folder…": a folder with config.json, tokenizer.json and an ONNX file. */
export async function chooseFolder(s: ModelServices): Promise<void> {
  const uris = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Use this model', title: 'Model folder (Hugging Face layout with ONNX)' });
  const folder = uris?.[0]?.fsPath;
  if (!folder) return;
  if (!fs.existsSync(path.join(folder, 'config.json'))) {
    void vscode.window.showErrorMessage(`CLS Lens: ${folder} has no config.json. Choose the folder that holds config.json, tokenizer.json and onnx/model.onnx (or model.onnx).`);
    return;
  }
  const onnx = await pickOnnxFile(folder, listOnnxFiles(folder), path.basename(folder));
  if (onnx === undefined) return;
  await useModel(s, folder, onnx);
}

export async function selectModel(s: ModelServices): Promise<void> {
  const current = readSettings().model;
  const recent = recentModels(s.globalState).filter((v) => v !== current);
  const sep = (label: string): Item => ({ label, kind: vscode.QuickPickItemKind.Separator });
  const items: Item[] = [];
  if (recent.length) {
    items.push(sep('Recent'), ...recent.map((v): Item => ({ label: `$(history) ${modelLabel(v)}`, description: v, run: () => useModel(s, v, '') })));
  }
  const cached = await cachedItems(s, current);
  items.push(sep(`Hugging Face cache (${hubCacheDir()})`));
  if (cached.length) items.push(...cached);
  else items.push({ label: '$(info) No models in the cache yet', description: 'download one below' });
  items.push(sep('More'),
    { label: '$(cloud-download) Download from the Hub…', description: 'e.g. Xenova/bert-base-uncased', run: () => downloadFromHub(s) },
    { label: '$(folder-opened) Choose a folder…', description: 'config.json + tokenizer.json + an ONNX file', run: () => chooseFolder(s) },
    { label: '$(gear) Open CLS Lens settings', run: async () => { await vscode.commands.executeCommand('workbench.action.openSettings', 'clsLens'); } });
  const pick = await vscode.window.showQuickPick(items, { title: 'CLS Lens: Select Model', placeHolder: current ? `Current: ${current}` : 'No model configured', matchOnDescription: true });
  await pick?.run?.();
}
