// Compare tab: the N × N cosine matrix between pinned texts for the chosen pooling and layer, and per layer how
// much the cls and mean poolings disagree about those similarities (mean |cos_cls − cos_mean| over pairs).
import type { FloatTensor, PoolingName } from '../../src/shared/types';
import { POOLINGS } from '../../src/shared/poolings';
import type { CompareView, InspectionView, ViewOptions } from '../../src/shared/protocol';
import { LineChart } from '../widgets/charts';
import { commandButton, el, fmt, layerName, note, selectControl } from '../widgets/dom';
import { Heatmap } from '../widgets/heatmap';
import { layerIndex, type Ctx, type View } from '../app/state';

/** Index into compare.layerIds for the chosen option (options.layer indexes the inspection's layerIds). */
export function compareLayerIndex(cmp: CompareView, insp: InspectionView | null, o: ViewOptions): number {
  const R = cmp.layerIds.length;
  if (insp) {
    const id = insp.layerIds[layerIndex(insp, o.layer)];
    const i = cmp.layerIds.indexOf(id);
    if (i >= 0) return i;
  }
  return o.layer >= 0 && o.layer < R ? o.layer : R - 1;
}

/** [R] mean over pairs i<j of |a − b| for two [R, N, N] matrices (NaN where either is missing). */
export function disagreement(a: FloatTensor, b: FloatTensor): Float32Array {
  const [R, N] = a.dims;
  const out = new Float32Array(R);
  for (let r = 0; r < R; r++) {
    let s = 0, n = 0;
    for (let i = 0; i < N; i++) {
      for (let j = i + 1; j < N; j++) {
        const x = a.data[(r * N + i) * N + j], y = b.data[(r * N + i) * N + j];
        if (Number.isFinite(x) && Number.isFinite(y)) { s += Math.abs(x - y); n++; }
      }
    }
    out[r] = n ? s / n : NaN;
  }
  return out;
}

function help(): HTMLElement {
  return el('div', { id: 'compare-help', class: 'help', 'data-testid': 'compare-help' },
    el('p', {}, 'Compare how several texts relate under each pooling:'),
    el('ol', {},
      el('li', {}, 'Select a text in an editor and run ', el('strong', {}, 'CLS Lens: Pin Selection for Comparison'), '. Repeat for each text (two or more).'),
      el('li', {}, 'Run ', el('strong', {}, 'CLS Lens: Compare Pinned Selections'), ' (or the button below).')),
    el('p', { class: 'meta' }, 'The matrix shows the cosine between the pinned texts for the chosen pooling and layer; the chart shows, per layer, how far the [CLS] similarities are from the mean-pooling ones.'));
}

export class CompareTab implements View {
  readonly root = el('div', { class: 'tab-body', 'data-testid': 'compare-body' });
  private key = '';

  update(ctx: Ctx): void {
    const cmp = ctx.snapshot.compare, insp = ctx.snapshot.inspection, o = ctx.options;
    const ci = cmp && cmp.layerIds.length ? compareLayerIndex(cmp, insp, o) : -1;
    const key = cmp ? `${JSON.stringify(cmp.pins)}|${cmp.layerIds.join(',')}|${Object.keys(cmp.matrices).join(',')}|${o.pooling}|${ci}|${ctx.themeVersion}` : `none|${ctx.themeVersion}`;
    if (key === this.key) return;
    this.key = key;
    const buttons = el('div', { class: 'actions' },
      commandButton('compare-run', 'git-compare', 'Compare Pinned Selections', 'clsLens.comparePinned'),
      commandButton('compare-clear', 'clear-all', 'Clear Pins', 'clsLens.clearPinned', true));
    if (!cmp || cmp.pins.length < 2) {
      const one = cmp && cmp.pins.length === 1 ? note(`One text pinned (${cmp.pins[0].label}): pin at least one more.`, { id: 'compare-count' }) : null;
      this.root.replaceChildren(...(one ? [one] : []), help(), buttons);
      return;
    }
    const present = POOLINGS.filter((p) => cmp.matrices[p]);
    const pooling: PoolingName | undefined = cmp.matrices[o.pooling] ? o.pooling : present[0];
    const controls = el('div', { class: 'controls' },
      selectControl('compare-pooling', 'Pooling', present.map((p) => ({ value: p, label: p })), pooling ?? '', (v) => ctx.setOptions({ pooling: v as PoolingName })),
      selectControl('compare-layer', 'Layer', cmp.layerIds.map((id, i) => ({ value: String(i), label: layerName(id) })), String(ci), (v) => {
        const id = cmp.layerIds[Number(v)];
        const li = insp ? insp.layerIds.indexOf(id) : Number(v);
        ctx.setOptions({ layer: li >= 0 ? li : Number(v) });
      }));
    const labels = cmp.pins.map((p) => p.label);
    const pins = el('ol', { id: 'compare-pins', class: 'pins' }, ...cmp.pins.map((p) => el('li', {}, el('strong', {}, p.label), ' ', el('span', { class: 'meta inline' }, p.text.length > 140 ? `${p.text.slice(0, 139)}…` : p.text))));
    const parts: (HTMLElement | null)[] = [controls, pins];
    if (pooling) {
      const t = cmp.matrices[pooling]!;
      const [R, N] = t.dims;
      const r = R === 1 ? 0 : Math.min(ci, R - 1);
      const hm = new Heatmap({
        id: 'hm-compare', title: `cos between pinned texts · ${pooling} · ${layerName(R === 1 ? cmp.layerIds[cmp.layerIds.length - 1] : cmp.layerIds[r])}`,
        scale: 'sequential', rowLabels: labels, colLabels: labels, maxCell: 48, rowTitle: 'pin', colTitle: 'pin',
        describe: (i, j, v) => `${labels[i]} · ${labels[j]}: cos = ${fmt(v)}`, exportName: `cls-lens-compare-${pooling}`,
      });
      hm.setData(t.data.subarray(r * N * N, (r + 1) * N * N), N, N);
      parts.push(hm.root);
    } else {
      parts.push(note('The comparison has no pooled matrices.'));
    }
    const cls = cmp.matrices.cls, mean = cmp.matrices.mean;
    if (cls && mean && cls.dims[0] === mean.dims[0] && cls.dims[0] > 0) {
      const chart = new LineChart({ id: 'chart-compare-disagree', title: 'cls vs mean: mean |cos_cls − cos_mean| over pairs, per layer',
        xLabels: cmp.layerIds.map((id) => (id === 0 ? 'emb' : String(id))), marker: ci });
      chart.setSeries([{ key: 'mad', label: 'mean |Δcos|', values: disagreement(cls, mean) }]);
      parts.push(chart.root);
    } else {
      parts.push(note('The cls and mean matrices are both needed to chart how they disagree.'));
    }
    parts.push(buttons);
    this.root.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
  }
}
