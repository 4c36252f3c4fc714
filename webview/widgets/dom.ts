// Small DOM helpers: element construction without innerHTML (text is never parsed as HTML), form controls,
// number formatting shared by every view (tests format expected values the same way).
import type { Token } from '../../src/shared/types';
import type { WebviewCommand } from '../../src/shared/protocol';
import { post } from '../messaging/vscodeApi';

export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined>;

/** Creates an element; `true` attributes are set empty, `false`/null/undefined ones are skipped. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    e.setAttribute(k, v === true ? '' : String(v));
  }
  append(e, children);
  return e;
}

export function append(parent: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.append(typeof c === 'number' ? String(c) : c);
  }
}

export function codicon(name: string): HTMLSpanElement {
  return el('span', { class: `codicon codicon-${name}`, 'aria-hidden': 'true' });
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** The number format of every value the views print: 3 decimals, exponent for tiny or huge magnitudes. */
export function fmt(v: number): string {
  if (Number.isNaN(v)) return 'n/a';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  if (a >= 1e4 || (a !== 0 && a < 1e-3)) return v.toExponential(2);
  return v.toFixed(3);
}

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** A token as it is shown: the vocabulary string with whitespace made visible. */
export function tokenText(t: Token): string {
  return t.text.replace(/\n/g, '⏎').replace(/\t/g, '⇥').replace(/ /g, '␣') || '∅';
}

/** Short label for axes (long tokens are cut). */
export function tokenAxisLabel(t: Token, max = 12): string {
  const s = tokenText(t);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Layer names: 0 is the embeddings output. */
export function layerName(id: number): string {
  return id === 0 ? 'embeddings' : `layer ${id}`;
}

export interface Choice { value: string; label: string }

/** A labelled <select>; `onChange` receives the chosen value. */
export function selectControl(id: string, label: string, choices: Choice[], value: string, onChange: (v: string) => void): HTMLElement {
  const s = el('select', { id, class: 'control-select' });
  for (const c of choices) {
    const o = el('option', { value: c.value }, c.label);
    if (c.value === value) o.selected = true;
    s.append(o);
  }
  s.addEventListener('change', () => onChange(s.value));
  return el('span', { class: 'control' }, el('label', { for: id }, label), s);
}

export function checkboxControl(id: string, label: string, checked: boolean, onChange: (v: boolean) => void): HTMLElement {
  const c = el('input', { id, type: 'checkbox' });
  c.checked = checked;
  c.addEventListener('change', () => onChange(c.checked));
  return el('span', { class: 'control checkbox' }, c, el('label', { for: id }, label));
}

/** A button that asks the host to run one of the webview commands. */
export function commandButton(id: string, icon: string, text: string, command: WebviewCommand, secondary = false): HTMLButtonElement {
  const b = el('button', { id, type: 'button', class: secondary ? 'secondary' : null }, codicon(icon), text);
  b.addEventListener('click', () => post({ type: 'runCommand', command }));
  return b;
}

export function note(text: string, attrs: Attrs = {}): HTMLParagraphElement {
  return el('p', { class: 'note', ...attrs }, text);
}

/** `<dl>`-like key/value row used in headers and stats. */
export function stat(label: string, value: Child, attrs: Attrs = {}): HTMLElement {
  return el('span', { class: 'stat' }, el('span', { class: 'stat-label' }, label), el('span', { class: 'stat-value', ...attrs }, value));
}

/** Computed value of a --vscode-* (or any) custom property on body, with a fallback. */
export function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}
