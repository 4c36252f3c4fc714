import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readSettings } from './config';
import type { LensController } from './inspection/controller';
import type { SelectionInfo } from '../shared/protocol';
import type { LensStore } from './store';
import { InspectorPanel } from './views/inspectorPanel';

export interface CommandContext {
  extensionUri: vscode.Uri;
  store: LensStore;
  controller: LensController;
  log: vscode.LogOutputChannel;
  globalState: vscode.Memento;
}

/** The selection of the active editor, or a message that says what to do. */
export function currentSelection(editor = vscode.window.activeTextEditor): SelectionInfo | string {
  if (!editor) return 'No active editor: open a file and select some text first.';
  const sel = editor.selection;
  const text = editor.document.getText(sel);
  if (text.trim().length === 0) return 'The selection is empty: select the text to inspect, then run the command again.';
  return {
    text,
    uri: editor.document.uri.toString(),
    document: editor.document.uri.path.split('/').pop() ?? editor.document.uri.toString(),
    line: sel.start.line,
    character: sel.start.character,
    offset: editor.document.offsetAt(sel.start),
  };
}

const RECENT_KEY = 'clsLens.recentModels';

async function selectModel(ctx: CommandContext): Promise<void> {
  const current = readSettings().model;
  const recent = ctx.globalState.get<string[]>(RECENT_KEY, []).filter((p) => p !== current && fs.existsSync(p));
  type Item = vscode.QuickPickItem & { action: 'browse' | 'use' | 'settings'; folder?: string };
  const items: Item[] = [
    { label: '$(folder-opened) Browse for a model folder…', description: 'config.json + tokenizer.json + an ONNX file', action: 'browse' },
    ...recent.map((folder): Item => ({ label: `$(history) ${path.basename(folder)}`, description: folder, action: 'use', folder })),
    { label: '$(gear) Open CLS Lens settings', action: 'settings' },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: 'CLS Lens: Select Model', placeHolder: current ? `Current: ${current}` : 'No model configured' });
  if (!pick) return;
  if (pick.action === 'settings') { await vscode.commands.executeCommand('workbench.action.openSettings', 'clsLens'); return; }
  let folder = pick.folder;
  if (pick.action === 'browse') {
    const uris = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Use this model', title: 'Model folder (Hugging Face layout with ONNX)' });
    if (!uris?.[0]) return;
    folder = uris[0].fsPath;
  }
  if (!folder) return;
  if (!fs.existsSync(path.join(folder, 'config.json'))) {
    void vscode.window.showErrorMessage(`CLS Lens: ${folder} has no config.json. Choose the folder that holds config.json, tokenizer.json and onnx/model.onnx (or model.onnx).`);
    return;
  }
  const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration('clsLens').update('model', folder, target);
  await ctx.globalState.update(RECENT_KEY, [folder, ...recent].slice(0, 8));
  void vscode.window.showInformationMessage(`CLS Lens: using ${path.basename(folder)}.`);
}

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const { extensionUri, store, controller, log } = ctx;
  const openPanel = () => InspectorPanel.show(extensionUri, store, controller, log);
  const withSelection = (f: (s: SelectionInfo) => unknown) => () => {
    const selection = currentSelection();
    if (typeof selection === 'string') { void vscode.window.showInformationMessage(`CLS Lens: ${selection}`); return; }
    return f(selection);
  };
  return [
    vscode.commands.registerCommand('clsLens.inspectSelection', withSelection(async (s) => {
      openPanel();
      await controller.inspect(s, { mode: 'command' });
    })),
    vscode.commands.registerCommand('clsLens.pinSelection', withSelection(async (s) => {
      if (controller.currentText() !== s.text) await controller.inspect(s, { mode: 'command' });
      controller.pin();
    })),
    vscode.commands.registerCommand('clsLens.comparePinned', () => { if (controller.comparePinned()) openPanel(); }),
    vscode.commands.registerCommand('clsLens.clearPinned', () => controller.clearPins()),
    vscode.commands.registerCommand('clsLens.clear', () => controller.clear()),
    vscode.commands.registerCommand('clsLens.selectModel', () => selectModel(ctx)),
    vscode.commands.registerCommand('clsLens.openInspector', () => { openPanel(); }),
    vscode.commands.registerCommand('clsLens.exportVectors', () => controller.exportVectors()),
    vscode.commands.registerCommand('clsLens.toggleFollowSelection', async () => {
      const next = !readSettings().followSelection;
      const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
      await vscode.workspace.getConfiguration('clsLens').update('followSelection', next, target);
      void vscode.window.setStatusBarMessage(`CLS Lens: follow selection ${next ? 'on' : 'off'}`, 3000);
    }),
  ];
}

/** Debounced selection following: a new selection cancels the run in flight (latest wins in the engine lane). */
export function followSelection(store: LensStore, controller: LensController, delayMs = 350): vscode.Disposable {
  let timer: NodeJS.Timeout | undefined;
  const sub = vscode.window.onDidChangeTextEditorSelection((e) => {
    if (!store.current.options.followSelection) return;
    if (e.textEditor.document.uri.scheme === 'output') return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      const s = currentSelection(e.textEditor);
      if (typeof s !== 'string' && s.text !== store.current.selection?.text) void controller.inspect(s, { mode: 'follow' });
    }, delayMs);
  });
  return { dispose: () => { clearTimeout(timer); sub.dispose(); } };
}
