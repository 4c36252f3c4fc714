import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { LensStore } from './store';
import { InspectorPanel } from './views/inspectorPanel';
import { SIDE_VIEW_ID, SideViewProvider } from './views/sideView';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('CLS Lens', { log: true });
  const store = new LensStore();
  const sideView = new SideViewProvider(context.extensionUri, store, log);
  context.subscriptions.push(
    log, store, sideView,
    vscode.window.registerWebviewViewProvider(SIDE_VIEW_ID, sideView),
    InspectorPanel.registerSerializer(context.extensionUri, store, log),
    ...registerCommands({ extensionUri: context.extensionUri, store, log }),
  );
  log.info('CLS Lens activated');
}

export function deactivate(): void {}
