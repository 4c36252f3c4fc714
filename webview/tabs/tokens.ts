// Tokens & similarity tab: cos([CLS], token) for every layer × token (from the snapshot), and the token × token
// cosine matrix of the chosen layer (requested from the host: requestMatrix kind 'tokenCosine').
import type { InspectionView, MatrixFailedMessage, MatrixMessage } from '../../src/shared/protocol';
import { el, fmt, layerName, selectControl, tokenAxisLabel, tokenText } from '../widgets/dom';
import { Heatmap } from '../widgets/heatmap';
import { layerChoices } from '../app/sideView';
import { layerIndex, matrixFloat, type Ctx, type View } from '../app/state';
import { noInspection } from './vectors';

export class TokensTab implements View {
  readonly root = el('div', { class: 'tab-body', 'data-testid': 'tokens-body' });
  private key = '';
  private cosine: Heatmap | null = null;
  private layer = -1;
  private runId = -1;

  update(ctx: Ctx): void {
    const insp = ctx.snapshot.inspection;
    const li = insp ? layerIndex(insp, ctx.options.layer) : -1;
    const key = `${insp?.runId}|${li}|${ctx.themeVersion}`;
    if (key === this.key) return;
    this.key = key;
    if (!insp) { this.cosine = null; this.root.replaceChildren(noInspection('token similarities')); return; }
    this.layer = li;
    this.runId = insp.runId;
    const tokLabels = insp.tokens.map((t) => tokenAxisLabel(t));
    const [R, T] = insp.clsToken.dims;
    const clsTok = new Heatmap({
      id: 'hm-cls-token', title: 'cos([CLS], token) per layer (rows: layers, columns: tokens; click a row to choose the layer)',
      // sequential over the data's range: cosines between hidden states are mostly high (anisotropy), and a ±1
      // diverging scale would paint them one flat colour
      scale: 'sequential', rowLabels: insp.layerIds.map(layerName), colLabels: tokLabels, cellHeight: R > 16 ? 12 : 18, maxCell: 22,
      rowTitle: 'layer', colTitle: 'token',
      describe: (r, c, v) => `${layerName(insp.layerIds[r])} · token ${c} '${tokenText(insp.tokens[c])}': cos = ${fmt(v)}`,
      onSelect: (r) => ctx.setOptions({ layer: r }), exportName: 'cls-lens-cls-token',
    });
    clsTok.setData(insp.clsToken.data, R, T).mark({ row: li });
    this.cosine = new Heatmap({
      id: 'hm-token-cosine', title: `token × token cosine at ${layerName(insp.layerIds[li])}`, scale: 'sequential',
      rowLabels: tokLabels, colLabels: tokLabels, rowTitle: 'token', colTitle: 'token', maxCell: 22,
      describe: (r, c, v) => `${r} '${tokenText(insp.tokens[r])}' · ${c} '${tokenText(insp.tokens[c])}': cos = ${fmt(v)}`,
      exportName: `cls-lens-token-cosine-${layerName(insp.layerIds[li]).replace(' ', '')}`,
    });
    const m = ctx.matrices.request('tokenCosine', li);
    const failed = ctx.matrices.failure('tokenCosine', li);
    if (m) this.fill(insp, m); else if (failed !== undefined) this.cosine.setEmpty(failed); else this.cosine.setEmpty(`Loading the token × token cosine at ${layerName(insp.layerIds[li])}…`, 'loading');
    this.root.replaceChildren(
      el('div', { class: 'controls' }, selectControl('tokens-layer', 'Layer', layerChoices(insp), String(li), (v) => ctx.setOptions({ layer: Number(v) }))),
      clsTok.root, this.cosine.root);
  }

  private fill(insp: InspectionView, m: MatrixMessage): void {
    const T = insp.tokens.length;
    const [rows, cols] = m.dims.length >= 2 ? m.dims.slice(-2) : [T, T];
    this.cosine?.setData(matrixFloat(m, 0, rows * cols), rows, cols);
  }

  onMatrix(ctx: Ctx, m: MatrixMessage): void {
    const insp = ctx.snapshot.inspection;
    if (!insp || !this.cosine || m.request.kind !== 'tokenCosine' || m.request.runId !== this.runId || m.request.layer !== this.layer) return;
    this.fill(insp, m);
  }

  onMatrixFailed(ctx: Ctx, m: MatrixFailedMessage): void {
    if (!ctx.snapshot.inspection || !this.cosine || m.request.kind !== 'tokenCosine' || m.request.runId !== this.runId || m.request.layer !== this.layer) return;
    this.cosine.setEmpty(m.error);
  }
}
