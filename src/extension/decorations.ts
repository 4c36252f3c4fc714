import * as vscode from 'vscode';
import type { InspectionView, SelectionInfo, TokenMeasure } from '../shared/protocol';

const LEVELS = 8;
const MEASURE_LABEL: Record<TokenMeasure, string> = {
  clsAttention: 'attention from [CLS]', rollout: 'attention rollout from [CLS]', clsCosine: 'cosine to [CLS]',
};

/**
 * Colours each token's character range in the editor by the chosen measure, in LEVELS steps of one theme colour,
 * with a hover naming the token, its id and the value. Cleared on Clear and when the document changes.
 */
export class TokenDecorations implements vscode.Disposable {
  private readonly types: vscode.TextEditorDecorationType[];
  private readonly truncType: vscode.TextEditorDecorationType;
  private target: { uri: string; version: number } | null = null;
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.types = Array.from({ length: LEVELS }, (_, i) => vscode.window.createTextEditorDecorationType({
      backgroundColor: `rgba(255, 140, 0, ${(0.08 + 0.6 * (i / (LEVELS - 1))).toFixed(2)})`,
      borderRadius: '2px',
    }));
    this.truncType = vscode.window.createTextEditorDecorationType({
      opacity: '0.55', textDecoration: 'line-through dotted',
    });
    this.disposables.push(vscode.workspace.onDidChangeTextDocument((e) => {
      if (this.target && e.document.uri.toString() === this.target.uri && e.contentChanges.length > 0) this.clear();
    }));
  }

  show(view: InspectionView, selection: SelectionInfo, values: Float32Array | null, measure: TokenMeasure, layerLabel: string): void {
    const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === selection.uri);
    this.clear();
    if (!editor || !values) return;
    const doc = editor.document;
    let lo = Infinity, hi = -Infinity;
    view.tokens.forEach((t, i) => { if (t.start !== null && !t.special) { lo = Math.min(lo, values[i]); hi = Math.max(hi, values[i]); } });
    const buckets: vscode.DecorationOptions[][] = Array.from({ length: LEVELS }, () => []);
    view.tokens.forEach((t, i) => {
      if (t.start === null || t.end === null || t.end <= t.start) return;
      const range = new vscode.Range(doc.positionAt(selection.offset + t.start), doc.positionAt(selection.offset + t.end));
      const norm = hi > lo ? (values[i] - lo) / (hi - lo) : 1;
      const level = Math.min(LEVELS - 1, Math.max(0, Math.round(norm * (LEVELS - 1))));
      const hover = new vscode.MarkdownString(`**CLS Lens** \`${t.text}\` (id ${t.id})  \n${MEASURE_LABEL[measure]}, ${layerLabel}: **${values[i].toFixed(4)}**`);
      buckets[level].push({ range, hoverMessage: hover });
    });
    buckets.forEach((b, i) => editor.setDecorations(this.types[i], b));
    if (view.truncation.truncated) {
      const start = doc.positionAt(selection.offset + view.truncation.keptChars);
      const end = doc.positionAt(selection.offset + selection.text.length);
      editor.setDecorations(this.truncType, [{ range: new vscode.Range(start, end), hoverMessage: `CLS Lens: beyond the model's ${view.truncation.maxTokens} tokens; not inspected (${view.truncation.droppedTokensExact === false ? 'at least ' : ''}${view.truncation.droppedTokens} tokens dropped).` }]);
    }
    this.target = { uri: selection.uri, version: doc.version };
  }

  clear(): void {
    for (const e of vscode.window.visibleTextEditors) {
      for (const t of this.types) e.setDecorations(t, []);
      e.setDecorations(this.truncType, []);
    }
    this.target = null;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    for (const t of this.types) t.dispose();
    this.truncType.dispose();
  }
}
