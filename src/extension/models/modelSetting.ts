// The model the settings name, as the engine should load it: clsLens.model read with workspace trust applied
// (trust.ts decides), relative folders against the first workspace folder, Hub ids as they are.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { resolveModelSetting } from '../config';
import { expandHome } from '../../engine/models/hub/ref';
import { decideModel } from './trust';

export type EffectiveModel =
  /** `ref` goes to the engine ('' when no model is set); `note` says what Restricted Mode left out. */
  | { kind: 'use'; ref: string; value: string; note: string | null }
  | { kind: 'refuse'; message: string };

/** The existing local folder a setting value names, or null (a Hub id, or nothing there). */
export function folderOf(value: string): string | null {
  const resolved = resolveModelSetting(value);
  const abs = expandHome(resolved);
  return path.isAbsolute(abs) && fs.existsSync(abs) ? fs.realpathSync(abs) : null;
}

export function effectiveModel(): EffectiveModel {
  const info = vscode.workspace.getConfiguration('clsLens').inspect<string>('model');
  const d = decideModel({
    trusted: vscode.workspace.isTrusted,
    setting: { user: info?.globalValue ?? '', workspace: info?.workspaceFolderValue ?? info?.workspaceValue },
    workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => { try { return fs.realpathSync(f.uri.fsPath); } catch { return f.uri.fsPath; } }),
    folderOf,
  });
  if (d.kind === 'refuse') return d;
  return { kind: 'use', ref: resolveModelSetting(d.value), value: d.value, note: d.note };
}

/** A short name for a model setting value: the Hub id, or the folder's last part. */
export function modelLabel(value: string): string {
  if (!value) return 'no model';
  return /^[\w.-]+\/[\w.-]+(@.+)?$/.test(value) && !fs.existsSync(resolveModelSetting(value)) ? value : path.basename(value);
}
