// Recent models (Hub ids and folders, newest first, in globalState) and writing the model settings.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { parseHubId } from '../../engine/models/hub/ref';

const RECENT_KEY = 'clsLens.recentModels';
const MAX_RECENT = 8;

/** Recent model settings that can still be used: Hub ids, and folders that exist. */
export function recentModels(globalState: vscode.Memento): string[] {
  return globalState.get<string[]>(RECENT_KEY, []).filter((v) => typeof v === 'string' && (fs.existsSync(v) || parseHubId(v) !== null));
}

export async function rememberModel(globalState: vscode.Memento, value: string): Promise<void> {
  const rest = globalState.get<string[]>(RECENT_KEY, []).filter((v) => v !== value);
  await globalState.update(RECENT_KEY, [value, ...rest].slice(0, MAX_RECENT));
}

/**
 * Where Select Model writes: the workspace when one is open and trusted (a workspace value would otherwise win over
 * the user's), else the user settings (Restricted Mode ignores workspace values of clsLens.model).
 */
export function modelTarget(): vscode.ConfigurationTarget {
  return vscode.workspace.workspaceFolders?.length && vscode.workspace.isTrusted ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
}

/** Sets clsLens.model and clsLens.onnxFile ('' clears it: the default file) together. */
export async function saveModelSetting(model: string, onnxFile: string): Promise<void> {
  const c = vscode.workspace.getConfiguration('clsLens');
  const target = modelTarget();
  await c.update('onnxFile', onnxFile || undefined, target);
  await c.update('model', model, target);
}
