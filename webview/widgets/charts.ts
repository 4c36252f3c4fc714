// Small canvas charts next to the heatmaps: a line chart over layers (with toggleable series and a hover readout)
// and a bar strip over tokens. Same conventions as heatmap.ts: devicePixelRatio-aware, chrome colours from
// --vscode-*, #<id>-tooltip, #<id>-export posting savePng.
import { chrome, seriesColors, themeKind } from './colors';
import { clamp, el, fmt } from './dom';
import { finiteRange } from '../app/state';
import { pngButton, sizeCanvas } from './canvas';

function placeTooltip(tip: HTMLElement, box: HTMLElement, x: number, y: number): void {
  tip.hidden = false;
  const left = x + 14 + tip.offsetWidth > box.clientWidth ? Math.max(0, x - tip.offsetWidth - 8) : x + 14;
  tip.style.left = `${left}px`;
  tip.style.top = `${Math.max(0, y - tip.offsetHeight / 2)}px`;
}

// ---- line chart -----------------------------------------------------------------------------------------------

export interface Series { key: string; label: string; values: ArrayLike<number> }

export interface LineChartSpec {
  id: string;
  title: string;
  xLabels: string[];
  /** Fixed y domain; default: the data's range, padded. */
  yRange?: { min: number; max: number };
  height?: number;
  /** Bounds the automatic y domain (e.g. [-1, 1] for cosines). */
  yClamp?: [number, number];
  /** Index of the x position to mark (the chosen layer). */
  marker?: number;
  /** Called with the keys shown after a legend toggle. */
  onToggle?: (shown: string[]) => void;
}

export class LineChart {
  readonly root: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly box: HTMLDivElement;
  private readonly legend: HTMLDivElement;
  private readonly tooltip: HTMLDivElement;
  private series: Series[] = [];
  private shown = new Set<string>();
  private geom: { left: number; top: number; w: number; h: number; n: number } | null = null;
  private lastWidth = 0;

  constructor(private readonly spec: LineChartSpec) {
    const id = spec.id;
    this.canvas = el('canvas', { id: `${id}-canvas`, 'data-testid': `${id}-canvas`, class: 'chart-canvas', role: 'img', 'aria-label': spec.title });
    this.tooltip = el('div', { id: `${id}-tooltip`, 'data-testid': `${id}-tooltip`, class: 'tooltip', hidden: true });
    this.box = el('div', { class: 'chart-box' }, this.canvas, this.tooltip);
    this.legend = el('div', { class: 'chart-legend', role: 'group', 'aria-label': `${spec.title}: series` });
    this.root = el('div', { id, 'data-testid': id, class: 'chart' },
      el('div', { class: 'heatmap-head' }, el('span', { class: 'heatmap-title' }, spec.title), pngButton(id, this.canvas, () => id)),
      this.box, this.legend);
    this.canvas.addEventListener('mousemove', (e) => this.hover(e.offsetX));
    this.canvas.addEventListener('mouseleave', () => { this.tooltip.hidden = true; this.draw(); });
    new ResizeObserver(() => {
      if (this.box.clientWidth > 0 && Math.abs(this.box.clientWidth - this.lastWidth) >= 2) requestAnimationFrame(() => this.draw());
    }).observe(this.box);
  }

  /** `shown`: keys drawn (default: all). */
  setSeries(series: Series[], shown?: Iterable<string>): this {
    this.series = series;
    this.shown = new Set(shown ?? series.map((s) => s.key));
    const colors = seriesColors(themeKind());
    this.legend.replaceChildren(...series.map((s, i) => {
      const b = el('button', { type: 'button', class: 'series-toggle', 'data-key': s.key, 'aria-pressed': String(this.shown.has(s.key)) },
        el('span', { class: `swatch${i >= colors.length ? ' dashed' : ''}` }), s.label);
      (b.firstChild as HTMLElement).style.borderColor = colors[i % colors.length];
      if (i < colors.length) (b.firstChild as HTMLElement).style.background = colors[i % colors.length];
      b.addEventListener('click', () => {
        if (this.shown.has(s.key)) this.shown.delete(s.key); else this.shown.add(s.key);
        b.setAttribute('aria-pressed', String(this.shown.has(s.key)));
        this.draw();
        this.spec.onToggle?.([...this.shown]);
      });
      return b;
    }));
    this.legend.hidden = series.length < 2;
    this.draw();
    return this;
  }

  draw(hoverIndex = -1): void {
    const c = chrome();
    const width = Math.max(200, this.box.clientWidth || 480);
    this.lastWidth = this.box.clientWidth;
    const height = this.spec.height ?? 170;
    const ctx = sizeCanvas(this.canvas, width, height);
    if (!ctx) return;
    ctx.fillStyle = c.background;
    ctx.fillRect(0, 0, width, height);
    const left = 44, right = 12, top = 10, bottom = 30;
    const w = width - left - right, h = height - top - bottom;
    const n = this.spec.xLabels.length;
    const visible = this.series.filter((s) => this.shown.has(s.key));
    let { min, max } = this.spec.yRange ?? (() => {
      const all: number[] = [];
      for (const s of visible) for (let i = 0; i < s.values.length; i++) all.push(s.values[i]);
      const r = finiteRange(all);
      const pad = (r.max - r.min) * 0.08 || 0.05;
      const [lo, hi] = this.spec.yClamp ?? [-Infinity, Infinity];
      return { min: Math.max(lo, r.min - pad), max: Math.min(hi, r.max + pad) };
    })();
    if (min === max) { min -= 0.5; max += 0.5; }
    const xAt = (i: number) => left + (n <= 1 ? w / 2 : (i / (n - 1)) * w);
    const yAt = (v: number) => top + (1 - (v - min) / (max - min)) * h;
    this.geom = { left, top, w, h, n };

    // axes and grid
    ctx.font = `10px ${c.font}`;
    ctx.strokeStyle = c.grid;
    ctx.fillStyle = c.muted;
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const v of [min, (min + max) / 2, max]) {
      const y = Math.round(yAt(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + w, y); ctx.stroke();
      ctx.fillText(fmt(v), left - 4, y);
    }
    if (min < 0 && max > 0) {
      ctx.setLineDash([2, 3]);
      const y = Math.round(yAt(0)) + 0.5;
      ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + w, y); ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const step = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(w / 34))));
    for (let i = 0; i < n; i += step) ctx.fillText(this.spec.xLabels[i], xAt(i), top + h + 4);
    const mk = this.spec.marker;
    if (mk !== undefined && mk >= 0 && mk < n) {
      ctx.strokeStyle = c.focus;
      ctx.setLineDash([4, 3]);
      ctx.beginPath(); ctx.moveTo(Math.round(xAt(mk)) + 0.5, top); ctx.lineTo(Math.round(xAt(mk)) + 0.5, top + h); ctx.stroke();
      ctx.setLineDash([]);
    }
    if (hoverIndex >= 0) {
      ctx.strokeStyle = c.foreground;
      ctx.beginPath(); ctx.moveTo(Math.round(xAt(hoverIndex)) + 0.5, top); ctx.lineTo(Math.round(xAt(hoverIndex)) + 0.5, top + h); ctx.stroke();
    }

    // series
    const colors = seriesColors(themeKind());
    this.series.forEach((s, si) => {
      if (!this.shown.has(s.key)) return;
      ctx.strokeStyle = ctx.fillStyle = colors[si % colors.length];
      ctx.lineWidth = 1.75;
      ctx.setLineDash(si >= colors.length ? [5, 3] : []);
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < Math.min(n, s.values.length); i++) {
        const v = s.values[i];
        if (!Number.isFinite(v)) { pen = false; continue; }
        if (pen) ctx.lineTo(xAt(i), yAt(v)); else ctx.moveTo(xAt(i), yAt(v));
        pen = true;
      }
      ctx.stroke();
      ctx.setLineDash([]);
      for (let i = 0; i < Math.min(n, s.values.length); i++) {
        const v = s.values[i];
        if (!Number.isFinite(v)) continue;
        ctx.beginPath(); ctx.arc(xAt(i), yAt(v), i === hoverIndex ? 3.5 : 2.2, 0, Math.PI * 2); ctx.fill();
      }
    });
    this.canvas.dataset.series = String(visible.length);
  }

  private hover(x: number): void {
    const g = this.geom;
    if (!g || g.n === 0) return;
    const i = g.n <= 1 ? 0 : clamp(Math.round(((x - g.left) / g.w) * (g.n - 1)), 0, g.n - 1);
    this.draw(i);
    const lines = this.series.filter((s) => this.shown.has(s.key)).map((s) => `${s.label}: ${fmt(s.values[i])}`);
    this.tooltip.textContent = [this.spec.xLabels[i], ...lines].join('\n');
    this.canvas.dataset.hover = String(i);
    placeTooltip(this.tooltip, this.box, x, g.top + g.h / 2);
  }
}

// ---- bar strip --------------------------------------------------------------------------------------------------

export interface BarStripSpec {
  id: string;
  title: string;
  height?: number;
  describe?: (i: number, v: number) => string;
  exportName?: () => string;
}

/** One bar per token (value / max), labels under the bars when there is room. */
export class BarStrip {
  readonly root: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly box: HTMLDivElement;
  private readonly tooltip: HTMLDivElement;
  private readonly maxLabel: HTMLSpanElement;
  private values: Float32Array = new Float32Array(0);
  private labels: readonly string[] = [];
  private geom: { left: number; bw: number } | null = null;
  private lastWidth = 0;

  constructor(private readonly spec: BarStripSpec) {
    const id = spec.id;
    this.canvas = el('canvas', { id: `${id}-canvas`, 'data-testid': `${id}-canvas`, class: 'chart-canvas', role: 'img', 'aria-label': spec.title });
    this.tooltip = el('div', { id: `${id}-tooltip`, 'data-testid': `${id}-tooltip`, class: 'tooltip', hidden: true });
    this.box = el('div', { class: 'chart-box scroll-x' }, this.canvas, this.tooltip);
    this.maxLabel = el('span', { id: `${id}-max`, class: 'legend-tick' });
    this.root = el('div', { id, 'data-testid': id, class: 'chart' },
      el('div', { class: 'heatmap-head' }, el('span', { class: 'heatmap-title' }, spec.title), this.maxLabel,
        pngButton(id, this.canvas, spec.exportName ?? (() => id))),
      this.box);
    this.canvas.addEventListener('mousemove', (e) => this.hover(e.offsetX, e.offsetY));
    this.canvas.addEventListener('mouseleave', () => { this.tooltip.hidden = true; });
    new ResizeObserver(() => {
      if (this.box.clientWidth > 0 && Math.abs(this.box.clientWidth - this.lastWidth) >= 2) requestAnimationFrame(() => this.draw());
    }).observe(this.box);
  }

  setData(values: Float32Array, labels: readonly string[]): this {
    this.values = values;
    this.labels = labels;
    this.draw();
    return this;
  }

  draw(): void {
    const c = chrome();
    const n = this.values.length;
    const avail = Math.max(200, (this.box.clientWidth || 480) - 2);
    this.lastWidth = this.box.clientWidth;
    const left = 4;
    const bw = clamp((avail - left * 2) / Math.max(1, n), 1, 36);
    const labelRoom = bw >= 11 ? 52 : 0;
    const barH = this.spec.height ?? 64;
    const width = Math.ceil(left * 2 + bw * n), height = barH + labelRoom + 4;
    const ctx = sizeCanvas(this.canvas, width, height);
    if (!ctx) return;
    this.geom = { left, bw };
    ctx.fillStyle = c.background;
    ctx.fillRect(0, 0, width, height);
    const { max } = finiteRange(this.values);
    const top = Math.max(max, 1e-12);
    this.maxLabel.textContent = `max ${fmt(max)}`;
    ctx.fillStyle = seriesColors(themeKind())[0];
    for (let i = 0; i < n; i++) {
      const v = this.values[i];
      if (!Number.isFinite(v) || v <= 0) continue;
      const h = (v / top) * barH;
      ctx.fillRect(left + i * bw + (bw > 3 ? 0.5 : 0), 2 + barH - h, Math.max(1, bw - (bw > 3 ? 1 : 0)), h);
    }
    ctx.strokeStyle = c.grid;
    ctx.beginPath(); ctx.moveTo(left, barH + 2.5); ctx.lineTo(left + bw * n, barH + 2.5); ctx.stroke();
    if (labelRoom) {
      ctx.fillStyle = c.foreground;
      ctx.font = `10px ${c.font}`;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      for (let i = 0; i < n; i++) {
        ctx.save();
        ctx.translate(left + (i + 0.5) * bw, barH + 6);
        ctx.rotate(-Math.PI / 2);
        const s = this.labels[i] ?? '';
        ctx.fillText(s.length > 8 ? `${s.slice(0, 7)}…` : s, 0, 0);
        ctx.restore();
      }
    }
    this.canvas.dataset.count = String(n);
    this.canvas.dataset.barW = String(bw);
    this.canvas.dataset.left = String(left);
  }

  private hover(x: number, y: number): void {
    const g = this.geom;
    if (!g) return;
    const i = Math.floor((x - g.left) / g.bw);
    if (i < 0 || i >= this.values.length) { this.tooltip.hidden = true; return; }
    const v = this.values[i];
    this.tooltip.textContent = this.spec.describe ? this.spec.describe(i, v) : `${i}: ${this.labels[i] ?? ''} = ${fmt(v)}`;
    this.canvas.dataset.hover = String(i);
    placeTooltip(this.tooltip, this.box, x, y);
  }
}
