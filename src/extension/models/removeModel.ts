// "CLS Lens: Remove Model from Cache…": pick a cached snapshot, confirm, delete it (and the blobs only it uses).
import * as vscode from 'vscode';
import { listCachedModels, removeCachedSnapshot } from '../../engine/models/hub';
import { EngineError } from '../../engine/errors';
import { readSettings } from '../config';
import type { ModelServices } from './download';
import { formatBytes } from './format';
import { cachedRef } from './selectModel';

export async function removeFromCache(s: ModelServices): Promise<void> {
  const cached = await listCachedModels();
  const current = readSettings().model;
  type Item = vscode.QuickPickItem & { repo: string; commit: string; value: string };
  const items: Item[] = cached.flatMap((m) => m.revisions.map((rev): Item => {
    const value = cachedRef(m.repo, rev);
    return {
      label: m.repo, repo: m.repo, commit: rev.commit, value,
      description: `${rev.refs.length ? rev.refs.join(', ') : 'no branch'} · ${rev.commit.slice(0, 7)} · ${formatBytes(rev.size)}${value === current ? ' · in use' : ''}`,
      detail: rev.folder,
    };
  }));
  if (!items.length) { void vscode.window.showInformationMessage('CLS Lens: the Hugging Face cache holds no models.'); return; }
  const pick = await vscode.window.showQuickPick(items, { title: 'CLS Lens: Remove Model from Cache', placeHolder: 'The snapshot to delete (blobs another snapshot uses are kept)', matchOnDescription: true });
  if (!pick) return;
  const inUse = pick.value === current ? ' It is the model in use: the next inspection downloads it again (or fails offline).' : '';
  const ok = await vscode.window.showWarningMessage(`Delete ${pick.repo} at ${pick.commit.slice(0, 7)} from the Hugging Face cache?${inUse}`,
    { modal: true, detail: 'Python tools that share the cache lose it too.' }, 'Delete');
  if (ok !== 'Delete') return;
  try {
    const r = await removeCachedSnapshot(pick.repo, pick.commit);
    s.log.info(`removed ${pick.repo}@${pick.commit} from the cache (${formatBytes(r.freedBytes)} freed${r.removedRepo ? ', repo folder removed' : ''})`);
    void vscode.window.showInformationMessage(`CLS Lens: removed ${pick.repo} (${pick.commit.slice(0, 7)}), ${formatBytes(r.freedBytes)} freed.`);
  } catch (e) {
    void vscode.window.showErrorMessage(`CLS Lens: ${e instanceof EngineError ? e.message : String(e)}`);
  }
}
