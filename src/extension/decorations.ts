import * as vscode from 'vscode';
import type { InspectionView, SelectionInfo, TokenMeasure } from '../shared/protocol';

const LEVELS = 8;
const MEASURE_LABEL: Record<TokenMeasure, string> = {
  clsAttention: 'attention from [CLS]', rollout: 'attention rollout from [CLS]', clsCosine: 'cosine to [CLS]',
};

/** What the hover reads: the decorated tokens' document offsets, in order, and their values. */
interface Shown {
  uri: string;
  version: number;
  /** Document offsets [start, end) of each decorated token, sorted by start. */
  starts: Int32Array;
  ends: Int32Array;
  /** Index into `tokens` / `values` of each decorated range. */
  index: Int32Array;
  tokens: InspectionView['tokens'];
  values: Float32Array;
  measure: TokenMeasure;
  layerLabel: string;
  truncation: { start: number; end: number; text: string } | null;
}

/**
 * Colours each token's character range in the editor by the chosen measure, in LEVELS steps of one theme colour,
 * with a hover naming the token, its id and the value. Cleared on Clear and when the document changes.
 * The decorations carry ranges only; one hover provider finds the token under the pointer (a MarkdownString per
 * token made 512-token decorations cost the extension host ≈ 80 ms and the workbench as much again, right when the
 * views are being sent the result).
 */
export class TokenDecorations implements vscode.Disposable {
  private readonly types: vscode.TextEditorDecorationType[];
  private readonly truncType: vscode.TextEditorDecorationType;
  private shown: Shown | null = null;
  /** The document whose editors hold our decorations (clear touches only those, not every visible editor). */
  private decorated: string | null = null;
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
      if (this.shown && e.document.uri.toString() === this.shown.uri && e.contentChanges.length > 0) this.clear();
    }), vscode.languages.registerHoverProvider({ scheme: '*' }, { provideHover: (doc, pos) => this.hover(doc, pos) }));
  }

  show(view: InspectionView, selection: SelectionInfo, values: Float32Array | null, measure: TokenMeasure, layerLabel: string): void {
    const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === selection.uri);
    this.clear();
    if (!editor || !values) return;
    const doc = editor.document;
    let lo = Infinity, hi = -Infinity;
    view.tokens.forEach((t, i) => { if (t.start !== null && !t.special) { lo = Math.min(lo, values[i]); hi = Math.max(hi, values[i]); } });
    const buckets: vscode.Range[][] = Array.from({ length: LEVELS }, () => []);
    const order: number[] = [];
    view.tokens.forEach((t, i) => {
      if (t.start === null || t.end === null || t.end <= t.start) return;
      order.push(i);
      const range = new vscode.Range(doc.positionAt(selection.offset + t.start), doc.positionAt(selection.offset + t.end));
      const norm = hi > lo ? (values[i] - lo) / (hi - lo) : 1;
      buckets[Math.min(LEVELS - 1, Math.max(0, Math.round(norm * (LEVELS - 1))))].push(range);
    });
    order.sort((a, b) => view.tokens[a].start! - view.tokens[b].start!);
    buckets.forEach((b, i) => editor.setDecorations(this.types[i], b));
    let truncation: Shown['truncation'] = null;
    if (view.truncation.truncated) {
      const start = selection.offset + view.truncation.keptChars, end = selection.offset + selection.text.length;
      editor.setDecorations(this.truncType, [new vscode.Range(doc.positionAt(start), doc.positionAt(end))]);
      truncation = { start, end, text: `CLS Lens: beyond the model's ${view.truncation.maxTokens} tokens; not inspected (${view.truncation.droppedTokensExact === false ? 'at least ' : ''}${view.truncation.droppedTokens} tokens dropped).` };
    }
    this.decorated = selection.uri;
    this.shown = {
      uri: selection.uri, version: doc.version, tokens: view.tokens, values, measure, layerLabel, truncation,
      index: Int32Array.from(order),
      starts: Int32Array.from(order, (i) => selection.offset + view.tokens[i].start!),
      ends: Int32Array.from(order, (i) => selection.offset + view.tokens[i].end!),
    };
  }

  /** The token whose range holds the pointer (binary search over the sorted starts). */
  private hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const s = this.shown;
    if (!s || doc.uri.toString() !== s.uri || doc.version !== s.version) return undefined;
    const at = doc.offsetAt(pos);
    let lo = 0, hi = s.starts.length - 1, k = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s.starts[mid] <= at) { k = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (k >= 0 && at < s.ends[k]) {
      const i = s.index[k], t = s.tokens[i];
      const md = new vscode.MarkdownString(`**CLS Lens** \`${t.text}\` (id ${t.id})  \n${MEASURE_LABEL[s.measure]}, ${s.layerLabel}: **${s.values[i].toFixed(4)}**`);
      return new vscode.Hover(md, new vscode.Range(doc.positionAt(s.starts[k]), doc.positionAt(s.ends[k])));
    }
    if (s.truncation && at >= s.truncation.start && at < s.truncation.end) return new vscode.Hover(s.truncation.text);
    return undefined;
  }

  clear(): void {
    if (this.decorated !== null) {
      for (const e of vscode.window.visibleTextEditors) {
        if (e.document.uri.toString() !== this.decorated) continue;
        for (const t of this.types) e.setDecorations(t, []);
        e.setDecorations(this.truncType, []);
      }
    }
    this.decorated = null;
    this.shown = null;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    for (const t of this.types) t.dispose();
    this.truncType.dispose();
  }
}
