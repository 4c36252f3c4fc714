import * as vscode from 'vscode';
import { readSettings } from './config';
import type { LensController } from './inspection/controller';
import type { SelectionInfo } from '../shared/protocol';
import type { LensStore } from './store';
import { InspectorPanel } from './views/inspectorPanel';
import { downloadFromHub, type ModelServices } from './models/download';
import { registerModelInfo } from './models/modelInfo';
import { removeFromCache } from './models/removeModel';
import { chooseFolder, selectModel } from './models/selectModel';
import { registerTokenCommands, type HubTokenStore } from './models/token';

export interface CommandContext {
  extensionUri: vscode.Uri;
  store: LensStore;
  controller: LensController;
  log: vscode.LogOutputChannel;
  globalState: vscode.Memento;
  tokens: HubTokenStore;
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

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const { extensionUri, store, controller, log } = ctx;
  const models: ModelServices = { controller, tokens: ctx.tokens, globalState: ctx.globalState, log };
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
    vscode.commands.registerCommand('clsLens.selectModel', () => selectModel(models)),
    vscode.commands.registerCommand('clsLens.downloadModel', (ref?: unknown) => downloadFromHub(models, typeof ref === 'string' ? ref : undefined)),
    vscode.commands.registerCommand('clsLens.chooseModelFolder', () => chooseFolder(models)),
    vscode.commands.registerCommand('clsLens.removeCachedModel', () => removeFromCache(models)),
    ...registerModelInfo(models),
    ...registerTokenCommands(ctx.tokens),
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
