// Export an experiment result as JSON (the CLI's --json text, src/experiments/json.ts) or CSV (src/experiments/csv.ts):
// a save dialog, then a whole-or-nothing write (files.ts: temporary sibling + rename).
import * as vscode from 'vscode';
import { resultCsv } from '../../experiments/csv';
import { resultJsonText } from '../../experiments/json';
import type { ExperimentResult } from '../../shared/experiments';
import { safeFileName, saveBase, writeAtomically } from '../files';

/** "probe-bert-mini-random-sentences" */
export function exportStem(r: ExperimentResult): string {
  const data = r.data.file.startsWith('builtin:') ? r.data.file.slice('builtin:'.length) : r.data.file.split(/[\\/]/).filter(Boolean).pop() ?? 'data';
  return safeFileName(`${r.kind}-${r.model.name}-${data.replace(/\.[^.]+$/, '')}${r.partial ? '-partial' : ''}`, r.kind);
}

/** The bytes of an export: the same text the CLI prints (JSON) or the experiment's table (CSV). */
export function exportText(r: ExperimentResult, format: 'json' | 'csv'): string {
  return format === 'json' ? resultJsonText(r) : resultCsv(r);
}

/** Ask where, then write. Returns the file written, or undefined (dismissed or failed; a failure is reported). */
export async function exportResult(r: ExperimentResult, format: 'json' | 'csv', log?: vscode.LogOutputChannel): Promise<vscode.Uri | undefined> {
  const uri = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.joinPath(saveBase(), `${exportStem(r)}.${format}`),
    filters: format === 'json' ? { JSON: ['json'] } : { CSV: ['csv'] },
    title: `Export the ${r.kind} result as ${format.toUpperCase()}`,
  });
  if (!uri) return undefined;
  const ok = await writeAtomically(uri, Buffer.from(exportText(r, format), 'utf8'));
  if (!ok) return undefined;
  log?.info(`exported the ${r.kind} result to ${uri.fsPath}`);
  void vscode.window.setStatusBarMessage(`CLS Lens: exported ${uri.fsPath.split(/[\\/]/).pop()}`, 4000);
  return uri;
}
