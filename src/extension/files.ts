// Writing the files the user asks for: exports and saved heatmaps. Written whole or not at all.
import * as fs from 'node:fs';
import * as vscode from 'vscode';

/** Write to a temporary sibling, then rename: a failed write leaves nothing half-written. Reports a failure; never throws. */
export async function writeAtomically(uri: vscode.Uri, bytes: Uint8Array): Promise<boolean> {
  if (uri.scheme !== 'file') {
    try {
      await vscode.workspace.fs.writeFile(uri, bytes);
      return true;
    } catch (e) {
      void vscode.window.showErrorMessage(`CLS Lens: could not write ${uri.toString()}: ${(e as Error).message}`);
      return false;
    }
  }
  const tmp = `${uri.fsPath}.${process.pid}.tmp`;
  try {
    await fs.promises.writeFile(tmp, bytes);
    await fs.promises.rename(tmp, uri.fsPath);
    return true;
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    void vscode.window.showErrorMessage(`CLS Lens: could not write ${uri.fsPath}: ${(e as Error).message}`);
    return false;
  }
}

/** Where save dialogs start: the first workspace folder, else the current directory. */
export function saveBase(): vscode.Uri {
  return vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(process.cwd());
}

/** A file name from a heatmap's title: letters, digits, dots and dashes, at most 80 characters. */
export function safeFileName(name: string, fallback: string): string {
  return name.replace(/[^\w.-]+/g, '-').slice(0, 80) || fallback;
}

/** Ask where to save a rendered heatmap (a PNG data URL from the webview's canvas), then write it. */
export async function savePng(name: string, dataUrl: string): Promise<void> {
  const uri = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(saveBase(), `${safeFileName(name, 'heatmap')}.png`), filters: { PNG: ['png'] } });
  if (!uri) return;
  await writeAtomically(uri, Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64'));
}
