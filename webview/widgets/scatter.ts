// A 2-D scatter plot of n points ([n × 2] row-major coordinates), coloured by a category per point, with a hover
// readout (the point's text), click / Enter on the hovered point, and Export PNG. Colours from --vscode-*.
//
// DOM (id = spec.id): #<id> (data-testid, data-points = points drawn), #<id>-canvas (data-left, data-top,
// data-plot-w, data-plot-h, data-xmin, data-xmax, data-ymin, data-ymax: point (x, y) is at
// left + (x − xmin)/(xmax − xmin)·plotW, top + (ymax − y)/(ymax − ymin)·plotH), #<id>-tooltip, #<id>-export.
import { chrome, seriesColors } from './colors';
import { el } from './dom';
import { pngButton, sizeCanvas } from './canvas';

export interface ScatterSpec {
  id: string;
  title: string;
  xy: Float32Array;
  /** Category index per point (into `categories`). */
  categoryOf: ArrayLike<number>;
  categories: readonly string[];
  /** Hover text per point. */
  describe: (i: number) => string;
  onSelect?: (i: number) => void;
  width?: number;
  height?: number;
  exportName?: string;
}

export function scatter(spec: ScatterSpec): HTMLElement {
  const { id } = spec;
  const width = spec.width ?? 380, height = spec.height ?? 320;
  const canvas = el('canvas', { id: `${id}-canvas`, 'data-testid': `${id}-canvas`, class: 'chart-canvas', tabindex: 0, role: 'img', 'aria-label': spec.title });
  const tooltip = el('div', { id: `${id}-tooltip`, 'data-testid': `${id}-tooltip`, class: 'tooltip', role: 'status', 'aria-live': 'polite', hidden: true });
  const palette = seriesColors();
  const n = Math.floor(spec.xy.length / 2);
  const pad = 12;
  const left = pad, top = pad, plotW = width - 2 * pad, plotH = height - 2 * pad;
  let xmin = Infinity, xmax = -Infinity, ymin = Infinity, ymax = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = spec.xy[2 * i], y = spec.xy[2 * i + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (x < xmin) xmin = x; if (x > xmax) xmax = x;
    if (y < ymin) ymin = y; if (y > ymax) ymax = y;
  }
  if (!Number.isFinite(xmin)) { xmin = 0; xmax = 1; ymin = 0; ymax = 1; }
  if (xmax - xmin < 1e-12) { xmin -= 0.5; xmax += 0.5; }
  if (ymax - ymin < 1e-12) { ymin -= 0.5; ymax += 0.5; }
  const px = (x: number) => left + ((x - xmin) / (xmax - xmin)) * plotW;
  const py = (y: number) => top + ((ymax - y) / (ymax - ymin)) * plotH;
  Object.assign(canvas.dataset, { left: String(left), top: String(top), plotW: String(plotW), plotH: String(plotH), xmin: String(xmin), xmax: String(xmax), ymin: String(ymin), ymax: String(ymax) });

  const c = chrome();
  const ctx = sizeCanvas(canvas, width, height);
  let drawn = 0;
  if (ctx) {
    ctx.fillStyle = c.background;
    ctx.fillRect(0, 0, width, height);
    ctx.strokeStyle = c.grid;
    ctx.strokeRect(0.5, 0.5, width - 1, height - 1);
    for (let i = 0; i < n; i++) {
      const x = spec.xy[2 * i], y = spec.xy[2 * i + 1];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      ctx.fillStyle = palette[(spec.categoryOf[i] ?? 0) % palette.length];
      ctx.beginPath(); ctx.arc(px(x), py(y), 3.5, 0, Math.PI * 2); ctx.fill();
      drawn++;
    }
  }
  let hovered = -1;
  const nearest = (mx: number, my: number): number => {
    let best = -1, bd = 64; // within 8 px
    for (let i = 0; i < n; i++) {
      const dx = px(spec.xy[2 * i]) - mx, dy = py(spec.xy[2 * i + 1]) - my, d = dx * dx + dy * dy;
      if (d < bd) { bd = d; best = i; }
    }
    return best;
  };
  canvas.addEventListener('mousemove', (e) => {
    const r = canvas.getBoundingClientRect();
    const mx = e.clientX - r.left, my = e.clientY - r.top;
    hovered = nearest(mx, my);
    canvas.style.cursor = hovered >= 0 && spec.onSelect ? 'pointer' : 'default';
    if (hovered < 0) { tooltip.hidden = true; return; }
    tooltip.textContent = `${spec.categories[spec.categoryOf[hovered]] ?? '?'} · ${spec.describe(hovered)}`;
    tooltip.hidden = false;
    tooltip.style.left = `${Math.min(mx + 12, Math.max(0, width - 220))}px`;
    tooltip.style.top = `${Math.max(0, my - 10)}px`;
  });
  canvas.addEventListener('mouseleave', () => { tooltip.hidden = true; hovered = -1; });
  canvas.addEventListener('click', (e) => {
    const r = canvas.getBoundingClientRect();
    const i = nearest(e.clientX - r.left, e.clientY - r.top);
    if (i >= 0) spec.onSelect?.(i);
  });
  canvas.addEventListener('keydown', (e) => { if (e.key === 'Enter' && hovered >= 0) spec.onSelect?.(hovered); });

  const legend = el('div', { class: 'chart-legend' }, ...spec.categories.map((name, k) => {
    const sw = el('span', { class: 'swatch dot', 'aria-hidden': 'true' });
    sw.style.backgroundColor = palette[k % palette.length];
    return el('span', { class: 'legend-item' }, sw, name);
  }));
  const root = el('div', { id, 'data-testid': id, class: 'chart exp-chart scatter', 'data-points': String(drawn) },
    el('div', { class: 'heatmap-head' }, el('span', { class: 'heatmap-title' }, spec.title), pngButton(id, canvas, spec.exportName ?? id)),
    el('div', { class: 'chart-box' }, canvas, tooltip), legend);
  return root;
}
