import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseHubId } from '../engine/models/hub/ref';
import { isPoolingName, type PoolingName } from '../shared/poolings';
import { TOKEN_MEASURES, type TokenMeasure } from '../shared/protocol';

export interface LensSettings {
  model: string;
  onnxFile: string;
  maxTokens: number;
  threads: number;
  defaultLayer: number;
  defaultPooling: PoolingName;
  measure: TokenMeasure;
  followSelection: boolean;
  decorations: boolean;
}

export function readSettings(): LensSettings {
  const c = vscode.workspace.getConfiguration('clsLens');
  const pooling = c.get<string>('defaultPooling', 'cls');
  const measure = c.get<string>('measure', 'clsAttention');
  return {
    model: c.get<string>('model', '').trim(),
    onnxFile: c.get<string>('onnxFile', '').trim(),
    maxTokens: Math.max(0, Math.floor(c.get<number>('maxTokens', 0))),
    threads: Math.max(0, Math.floor(c.get<number>('threads', 0))),
    defaultLayer: Math.floor(c.get<number>('defaultLayer', -1)),
    defaultPooling: isPoolingName(pooling) ? pooling : 'cls',
    measure: (TOKEN_MEASURES as readonly string[]).includes(measure) ? (measure as TokenMeasure) : 'clsAttention',
    followSelection: c.get<boolean>('followSelection', false),
    decorations: c.get<boolean>('decorations', true),
  };
}

/** A relative model path is read against the first workspace folder (so a workspace can ship its model setting). */
export function resolveModelSetting(model: string): string {
  if (!model || path.isAbsolute(model) || model.startsWith('~')) return model;
  const ws = vscode.workspace.workspaceFolders?.[0];
  if (!ws) return model;
  const folder = path.join(ws.uri.fsPath, model);
  // a workspace folder of that name wins; otherwise an org/name[@rev] is a Hub id, resolved by the engine
  return !fs.existsSync(folder) && parseHubId(model) ? model : folder;
}
