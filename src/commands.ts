import * as vscode from 'vscode';
import type { SelectionInfo } from './protocol';
import type { LensStore } from './store';
import { InspectorPanel } from './views/inspectorPanel';

export interface CommandContext {
  extensionUri: vscode.Uri;
  store: LensStore;
  log: vscode.LogOutputChannel;
}

/** The selection of the active editor, or undefined with a message that says what to do. */
export function currentSelection(): SelectionInfo | string {
  const editor = vscode.window.activeTextEditor;
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
  const { extensionUri, store, log } = ctx;
  return [
    vscode.commands.registerCommand('clsLens.inspectSelection', () => {
      const selection = currentSelection();
      if (typeof selection === 'string') {
        void vscode.window.showInformationMessage(`CLS Lens: ${selection}`);
        return;
      }
      store.update({ status: 'done', selection, message: null });
      InspectorPanel.show(extensionUri, store, log);
    }),
    vscode.commands.registerCommand('clsLens.openInspector', () => { InspectorPanel.show(extensionUri, store, log); }),
  ];
}
