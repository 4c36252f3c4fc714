// Blocks both surfaces share: run status (progress, message, error with a way out), the model header, the
// truncation notice and the selected text.
import type { InspectionView, Snapshot } from '../../src/shared/protocol';
import { commandButton, el, fmtMs, stat } from '../widgets/dom';

/** #status: progress while running (the last inspection stays below), the message, and the next step. */
export function statusBlock(s: Snapshot): HTMLElement {
  const box = el('div', { id: 'status', class: 'status', 'data-status': s.status });
  if (s.status === 'running') {
    box.append(el('div', { id: 'progress', class: 'progress', role: 'status', 'aria-live': 'polite' },
      el('div', { class: 'progress-track', 'aria-hidden': 'true' }, el('div', { class: 'progress-bar' })),
      el('span', { class: 'progress-text' }, s.progress ?? 'Running…')));
  }
  if (s.message) {
    box.append(el('p', { id: 'message', class: `message ${s.status}`, role: s.status === 'error' ? 'alert' : null }, s.message));
  }
  if (s.status === 'error') {
    const actions = el('div', { class: 'actions' });
    // the engine says when another model (or a repaired model folder) is the way out
    if (s.fix === 'model') {
      actions.append(commandButton('select-model', 'folder-opened', 'Select Model…', 'clsLens.selectModel'));
    }
    actions.append(commandButton('retry-inspect', 'refresh', 'Inspect Again', 'clsLens.inspectSelection', true));
    box.append(actions);
  } else if (s.status === 'idle' && !s.inspection) {
    box.append(el('div', { class: 'actions' }, commandButton('inspect-selection', 'telescope', 'Inspect Selection', 'clsLens.inspectSelection')));
  }
  return box;
}

function attentionText(insp: InspectionView): string {
  const a = insp.model.attentions;
  const reason = a.reason ? ` (${a.reason})` : '';
  return `${a.source}${reason}`;
}

/** #model-header. Compact (side view): name, badge and shape; full (panel): everything. */
export function modelHeader(insp: InspectionView, compact: boolean): HTMLElement {
  const m = insp.model;
  const title = el('div', { class: 'model-title' },
    el('span', { id: 'model-name', class: 'model-name', title: m.folder || m.ref }, m.name),
    m.randomWeights ? el('span', { id: 'random-badge', class: 'badge warning', title: 'This model was generated with random weights: its vectors mean nothing.' }, 'random weights') : null,
    el('span', { class: 'meta inline' }, m.modelType));
  const shape = `${m.layers} layers × ${m.heads} heads × ${m.hidden} hidden`;
  const T = insp.tokens.length;
  if (compact) {
    return el('section', { id: 'model-header', class: 'model-header compact', 'data-testid': 'model-header' },
      title, el('div', { id: 'model-shape', class: 'meta' }, `${shape} · ${T} tokens`));
  }
  const t = insp.timings;
  const stats = el('div', { class: 'stats' },
    stat('shape', shape, { id: 'model-shape' }),
    stat('max tokens', String(m.maxTokens), { id: 'model-max-tokens' }),
    stat('tokens', String(T), { id: 'token-count' }),
    stat('attention', attentionText(insp), { id: 'attention-source', 'data-source': m.attentions.source }),
    stat('hidden states', m.hiddenStates.source === 'unavailable' ? `last layer only${m.hiddenStates.reason ? ` (${m.hiddenStates.reason})` : ''}` : m.hiddenStates.source, { id: 'hidden-source' }),
    stat('timings', `tokenize ${fmtMs(t.tokenizeMs)} · run ${fmtMs(t.runMs)} · analyse ${fmtMs(t.analyseMs)}`, { id: 'timings' }),
  );
  const warnings = m.warnings.length
    ? el('ul', { id: 'warnings', class: 'warnings' }, ...m.warnings.map((w) => el('li', {}, w)))
    : null;
  return el('section', { id: 'model-header', class: 'model-header', 'data-testid': 'model-header' }, title, stats, warnings);
}

/** #truncation when the text did not fit. */
export function truncationNotice(insp: InspectionView): HTMLElement | null {
  const tr = insp.truncation;
  if (!tr.truncated) return null;
  return el('p', { id: 'truncation', class: 'notice warning', role: 'note' },
    `${tr.droppedTokensExact === false ? `at least ${tr.droppedTokens} tokens dropped (the rest of the text was not tokenised)` : `${tr.droppedTokens} tokens dropped`}; only the first ${tr.keptChars} characters inspected (model maximum ${tr.maxTokens} tokens).`);
}

/** The selected text (#selection) with where it came from. */
export function selectionBlock(s: Snapshot, compact: boolean): HTMLElement | null {
  if (!s.selection) return null;
  return el('section', { class: `selection${compact ? ' compact' : ''}` },
    el('h2', {}, 'Selection'),
    el('p', { class: 'meta' }, `${s.selection.document}, line ${s.selection.line + 1}`),
    el('pre', { id: 'selection' }, s.selection.text));
}
