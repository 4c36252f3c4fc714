import * as vscode from 'vscode';
import { followSelection, registerCommands } from './commands';
import { registerExperimentCommands } from './experiments/commands';
import { LensController } from './inspection/controller';
import { LensStore } from './store';
import { HubTokenStore } from './models/token';
import { InspectorPanel } from './views/inspectorPanel';
import { SIDE_VIEW_ID, SideViewProvider } from './views/sideView';

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('CLS Lens', { log: true });
  // the token is read before the engine starts, so that the first Hub request already carries it
  const tokens = new HubTokenStore(context.secrets);
  await tokens.reload();
  const store = new LensStore();
  // a loaded model's attention weights wait in a file here rather than in the extension host's memory
  const scratchDir = context.globalStorageUri ? vscode.Uri.joinPath(context.globalStorageUri, 'scratch').fsPath : undefined;
  const controller = new LensController(context.extensionUri, store, log, tokens, scratchDir);
  const services = { extensionUri: context.extensionUri, store, controller, log };
  const sideView = new SideViewProvider(services);
  context.subscriptions.push(
    log, tokens, store, controller, sideView,
    vscode.window.registerWebviewViewProvider(SIDE_VIEW_ID, sideView),
    InspectorPanel.registerSerializer(services),
    ...registerCommands({ extensionUri: context.extensionUri, store, controller, log, globalState: context.globalState, tokens }),
    followSelection(store, controller),
    ...registerExperimentCommands({ extensionUri: context.extensionUri, log, workspaceState: context.workspaceState, tokens, scratchDir }),
  );
  log.info('CLS Lens activated');
}

export function deactivate(): void {}
