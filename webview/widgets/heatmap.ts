// Reusable canvas heatmap: a [rows, cols] Float32Array drawn through a colour lookup table into ImageData (one
// pixel per cell, scaled up without smoothing), axis labels painted on the same canvas (thinned when dense, so an
// export carries them), devicePixelRatio-aware, a hover/keyboard cursor with a tooltip, a legend with min/max
// ticks and an "Export PNG" button posting savePng.
//
// DOM (id = spec.id): #<id> (data-testid=<id>, data-state=empty|loading|ready), #<id>-canvas (data-rows,
// data-cols, data-left, data-top, data-cell-w, data-cell-h in CSS px: cell (r,c) is centred at
// left + (c+.5)*cellW, top + (r+.5)*cellH), #<id>-tooltip, #<id>-min, #<id>-max, #<id>-export.
import { chrome, lut, lutIndex, rgbAt, themeKind, type ScaleKind } from './colors';
import { clamp, codicon, el, fmt } from './dom';
import { finiteRange } from '../app/state';
import { post } from '../messaging/vscodeApi';

export interface HeatmapSpec {
  id: string;
  title?: string;
  scale: ScaleKind;
  rowLabels?: readonly string[];
  colLabels?: readonly string[];
  /** Axis names shown in the tooltip default and the aria label. */
  rowTitle?: string;
  colTitle?: string;
  /** Fixed row height in CSS px (strips); default: square cells. */
  cellHeight?: number;
  /** Largest cell side in CSS px (default 28). */
  maxCell?: number;
  /** Smallest cell width in CSS px (default 1: every column gets a pixel; wide maps scroll). */
  minCell?: number;
  /** Largest plot height in CSS px (default 560). */
  maxHeight?: number;
  /** Largest label width in CSS px (default 96). */
  maxLabel?: number;
  /** Tooltip text for a cell. */
  describe?: (row: number, col: number, value: number) => string;
  onHover?: (row: number, col: number, value: number) => void;
  /** Click or Enter on a cell. */
  onSelect?: (row: number, col: number) => void;
  /** File name stem for Export PNG (default: id). */
  exportName?: string;
  legendNote?: string;
  /** Fixed colour domain; default: data min..max (sequential) or ±max|v| (diverging). */
  range?: { min: number; max: number };
  format?: (v: number) => string;
}

interface Layout { left: number; top: number; cw: number; ch: number; width: number; height: number; rowStep: number; colStep: number }

const LABEL_FONT_PX = 10;

export class Heatmap {
  readonly root: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly plot: HTMLDivElement;
  private readonly tooltip: HTMLDivElement;
  private readonly empty: HTMLDivElement;
  private readonly legendCanvas: HTMLCanvasElement;
  private readonly minLabel: HTMLSpanElement;
  private readonly midLabel: HTMLSpanElement;
  private readonly maxLabel: HTMLSpanElement;
  private readonly titleEl: HTMLSpanElement;
  private data: Float32Array | null = null;
  private rows = 0;
  private cols = 0;
  private min = 0;
  private max = 1;
  private layout: Layout | null = null;
  private cursor: { row: number; col: number } | null = null;
  private marked: { row?: number; col?: number } | null = null;
  private lastWidth = 0;
  private resizeFrame = 0;

  constructor(private spec: HeatmapSpec) {
    const id = spec.id;
    this.canvas = el('canvas', { id: `${id}-canvas`, 'data-testid': `${id}-canvas`, class: 'heatmap-canvas', tabindex: 0, role: 'img' });
    this.tooltip = el('div', { id: `${id}-tooltip`, 'data-testid': `${id}-tooltip`, class: 'tooltip', role: 'status', 'aria-live': 'polite', hidden: true });
    this.empty = el('div', { class: 'heatmap-empty' });
    this.plot = el('div', { class: 'heatmap-plot' }, this.canvas, this.tooltip, this.empty);
    this.legendCanvas = el('canvas', { class: 'legend-bar', 'aria-hidden': 'true' });
    this.minLabel = el('span', { id: `${id}-min`, 'data-testid': `${id}-min`, class: 'legend-tick' });
    this.midLabel = el('span', { class: 'legend-tick legend-mid' });
    this.maxLabel = el('span', { id: `${id}-max`, 'data-testid': `${id}-max`, class: 'legend-tick' });
    const exportBtn = el('button', { id: `${id}-export`, 'data-testid': `${id}-export`, type: 'button', class: 'icon-button', title: 'Export PNG' },
      codicon('desktop-download'), 'PNG');
    exportBtn.addEventListener('click', () => this.exportPng());
    this.titleEl = el('span', { class: 'heatmap-title' }, spec.title ?? '');
    this.root = el('div', { id, 'data-testid': id, class: 'heatmap', 'data-state': 'empty' },
      el('div', { class: 'heatmap-head' }, this.titleEl, exportBtn),
      this.plot,
      el('div', { class: 'legend' }, this.minLabel, this.legendCanvas, this.midLabel, this.maxLabel,
        spec.legendNote ? el('span', { class: 'legend-note' }, spec.legendNote) : null),
    );
    this.setEmpty('No data.');
    this.bindEvents();
    new ResizeObserver(() => this.onResize()).observe(this.plot);
  }

  /** Replaces spec fields (labels, title, callbacks) for the next draw. */
  configure(p: Partial<HeatmapSpec>): this {
    this.spec = { ...this.spec, ...p };
    if (p.title !== undefined) this.titleEl.textContent = p.title;
    return this;
  }

  setEmpty(text: string, state: 'empty' | 'loading' = 'empty'): this {
    this.data = null;
    this.layout = null;
    this.root.dataset.state = state;
    this.empty.textContent = text;
    this.empty.hidden = false;
    this.canvas.hidden = true;
    this.tooltip.hidden = true;
    return this;
  }

  setData(data: Float32Array, rows: number, cols: number, range?: { min: number; max: number }): this {
    this.data = data;
    this.rows = rows;
    this.cols = cols;
    const r = range ?? this.spec.range ?? this.autoRange(data);
    this.min = r.min;
    this.max = r.max;
    if (this.cursor && (this.cursor.row >= rows || this.cursor.col >= cols)) this.cursor = null;
    this.empty.hidden = true;
    this.canvas.hidden = false;
    this.root.dataset.state = 'ready';
    this.draw();
    return this;
  }

  /** Outlines a row (col undefined), a column (row undefined) or a cell. */
  mark(m: { row?: number; col?: number } | null): this {
    this.marked = m;
    if (this.data) this.draw();
    return this;
  }

  get domain(): { min: number; max: number } { return { min: this.min, max: this.max }; }

  private autoRange(data: Float32Array): { min: number; max: number } {
    const { min, max } = finiteRange(data);
    if (this.spec.scale === 'diverging') {
      const a = Math.max(Math.abs(min), Math.abs(max)) || 1;
      return { min: -a, max: a };
    }
    return min === max ? { min: min - 0.5, max: max + 0.5 } : { min, max };
  }

  private computeLayout(ctx: CanvasRenderingContext2D): Layout {
    const s = this.spec;
    const avail = Math.max(80, (this.plot.clientWidth || this.root.clientWidth || 480) - 2);
    const maxLabel = s.maxLabel ?? 96;
    ctx.font = `${LABEL_FONT_PX}px ${chrome().font}`;
    const widest = (labels: readonly string[] | undefined) => {
      if (!labels?.length) return 0;
      let w = 0;
      const step = Math.max(1, Math.floor(labels.length / 400));       // sample very long label lists
      for (let i = 0; i < labels.length; i += step) w = Math.max(w, ctx.measureText(labels[i]).width);
      return Math.min(maxLabel, Math.ceil(w) + 6);
    };
    const left = widest(s.rowLabels);
    const colLabelH = widest(s.colLabels);
    let cw = clamp((avail - left) / Math.max(1, this.cols), s.minCell ?? 1, s.maxCell ?? 28);
    let ch = s.cellHeight ?? cw;
    const maxH = s.maxHeight ?? 560;
    if (ch * this.rows > maxH) {
      ch = Math.max(1, maxH / this.rows);
      if (s.cellHeight === undefined) cw = Math.max(s.minCell ?? 1, Math.min(cw, ch));
    }
    const colStep = s.colLabels?.length ? Math.ceil((LABEL_FONT_PX + 2) / cw) : 0;
    const rowStep = s.rowLabels?.length ? Math.ceil((LABEL_FONT_PX + 1) / ch) : 0;
    const top = colLabelH;
    return { left, top, cw, ch, width: Math.ceil(left + this.cols * cw + 2), height: Math.ceil(top + this.rows * ch + 2), rowStep, colStep };
  }

  /** Paints everything from the stored data (also on resize and theme change). */
  draw(): void {
    const data = this.data;
    if (!data) return;
    const dpr = window.devicePixelRatio || 1;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const L = this.computeLayout(ctx);
    this.layout = L;
    this.lastWidth = this.plot.clientWidth;
    this.canvas.width = Math.round(L.width * dpr);
    this.canvas.height = Math.round(L.height * dpr);
    this.canvas.style.width = `${L.width}px`;
    this.canvas.style.height = `${L.height}px`;
    const c = chrome();
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = c.background;
    ctx.fillRect(0, 0, L.width, L.height);

    // cells: one pixel each in an offscreen canvas, scaled up without smoothing
    const table = lut(this.spec.scale, themeKind());
    const off = document.createElement('canvas');
    off.width = this.cols;
    off.height = this.rows;
    const octx = off.getContext('2d');
    if (!octx) return;
    const img = octx.createImageData(this.cols, this.rows);
    const px = img.data;
    const n = this.rows * this.cols;
    const { min, max } = this;
    for (let i = 0; i < n; i++) {
      const k = lutIndex(data[i], min, max);
      if (k < 0) continue;                                   // NaN: transparent (background shows)
      const o = i * 4, t = k * 4;
      px[o] = table[t]; px[o + 1] = table[t + 1]; px[o + 2] = table[t + 2]; px[o + 3] = 255;
    }
    octx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    const pw = this.cols * L.cw, ph = this.rows * L.ch;
    ctx.drawImage(off, 0, 0, this.cols, this.rows, L.left, L.top, pw, ph);

    // labels
    ctx.fillStyle = c.foreground;
    ctx.font = `${LABEL_FONT_PX}px ${c.font}`;
    const maxLabel = this.spec.maxLabel ?? 96;
    const fit = (s: string) => {
      if (ctx.measureText(s).width <= maxLabel - 6) return s;
      let t = s;
      while (t.length > 1 && ctx.measureText(`${t}…`).width > maxLabel - 6) t = t.slice(0, -1);
      return `${t}…`;
    };
    if (this.spec.rowLabels && L.rowStep) {
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      for (let r = 0; r < this.rows; r += L.rowStep) {
        const label = this.spec.rowLabels[r];
        if (label !== undefined) ctx.fillText(fit(label), L.left - 4, L.top + (r + 0.5) * L.ch);
      }
    }
    if (this.spec.colLabels && L.colStep) {
      ctx.textAlign = 'left';
      ctx.textBaseline = 'middle';
      for (let col = 0; col < this.cols; col += L.colStep) {
        const label = this.spec.colLabels[col];
        if (label === undefined) continue;
        ctx.save();
        ctx.translate(L.left + (col + 0.5) * L.cw, L.top - 4);
        ctx.rotate(-Math.PI / 2);
        ctx.fillText(fit(label), 0, 0);
        ctx.restore();
      }
    }
    // frame, marks, cursor
    ctx.strokeStyle = c.grid;
    ctx.lineWidth = 1;
    ctx.strokeRect(L.left - 0.5, L.top - 0.5, pw + 1, ph + 1);
    if (this.marked) {
      ctx.strokeStyle = c.focus;
      ctx.lineWidth = 2;
      const { row, col } = this.marked;
      if (row !== undefined && col !== undefined) ctx.strokeRect(L.left + col * L.cw - 1, L.top + row * L.ch - 1, L.cw + 2, L.ch + 2);
      else if (row !== undefined) ctx.strokeRect(L.left - 1, L.top + row * L.ch - 1, pw + 2, L.ch + 2);
      else if (col !== undefined) ctx.strokeRect(L.left + col * L.cw - 1, L.top - 1, L.cw + 2, ph + 2);
    }
    if (this.cursor && document.activeElement === this.canvas) {
      ctx.strokeStyle = c.foreground;
      ctx.lineWidth = 1.5;
      ctx.strokeRect(L.left + this.cursor.col * L.cw - 1, L.top + this.cursor.row * L.ch - 1, Math.max(3, L.cw + 2), Math.max(3, L.ch + 2));
    }

    const ds = this.canvas.dataset;
    ds.rows = String(this.rows); ds.cols = String(this.cols);
    ds.left = String(L.left); ds.top = String(L.top);
    ds.cellW = String(L.cw); ds.cellH = String(L.ch);
    ds.min = String(min); ds.max = String(max);
    const what = `${this.spec.title ?? 'heatmap'}: ${this.rows} × ${this.cols}${this.spec.rowTitle ? ` (${this.spec.rowTitle} × ${this.spec.colTitle ?? ''})` : ''}`;
    this.canvas.setAttribute('aria-label', `${what}, values ${fmt(min)} to ${fmt(max)}. Arrow keys move a cursor.`);
    this.drawLegend();
  }

  private drawLegend(): void {
    const dpr = window.devicePixelRatio || 1;
    const w = 120, h = 10;
    this.legendCanvas.width = w * dpr;
    this.legendCanvas.height = h * dpr;
    this.legendCanvas.style.width = `${w}px`;
    this.legendCanvas.style.height = `${h}px`;
    const ctx = this.legendCanvas.getContext('2d');
    if (ctx) {
      const table = lut(this.spec.scale, themeKind());
      const img = ctx.createImageData(w * dpr, h * dpr);
      for (let x = 0; x < w * dpr; x++) {
        const k = Math.round((x / (w * dpr - 1)) * 255) * 4;
        for (let y = 0; y < h * dpr; y++) {
          const o = (y * w * dpr + x) * 4;
          img.data[o] = table[k]; img.data[o + 1] = table[k + 1]; img.data[o + 2] = table[k + 2]; img.data[o + 3] = 255;
        }
      }
      ctx.putImageData(img, 0, 0);
    }
    const f = this.spec.format ?? fmt;
    this.minLabel.textContent = f(this.min);
    this.maxLabel.textContent = f(this.max);
    this.midLabel.textContent = this.spec.scale === 'diverging' ? `0 at centre` : '';
    this.midLabel.hidden = this.spec.scale !== 'diverging';
  }

  private cellAt(x: number, y: number): { row: number; col: number } | null {
    const L = this.layout;
    if (!L) return null;
    const col = Math.floor((x - L.left) / L.cw), row = Math.floor((y - L.top) / L.ch);
    if (row < 0 || col < 0 || row >= this.rows || col >= this.cols) return null;
    return { row, col };
  }

  private value(row: number, col: number): number {
    return this.data ? this.data[row * this.cols + col] : NaN;
  }

  describe(row: number, col: number): string {
    const v = this.value(row, col);
    if (this.spec.describe) return this.spec.describe(row, col, v);
    const r = this.spec.rowLabels?.[row] ?? `${this.spec.rowTitle ?? 'row'} ${row}`;
    const c = this.spec.colLabels?.[col] ?? `${this.spec.colTitle ?? 'col'} ${col}`;
    return `${r} × ${c}: ${(this.spec.format ?? fmt)(v)}`;
  }

  private showTooltip(row: number, col: number, x: number, y: number): void {
    this.tooltip.textContent = this.describe(row, col);
    this.tooltip.hidden = false;
    this.canvas.dataset.hover = `${row},${col}`;
    const pw = this.plot.clientWidth, tw = this.tooltip.offsetWidth, th = this.tooltip.offsetHeight;
    const left = x + 14 + tw > pw + this.plot.scrollLeft ? Math.max(0, x - tw - 8) : x + 14;
    const top = y + 16 + th > this.canvas.offsetHeight ? Math.max(0, y - th - 8) : y + 16;
    this.tooltip.style.left = `${left}px`;
    this.tooltip.style.top = `${top}px`;
    this.spec.onHover?.(row, col, this.value(row, col));
  }

  private hideTooltip(): void {
    this.tooltip.hidden = true;
    delete this.canvas.dataset.hover;
  }

  private bindEvents(): void {
    this.canvas.addEventListener('mousemove', (e) => {
      const cell = this.cellAt(e.offsetX, e.offsetY);
      if (cell) this.showTooltip(cell.row, cell.col, this.canvas.offsetLeft + e.offsetX, this.canvas.offsetTop + e.offsetY);
      else this.hideTooltip();
    });
    this.canvas.addEventListener('mouseleave', () => this.hideTooltip());
    this.canvas.addEventListener('click', (e) => {
      const cell = this.cellAt(e.offsetX, e.offsetY);
      if (cell && this.spec.onSelect) this.spec.onSelect(cell.row, cell.col);
    });
    this.canvas.addEventListener('focus', () => { this.cursor ??= { row: 0, col: 0 }; this.moveCursor(0, 0); });
    this.canvas.addEventListener('blur', () => { this.hideTooltip(); if (this.data) this.draw(); });
    this.canvas.addEventListener('keydown', (e) => {
      if (!this.data) return;
      const big = e.shiftKey ? 10 : 1;
      const moves: Record<string, [number, number]> = { ArrowUp: [-big, 0], ArrowDown: [big, 0], ArrowLeft: [0, -big], ArrowRight: [0, big] };
      const m = moves[e.key];
      if (m) { e.preventDefault(); this.moveCursor(m[0], m[1]); return; }
      if ((e.key === 'Enter' || e.key === ' ') && this.cursor && this.spec.onSelect) {
        e.preventDefault();
        this.spec.onSelect(this.cursor.row, this.cursor.col);
      }
    });
  }

  private moveCursor(dr: number, dc: number): void {
    const L = this.layout;
    if (!this.data || !L) return;
    const cur = this.cursor ?? { row: 0, col: 0 };
    this.cursor = { row: clamp(cur.row + dr, 0, this.rows - 1), col: clamp(cur.col + dc, 0, this.cols - 1) };
    this.draw();
    const x = this.canvas.offsetLeft + L.left + (this.cursor.col + 0.5) * L.cw;
    const y = this.canvas.offsetTop + L.top + (this.cursor.row + 0.5) * L.ch;
    this.showTooltip(this.cursor.row, this.cursor.col, x, y);
  }

  private onResize(): void {
    // hidden (tab switched away): nothing to fit; redraw when shown again
    if (!this.data || this.plot.clientWidth === 0 || Math.abs(this.plot.clientWidth - this.lastWidth) < 2) return;
    cancelAnimationFrame(this.resizeFrame);
    this.resizeFrame = requestAnimationFrame(() => this.draw());
  }

  exportPng(): void {
    if (!this.data) return;
    const name = (this.spec.exportName ?? this.spec.id).replace(/[^\w.-]+/g, '-');
    post({ type: 'savePng', name: `${name}.png`, dataUrl: this.canvas.toDataURL('image/png') });
  }
}

/** RGB of value v on a scale in the current theme (chips, bars). */
export function scaleColor(kind: ScaleKind, v: number, min: number, max: number): [number, number, number] {
  const k = lutIndex(v, min, max);
  return rgbAt(lut(kind, themeKind()), k < 0 ? 0 : k);
}


/** A standalone legend (gradient + min/max ticks) for colourings drawn outside a Heatmap (token chips). */
export function legend(id: string, kind: ScaleKind, min: number, max: number, noteText?: string): HTMLElement {
  const dpr = window.devicePixelRatio || 1;
  const w = 120, h = 10;
  const canvas = el('canvas', { class: 'legend-bar', 'aria-hidden': 'true' });
  canvas.width = w * dpr;
  canvas.height = h * dpr;
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  const ctx = canvas.getContext('2d');
  if (ctx) {
    const table = lut(kind, themeKind());
    for (let x = 0; x < w * dpr; x++) {
      const k = Math.round((x / (w * dpr - 1)) * 255) * 4;
      ctx.fillStyle = `rgb(${table[k]}, ${table[k + 1]}, ${table[k + 2]})`;
      ctx.fillRect(x, 0, 1, h * dpr);
    }
  }
  return el('div', { id, 'data-testid': id, class: 'legend' },
    el('span', { id: `${id}-min`, 'data-testid': `${id}-min`, class: 'legend-tick' }, fmt(min)),
    canvas,
    el('span', { id: `${id}-max`, 'data-testid': `${id}-max`, class: 'legend-tick' }, fmt(max)),
    noteText ? el('span', { class: 'legend-note' }, noteText) : null);
}
