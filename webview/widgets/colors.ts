// Colour scales for data (theme-aware lookup tables) and the chrome colours canvases need (read from --vscode-*).
// Data scales are chosen per theme kind so that "more" always reads as "more contrast against the background":
// light themes go from near-white to deep violet, dark themes from near-black to bright yellow, high-contrast
// themes use the extremes. Diverging scales put 0 at a colour close to the background.
import { cssVar } from './dom';

export type ThemeKind = 'light' | 'dark' | 'hcDark' | 'hcLight';
export type ScaleKind = 'sequential' | 'diverging';

export function themeKind(): ThemeKind {
  const c = document.body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'hcLight';
  if (c.contains('vscode-high-contrast')) return 'hcDark';
  if (c.contains('vscode-light')) return 'light';
  if (c.contains('vscode-dark')) return 'dark';
  return window.matchMedia?.('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

const STOPS: Record<ScaleKind, Record<ThemeKind, string[]>> = {
  sequential: {
    light: ['#f6f5fa', '#d8d2ea', '#ab9bd2', '#7d62b5', '#563296', '#33116d', '#1a0545'],
    dark: ['#1a1633', '#362768', '#653b8c', '#a2467f', '#d9605b', '#f39a3e', '#f8e15e'],
    hcDark: ['#000000', '#34196e', '#9e1c7c', '#f2543c', '#ffd21f', '#ffffff'],
    hcLight: ['#ffffff', '#b9ccff', '#5a78ff', '#1b2db5', '#000000'],
  },
  diverging: {
    light: ['#1d4b98', '#6c9bd6', '#f3f3f3', '#e3806a', '#a1182a'],
    dark: ['#58a6ff', '#2c4a75', '#262626', '#7b3627', '#ff7855'],
    hcDark: ['#00b7ff', '#00395a', '#000000', '#5a2900', '#ffb000'],
    hcLight: ['#002fbf', '#88a2ff', '#ffffff', '#ff987a', '#b00000'],
  },
};

export type Rgb = [number, number, number];

export function parseHex(hex: string): Rgb {
  const h = hex.replace('#', '');
  const full = h.length === 3 ? h.split('').map((c) => c + c).join('') : h.slice(0, 6);
  const n = parseInt(full, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const lutCache = new Map<string, Uint8ClampedArray>();

/** 256 RGBA entries for the scale in the current theme kind. */
export function lut(kind: ScaleKind, theme: ThemeKind = themeKind()): Uint8ClampedArray {
  const key = `${kind}:${theme}`;
  const hit = lutCache.get(key);
  if (hit) return hit;
  const stops = STOPS[kind][theme].map(parseHex);
  const out = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (stops.length - 1);
    const k = Math.min(stops.length - 2, Math.floor(t));
    const f = t - k;
    const a = stops[k], b = stops[k + 1];
    out[i * 4] = a[0] + (b[0] - a[0]) * f;
    out[i * 4 + 1] = a[1] + (b[1] - a[1]) * f;
    out[i * 4 + 2] = a[2] + (b[2] - a[2]) * f;
    out[i * 4 + 3] = 255;
  }
  lutCache.set(key, out);
  return out;
}

/** Maps v in [min, max] to a LUT index 0..255 (NaN → -1). */
export function lutIndex(v: number, min: number, max: number): number {
  if (Number.isNaN(v)) return -1;
  const span = max - min;
  const t = span > 0 ? (v - min) / span : 0.5;
  return t <= 0 ? 0 : t >= 1 ? 255 : Math.round(t * 255);
}

export function rgbAt(table: Uint8ClampedArray, index: number): Rgb {
  return [table[index * 4], table[index * 4 + 1], table[index * 4 + 2]];
}

export function cssRgb([r, g, b]: Rgb): string {
  return `rgb(${r}, ${g}, ${b})`;
}

/** Black or white, whichever reads better on `rgb`. */
export function textOn([r, g, b]: Rgb): string {
  const lin = (c: number) => { const s = c / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
  const lum = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return lum > 0.22 ? '#000000' : '#ffffff';
}

/** Line colours for charts: the --vscode-charts-* palette first, then fixed extras per theme kind. */
export function seriesColors(theme: ThemeKind = themeKind()): string[] {
  const light = theme === 'light' || theme === 'hcLight';
  const base = [
    cssVar('--vscode-charts-blue', light ? '#1a85ff' : '#3794ff'),
    cssVar('--vscode-charts-orange', '#d18616'),
    cssVar('--vscode-charts-green', light ? '#388a34' : '#89d185'),
    cssVar('--vscode-charts-purple', light ? '#652d90' : '#b180d7'),
    cssVar('--vscode-charts-red', light ? '#e51400' : '#f14c4c'),
    cssVar('--vscode-charts-yellow', light ? '#bf8803' : '#cca700'),
  ];
  const extra = light ? ['#00838f', '#6d4c41', '#ad1457', '#558b2f'] : ['#4dd0e1', '#bcaaa4', '#f48fb1', '#c5e1a5'];
  return [...base, ...extra];
}

/** Chrome colours canvases paint with (canvas cannot resolve CSS variables itself). */
export interface Chrome { background: string; foreground: string; muted: string; grid: string; focus: string; font: string; mono: string }

export function chrome(surface: 'panel' | 'side' = document.body.dataset.surface === 'side' ? 'side' : 'panel'): Chrome {
  const cs = getComputedStyle(document.body);
  return {
    background: surface === 'side' ? cssVar('--vscode-sideBar-background', cs.backgroundColor || '#1e1e1e')
      : cssVar('--vscode-editor-background', cs.backgroundColor || '#1e1e1e'),
    foreground: cssVar('--vscode-foreground', cs.color || '#cccccc'),
    muted: cssVar('--vscode-descriptionForeground', '#9d9d9d'),
    grid: cssVar('--vscode-charts-lines', cssVar('--vscode-widget-border', '#80808080')),
    focus: cssVar('--vscode-focusBorder', '#0078d4'),
    font: cs.fontFamily || 'sans-serif',
    mono: cssVar('--vscode-editor-font-family', 'monospace'),
  };
}
