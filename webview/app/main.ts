// Webview entry for both surfaces (document.body.dataset.surface is 'panel' or 'side'): the message loop and
// dispatch. Posts {type:'ready', surface} first; renders every snapshot whose seq is not lower than the last seen;
// applies the small messages (options, status, compare) to the current snapshot and redraws only what they change;
// asks for a snapshot (requestSnapshot) when one cannot apply (none yet, or another run); ignores anything failing
// isHostMessage or older than the last seq applied; keeps matrix answers for the current run only.
//
// Stable ids / data-testid for tests (heatmap components add #<id>-canvas, -tooltip, -min, -max, -export):
//   both surfaces  #status (data-status), #progress (running), #message (class "message <status>"),
//                  #select-model, #retry-inspect (error), #inspect-selection (idle, nothing inspected),
//                  #model-header, #model-name, #random-badge, #model-shape, #truncation, #selection
//   panel header   #model-max-tokens, #token-count, #attention-source (data-source), #hidden-source, #timings, #warnings
//   side view      #welcome (no model set: #welcome-download, #welcome-select, #welcome-folder), #open-inspector, #side-measure, #side-layer, #side-head, #side-follow, #side-decorations,
//                  #chips (.chip[data-index][data-value][title]), #chips-legend (-min, -max), #chips-measure,
//                  #attention-reason, #side-clsmean, #side-norm-cls, #side-norm-mean
//   panel tabs     #tablist, #tab-<id> / #tabpanel-<id> for vectors, tokens, attention, compare
//   vectors        #vectors-layer, #vectors-clsmean, #export-vectors, [data-testid=vec-<pooling>], heatmap vec-<pooling>-strip,
//                  #topk-<pooling> (rows "dim" and "value", td[data-rank]), #norm-<pooling>, charts #chart-pooling-cos, #chart-cls-mean
//   tokens         #tokens-layer, heatmaps hm-cls-token, hm-token-cosine
//   attention      #attention-layer, #attention-head, #attn-loaded, #attn-grid (data-loaded-layers; rows
//                  .thumb-row[data-layer][data-loaded]; canvas.thumb[data-layer][data-head]), #attn-detail,
//                  heatmap hm-attn-head, bar strip #attn-cls-row, heatmaps hm-share-{toCls,toSep,toPunct,toSelf,entropy},
//                  heatmap hm-rollout, #attention-reason (attention unavailable)
//   compare        #compare-help, #compare-count, #compare-pooling, #compare-layer, #compare-pins, heatmap hm-compare,
//                  chart #chart-compare-disagree, #compare-run, #compare-clear
// Display numbering: layers as in layerIds (0 = embeddings, attention layer l is "layer l+1"), heads from 1.
import { isHostMessage, type MatrixFailedMessage, type MatrixMessage, type Snapshot, type Surface, type ViewOptions } from '../../src/shared/protocol';
import { themeKind } from '../widgets/colors';
import { el, note } from '../widgets/dom';
import { modelHeader, selectionBlock, statusBlock, truncationNotice } from './header';
import { SideView } from './sideView';
import { applyPart, changedAll, loadUi, MatrixCache, saveUi, TAB_IDS, type Changed, type Ctx, type TabId, type UiState, type View } from './state';
import { AttentionTab } from '../tabs/attention';
import { CompareTab } from '../tabs/compare';
import { TokensTab } from '../tabs/tokens';
import { VectorsTab } from '../tabs/vectors';
import { post } from '../messaging/vscodeApi';

const surface: Surface = document.body.dataset.surface === 'side' ? 'side' : 'panel';
const app = document.getElementById('app') as HTMLElement;

let lastSeq = -1;
let snapshot: Snapshot | null = null;
/** Options changed here and posted, until the host's next snapshot echoes them. */
let override: Partial<ViewOptions> = {};
/** A requestSnapshot is out and no snapshot has answered it yet. */
let snapshotAsked = false;
let ui: UiState = loadUi();
let themeVersion = 0;
const matrices = new MatrixCache();

const TAB_LABELS: Record<TabId, string> = { vectors: 'Vectors', tokens: 'Tokens & similarity', attention: 'Attention', compare: 'Compare' };

class PanelView implements View {
  readonly root = el('div', { id: 'panel', class: 'panel' });
  private readonly statusArea = el('div', { id: 'status-area' });
  private readonly headerArea = el('div', { id: 'header-area' });
  private readonly selectionArea = el('div', { id: 'selection-area' });
  private readonly tablist = el('div', { id: 'tablist', class: 'tablist', role: 'tablist', 'aria-label': 'Inspector views' });
  private readonly tabButtons = new Map<TabId, HTMLButtonElement>();
  private readonly tabPanels = new Map<TabId, HTMLElement>();
  readonly tabs: Record<TabId, View> = { vectors: new VectorsTab(), tokens: new TokensTab(), attention: new AttentionTab(), compare: new CompareTab() };

  constructor() {
    const panels: HTMLElement[] = [];
    for (const id of TAB_IDS) {
      const b = el('button', { id: `tab-${id}`, type: 'button', role: 'tab', class: 'tab', 'aria-controls': `tabpanel-${id}`, 'aria-selected': 'false', tabindex: -1 }, TAB_LABELS[id]);
      b.addEventListener('click', () => activate(id));
      this.tabButtons.set(id, b);
      this.tablist.append(b);
      const p = el('div', { id: `tabpanel-${id}`, role: 'tabpanel', class: 'tabpanel', 'aria-labelledby': `tab-${id}`, tabindex: 0, hidden: true }, this.tabs[id].root);
      this.tabPanels.set(id, p);
      panels.push(p);
    }
    this.tablist.addEventListener('keydown', (e) => {
      const i = TAB_IDS.indexOf(ui.tab);
      const next: Record<string, number> = { ArrowRight: (i + 1) % TAB_IDS.length, ArrowLeft: (i - 1 + TAB_IDS.length) % TAB_IDS.length, Home: 0, End: TAB_IDS.length - 1 };
      if (!(e.key in next)) return;
      e.preventDefault();
      const id = TAB_IDS[next[e.key]];
      activate(id);
      this.tabButtons.get(id)?.focus();
    });
    this.root.append(this.statusArea, this.headerArea, this.selectionArea, this.tablist, ...panels);
  }

  update(ctx: Ctx, changed: Changed): void {
    const s = ctx.snapshot, insp = s.inspection;
    if (changedAll(changed, 'status')) {
      this.statusArea.replaceChildren(statusBlock(s));
      const sel = selectionBlock(s, false);
      this.selectionArea.replaceChildren(...(sel ? [sel] : []));
    }
    if (changed !== 'all') {
      // the tabs draw the inspection, the options and the compare view; the header only the inspection
      if (changed.has('options') || changed.has('compare')) this.tabs[ctx.ui.tab].update(ctx, changed);
      return;
    }
    this.headerArea.replaceChildren(...(insp ? [modelHeader(insp, false), truncationNotice(insp)].filter((x): x is HTMLElement => x !== null) : []));
    for (const id of TAB_IDS) {
      const on = id === ctx.ui.tab;
      const b = this.tabButtons.get(id)!;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
      this.tabPanels.get(id)!.hidden = !on;
    }
    this.tabs[ctx.ui.tab].update(ctx, changed);
  }

  onMatrix(ctx: Ctx, m: MatrixMessage): void {
    for (const id of TAB_IDS) this.tabs[id].onMatrix?.(ctx, m);
  }

  onMatrixFailed(ctx: Ctx, m: MatrixFailedMessage): void {
    for (const id of TAB_IDS) this.tabs[id].onMatrixFailed?.(ctx, m);
  }
}

const view: View = surface === 'side' ? new SideView() : new PanelView();
app.replaceChildren(view.root);
if (surface === 'panel') app.prepend(note('Waiting for the extension…', { id: 'waiting' }));

function ctxNow(s: Snapshot): Ctx {
  return {
    snapshot: s, options: { ...s.options, ...override }, ui, theme: themeKind(), themeVersion, matrices,
    setOptions: (p) => {
      override = { ...override, ...p };
      post({ type: 'setOptions', options: p });
      render(new Set(['options']));
    },
    setUi: (p, again = true) => {
      ui = { ...ui, ...p };
      saveUi(ui);
      if (again) render();
    },
  };
}

function activate(id: TabId): void {
  if (ui.tab === id) return;
  ui = { ...ui, tab: id };
  saveUi(ui);
  render();
}

/** Renders the current snapshot (only `changed`); keeps keyboard focus on the control with the same id across rebuilds. */
function render(changed: Changed = 'all'): void {
  if (!snapshot) return;
  document.getElementById('waiting')?.remove();
  const active = document.activeElement as HTMLElement | null;
  const focusId = active && active !== document.body ? active.id : '';
  view.update(ctxNow(snapshot), changed);
  app.dataset.status = snapshot.status;
  if (focusId) {
    const again = document.getElementById(focusId);
    if (again && again !== document.activeElement) again.focus({ preventScroll: true });
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const msg = event.data;
  if (!isHostMessage(msg)) return;              // not ours, or malformed: ignore
  if (msg.type === 'matrix') {
    if (!snapshot || !matrices.accept(msg)) return;   // an answer for another (older) run: stale
    view.onMatrix?.(ctxNow(snapshot), msg);
    return;
  }
  if (msg.type === 'matrixFailed') {
    if (!snapshot || !matrices.fail(msg)) return;     // about another (older) run: stale
    view.onMatrixFailed?.(ctxNow(snapshot), msg);
    return;
  }
  if (msg.type === 'analysisFailed') {
    if (!snapshot || !matrices.failAnalysis(msg)) return;  // about another (older) run: stale
    render();
    return;
  }
  if (msg.type === 'snapshot') {
    if (msg.snapshot.seq < lastSeq) return;     // stale
    lastSeq = msg.snapshot.seq;
    snapshot = msg.snapshot;
    snapshotAsked = false;
    override = {};
    matrices.reset(snapshot.inspection?.runId ?? -1);
    render();
    return;
  }
  if (msg.seq < lastSeq) return;                // stale
  const next = applyPart(snapshot, msg);
  if (!next) {                                  // no snapshot yet, or another run's: the host sends a snapshot
    if (!snapshotAsked) post({ type: 'requestSnapshot' });
    snapshotAsked = true;
    return;
  }
  lastSeq = msg.seq;
  snapshot = next;
  if (msg.type === 'options') override = {};
  render(new Set([msg.type]));
});

// VS Code swaps the body's theme classes on a theme change: recolour every canvas.
new MutationObserver(() => { themeVersion++; render(); }).observe(document.body, { attributes: true, attributeFilter: ['class'] });

post({ type: 'ready', surface });
