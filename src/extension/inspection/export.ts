// Export Vectors…: the last inspection's pooled vectors as JSON, CSV (src/engine/io/export.ts's one shape, as the CLI
// prints them) or one pooling as NumPy .npy.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { toNpy, vectorsCsv, vectorsJson, type VectorsSource } from '../../engine/io/export';
import { isPoolingName } from '../../shared/poolings';
import type { PoolingName } from '../../shared/types';
import { saveBase, writeAtomically } from '../files';

/** The file's bytes for a format; `pooling` picks the vectors of an .npy export. */
function exportBytes(ins: VectorsSource, ext: 'json' | 'csv' | 'npy', pooling: PoolingName = 'cls'): Uint8Array {
  if (ext === 'npy') return toNpy(ins.vectors[pooling]!);
  return Buffer.from(ext === 'csv' ? vectorsCsv(ins) : JSON.stringify(vectorsJson(ins), null, 1));
}

/** Ask for a format (and a pooling for .npy) and a file, then write it. */
export async function exportVectors(ins: VectorsSource | undefined): Promise<void> {
  if (!ins) { void vscode.window.showInformationMessage('CLS Lens: inspect a selection first; then its vectors can be exported.'); return; }
  const fmt = await vscode.window.showQuickPick([
    { label: 'JSON', description: 'every pooling, every layer, with tokens', ext: 'json' as const },
    { label: 'CSV', description: 'one row per pooling and layer', ext: 'csv' as const },
    { label: 'NumPy .npy', description: 'one pooling as [layers, hidden] float32', ext: 'npy' as const },
  ], { title: 'CLS Lens: export vectors as' });
  if (!fmt) return;
  let pooling: PoolingName = 'cls';
  if (fmt.ext === 'npy') {
    const p = await vscode.window.showQuickPick(Object.keys(ins.vectors), { title: 'Which pooling?' });
    if (!p || !isPoolingName(p)) return;
    pooling = p;
  }
  const uri = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(saveBase(), `cls-lens-vectors${fmt.ext === 'npy' ? `-${pooling}` : ''}.${fmt.ext}`), filters: { [fmt.label]: [fmt.ext] } });
  if (!uri) return;
  const bytes = exportBytes(ins, fmt.ext, pooling);
  if (await writeAtomically(uri, bytes)) void vscode.window.showInformationMessage(`CLS Lens: wrote ${path.basename(uri.fsPath)} (${bytes.length} bytes).`);
}
