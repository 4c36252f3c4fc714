import { isHostMessage, type Snapshot, type Surface } from '../src/protocol';
import { post } from './vscodeApi';

const surface: Surface = document.body.dataset.surface === 'side' ? 'side' : 'panel';
const app = document.getElementById('app') as HTMLElement;
let lastSeq = -1;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

function render(s: Snapshot): void {
  const parts: Node[] = [];
  if (s.message) parts.push(el('p', { id: 'message', class: `message ${s.status}` }, s.message));
  if (s.selection) {
    parts.push(
      el('h2', {}, 'Selection'),
      el('p', { class: 'meta' }, `${s.selection.document}, line ${s.selection.line + 1}`),
      el('pre', { id: 'selection' }, s.selection.text),
    );
  }
  if (surface === 'side') {
    const open = el('button', { id: 'open-inspector', type: 'button' }, el('span', { class: 'codicon codicon-open-preview' }), ' Open Inspector');
    open.addEventListener('click', () => post({ type: 'runCommand', command: 'clsLens.openInspector' }));
    parts.push(open);
  }
  app.replaceChildren(...parts);
  app.dataset.status = s.status;
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const msg = event.data;
  if (!isHostMessage(msg) || msg.type !== 'snapshot') return;   // not ours, or malformed: ignore
  if (msg.snapshot.seq < lastSeq) return;       // stale
  lastSeq = msg.snapshot.seq;
  render(msg.snapshot);
});

post({ type: 'ready', surface });
