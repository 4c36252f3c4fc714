// One view per experiment kind: charts on <canvas> (widgets/lineChart.ts, heatmap.ts, scatter.ts) and, for each
// chart, the table of its numbers. Each view is rebuilt from the whole result (partial results redraw the same way).
//
// Stable ids: probe #chart-probe, #probe-table (tr[data-layer][data-pooling], td[data-col]);
// position #chart-position-cos, #chart-position-acc; layers #chart-layers-{clsmean,clstoken,norm,aniso};
// census heatmaps hm-census-{toCls,toSep,toPunct,toSelf,entropy}, #census-sinks, #census-table-<measure>;
// recover #chart-recover-bow, #recover-mlm, #recover-occlusion, #recover-ident; map #map-layer, #map-layer-value,
// scatters map-cls / map-mean (or map-<pooling>), #map-note.
import type { CensusResult, ExperimentResult, LayersResult, MapResult, PositionResult, ProbeResult, RecoverResult } from '../../src/shared/experiments';
import { Heatmap } from '../widgets/heatmap';
import { el, fmt, note } from '../widgets/dom';
import { lineChart, seriesTable, type ChartSeries } from '../widgets/lineChart';
import { scatter } from '../widgets/scatter';
import { vscodeApi } from '../messaging/vscodeApi';

/** Sorted distinct values. */
const distinct = <T>(xs: readonly T[]): T[] => [...new Set(xs)];
const layerLabels = (layers: readonly number[]) => layers.map(String);

function cell(v: number | null | undefined, col: string): HTMLTableCellElement {
  return el('td', { 'data-col': col }, typeof v === 'number' ? fmt(v) : '—');
}

// ---- probe ------------------------------------------------------------------------------------------------
/** The x axis: the layers the run reports (a partial result keeps its frame), and any a row names. */
const layerAxis = (planned: readonly number[], rows: readonly { layer: number }[]) => distinct([...planned, ...rows.map((x) => x.layer)]).sort((a, b) => a - b);

export function probeView(r: ProbeResult): HTMLElement {
  const layers = layerAxis(r.layers, r.results);
  const poolings = distinct(r.results.map((x) => x.pooling));
  const at = new Map(r.results.map((x) => [`${x.layer}:${x.pooling}`, x]));
  const series: ChartSeries[] = [];
  poolings.forEach((p, k) => {
    series.push({ key: p, label: p, color: k, values: layers.map((l) => at.get(`${l}:${p}`)?.accuracy ?? null) });
    series.push({ key: `${p}-control`, label: `${p} control`, color: k, dashed: true, values: layers.map((l) => at.get(`${l}:${p}`)?.control.accuracy ?? null) });
  });
  const chart = lineChart({
    id: 'chart-probe', title: 'Held-out accuracy by layer (dashed: shuffled-label control)', xLabels: layerLabels(layers), xTitle: 'layer', yTitle: 'accuracy',
    series, rules: [{ label: 'majority', value: r.majority }], yRange: { min: 0, max: 1 }, noTable: true, exportName: 'probe-accuracy',
  });
  const head = el('tr', {}, ...['layer', 'pooling', 'accuracy', '± sd', 'macro F1', 'control', 'selectivity'].map((h) => el('th', { scope: 'col' }, h)));
  const rows = [...r.results].sort((a, b) => a.layer - b.layer || poolings.indexOf(a.pooling) - poolings.indexOf(b.pooling))
    .map((x) => el('tr', { 'data-layer': x.layer, 'data-pooling': x.pooling },
      el('td', { 'data-col': 'layer' }, String(x.layer)), el('td', { 'data-col': 'pooling' }, x.pooling),
      cell(x.accuracy, 'accuracy'), cell(x.accuracyStd, 'accuracyStd'), cell(x.macroF1, 'macroF1'), cell(x.control.accuracy, 'control'), cell(x.selectivity, 'selectivity')));
  return el('div', { id: 'probe-view' },
    el('p', { class: 'meta' }, 'Majority rate (always the largest class): ', el('span', { id: 'probe-majority' }, fmt(r.majority)), ` · C = ${r.C}`),
    chart,
    el('table', { id: 'probe-table', 'data-testid': 'probe-table', class: 'data-table' }, el('caption', {}, 'Probe accuracy per layer and pooling'), el('thead', {}, head), el('tbody', {}, ...rows)));
}

// ---- position ---------------------------------------------------------------------------------------------
const VARIANT_LABEL = { end: '[CLS] at the end', middle: 'second [CLS] in the middle', none: 'no [CLS] (position 0)' } as const;

export function positionView(r: PositionResult): HTMLElement {
  const layers = distinct(r.rows.map((x) => x.layer)).sort((a, b) => a - b);
  const variants = distinct(r.rows.map((x) => x.variant));
  const at = new Map(r.rows.map((x) => [`${x.layer}:${x.variant}`, x]));
  const cosSeries: ChartSeries[] = variants.filter((v) => v !== 'none').map((v, k) => ({ key: v, label: VARIANT_LABEL[v], color: k, values: layers.map((l) => at.get(`${l}:${v}`)?.cosine ?? null) }));
  const accSeries: ChartSeries[] = [
    { key: 'cls', label: 'usual [CLS]', color: 5, values: layers.map((l) => r.rows.find((x) => x.layer === l)?.clsAccuracy ?? null) },
    ...variants.map((v, k) => ({ key: v, label: VARIANT_LABEL[v], color: k, values: layers.map((l) => at.get(`${l}:${v}`)?.accuracy ?? null) })),
  ];
  return el('div', { id: 'position-view' },
    lineChart({ id: 'chart-position-cos', title: 'cos(moved token, usual [CLS]) by layer', xLabels: layerLabels(layers), series: cosSeries, exportName: 'position-cosine' }),
    lineChart({ id: 'chart-position-acc', title: 'Probe accuracy by layer', xLabels: layerLabels(layers), series: accSeries, rules: [{ label: 'majority', value: r.majority }], yRange: { min: 0, max: 1 }, exportName: 'position-accuracy' }));
}

// ---- layer story ------------------------------------------------------------------------------------------
export function layersView(r: LayersResult): HTMLElement {
  const rows = [...r.rows].sort((a, b) => a.layer - b.layer);
  const x = layerLabels(rows.map((w) => w.layer));
  const col = (f: (w: LayersResult['rows'][number]) => number) => rows.map(f);
  const small = { width: 420, height: 220 };
  return el('div', { id: 'layers-view', class: 'chart-grid' },
    lineChart({ ...small, id: 'chart-layers-clsmean', title: 'cos(cls, mean) against the anisotropy baselines', xLabels: x, series: [
      { key: 'clsMean', label: 'cos(cls, mean)', color: 0, values: col((w) => w.clsMean) },
      { key: 'anisoCls', label: 'baseline: cls of different texts', color: 0, dashed: true, values: col((w) => w.anisotropy.cls) },
      { key: 'anisoMean', label: 'baseline: mean of different texts', color: 1, dashed: true, values: col((w) => w.anisotropy.mean) }] }),
    lineChart({ ...small, id: 'chart-layers-clstoken', title: 'mean cos(cls, token) against the token baseline', xLabels: x, series: [
      { key: 'clsToken', label: 'mean cos(cls, token)', color: 2, values: col((w) => w.clsToken) },
      { key: 'anisoToken', label: 'baseline: tokens of different texts', color: 2, dashed: true, values: col((w) => w.anisotropy.token) }] }),
    lineChart({ ...small, id: 'chart-layers-norm', title: 'Norms: [CLS] against the mean token', xLabels: x, series: [
      { key: 'clsNorm', label: '‖cls‖', color: 3, values: col((w) => w.clsNorm) },
      { key: 'tokenNorm', label: 'mean ‖token‖', color: 4, values: col((w) => w.tokenNorm) }] }),
    lineChart({ ...small, id: 'chart-layers-aniso', title: 'Anisotropy: mean cosine between different texts', xLabels: x, series: [
      { key: 'cls', label: 'cls', color: 0, values: col((w) => w.anisotropy.cls) },
      { key: 'mean', label: 'mean', color: 1, values: col((w) => w.anisotropy.mean) },
      { key: 'token', label: 'random tokens', color: 2, values: col((w) => w.anisotropy.token) }] }));
}

// ---- attention census -------------------------------------------------------------------------------------
const CENSUS = [['toCls', 'attention to [CLS]'], ['toSep', 'attention to [SEP]'], ['toPunct', 'attention to punctuation'], ['toSelf', 'attention to itself'], ['entropy', 'entropy (nats)']] as const;

export function censusView(r: CensusResult): HTMLElement {
  // rows are attention layers 1..L (the attention that makes hidden state l); a sink names its layer that way, its
  // head from 0
  const L0 = r.toCls.dims[0];
  const rowLayers = r.layers.length === L0 ? r.layers : Array.from({ length: L0 }, (_, l) => l + 1);
  const sinkKey = new Set(r.sinks.map((s) => `${rowLayers.indexOf(s.layer)}:${s.head}`));
  const maps = CENSUS.map(([key, title]) => {
    const t = r[key];
    const [L, H] = t.dims;
    const rowLabels = Array.from({ length: L }, (_, l) => `layer ${rowLayers[l] ?? l + 1}`);
    const colLabels = Array.from({ length: H }, (_, h) => `${h + 1}`);
    const hm = new Heatmap({
      id: `hm-census-${key}`, title, scale: 'sequential', rowLabels, colLabels, rowTitle: 'layer', colTitle: 'head', exportName: `census-${key}`,
      range: key === 'entropy' ? undefined : { min: 0, max: 1 },
      describe: (l, h, v) => `${rowLabels[l]}, head ${h + 1}: ${fmt(v)}${sinkKey.has(`${l}:${h}`) ? ' — sink (more than half to [CLS]+[SEP])' : ''}`,
    });
    hm.setData(t.data, L, H);
    const table = el('table', { id: `census-table-${key}`, class: 'data-table' }, el('caption', {}, title),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'layer \\ head'), ...colLabels.map((c) => el('th', { scope: 'col' }, c)))),
      el('tbody', {}, ...rowLabels.map((rl, l) => el('tr', {}, el('th', { scope: 'row' }, rl),
        ...colLabels.map((_, h) => el('td', { class: sinkKey.has(`${l}:${h}`) ? 'sink' : null }, fmt(t.data[l * H + h])))))));
    return el('div', { class: 'census-block' }, hm.root, el('details', {}, el('summary', {}, 'numbers'), table));
  });
  const sinks = r.sinks.length
    ? el('table', { id: 'census-sinks', class: 'data-table' }, el('caption', {}, `Sink heads (more than half their attention to [CLS] + [SEP]): ${r.sinks.length}`),
      el('thead', {}, el('tr', {}, ...['layer', 'head', 'to [CLS]', 'to [SEP]'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...r.sinks.map((s) => el('tr', {}, el('td', {}, String(s.layer)), el('td', {}, String(s.head + 1)), cell(s.toCls, 'toCls'), cell(s.toSep, 'toSep')))))
    : note('No sink heads: no head sends more than half its attention to [CLS] + [SEP].', { id: 'census-sinks' });
  return el('div', { id: 'census-view' }, el('p', { class: 'meta' }, `Means over ${r.texts} texts and their query tokens; rows are attention layers (layer l makes hidden state l), heads numbered from 1.`),
    sinks, el('div', { class: 'chart-grid' }, ...maps));
}

// ---- recovery ---------------------------------------------------------------------------------------------
export function recoverView(r: RecoverResult): HTMLElement {
  const b = r.bow;
  const layers = distinct(b.rows.map((x) => x.layer)).sort((a, c) => a - c);
  const poolings = distinct(b.rows.map((x) => x.pooling));
  const at = new Map(b.rows.map((x) => [`${x.layer}:${x.pooling}`, x]));
  const series: ChartSeries[] = poolings.map((p, k) => ({ key: p, label: `${p} precision@${b.k}`, color: k, values: layers.map((l) => at.get(`${l}:${p}`)?.precisionAtK ?? null) }));
  const recall: ChartSeries[] = poolings.map((p, k) => ({ key: `${p}-recall`, label: `${p} recall@${b.k}`, color: k, dashed: true, values: layers.map((l) => at.get(`${l}:${p}`)?.recallAtK ?? null) }));
  const bow = el('div', {},
    lineChart({ id: 'chart-recover-bow', title: `Bag of words: which of the ${b.vocabulary} most frequent words a text contains (dashed: recall)`, xLabels: layerLabels(layers),
      series: [...series, ...recall], rules: [{ label: `word-frequency baseline p@${b.k}`, value: b.baseline.precisionAtK }], yRange: { min: 0, max: 1 }, exportName: 'recover-bow' }),
    el('p', { class: 'meta' }, `Baseline recall@${b.k}: ${fmt(b.baseline.recallAtK)}`));

  const mlm = el('div', { id: 'recover-mlm' }, el('h3', {}, 'Masked-LM head read on [CLS]'),
    r.mlm.available
      ? el('table', { class: 'data-table' }, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'text'), el('th', { scope: 'col' }, 'top tokens'))),
        el('tbody', {}, ...r.mlm.texts.map((t) => el('tr', {}, el('td', {}, t.text), el('td', {}, t.top.map((x) => `${x.token} ${fmt(x.p)}`).join(' · '))))))
      : note(r.mlm.reason ?? 'This model has no masked-LM head.', { id: 'recover-mlm-reason' }));

  const occ = el('div', { id: 'recover-occlusion' }, el('h3', {}, 'Occlusion: how far cls and mean move when a token is dropped (1 − cos)'),
    ...r.occlusion.map((o, i) => {
      const max = Math.max(1e-9, ...o.cls, ...o.mean);
      return el('table', { class: 'data-table occlusion', 'data-index': i }, el('caption', {}, o.text),
        el('thead', {}, el('tr', {}, ...['token', 'cls', '', 'mean', ''].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, ...o.tokens.map((tok, j) => el('tr', {}, el('td', {}, tok),
          cell(o.cls[j], 'cls'), el('td', {}, bar(o.cls[j] / max, 0)), cell(o.mean[j], 'mean'), el('td', {}, bar(o.mean[j] / max, 1))))));
    }));

  const ident = el('table', { id: 'recover-ident', class: 'data-table' }, el('caption', {}, 'Identification: a text with one word masked is nearest to its own original'),
    el('thead', {}, el('tr', {}, ...['layer', 'pooling', 'accuracy', 'chance'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...r.identification.map((x) => el('tr', { 'data-layer': x.layer, 'data-pooling': x.pooling },
      el('td', {}, String(x.layer)), el('td', {}, x.pooling), cell(x.accuracy, 'accuracy'), cell(x.chance, 'chance')))));
  return el('div', { id: 'recover-view' }, bow, ident, mlm, occ);
}

function bar(frac: number, color: number): HTMLElement {
  const b = el('span', { class: `bar bar-${color}`, 'aria-hidden': 'true' });
  b.style.width = `${Math.round(Math.max(0, Math.min(1, Number.isFinite(frac) ? frac : 0)) * 120)}px`;
  return b;
}

// ---- map --------------------------------------------------------------------------------------------------
let mapLayer: number | null = null;

export function mapView(r: MapResult, redraw: () => void): HTMLElement {
  const layers = distinct(r.maps.map((m) => m.layer)).sort((a, b) => a - b);
  if (!layers.length) return note('No map yet.', { id: 'map-note' });
  if (mapLayer === null || !layers.includes(mapLayer)) mapLayer = layers[layers.length - 1];
  const slider = el('input', { id: 'map-layer', type: 'range', min: 0, max: layers.length - 1, step: 1, value: layers.indexOf(mapLayer), 'aria-label': 'layer' });
  slider.addEventListener('input', () => { mapLayer = layers[Number(slider.value)]; redraw(); });
  const shown = r.maps.filter((m) => m.layer === mapLayer);
  const plots = shown.map((m) => scatter({
    id: `map-${m.pooling}`, title: `${m.pooling} · layer ${m.layer} · ${r.method.toUpperCase()}`, xy: m.xy, categoryOf: r.labelOf, categories: r.labels,
    describe: (i) => r.texts[i] ?? '', exportName: `map-${m.pooling}-layer${m.layer}`,
    onSelect: (i) => { if (r.texts[i]?.trim()) vscodeApi().postMessage({ type: 'openText', text: r.texts[i] }); },
  }));
  return el('div', { id: 'map-view' },
    el('div', { class: 'controls' }, el('span', { class: 'control' }, el('label', { for: 'map-layer' }, 'layer'), slider, el('span', { id: 'map-layer-value' }, String(mapLayer)))),
    note('Hover a point to read its text; click it to open the text in an editor and inspect it.', { id: 'map-note' }),
    el('div', { class: 'chart-grid' }, ...plots),
    el('details', {}, el('summary', {}, 'coordinates'), coordTable(r, shown)));
}

function coordTable(r: MapResult, shown: MapResult['maps']): HTMLTableElement {
  const series: ChartSeries[] = shown.flatMap((m) => [
    { key: `${m.pooling}-x`, label: `${m.pooling} x`, values: Array.from({ length: r.texts.length }, (_, i) => m.xy[2 * i]) },
    { key: `${m.pooling}-y`, label: `${m.pooling} y`, values: Array.from({ length: r.texts.length }, (_, i) => m.xy[2 * i + 1]) }]);
  const t = seriesTable('map-table', 'Map coordinates', 'text', r.texts.map((_, i) => String(i)), series);
  // the label of each text, after its index
  t.querySelectorAll('tbody tr').forEach((tr, i) => tr.children[0].append(` · ${r.labels[r.labelOf[i]] ?? '?'}`));
  return t;
}

export function resultBody(r: ExperimentResult, redraw: () => void): HTMLElement {
  switch (r.kind) {
    case 'probe': return probeView(r);
    case 'position': return positionView(r);
    case 'layers': return layersView(r);
    case 'census': return censusView(r);
    case 'recover': return recoverView(r);
    case 'map': return mapView(r, redraw);
  }
}
