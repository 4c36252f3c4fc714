// Attention tab. A grid of L × heads thumbnails (one small canvas each, drawn with ImageData from a downsampled
// copy of the head's query × key matrix; layers are requested from the host only when their row scrolls into
// view, at most two at a time, and cached per run); click (or Enter) on a thumbnail shows that head in full with
// token labels, its [CLS] row as bars, and the rollout up to that layer. Per-head shares (to [CLS], [SEP],
// punctuation, self, and the entropy) are small L × heads heatmaps; clicking a cell selects the head.
import type { InspectionView, MatrixFailedMessage, MatrixMessage } from '../../src/shared/protocol';
import { BarStrip } from '../widgets/charts';
import { lut, themeKind } from '../widgets/colors';
import { clamp, el, fmt, note, selectControl, tokenAxisLabel, tokenText } from '../widgets/dom';
import { Heatmap } from '../widgets/heatmap';
import { headChoices } from '../app/sideView';
import {
  attentionHeads, attentionLayerOf, attentionLayers, clsAttentionRow, layerIndexOfAttention, matrixFloat, type Ctx, type View,
} from '../app/state';
import { noInspection } from './vectors';

const MAX_IN_FLIGHT = 2;
const SHARES = [
  ['toCls', 'to [CLS]'], ['toSep', 'to [SEP]'], ['toPunct', 'to punctuation'], ['toSelf', 'to self'], ['entropy', 'entropy (nats)'],
] as const;

interface Selection { layer: number; head: number }

/** Where the tab stands: the selected head, validated against the inspection. */
function selected(ctx: Ctx, insp: InspectionView): Selection {
  const L = attentionLayers(insp), H = attentionHeads(insp);
  const t = ctx.ui.thumb;
  if (t && t.layer >= 0 && t.layer < L && t.head >= -1 && t.head < H) return t;
  return { layer: attentionLayerOf(insp, ctx.options.layer), head: ctx.options.head >= 0 && ctx.options.head < H ? ctx.options.head : -1 };
}

/** Head `head` (or the mean over heads for -1) of an attention answer [heads, T, T], as floats. */
export function headMatrix(m: MatrixMessage, head: number): Float32Array {
  const [heads, T] = [m.dims[0], m.dims[1]];
  const n = T * T;
  if (head >= 0) return matrixFloat(m, head * n, n);
  const out = new Float32Array(n);
  const k = m.data instanceof Uint8Array ? m.scale / 255 : 1;
  for (let h = 0; h < heads; h++) {
    const base = h * n;
    for (let i = 0; i < n; i++) out[i] += m.data[base + i];
  }
  for (let i = 0; i < n; i++) out[i] *= k / heads;
  return out;
}

/**
 * The thumbnail grid. Built once per run and theme; each layer row is drawn when its matrix arrives. Downsampled
 * thumbnails are kept (heads × n × n floats per layer) so a theme change recolours without asking again.
 */
class ThumbGrid {
  readonly root: HTMLDivElement;
  private readonly canvases: HTMLCanvasElement[][] = [];
  private readonly rows: HTMLElement[] = [];
  private readonly thumbs: (Float32Array | null)[];
  private readonly n: number;
  private readonly wanted = new Set<number>();
  private readonly observer: IntersectionObserver;
  private focus: Selection = { layer: 0, head: 0 };
  loaded = 0;
  /** Milliseconds spent downsampling and painting (also in data-draw-ms, for the performance log). */
  drawMs = 0;

  constructor(private readonly insp: InspectionView, width: number, private readonly getCtx: () => Ctx,
    private readonly onPick: (s: Selection) => void, previous: ThumbGrid | null) {
    const L = attentionLayers(insp), H = attentionHeads(insp), T = insp.tokens.length;
    const size = clamp(Math.floor((width - 44) / H) - 4, 22, 64);
    const dpr = window.devicePixelRatio || 1;
    this.n = Math.max(1, Math.min(T, Math.round(size * dpr)));
    this.thumbs = previous && previous.insp.runId === insp.runId && previous.n === this.n ? previous.thumbs : new Array<Float32Array | null>(L).fill(null);
    this.root = el('div', { id: 'attn-grid', 'data-testid': 'attn-grid', class: 'thumb-grid', role: 'grid', 'aria-label': `Attention heads: ${L} layers × ${H} heads`, 'data-loaded-layers': 0 });
    this.root.style.gridTemplateColumns = `36px repeat(${H}, ${size}px)`;
    const head = el('div', { class: 'thumb-row header', role: 'row' }, el('span', { class: 'thumb-label', role: 'columnheader' }, ''));
    for (let h = 0; h < H; h++) head.append(el('span', { class: 'thumb-label', role: 'columnheader' }, `H${h + 1}`));
    this.root.append(head);
    this.observer = new IntersectionObserver((entries) => {
      for (const e of entries) if (e.isIntersecting) this.need(Number((e.target as HTMLElement).dataset.layer));
      this.pump();
    }, { rootMargin: '300px 0px' });
    for (let l = 0; l < L; l++) {
      const rowEl = el('div', { class: 'thumb-row', role: 'row', 'data-layer': l, 'data-loaded': 'false' },
        el('span', { class: 'thumb-label', role: 'rowheader' }, `L${l + 1}`));
      const cs: HTMLCanvasElement[] = [];
      for (let h = 0; h < H; h++) {
        const c = el('canvas', { class: 'thumb', role: 'gridcell', tabindex: -1, 'data-layer': l, 'data-head': h, 'aria-label': `layer ${l + 1} head ${h + 1}` });
        c.width = this.n; c.height = this.n;
        c.style.width = `${size}px`; c.style.height = `${size}px`;
        cs.push(c);
        rowEl.append(c);
      }
      this.canvases.push(cs);
      this.rows.push(rowEl);
      this.root.append(rowEl);
      this.observer.observe(cs[0] ?? rowEl);           // rows are display: contents (no box): watch a cell
      if (this.thumbs[l]) this.paint(l);
    }
    this.root.addEventListener('click', (e) => {
      const t = e.target as HTMLElement;
      if (t instanceof HTMLCanvasElement && t.dataset.layer !== undefined) this.pick(Number(t.dataset.layer), Number(t.dataset.head));
    });
    this.root.addEventListener('keydown', (e) => this.onKey(e));
  }

  get layers(): number { return this.canvases.length; }

  dispose(): void { this.observer.disconnect(); }

  /** Marks the selected thumbnail and makes it the roving tab stop. */
  select(s: Selection): void {
    this.root.querySelectorAll('canvas.thumb.selected, canvas.thumb[tabindex="0"]').forEach((c) => {
      c.classList.remove('selected'); c.setAttribute('tabindex', '-1'); c.setAttribute('aria-selected', 'false');
    });
    const head = Math.max(0, s.head);
    const c = this.canvases[s.layer]?.[head];
    if (!c) return;
    c.setAttribute('tabindex', '0');
    this.focus = { layer: s.layer, head };
    if (s.head >= 0) { c.classList.add('selected'); c.setAttribute('aria-selected', 'true'); } else {
      for (const x of this.canvases[s.layer]) x.classList.add('selected');
    }
  }

  private pick(layer: number, head: number): void {
    this.focus = { layer, head };
    this.onPick({ layer, head });
  }

  private onKey(e: KeyboardEvent): void {
    const L = this.canvases.length, H = this.canvases[0]?.length ?? 0;
    let { layer, head } = this.focus;
    switch (e.key) {
      case 'ArrowRight': head = Math.min(H - 1, head + 1); break;
      case 'ArrowLeft': head = Math.max(0, head - 1); break;
      case 'ArrowDown': layer = Math.min(L - 1, layer + 1); break;
      case 'ArrowUp': layer = Math.max(0, layer - 1); break;
      case 'Home': head = 0; break;
      case 'End': head = H - 1; break;
      case 'Enter': case ' ': e.preventDefault(); this.pick(layer, head); return;
      default: return;
    }
    e.preventDefault();
    const prev = this.canvases[this.focus.layer]?.[this.focus.head];
    prev?.setAttribute('tabindex', '-1');
    this.focus = { layer, head };
    const c = this.canvases[layer][head];
    c.setAttribute('tabindex', '0');
    c.focus();
  }

  isLoaded(layer: number): boolean { return this.thumbs[layer] !== null; }

  /** A layer becomes wanted when its row is visible (or it is the selected one). */
  need(layer: number): void {
    if (layer >= 0 && layer < this.layers && !this.thumbs[layer]) this.wanted.add(layer);
  }

  /** Requests wanted layers, at most MAX_IN_FLIGHT outstanding; cached answers are drawn at once. */
  pump(): void {
    const ctx = this.getCtx();
    for (const layer of [...this.wanted].sort((a, b) => a - b)) {
      if (this.thumbs[layer]) { this.wanted.delete(layer); continue; }
      const cached = ctx.matrices.get('attention', layer);
      if (cached) { this.wanted.delete(layer); this.accept(cached); continue; }
      if (ctx.matrices.failure('attention', layer) !== undefined) { this.wanted.delete(layer); continue; }
      if (ctx.matrices.isPending('attention', layer)) continue;
      if (ctx.matrices.pendingCount('attention') >= MAX_IN_FLIGHT) break;
      ctx.matrices.request('attention', layer);
    }
  }

  /** Downsamples every head of a layer answer to n × n (block means) and paints the row. */
  accept(m: MatrixMessage): void {
    const layer = m.request.layer;
    if (layer < 0 || layer >= this.layers) return;
    const t0 = performance.now();
    const [heads, T, T2] = m.dims;
    if (T !== T2 || heads !== this.canvases[layer].length) return;
    const n = Math.min(this.n, T);
    // contiguous bins of tokens: edge[b]..edge[b+1]; sum runs, then divide by the block size
    const edge = new Int32Array(n + 1);
    for (let b = 0; b <= n; b++) edge[b] = Math.round((b * T) / n);
    const out = new Float32Array(heads * n * n);
    const src = m.data;
    const k = src instanceof Uint8Array ? m.scale / 255 : 1;
    for (let h = 0; h < heads; h++) {
      const hb = h * n * n;
      for (let bq = 0; bq < n; bq++) {
        const o = hb + bq * n;
        for (let q = edge[bq]; q < edge[bq + 1]; q++) {
          const rowBase = (h * T + q) * T;
          for (let b = 0; b < n; b++) {
            let s = 0;
            const e = rowBase + edge[b + 1];
            for (let i = rowBase + edge[b]; i < e; i++) s += src[i];
            out[o + b] += s;
          }
        }
        const rows = edge[bq + 1] - edge[bq];
        for (let b = 0; b < n; b++) out[o + b] *= k / (rows * (edge[b + 1] - edge[b]));
      }
    }
    this.thumbs[layer] = out;
    this.wanted.delete(layer);
    this.paint(layer, n);
    this.drawMs += performance.now() - t0;
    this.root.dataset.drawMs = this.drawMs.toFixed(1);
  }

  private paint(layer: number, n = Math.min(this.n, this.insp.tokens.length)): void {
    const data = this.thumbs[layer];
    if (!data) return;
    const table = lut('sequential', themeKind());
    this.canvases[layer].forEach((c, h) => {
      if (c.width !== n) { c.width = n; c.height = n; }
      const ctx = c.getContext('2d');
      if (!ctx) return;
      const cells = data.subarray(h * n * n, (h + 1) * n * n);
      let max = 0;
      for (let i = 0; i < cells.length; i++) if (cells[i] > max) max = cells[i];
      const img = ctx.createImageData(n, n);
      for (let i = 0; i < cells.length; i++) {
        const idx = max > 0 ? Math.round(Math.sqrt(cells[i] / max) * 255) * 4 : 0;
        img.data[i * 4] = table[idx]; img.data[i * 4 + 1] = table[idx + 1]; img.data[i * 4 + 2] = table[idx + 2]; img.data[i * 4 + 3] = 255;
      }
      ctx.putImageData(img, 0, 0);
      c.dataset.loaded = 'true';
      c.title = `layer ${layer + 1} head ${h + 1} (max ${fmt(max)})`;
    });
    this.rows[layer].dataset.loaded = 'true';
    this.loaded = this.thumbs.filter(Boolean).length;
    this.root.dataset.loadedLayers = String(this.loaded);
  }
}

export class AttentionTab implements View {
  readonly root = el('div', { class: 'tab-body', 'data-testid': 'attention-body' });
  private gridKey = '';
  private detailKey = '';
  private sharesKey = '';
  private ctx: Ctx | null = null;
  private grid: ThumbGrid | null = null;
  private controls = el('div', { class: 'controls' });
  private detail: Heatmap | null = null;
  private clsBars: BarStrip | null = null;
  private rollout: Heatmap | null = null;
  private shares: Heatmap[] = [];
  private detailBox = el('section', { id: 'attn-detail', class: 'attn-detail', 'data-testid': 'attn-detail' });
  private sharesBox = el('section', { id: 'attn-shares', class: 'attn-shares' });
  private rolloutBox = el('section', { id: 'attn-rollout', class: 'attn-rollout' });
  private sel: Selection = { layer: 0, head: -1 };
  private gridBox = el('div', { class: 'scroll-x' });
  private gridWidth = 0;
  private resizeTimer = 0;

  constructor() {
    new ResizeObserver(() => {
      clearTimeout(this.resizeTimer);
      this.resizeTimer = window.setTimeout(() => this.onResize(), 150);
    }).observe(this.root);
  }

  update(ctx: Ctx): void {
    this.ctx = ctx;
    const insp = ctx.snapshot.inspection;
    const gridKey = `${insp?.runId}|${ctx.themeVersion}|${insp?.attention ? 'a' : 'n'}`;
    if (gridKey !== this.gridKey) {
      this.gridKey = gridKey;
      this.detailKey = '';
      this.build(ctx, insp);
    }
    if (!insp?.attention || !this.grid) return;
    // the shares come with the analysis, which the engine computes when asked
    if (!insp.attention.summary) ctx.matrices.requestAnalysis();
    const sharesKey = `${gridKey}|${insp.attention.summary ? 's' : ctx.matrices.analysisFailure() ?? 'n'}`;
    const sharesChanged = sharesKey !== this.sharesKey;
    if (sharesChanged) {
      this.sharesKey = sharesKey;
      this.renderShares(ctx, insp);
    }
    const sel = selected(ctx, insp);
    const detailKey = `${sel.layer}|${sel.head}`;
    this.renderControls(insp, sel);
    if (detailKey === this.detailKey) return;
    this.detailKey = detailKey;
    this.sel = sel;
    this.grid.select(sel);
    this.grid.need(sel.layer);
    this.grid.pump();
    this.renderDetail(ctx, insp, sel);
    this.markShares();
  }

  private markShares(): void {
    for (const s of this.shares) s.mark({ row: this.sel.layer, col: this.sel.head >= 0 ? this.sel.head : undefined });
  }

  /** The per-head share heatmaps, or what stands in for them until the analysis arrives (or why it cannot). */
  private renderShares(ctx: Ctx, insp: InspectionView): void {
    const summary = insp.attention?.summary;
    const title = el('h3', {}, 'Per-head behaviour (mean over queries; click a cell to open that head)');
    if (!summary) {
      const failed = ctx.matrices.analysisFailure();
      this.shares = [];
      this.sharesBox.replaceChildren(title, note(failed ? `The per-head shares cannot be computed: ${failed}` : 'Computing the per-head shares…',
        { id: 'attn-shares-pending', class: failed ? 'note warning' : 'note', 'data-state': failed ? 'failed' : 'loading' }));
      return;
    }
    const [L, H] = summary.toCls.dims;
    const layerLabels = Array.from({ length: L }, (_, l) => `L${l + 1}`);
    const headLabels = Array.from({ length: H }, (_, h) => `H${h + 1}`);
    this.shares = SHARES.map(([k, label]) => {
      const hm = new Heatmap({
        id: `hm-share-${k}`, title: label, scale: 'sequential', rowLabels: layerLabels, colLabels: headLabels, maxCell: 18, maxLabel: 30,
        describe: (l, h, v) => `layer ${l + 1} head ${h + 1}: ${label} = ${fmt(v)}`,
        onSelect: (l, h) => this.pick({ layer: l, head: h }), exportName: `cls-lens-${k}`,
      });
      return hm.setData(summary[k].data, L, H);
    });
    this.sharesBox.replaceChildren(title, el('div', { class: 'share-row' }, ...this.shares.map((s) => s.root)));
    if (this.detailKey) this.markShares();
  }

  private build(ctx: Ctx, insp: InspectionView | null): void {
    const prev = this.grid;
    this.grid?.dispose();
    this.grid = null;
    if (!insp) { this.root.replaceChildren(noInspection('attention')); return; }
    if (!insp.attention) {
      this.root.replaceChildren(note(`Attention is unavailable for ${insp.model.name}: ${insp.model.attentions.reason ?? 'the model does not expose attention probabilities'}.`,
        { id: 'attention-reason', class: 'note warning', 'data-testid': 'attention-reason' }));
      return;
    }
    this.grid = this.newGrid(insp, ctx, prev);
    const tokLabels = insp.tokens.map((t) => tokenAxisLabel(t));
    this.detail = new Heatmap({
      id: 'hm-attn-head', title: '', scale: 'sequential', rowLabels: tokLabels, colLabels: tokLabels, rowTitle: 'query', colTitle: 'key', maxCell: 22,
      describe: (q, k, v) => `${q} '${tokenText(insp.tokens[q])}' → ${k} '${tokenText(insp.tokens[k])}' = ${fmt(v)}`,
    });
    this.clsBars = new BarStrip({
      id: 'attn-cls-row', title: '[CLS] row: attention from [CLS] to each token',
      describe: (i, v) => `[CLS] → ${i} '${tokenText(insp.tokens[i])}' = ${fmt(v)}`,
      exportName: () => `cls-lens-cls-row-L${this.sel.layer + 1}-${this.sel.head < 0 ? 'mean' : `H${this.sel.head + 1}`}`,
    });
    this.rollout = new Heatmap({
      id: 'hm-rollout', title: '', scale: 'sequential', rowLabels: tokLabels, colLabels: tokLabels, rowTitle: 'query', colTitle: 'key', maxCell: 22,
      describe: (q, k, v) => `rollout ${q} '${tokenText(insp.tokens[q])}' → ${k} '${tokenText(insp.tokens[k])}' = ${fmt(v)}`,
    });
    const [L, H] = insp.attention.clsRow.dims;
    this.gridBox.replaceChildren(this.grid.root);
    this.sharesKey = '';
    this.rolloutBox.replaceChildren(this.rollout.root);
    this.root.replaceChildren(this.controls,
      el('section', { class: 'attn-grid-box' },
        el('h3', {}, `Heads (${L} layers × ${H} heads; each thumbnail scaled to its own maximum, √ scale; click to open)`),
        this.gridBox),
      this.detailBox, this.sharesBox, this.rolloutBox);
  }

  private newGrid(insp: InspectionView, ctx: Ctx, prev: ThumbGrid | null): ThumbGrid {
    this.gridWidth = this.root.clientWidth || document.getElementById('app')?.clientWidth || 800;
    return new ThumbGrid(insp, this.gridWidth, () => this.ctx ?? ctx, (s) => this.pick(s), prev);
  }

  /** Thumbnails are sized to the width at build time: rebuild the grid (not the tab) when it changes a lot. */
  private onResize(): void {
    const w = this.root.clientWidth;
    const ctx = this.ctx, insp = ctx?.snapshot.inspection;
    if (!w || !this.grid || !ctx || !insp?.attention || Math.abs(w - this.gridWidth) < 60) return;
    const prev = this.grid;
    prev.dispose();
    this.grid = this.newGrid(insp, ctx, prev);
    this.gridBox.replaceChildren(this.grid.root);
    this.grid.select(this.sel);
    this.grid.need(this.sel.layer);
    this.grid.pump();
  }

  private renderControls(insp: InspectionView, sel: Selection): void {
    const L = attentionLayers(insp);
    const layerSel = selectControl('attention-layer', 'Layer', Array.from({ length: L }, (_, l) => ({ value: String(l), label: `layer ${l + 1}` })),
      String(sel.layer), (v) => this.pick({ layer: Number(v), head: sel.head }));
    const headSel = selectControl('attention-head', 'Head', headChoices(attentionHeads(insp)), String(sel.head),
      (v) => this.pick({ layer: sel.layer, head: Number(v) }));
    const loaded = el('span', { id: 'attn-loaded', class: 'meta inline' }, `${this.grid?.loaded ?? 0} / ${L} layers loaded`);
    this.controls.replaceChildren(layerSel, headSel, loaded);
  }

  /** A head was chosen (thumbnail, share cell, select): keep it in UI state and make it the view option. */
  private pick(s: Selection): void {
    const ctx = this.ctx;
    const insp = ctx?.snapshot.inspection;
    if (!ctx || !insp) return;
    ctx.setUi({ thumb: s }, false);
    const li = layerIndexOfAttention(insp, s.layer);
    ctx.setOptions(li >= 0 ? { layer: li, head: s.head } : { head: s.head });
  }

  private renderDetail(ctx: Ctx, insp: InspectionView, sel: Selection): void {
    if (!this.detail || !this.clsBars || !this.rollout) return;
    const headName = sel.head < 0 ? 'mean of heads' : `head ${sel.head + 1}`;
    this.detail.configure({ title: `Layer ${sel.layer + 1} · ${headName}: query (rows) × key (columns)`, exportName: `cls-lens-attention-L${sel.layer + 1}-${sel.head < 0 ? 'mean' : `H${sel.head + 1}`}` });
    const m = ctx.matrices.get('attention', sel.layer);
    const failed = ctx.matrices.failure('attention', sel.layer);
    if (m) this.fillDetail(m); else if (failed !== undefined) this.detail.setEmpty(failed); else this.detail.setEmpty(`Loading layer ${sel.layer + 1}…`, 'loading');
    const labels = insp.tokens.map((t) => tokenAxisLabel(t, 8));
    this.clsBars.setData(clsAttentionRow(insp, sel.layer, sel.head) ?? new Float32Array(insp.tokens.length), labels);
    this.detailBox.replaceChildren(this.detail.root, this.clsBars.root);
    this.rollout.configure({ title: `Attention rollout up to layer ${sel.layer + 1} (query × key; row 0 is the [CLS] row)`, exportName: `cls-lens-rollout-L${sel.layer + 1}` });
    const r = ctx.matrices.request('rollout', sel.layer);
    const rFailed = ctx.matrices.failure('rollout', sel.layer);
    if (r) this.fillRollout(r); else if (rFailed !== undefined) this.rollout.setEmpty(rFailed); else this.rollout.setEmpty(`Loading the rollout up to layer ${sel.layer + 1}…`, 'loading');
  }

  private fillDetail(m: MatrixMessage): void {
    const T = m.dims[1];
    this.detail?.setData(headMatrix(m, this.sel.head), T, T, undefined);
  }

  private fillRollout(m: MatrixMessage): void {
    const [rows, cols] = m.dims.slice(-2);
    this.rollout?.setData(matrixFloat(m, 0, rows * cols), rows, cols);
  }

  onMatrix(ctx: Ctx, m: MatrixMessage): void {
    this.ctx = ctx;
    const insp = ctx.snapshot.inspection;
    if (!insp?.attention || !this.grid || m.request.runId !== insp.runId) return;
    if (m.request.kind === 'attention') {
      if (!this.grid.isLoaded(m.request.layer)) this.grid.accept(m);
      if (m.request.layer === this.sel.layer && this.detailKey) this.fillDetail(m);
      const loaded = document.getElementById('attn-loaded');
      if (loaded) loaded.textContent = `${this.grid.loaded} / ${this.grid.layers} layers loaded`;
      this.grid.pump();
    } else if (m.request.kind === 'rollout' && m.request.layer === this.sel.layer && this.detailKey) {
      this.fillRollout(m);
    }
  }

  onMatrixFailed(ctx: Ctx, m: MatrixFailedMessage): void {
    this.ctx = ctx;
    const insp = ctx.snapshot.inspection;
    if (!insp?.attention || !this.grid || m.request.runId !== insp.runId) return;
    const shown = m.request.layer === this.sel.layer && this.detailKey;
    if (m.request.kind === 'attention') {
      const loaded = document.getElementById('attn-loaded');
      if (loaded) loaded.textContent = `${this.grid.loaded} / ${this.grid.layers} layers loaded: ${m.error}`;
      if (shown) this.detail?.setEmpty(m.error);
      this.grid.pump();
    } else if (m.request.kind === 'rollout' && shown) {
      this.rollout?.setEmpty(m.error);
    }
  }
}
