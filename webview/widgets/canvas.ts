// What every canvas widget shares (heatmaps aside): sizing for the device pixel ratio, and the PNG export button.
import { codicon, el } from './dom';
import { vscodeApi } from '../messaging/vscodeApi';

/** Size the canvas's backing store for the device pixel ratio; drawing stays in CSS pixels. */
export function sizeCanvas(canvas: HTMLCanvasElement, w: number, h: number): CanvasRenderingContext2D | null {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  const ctx = canvas.getContext('2d');
  ctx?.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/**
 * #<id>-export: posts the canvas as PNG (`savePng`, the same message in the inspector's and the results view's
 * protocols); the host asks where to save it. `name` is read at click time when it is a function.
 */
export function pngButton(id: string, canvas: HTMLCanvasElement, name: string | (() => string)): HTMLButtonElement {
  const b = el('button', { id: `${id}-export`, 'data-testid': `${id}-export`, type: 'button', class: 'icon-button', title: 'Export PNG' },
    codicon('desktop-download'), 'PNG');
  b.addEventListener('click', () => {
    const base = typeof name === 'function' ? name() : name;
    vscodeApi().postMessage({ type: 'savePng', name: `${base.replace(/[^\w.-]+/g, '-')}.png`, dataUrl: canvas.toDataURL('image/png') });
  });
  return b;
}
