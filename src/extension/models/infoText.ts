// The "Model Info" document as Markdown (pure: no vscode, no Node; unit-tested).
import type { Capability, ModelSummary } from '../../shared/types';
import { formatBytes, precisionOf } from './format';

export interface InfoFile { path: string; size: number }

export interface ModelInfo {
  /** The clsLens.model value. */
  setting: string;
  summary: ModelSummary;
  /** Set when the model comes from the Hugging Face cache. */
  hub: { repo: string; commit: string; refs: string[]; cacheDir: string; repoFolder: string } | null;
  files: InfoFile[];
}

const capability = (c: Capability): string => {
  const what = c.source === 'native' ? 'native (a graph output of the ONNX file)'
    : c.source === 'rewritten' ? 'exposed by the rewrite (CLS Lens adds the outputs to the graph when loading)'
      : c.source === 'recomputed' ? 'recomputed (from the hidden states with the graph\'s query and key weights)' : 'unavailable';
  return c.reason ? `${what} — ${c.reason}` : what;
};

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function modelInfoMarkdown(info: ModelInfo): string {
  const m = info.summary;
  const p = precisionOf(m.onnxFile);
  const total = info.files.reduce((a, f) => a + f.size, 0);
  const lines: string[] = [`# ${m.name}`, ''];
  const row = (k: string, v: string) => lines.push(`| ${k} | ${cell(v)} |`);
  lines.push('| | |', '|---|---|');
  row('Setting (clsLens.model)', info.setting);
  if (info.hub) {
    row('Hub repo', info.hub.repo);
    row('Commit', info.hub.commit);
    if (info.hub.refs.length) row('Refs', info.hub.refs.join(', '));
    row('Cached in', info.hub.repoFolder);
    row('Cache', info.hub.cacheDir);
  }
  row('Folder', m.folder);
  row('ONNX file', m.onnxFile);
  row('Precision', `${p.name} (${p.detail})`);
  row('Model type', m.modelType);
  row('Layers', String(m.layers));
  row('Attention heads', String(m.heads));
  row('Hidden size', String(m.hidden));
  row('Vocabulary', `${m.vocabSize} tokens`);
  row('Max tokens', String(m.maxTokens));
  row('Graph inputs', m.inputs.join(', '));
  row('Attentions', capability(m.attentions));
  row('Hidden states', capability(m.hiddenStates));
  row('Pooler output', m.hasPooler ? 'yes' : 'no');
  if (m.poolingMode) row('sentence-transformers pooling', m.poolingMode);
  if (m.randomWeights) row('Weights', 'random (made by the CLS Lens generator): the vectors show the plumbing only');
  lines.push('', `## Files (${info.files.length}, ${formatBytes(total)})`, '', '| File | Size |', '|---|---:|');
  for (const f of info.files) lines.push(`| ${cell(f.path)} | ${formatBytes(f.size)} |`);
  if (m.warnings.length) lines.push('', '## Warnings', '', ...m.warnings.map((w) => `- ${w}`));
  lines.push('');
  return lines.join('\n');
}
