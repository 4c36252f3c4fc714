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
  /** Empty: HF_ENDPOINT, else huggingface.co (the engine resolves it). */
  hubEndpoint: string;
  /** True: the setting is on; false leaves HF_HUB_OFFLINE to decide. */
  offline: boolean;
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
    hubEndpoint: c.get<string>('hubEndpoint', '').trim(),
    offline: c.get<boolean>('offline', false),
  };
}

/**
 * A relative model path is read against the first workspace folder (so a workspace can ship its model setting).
 * A Hub id (`org/name[@revision]`) stays as it is unless such a folder exists there (an existing folder wins).
 */
export function resolveModelSetting(model: string, exists: (p: string) => boolean = fs.existsSync): string {
  if (!model || path.isAbsolute(model) || model.startsWith('~')) return model;
  const ws = vscode.workspace.workspaceFolders?.[0];
  if (!ws) return model;
  const joined = path.join(ws.uri.fsPath, model);
  return !exists(joined) && !model.startsWith('.') && parseHubId(model) ? model : joined;
}

/** What the engine needs to reach the Hub (the token comes from SecretStorage, see models/token.ts). */
export function hubSettingsOf(s: Pick<LensSettings, 'hubEndpoint' | 'offline'>, token: string | undefined): { endpoint?: string; offline?: boolean; token?: string } {
  const out: { endpoint?: string; offline?: boolean; token?: string } = {};
  if (s.hubEndpoint) out.endpoint = s.hubEndpoint;
  if (s.offline) out.offline = true; // false leaves HF_HUB_OFFLINE to decide
  if (token) out.token = token; // none: HF_TOKEN, then the token file (the engine's precedence)
  return out;
}
