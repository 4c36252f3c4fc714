// A line chart over layers for the experiment views: several series (solid or dashed, gaps where a value is
// missing), horizontal reference rules (a majority rate, a baseline), a hover readout, an "Export PNG" button, and
// the table of every number drawn (charts are not the only way to read the data). Colours from --vscode-*.
//
// DOM (id = spec.id): #<id> (data-testid, data-series = series drawn, data-points = finite points drawn),
// #<id>-canvas (data-left, data-top, data-plot-w, data-plot-h, data-ymin, data-ymax: x index i is at
// left + i/(n-1)·plotW, value v at top + (ymax − v)/(ymax − ymin)·plotH), #<id>-tooltip, #<id>-export, #<id>-table.
import { chrome, seriesColors } from './colors';
import { el, fmt } from './dom';
import { pngButton, sizeCanvas } from './canvas';

export interface ChartSeries {
  key: string;
  label: string;
  /** One value per x position; null or NaN: no point there. */
  values: readonly (number | null)[];
  dashed?: boolean;
  /** Index into the palette (series that belong together share a colour: a probe and its control). */
  color?: number;
}

export interface ChartRule { label: string; value: number }

export interface LineChartSpec {
  id: string;
  title: string;
  xLabels: readonly string[];
  xTitle?: string;
  yTitle?: string;
  series: readonly ChartSeries[];
  rules?: readonly ChartRule[];
  /** Fixed y domain, else the data's (rules included), padded. */
  yRange?: { min: number; max: number };
  width?: number;
  height?: number;
  /** Leave the table out (the caller shows the same numbers in its own table). */
  noTable?: boolean;
  exportName?: string;
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** Y domain over the data and rules, padded by 5%; a flat domain is widened so it is drawable. */
export function yDomain(series: readonly ChartSeries[], rules: readonly ChartRule[] = []): { min: number; max: number } {
  let min = Infinity, max = -Infinity;
  for (const s of series) for (const v of s.values) if (finite(v)) { if (v < min) min = v; if (v > max) max = v; }
  for (const r of rules) if (finite(r.value)) { if (r.value < min) min = r.value; if (r.value > max) max = r.value; }
  if (!Number.isFinite(min)) return { min: 0, max: 1 };
  if (max - min < 1e-9) return { min: min - 0.5, max: max + 0.5 };
  const pad = (max - min) * 0.05;
  return { min: min - pad, max: max + pad };
}

export function lineChart(spec: LineChartSpec): HTMLElement {
  const { id } = spec;
  const width = spec.width ?? 560, height = spec.height ?? 260;
  const canvas = el('canvas', { id: `${id}-canvas`, 'data-testid': `${id}-canvas`, class: 'chart-canvas', role: 'img', 'aria-label': `${spec.title} (the table below has the numbers)` });
  const tooltip = el('div', { id: `${id}-tooltip`, 'data-testid': `${id}-tooltip`, class: 'tooltip', role: 'status', 'aria-live': 'polite', hidden: true });
  const box = el('div', { class: 'chart-box' }, canvas, tooltip);
  const palette = seriesColors();
  const colorOf = (s: ChartSeries, i: number) => palette[(s.color ?? i) % palette.length];
  const legend = el('div', { class: 'chart-legend', id: `${id}-legend` },
    ...spec.series.map((s, i) => {
      const swatch = el('span', { class: `swatch${s.dashed ? ' dashed' : ''}`, 'aria-hidden': 'true' });
      swatch.style.borderColor = colorOf(s, i);
      return el('span', { class: 'legend-item', 'data-key': s.key }, swatch, s.label);
    }),
    ...(spec.rules ?? []).map((r) => el('span', { class: 'legend-item rule' }, el('span', { class: 'swatch rule', 'aria-hidden': 'true' }), `${r.label} ${fmt(r.value)}`)));
  const root = el('div', { id, 'data-testid': id, class: 'chart exp-chart' },
    el('div', { class: 'heatmap-head' }, el('span', { class: 'heatmap-title' }, spec.title), pngButton(id, canvas, spec.exportName ?? id)),
    box, legend);
  if (!spec.noTable) root.append(seriesTable(`${id}-table`, spec.title, spec.xTitle ?? 'layer', spec.xLabels, spec.series, spec.rules));

  const c = chrome();
  const ctx = sizeCanvas(canvas, width, height);
  const left = 48, right = 12, top = 10, bottom = 34;
  const plotW = width - left - right, plotH = height - top - bottom;
  const n = spec.xLabels.length;
  const dom = spec.yRange ?? yDomain(spec.series, spec.rules);
  const xAt = (i: number) => left + (n <= 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const yAt = (v: number) => top + ((dom.max - v) / (dom.max - dom.min)) * plotH;
  Object.assign(canvas.dataset, { left: String(left), top: String(top), plotW: String(plotW), plotH: String(plotH), ymin: String(dom.min), ymax: String(dom.max) });
  let points = 0;
  if (ctx) {
    ctx.fillStyle = c.background;
    ctx.fillRect(0, 0, width, height);
    ctx.font = `10px ${c.font}`;
    ctx.strokeStyle = c.grid;
    ctx.fillStyle = c.muted;
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let k = 0; k <= 4; k++) {
      const v = dom.min + ((dom.max - dom.min) * k) / 4, y = yAt(v);
      ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + plotW, y); ctx.stroke();
      ctx.fillText(fmt(v), left - 4, y);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const step = Math.max(1, Math.ceil(n / 16));
    for (let i = 0; i < n; i += step) ctx.fillText(spec.xLabels[i], xAt(i), top + plotH + 4);
    if (spec.xTitle) ctx.fillText(spec.xTitle, left + plotW / 2, top + plotH + 18);
    for (const r of spec.rules ?? []) {
      if (!finite(r.value)) continue;
      const y = yAt(r.value);
      ctx.strokeStyle = c.foreground;
      ctx.setLineDash([2, 3]);
      ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + plotW, y); ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = c.foreground;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'bottom';
      ctx.fillText(r.label, left + plotW, y - 2);
    }
    spec.series.forEach((s, si) => {
      ctx.strokeStyle = colorOf(s, si);
      ctx.fillStyle = colorOf(s, si);
      ctx.lineWidth = 2;
      ctx.setLineDash(s.dashed ? [6, 4] : []);
      ctx.beginPath();
      let pen = false;
      s.values.forEach((v, i) => {
        if (!finite(v)) { pen = false; return; }
        if (pen) ctx.lineTo(xAt(i), yAt(v)); else ctx.moveTo(xAt(i), yAt(v));
        pen = true;
      });
      ctx.stroke();
      ctx.setLineDash([]);
      s.values.forEach((v, i) => {
        if (!finite(v)) return;
        points++;
        ctx.beginPath(); ctx.arc(xAt(i), yAt(v), s.dashed ? 2 : 3, 0, Math.PI * 2); ctx.fill();
      });
    });
  }
  root.dataset.series = String(spec.series.length);
  root.dataset.points = String(points);

  canvas.addEventListener('mousemove', (e) => {
    const r = canvas.getBoundingClientRect();
    const x = e.clientX - r.left;
    if (n === 0 || x < left - 10 || x > left + plotW + 10) { tooltip.hidden = true; return; }
    const i = n <= 1 ? 0 : Math.max(0, Math.min(n - 1, Math.round(((x - left) / plotW) * (n - 1))));
    const lines = spec.series.map((s) => `${s.label}: ${finite(s.values[i]) ? fmt(s.values[i] as number) : '—'}`);
    tooltip.textContent = `${spec.xTitle ?? 'layer'} ${spec.xLabels[i]} · ${lines.join(' · ')}`;
    tooltip.hidden = false;
    tooltip.style.left = `${Math.min(x + 12, Math.max(0, width - 260))}px`;
    tooltip.style.top = `${Math.max(0, e.clientY - r.top - 10)}px`;
  });
  canvas.addEventListener('mouseleave', () => { tooltip.hidden = true; });
  return root;
}

/** The numbers of a chart: one row per x position, one column per series (and rule). */
export function seriesTable(id: string, caption: string, xTitle: string, xLabels: readonly string[], series: readonly ChartSeries[], rules: readonly ChartRule[] = []): HTMLTableElement {
  const head = el('tr', {}, el('th', { scope: 'col' }, xTitle), ...series.map((s) => el('th', { scope: 'col', 'data-key': s.key }, s.label)),
    ...rules.map((r) => el('th', { scope: 'col' }, r.label)));
  const rows = xLabels.map((x, i) => el('tr', { 'data-x': x }, el('th', { scope: 'row' }, x),
    ...series.map((s) => el('td', { 'data-key': s.key }, finite(s.values[i]) ? fmt(s.values[i] as number) : '—')),
    ...rules.map((r) => el('td', {}, fmt(r.value)))));
  return el('table', { id, 'data-testid': id, class: 'data-table' }, el('caption', {}, caption), el('thead', {}, head), el('tbody', {}, ...rows));
}
