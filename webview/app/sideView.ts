// The side view: a compact reading of the current selection. Model name (and the random-weights badge), run
// status (and, with no model set, a welcome with the ways to get one), the tokens as chips coloured by the chosen measure with a legend, the controls that pick the measure,
// layer, head and follow-selection, cos(cls, mean) and the norms at the chosen layer, and Open Inspector.
import type { InspectionView, TokenMeasure, ViewOptions } from '../../src/shared/protocol';
import { TOKEN_MEASURES } from '../../src/shared/protocol';
import { cssRgb, textOn } from '../widgets/colors';
import { checkboxControl, commandButton, el, fmt, layerName, note, selectControl, stat, tokenText, type Choice } from '../widgets/dom';
import { modelHeader, selectionBlock, statusBlock, truncationNotice } from './header';
import { legend, scaleColor } from '../widgets/heatmap';
import { tokenMeasure } from '../../src/shared/measures';
import { attentionHeads, attentionLayerOf, changedAll, finiteRange, layerIndex, type Changed, type Ctx, type View } from './state';

export const MEASURE_LABELS: Record<TokenMeasure, string> = {
  clsAttention: '[CLS] attention',
  rollout: 'Attention rollout ([CLS] row)',
  clsCosine: 'cos([CLS], token)',
};

export type MeasureResult = { values: Float32Array; label: string } | { reason: string };

/** The value of every token under the chosen measure, layer and head, or why there is none. */
export function measureValues(insp: InspectionView, o: ViewOptions, analysisFailure?: string): MeasureResult {
  const values = tokenMeasure(insp, o.measure, o.layer, o.head);
  if (!values && insp.attention && o.measure === 'rollout') {
    return { reason: analysisFailure ? `The rollout cannot be computed: ${analysisFailure}` : 'Computing the attention rollout…' };
  }
  if (!values) {
    return { reason: `Attention is unavailable for this model: ${insp.model.attentions.reason ?? 'the model does not expose attention probabilities'}.` };
  }
  if (o.measure === 'clsCosine') return { values, label: `cos([CLS], token) at ${layerName(insp.layerIds[layerIndex(insp, o.layer)])}` };
  const l = attentionLayerOf(insp, o.layer);
  if (o.measure === 'rollout') return { values, label: `rollout up to layer ${l + 1}` };
  const head = o.head >= 0 && o.head < attentionHeads(insp) ? o.head : -1;
  return { values, label: `[CLS] attention, layer ${l + 1}, ${head < 0 ? 'mean of heads' : `head ${head + 1}`}` };
}

export function layerChoices(insp: InspectionView): Choice[] {
  return insp.layerIds.map((id, i) => ({ value: String(i), label: layerName(id) }));
}

export function headChoices(heads: number): Choice[] {
  return [{ value: '-1', label: 'mean of heads' }, ...Array.from({ length: heads }, (_, h) => ({ value: String(h), label: `head ${h + 1}` }))];
}

/** Token chips coloured by `values` (#chips), the legend (#chips-legend). Specials do not stretch the scale. */
export function tokenChips(insp: InspectionView, values: Float32Array, label: string): HTMLElement[] {
  const specials = insp.tokens.map((t) => t.special);
  const hasContent = specials.some((s) => !s);
  const { min, max } = finiteRange(values, hasContent ? (i) => specials[i] : undefined);
  const chips = el('div', { id: 'chips', class: 'chips', 'data-testid': 'chips', role: 'list', 'aria-label': label });
  insp.tokens.forEach((t, i) => {
    const v = values[i];
    const rgb = scaleColor('sequential', v, min, max);
    const chip = el('span', {
      class: `chip${t.special ? ' special' : ''}`, role: 'listitem', 'data-index': i, 'data-value': String(v),
      title: `${tokenText(t)} · id ${t.id} · ${label}: ${fmt(v)}`,
    }, tokenText(t));
    chip.style.background = cssRgb(rgb);
    chip.style.color = textOn(rgb);
    chips.append(chip);
  });
  return [legend('chips-legend', 'sequential', min, max, hasContent && specials.some(Boolean) ? 'scale over non-special tokens' : undefined), chips];
}

/** #welcome: no model is set yet, so the side view offers the ways to get one (each runs a command in the host). */
export function welcomeBlock(): HTMLElement {
  return el('section', { id: 'welcome', class: 'welcome', 'aria-label': 'Choose a model' },
    el('h2', {}, 'Choose a model'),
    note('CLS Lens runs BERT-family encoders exported to ONNX. Download one from the Hugging Face Hub (e.g. Xenova/bert-base-uncased), reuse one from the Hugging Face cache, or open a local folder.'),
    el('div', { class: 'actions welcome-actions' },
      commandButton('welcome-download', 'cloud-download', 'Download from the Hub…', 'clsLens.downloadModel'),
      commandButton('welcome-select', 'list-selection', 'Recent or cached model…', 'clsLens.selectModel', true),
      commandButton('welcome-folder', 'folder-opened', 'Choose a folder…', 'clsLens.chooseModelFolder', true)));
}

export class SideView implements View {
  readonly root = el('div', { id: 'side', class: 'side' });
  // areas in page order, each redrawn only when what it shows changed
  private readonly welcomeArea = el('div', { 'data-area': 'welcome' });
  private readonly statusArea = el('div', { 'data-area': 'status' });
  private readonly headerArea = el('div', { 'data-area': 'header' });
  private readonly selectionArea = el('div', { 'data-area': 'selection' });
  private readonly bodyArea = el('div', { 'data-area': 'body' });

  constructor() {
    const open = commandButton('open-inspector', 'open-preview', 'Open Inspector', 'clsLens.openInspector');
    this.root.append(this.welcomeArea, this.statusArea, this.headerArea, this.selectionArea, this.bodyArea, el('div', { class: 'actions' }, open));
  }

  update(ctx: Ctx, changed: Changed): void {
    const s = ctx.snapshot, o = ctx.options, insp = s.inspection;
    const fill = (area: HTMLElement, parts: (HTMLElement | null)[]) => area.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
    if (changedAll(changed, 'status')) {
      fill(this.welcomeArea, s.model === null && !insp ? [welcomeBlock()] : []);
      fill(this.statusArea, [statusBlock(s)]);
      fill(this.selectionArea, [selectionBlock(s, true)]);
    }
    if (changed === 'all') fill(this.headerArea, insp ? [modelHeader(insp, true), truncationNotice(insp)] : []);
    // the rollout needs the analysis, computed on request
    if (insp?.attention && !insp.attention.summary && o.measure === 'rollout') ctx.matrices.requestAnalysis();
    if (changedAll(changed, 'options')) fill(this.bodyArea, insp ? [this.controls(ctx, insp), this.tokens(insp, o, ctx.matrices.analysisFailure()), this.stats(insp, o)] : []);
  }

  private controls(ctx: Ctx, insp: InspectionView): HTMLElement {
    const o = ctx.options;
    const measure = selectControl('side-measure', 'Colour by', TOKEN_MEASURES.map((m) => ({ value: m, label: MEASURE_LABELS[m] })), o.measure,
      (v) => ctx.setOptions({ measure: v as TokenMeasure }));
    const layer = selectControl('side-layer', 'Layer', layerChoices(insp), String(layerIndex(insp, o.layer)),
      (v) => ctx.setOptions({ layer: Number(v) }));
    const heads = attentionHeads(insp);
    const head = selectControl('side-head', 'Head', headChoices(heads), String(o.head >= 0 && o.head < heads ? o.head : -1),
      (v) => ctx.setOptions({ head: Number(v) }));
    const headSelect = head.querySelector('select');
    if (headSelect && (o.measure !== 'clsAttention' || !insp.attention)) headSelect.disabled = true;
    const follow = checkboxControl('side-follow', 'Follow selection', o.followSelection, (v) => ctx.setOptions({ followSelection: v }));
    const deco = checkboxControl('side-decorations', 'Editor colours', o.decorations, (v) => ctx.setOptions({ decorations: v }));
    return el('div', { class: 'controls', role: 'group', 'aria-label': 'View options' }, measure, layer, head, follow, deco);
  }

  private tokens(insp: InspectionView, o: ViewOptions, analysisFailure?: string): HTMLElement {
    const box = el('section', { class: 'token-section' }, el('h2', {}, `Tokens (${insp.tokens.length})`));
    const r = measureValues(insp, o, analysisFailure);
    if ('reason' in r) {
      box.append(note(r.reason, { id: 'attention-reason', class: 'note warning' }));
      box.append(el('div', { id: 'chips', class: 'chips', 'data-testid': 'chips' },
        ...insp.tokens.map((t, i) => el('span', { class: `chip plain${t.special ? ' special' : ''}`, 'data-index': i, title: `${tokenText(t)} · id ${t.id}` }, tokenText(t)))));
      return box;
    }
    box.append(el('p', { id: 'chips-measure', class: 'meta' }, r.label), ...tokenChips(insp, r.values, r.label));
    return box;
  }

  private stats(insp: InspectionView, o: ViewOptions): HTMLElement {
    const li = layerIndex(insp, o.layer);
    const cls = insp.norms.cls?.[li], mean = insp.norms.mean?.[li];
    return el('section', { class: 'stats side-stats', 'aria-label': `Vectors at ${layerName(insp.layerIds[li])}` },
      stat(`cos(cls, mean) at ${layerName(insp.layerIds[li])}`, fmt(insp.clsMean[li]), { id: 'side-clsmean' }),
      stat('|cls|', cls === undefined ? 'n/a' : fmt(cls), { id: 'side-norm-cls' }),
      stat('|mean|', mean === undefined ? 'n/a' : fmt(mean), { id: 'side-norm-mean' }));
  }
}
