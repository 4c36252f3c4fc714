// Picking the data an experiment runs on: the last choice of this workspace, a file (CSV, TSV, JSONL), a folder
// with one file per class, or the shipped sample sentences; for CSV/TSV the text and label columns from the header
// when the defaults (`text`, `label`) are not there. The choice is remembered per workspace.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { ExperimentKind } from '../../shared/experiments';
import { BUILTIN_DATA, dataFormat, isDataChoice, NEEDS_LABELS, readHeader, type DataChoice } from './args';

export const LAST_DATA_KEY = 'clsLens.experiments.lastData';

interface DataItem extends vscode.QuickPickItem { action: 'last' | 'file' | 'folder' | 'builtin' }

/** The data for one run, or undefined when the user dismissed a step. */
export async function pickData(kind: ExperimentKind, state: vscode.Memento): Promise<DataChoice | undefined> {
  const last = state.get<unknown>(LAST_DATA_KEY);
  const items: DataItem[] = [];
  // a remembered file that has gone since is not offered
  if (isDataChoice(last) && (last.data.startsWith('builtin:') || fs.existsSync(last.data))) {
    const cols = [last.textColumn && `text: ${last.textColumn}`, last.labelColumn && `label: ${last.labelColumn}`].filter(Boolean).join(', ');
    items.push({ action: 'last', label: `$(history) ${last.data === BUILTIN_DATA ? 'CLS Lens sample sentences (builtin)' : last.data.split(/[\\/]/).pop()}`, description: 'last used', detail: cols || last.data });
  }
  items.push(
    { action: 'file', label: '$(file) Choose a file…', description: 'CSV or TSV with a header, or JSONL with {"text", "label"}' },
    { action: 'folder', label: '$(folder) Choose a folder…', description: 'one file per class, one text per line' },
    { action: 'builtin', label: '$(book) Use the CLS Lens sample sentences (builtin)', description: 'short sentences in 5 classes, shipped with CLS Lens' },
  );
  const pick = await vscode.window.showQuickPick(items, { title: 'CLS Lens: data for the experiment', placeHolder: 'Which texts (and labels) should the experiment run on?', ignoreFocusOut: true });
  if (!pick) return undefined;
  let choice: DataChoice | undefined;
  if (pick.action === 'last' && isDataChoice(last)) choice = { ...last };
  else if (pick.action === 'builtin') choice = { data: BUILTIN_DATA };
  else {
    const folder = pick.action === 'folder';
    const uris = await vscode.window.showOpenDialog({
      canSelectFiles: !folder, canSelectFolders: folder, canSelectMany: false,
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      filters: folder ? undefined : { 'Labelled texts': ['csv', 'tsv', 'jsonl', 'ndjson'], 'All files': ['*'] },
      title: folder ? 'A folder with one file per class' : 'A CSV, TSV or JSONL file', openLabel: 'Use',
    });
    if (!uris?.length) return undefined;
    choice = await withColumns(kind, uris[0].fsPath);
  }
  if (!choice) return undefined;
  await state.update(LAST_DATA_KEY, choice);
  return choice;
}

/** For CSV/TSV: the text and label columns, asked from the header when `text` / `label` are not in it. */
async function withColumns(kind: ExperimentKind, file: string): Promise<DataChoice | undefined> {
  const format = dataFormat(file);
  if (format !== 'csv' && format !== 'tsv') return { data: file };
  let header: string[];
  try {
    header = await readHeader(file, format === 'csv' ? ',' : '\t');
  } catch (e) {
    void vscode.window.showErrorMessage(`CLS Lens: could not read ${file}: ${(e as Error).message}`);
    return undefined;
  }
  if (header.length === 0) {
    void vscode.window.showErrorMessage(`CLS Lens: ${file} has no header line: the first line must name the columns (e.g. text,label).`);
    return undefined;
  }
  const choice: DataChoice = { data: file };
  const textColumn = header.includes('text') ? 'text' : await pickColumn(header, 'Which column holds the texts?');
  if (!textColumn) return undefined;
  choice.textColumn = textColumn;
  const rest = header.filter((c) => c !== textColumn);
  if (rest.includes('label')) choice.labelColumn = 'label';
  else if (rest.length && NEEDS_LABELS.has(kind)) {
    const labelColumn = await pickColumn(rest, 'Which column holds the labels?');
    if (!labelColumn) return undefined;
    choice.labelColumn = labelColumn;
  }
  return choice;
}

async function pickColumn(header: string[], title: string): Promise<string | undefined> {
  const pick = await vscode.window.showQuickPick(header.map((label) => ({ label })), { title: `CLS Lens: ${title}`, placeHolder: 'Columns of the header line', ignoreFocusOut: true });
  return pick?.label;
}
