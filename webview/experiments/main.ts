// Webview entry of an experiment results panel (one panel per run). Posts {type:'ready'} first; the host answers with
// the run's status and latest result, then sends each partial result and status change. Every result (partial or
// final) redraws the whole view; a result with a lower seq than the one shown is ignored; messages failing the
// guards of src/shared/experimentProtocol.ts are ignored.
//
// Stable ids: #exp-status (data-state), #exp-message, #exp-offer-folds (button, error with a folds offer),
// #exp-actions (#exp-export-json, #exp-export-csv), #exp-waiting (no result yet), header ids in header.ts, view ids
// in views.ts.
import { isExperimentHostMessage, type ExperimentWebviewMessage, type RunStatus } from '../../src/shared/experimentProtocol';
import type { ExperimentResult } from '../../src/shared/experiments';
import { codicon, el } from '../widgets/dom';
import { vscodeApi } from '../messaging/vscodeApi';
import { resultHeader } from './header';
import { resultBody } from './views';

const app = document.getElementById('app') as HTMLElement;
let status: RunStatus = { state: 'running', message: null, offerFolds: null };
let result: ExperimentResult | null = null;
let seq = -1;

function post(m: ExperimentWebviewMessage): void {
  vscodeApi().postMessage(m);
}

function statusBlock(): HTMLElement {
  const s = status;
  const text = s.state === 'running' ? (s.message ?? 'Running…')
    : s.state === 'cancelled' ? (s.message ?? 'Cancelled: the results below are partial.')
    : s.state === 'error' ? (s.message ?? 'The run failed.') : (s.message ?? 'Done.');
  const block = el('div', { id: 'exp-status', class: 'status', 'data-state': s.state, role: 'status', 'aria-live': 'polite' },
    s.state === 'running' ? el('div', { class: 'progress' }, el('div', { class: 'progress-track' }, el('div', { class: 'progress-bar' })), el('span', { id: 'exp-message' }, text))
      : el('p', { id: 'exp-message', class: `message ${s.state === 'error' ? 'error' : ''}` }, text));
  if (s.state === 'error' && s.offerFolds) {
    const b = el('button', { id: 'exp-offer-folds', type: 'button' }, codicon('debug-restart'), `Run with ${s.offerFolds} folds`);
    const folds = s.offerFolds;
    b.addEventListener('click', () => post({ type: 'rerun', folds }));
    block.append(el('div', { class: 'actions' }, b));
  }
  return block;
}

function actions(): HTMLElement {
  const json = el('button', { id: 'exp-export-json', type: 'button', class: 'secondary' }, codicon('json'), 'Export JSON');
  const csv = el('button', { id: 'exp-export-csv', type: 'button', class: 'secondary' }, codicon('table'), 'Export CSV');
  json.addEventListener('click', () => post({ type: 'export', format: 'json' }));
  csv.addEventListener('click', () => post({ type: 'export', format: 'csv' }));
  return el('div', { id: 'exp-actions', class: 'actions' }, json, csv);
}

function render(): void {
  const children: HTMLElement[] = [statusBlock()];
  if (result) {
    children.push(resultHeader(result, status.state === 'running'), actions());
    try {
      children.push(resultBody(result, render));
    } catch (e) {
      // a result this view cannot draw says so instead of leaving a blank panel
      children.push(el('p', { id: 'exp-render-error', class: 'message error' }, `This result could not be drawn: ${(e as Error).message}`));
    }
  } else if (status.state === 'running') {
    children.push(el('p', { id: 'exp-waiting', class: 'note' }, 'Results appear here as they are computed.'));
  }
  // keep the scroll position across redraws (partial results arrive while the user reads)
  const y = window.scrollY;
  app.replaceChildren(...children);
  window.scrollTo(0, y);
  document.body.dataset.seq = String(seq);
}

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  const m = e.data;
  if (!isExperimentHostMessage(m)) return;
  if (m.type === 'status') {
    status = m.status;
  } else {
    if (m.seq < seq) return;
    seq = m.seq;
    result = m.result;
  }
  render();
});

render();
post({ type: 'ready' });
