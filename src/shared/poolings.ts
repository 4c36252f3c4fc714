// The one list of poolings: name, UI label, description and where the views compare them. Everything else (the
// PoolingName type, the message guards, the Vectors tab labels, the `clsLens.defaultPooling` enum in package.json,
// the CLI's help) is derived from this list or checked against it. No `vscode`, no Node: the webview imports it too.

export interface PoolingInfo {
  /** The name in settings, messages, CLI flags and JSON output. */
  readonly name: string;
  /** Heading in the Vectors tab. */
  readonly label: string;
  /** One line for the settings UI (enumDescriptions) and the CLI help. */
  readonly description: string;
  /** Position when the views put poolings side by side (pooling-cosine pairs, Compare matrices): 0 first. */
  readonly order: number;
}

/**
 * Every pooling once, in the canonical order: the order of the settings enum, the CLI help, the Vectors tab's
 * sections and the Compare tab's pooling choices. `pooler` exists only when the ONNX graph has a pooler output.
 */
export const POOLING_REGISTRY = [
  { name: 'cls', label: '[CLS] (cls)', description: 'The [CLS] token’s hidden state', order: 0 },
  { name: 'mean', label: 'mean of content tokens (mean)', description: 'Mean over the text’s tokens, without [CLS]/[SEP]', order: 1 },
  { name: 'meanWithSpecials', label: 'mean incl. specials (meanWithSpecials)', description: 'Mean over every token, [CLS]/[SEP] included (sentence-transformers)', order: 4 },
  { name: 'max', label: 'max over tokens (max)', description: 'Per-dimension maximum over the text’s tokens', order: 2 },
  { name: 'meanSqrtLen', label: 'sum / √n (meanSqrtLen)', description: 'Sum over the text’s tokens divided by √(token count)', order: 5 },
  { name: 'lastToken', label: 'last token (lastToken)', description: 'The hidden state of the last content token', order: 6 },
  { name: 'pooler', label: 'pooler (dense+tanh on [CLS])', description: 'The model’s pooler output (dense + tanh on [CLS]), last layer only', order: 3 },
] as const satisfies readonly PoolingInfo[];

export type PoolingName = (typeof POOLING_REGISTRY)[number]['name'];

/** Pooling names in the canonical order. */
export const POOLINGS: readonly PoolingName[] = POOLING_REGISTRY.map((p) => p.name);

/** Pooling names in the order the views compare them side by side. */
export const POOLING_COMPARE_ORDER: readonly PoolingName[] = [...POOLING_REGISTRY].sort((a, b) => a.order - b.order).map((p) => p.name);

const BY_NAME: ReadonlyMap<string, PoolingInfo> = new Map(POOLING_REGISTRY.map((p) => [p.name, p]));

export function isPoolingName(v: unknown): v is PoolingName {
  return typeof v === 'string' && BY_NAME.has(v);
}

export function poolingInfo(name: PoolingName): PoolingInfo {
  return BY_NAME.get(name)!;
}

export function poolingLabel(name: PoolingName): string {
  return poolingInfo(name).label;
}
