// Vectors tab: for the chosen layer, every pooled vector present (cls, mean, max, pooler, …) as a heat strip of
// its H dimensions (diverging, centred at 0), its top-k dimensions by |value| and its norm; then how the poolings
// agree across layers (cosine of each pair, from poolingCos) and cos(cls, mean) per layer.
import type { PoolingName } from '../../src/shared/types';
import { POOLINGS, poolingLabel } from '../../src/shared/poolings';
import type { InspectionView } from '../../src/shared/protocol';
import { LineChart, type Series } from '../widgets/charts';
import { commandButton, el, fmt, layerName, note, selectControl, stat } from '../widgets/dom';
import { Heatmap } from '../widgets/heatmap';
import { layerChoices } from '../app/sideView';
import { layerIndex, type Ctx, type View } from '../app/state';

const TOP_K = 10;

/** Indices of the k largest |values|, largest first. */
export function topK(v: Float32Array, k: number): number[] {
  const idx = Array.from({ length: v.length }, (_, i) => i).filter((i) => Number.isFinite(v[i]));
  idx.sort((a, b) => Math.abs(v[b]) - Math.abs(v[a]) || a - b);
  return idx.slice(0, k);
}

export function noInspection(what: string): HTMLElement {
  return note(`Nothing inspected yet: select text in an editor and run "CLS Lens: Inspect Selection" to see ${what}.`, { class: 'note empty-note' });
}

export class VectorsTab implements View {
  readonly root = el('div', { class: 'tab-body', 'data-testid': 'vectors-body' });
  private key = '';

  update(ctx: Ctx): void {
    const insp = ctx.snapshot.inspection;
    const li = insp ? layerIndex(insp, ctx.options.layer) : -1;
    const key = `${insp?.runId}|${li}|${ctx.themeVersion}`;
    if (key === this.key) return;
    this.key = key;
    if (!insp) { this.root.replaceChildren(noInspection('the pooled vectors')); return; }
    const layerId = insp.layerIds[li];
    const controls = el('div', { class: 'controls' },
      selectControl('vectors-layer', 'Layer', layerChoices(insp), String(li), (v) => ctx.setOptions({ layer: Number(v) })),
      stat(`cos(cls, mean) at ${layerName(layerId)}`, fmt(insp.clsMean[li]), { id: 'vectors-clsmean' }),
      commandButton('export-vectors', 'save', 'Export Vectors…', 'clsLens.exportVectors', true));
    const sections: HTMLElement[] = [];
    for (const p of POOLINGS) {
      const t = insp.vectors[p];
      if (t) sections.push(this.pooling(insp, p, li));
    }
    this.root.replaceChildren(controls, el('div', { class: 'vector-list' }, ...sections), this.charts(ctx, insp, li));
  }

  private pooling(insp: InspectionView, p: PoolingName, li: number): HTMLElement {
    const t = insp.vectors[p]!;
    const [R, H] = t.dims;
    const r = p === 'pooler' || R === 1 ? 0 : Math.min(li, R - 1);
    const v = t.data.subarray(r * H, (r + 1) * H);
    const norm = insp.norms[p]?.[r];
    const lastOnly = R === 1 && insp.layerIds.length > 1 && li !== insp.layerIds.length - 1;
    const shownLayer = R === 1 ? insp.layerIds[insp.layerIds.length - 1] : insp.layerIds[r];
    const strip = new Heatmap({
      id: `vec-${p}-strip`, title: `${H} dimensions at ${layerName(shownLayer)}`, scale: 'diverging', cellHeight: 26, maxCell: 14,
      describe: (_r, c, val) => `dim ${c}: ${fmt(val)}`, exportName: `cls-lens-${p}-${layerName(shownLayer).replace(' ', '')}`,
    });
    const top = topK(v, Math.min(TOP_K, H));
    const table = el('table', { id: `topk-${p}`, 'data-testid': `topk-${p}`, class: 'topk' },
      el('caption', {}, `Top ${top.length} dimensions by |value|, largest first`),
      el('tbody', {},
        el('tr', {}, el('th', { scope: 'row' }, 'dim'), ...top.map((d, i) => el('td', { 'data-rank': i + 1 }, String(d)))),
        el('tr', {}, el('th', { scope: 'row' }, 'value'), ...top.map((d) => el('td', { class: v[d] < 0 ? 'neg' : null }, fmt(v[d]))))));
    const section = el('section', { class: 'vector', 'data-testid': `vec-${p}`, id: `vec-${p}` },
      el('h3', {}, poolingLabel(p), ' ', el('span', { class: 'meta inline' }, '|v| = ', el('span', { id: `norm-${p}`, 'data-testid': `norm-${p}` }, norm === undefined ? 'n/a' : fmt(norm)))),
      lastOnly ? note(`${p} exists for the last layer only: shown at ${layerName(shownLayer)}.`) : null,
      strip.root, el('div', { class: 'scroll-x' }, table));
    strip.setData(v, 1, H);    // redrawn at its real width once inserted (ResizeObserver)
    return section;
  }

  private charts(ctx: Ctx, insp: InspectionView, li: number): HTMLElement {
    const names = insp.poolingNames;
    const [R, P] = [insp.poolingCos.dims[0], insp.poolingCos.dims[1]];
    const xLabels = insp.layerIds.map((id) => (id === 0 ? 'emb' : String(id)));
    const series: Series[] = [];
    for (let i = 0; i < P; i++) {
      for (let j = i + 1; j < P; j++) {
        const values = new Float32Array(R);
        for (let r = 0; r < R; r++) values[r] = insp.poolingCos.data[(r * P + i) * P + j];
        series.push({ key: `${names[i]}|${names[j]}`, label: `${names[i]} · ${names[j]}`, values });
      }
    }
    const defaults = series.filter((s) => s.key.split('|').includes('cls')).map((s) => s.key);
    const shown = ctx.ui.shownPairs?.filter((k) => series.some((s) => s.key === k)) ?? (defaults.length ? defaults : series.map((s) => s.key));
    const pairs = new LineChart({
      id: 'chart-pooling-cos', title: 'cos between poolings, per layer (click the legend to show pairs)', xLabels, yClamp: [-1, 1], marker: li,
      onToggle: (keys) => ctx.setUi({ shownPairs: keys }, false),
    });
    const clsMean = new LineChart({ id: 'chart-cls-mean', title: 'cos(cls, mean) per layer', xLabels, yClamp: [-1, 1], marker: li });
    const box = el('section', { class: 'charts' }, el('h3', {}, 'Across layers'),
      el('div', { class: 'chart-row' }, pairs.root, clsMean.root),
      el('p', { class: 'meta' }, `Dashed line: the chosen layer (${layerName(insp.layerIds[li])}). Pooler is compared at the last layer only.`));
    pairs.setSeries(series, shown);
    clsMean.setSeries([{ key: 'clsMean', label: 'cos(cls, mean)', values: insp.clsMean }]);
    return box;
  }
}
