// The header every experiment result shows: what was run, on which model (hash, commit) and data (hash, size,
// classes), with which seed, folds and layers; loud badges for random weights and partial results; the notes.
import type { ExperimentResult, ExperimentKind } from '../../src/shared/experiments';
import { el, fmtMs, stat } from '../widgets/dom';

export const KIND_TITLES: Record<ExperimentKind, string> = {
  probe: 'Pooling probe', position: 'Position test', layers: 'Layer story', census: 'Attention census', recover: 'Recovery test', map: 'Embedding map',
};

export const short = (hash: string | null | undefined, n = 12): string => (hash ? hash.slice(0, n) : '—');

/** The data file's last path part (or the builtin name). */
export function dataName(file: string): string {
  return file.startsWith('builtin:') ? file : file.split(/[\\/]/).filter(Boolean).pop() ?? file;
}

export function layerList(layers: readonly number[]): string {
  if (!layers.length) return '—';
  const contiguous = layers.every((l, i) => i === 0 || l === layers[i - 1] + 1);
  return contiguous && layers.length > 2 ? `${layers[0]}–${layers[layers.length - 1]}` : layers.join(', ');
}

/** `running`: a partial result of a run still going on; otherwise the run has ended. */
export function resultHeader(r: ExperimentResult, running = false): HTMLElement {
  const m = r.model, d = r.data;
  const classes = Object.entries(d.classes ?? {});
  const skipped = Object.entries(d.skipped ?? {}).filter(([, n]) => n > 0);
  return el('div', { id: 'exp-header', class: 'model-header' },
    el('div', { class: 'model-title' },
      el('span', { id: 'exp-kind', class: 'model-name' }, KIND_TITLES[r.kind]),
      el('span', { class: 'meta inline' }, 'on'),
      el('span', { id: 'exp-model', class: 'model-name', title: m.ref }, m.name),
      m.randomWeights ? el('span', { id: 'exp-random-badge', class: 'badge warning', title: 'This model has random weights: the numbers show the plumbing, not what a trained model learnt.' }, 'random weights') : null,
      r.partial ? el('span', { id: 'exp-partial-badge', class: 'badge warning', title: running ? 'Results so far: the run goes on.' : 'The run stopped early: what is shown is correct but incomplete.' },
        running ? 'partial (running)' : 'partial (cancelled)') : null),
    el('div', { class: 'stats' },
      stat('ONNX sha256', short(m.onnxSha256), { id: 'exp-onnx-sha', title: m.onnxSha256 }),
      stat('commit', short(m.commit), { id: 'exp-commit', title: m.commit ?? 'not from the Hub cache' }),
      stat('shape', `${m.layers} layers × ${m.heads} heads × ${m.hidden} hidden`, { id: 'exp-shape' }),
    ),
    el('div', { class: 'stats' },
      stat('data', dataName(d.file), { id: 'exp-data', title: d.file }),
      stat('sha256', short(d.sha256), { id: 'exp-data-sha', title: d.sha256 }),
      stat('n', String(d.n), { id: 'exp-n' }),
      stat('classes', classes.length ? classes.map(([k, v]) => `${k} ${v}`).join(', ') : '—', { id: 'exp-classes' }),
      skipped.length ? stat('skipped', skipped.map(([k, v]) => `${v} ${k}`).join(', '), { id: 'exp-skipped' }) : null,
    ),
    el('div', { class: 'stats' },
      stat('seed', String(r.seed), { id: 'exp-seed' }),
      stat('folds', r.folds === null ? '—' : String(r.folds), { id: 'exp-folds' }),
      stat('layers', layerList(r.layers), { id: 'exp-layers' }),
      stat('poolings', r.poolings.join(', ') || '—', { id: 'exp-poolings' }),
      stat('max tokens', r.maxTokens ? String(r.maxTokens) : 'model max', { id: 'exp-max-tokens' }),
      stat('time', fmtMs(r.elapsedMs), { id: 'exp-elapsed' }),
    ),
    r.notes.length ? el('ul', { id: 'exp-notes', class: 'warnings' }, ...r.notes.map((n) => el('li', {}, n))) : null,
  );
}
