import * as vscode from 'vscode';
import { followSelection, registerCommands } from './commands';
import { LensController } from './inspection/controller';
import { LensStore } from './store';
import { InspectorPanel } from './views/inspectorPanel';
import { SIDE_VIEW_ID, SideViewProvider } from './views/sideView';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('CLS Lens', { log: true });
  const store = new LensStore();
  const controller = new LensController(context.extensionUri, store, log);
  const services = { extensionUri: context.extensionUri, store, controller, log };
  const sideView = new SideViewProvider(services);
  context.subscriptions.push(
    log, store, controller, sideView,
    vscode.window.registerWebviewViewProvider(SIDE_VIEW_ID, sideView),
    InspectorPanel.registerSerializer(services),
    ...registerCommands({ extensionUri: context.extensionUri, store, controller, log, globalState: context.globalState }),
    followSelection(store, controller),
  );
  log.info('CLS Lens activated');
}

export function deactivate(): void {}
