// "CLS Lens: Model Info": a read-only Markdown document (scheme cls-lens-info) about the configured model. A document
// rather than a tree view: the facts are long lines (capability reasons, cache paths) that a tree truncates, and a
// document can be searched, copied, kept open beside the inspector and previewed as Markdown; nothing in it needs
// interaction, and it asks for no new view in the CLS Lens container.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { hubCacheDir, listCachedModels } from '../../engine/models/hub';
import { EngineError } from '../../engine/errors';
import { readSettings } from '../config';
import { progressReporter } from '../inspection/progress';
import type { ModelServices } from './download';
import { editorErrorMessage } from './advice';
import { modelInfoMarkdown, type InfoFile, type ModelInfo } from './infoText';
import { displayName } from './format';
import { effectiveModel } from './modelSetting';

export const INFO_SCHEME = 'cls-lens-info';

/** Files of a folder with their sizes (links followed), two levels deep, at most 200. */
function folderFiles(folder: string): InfoFile[] {
  const out: InfoFile[] = [];
  const walk = (dir: string, rel: string, depth: number) => {
    let names: string[] = [];
    try { names = fs.readdirSync(dir).sort(); } catch { return; }
    for (const n of names) {
      if (out.length >= 200 || n.startsWith('.')) continue;
      const p = path.join(dir, n);
      let st: fs.Stats;
      try { st = fs.statSync(p); } catch { continue; }
      if (st.isDirectory()) { if (depth < 2) walk(p, `${rel}${n}/`, depth + 1); } else out.push({ path: `${rel}${n}`, size: st.size });
    }
  };
  walk(folder, '', 0);
  return out;
}

const real = (p: string) => { try { return fs.realpathSync(p); } catch { return p; } };

async function gather(s: ModelServices): Promise<ModelInfo | string> {
  const m = effectiveModel();
  if (m.kind === 'refuse') return m.message;
  if (!m.ref) return 'No model is configured: run "CLS Lens: Select Model…".';
  const settings = readSettings();
  const loaded = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'CLS Lens: reading the model…', cancellable: true },
    (p, token) => s.controller.loadModel(m.ref, settings.onnxFile || undefined, { token, onProgress: progressReporter(p) }));
  const summary = { ...loaded, name: displayName(loaded.name, m.value) };
  const folder = real(summary.folder);
  let hub: ModelInfo['hub'] = null;
  for (const c of await listCachedModels()) {
    const rev = c.revisions.find((r) => real(r.folder) === folder);
    if (rev) hub = { repo: c.repo, commit: rev.commit, refs: rev.refs, cacheDir: hubCacheDir(), repoFolder: c.folder };
  }
  return { setting: m.value, summary, hub, files: folderFiles(summary.folder) };
}

export function registerModelInfo(s: ModelServices): vscode.Disposable[] {
  const docs = new Map<string, string>();
  const emitter = new vscode.EventEmitter<vscode.Uri>();
  const provider: vscode.TextDocumentContentProvider = { onDidChange: emitter.event, provideTextDocumentContent: (uri) => docs.get(uri.toString()) ?? '' };
  return [
    emitter,
    vscode.workspace.registerTextDocumentContentProvider(INFO_SCHEME, provider),
    vscode.commands.registerCommand('clsLens.modelInfo', async () => {
      let info: ModelInfo | string;
      try {
        info = await gather(s);
      } catch (e) {
        if (e instanceof EngineError && e.code === 'cancelled') return;
        info = e instanceof EngineError ? editorErrorMessage(e, readSettings().offline) : String(e);
      }
      if (typeof info === 'string') { void vscode.window.showErrorMessage(`CLS Lens: ${info}`); return; }
      const uri = vscode.Uri.from({ scheme: INFO_SCHEME, path: `/${info.summary.name.replace(/[\\/:*?"<>|]+/g, '-')} — model info.md` });
      docs.set(uri.toString(), modelInfoMarkdown(info));
      emitter.fire(uri);
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Active });
    }),
  ];
}
