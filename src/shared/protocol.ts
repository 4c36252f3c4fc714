// The one message protocol between the extension host and the webviews (panel and side view).
// Imported by both bundles: no `vscode` import, no Node import. A full snapshot (with the inspection) travels once per
// run, on `ready`, and whenever the webview may be out of sync; smaller changes travel as small messages that each
// replace one part of the snapshot whole: `options`, `status` (status, progress, message, selection), `compare`.
// Every host message carries the store's seq (the snapshot inside it); the webview drops a message with a lower seq
// than the last it applied. A small message names the run (runId of the inspection, -1 for none) it belongs to:
// a webview with no snapshot, or another run, asks for a snapshot (requestSnapshot) instead of applying it.
// Large numeric data travels as typed arrays (VS Code >= 1.57 transfers them as binary). Attention matrices and
// token×token matrices are too large to snapshot at 512 tokens: the webview asks for one layer at a time.
import { ERROR_FIXES, type ErrorFix } from '../engine/errors';
import { isPoolingName } from './poolings';
import type { AttentionAnalysis, FloatTensor, Inspection, PoolingName } from './types';

export const PROTOCOL_VERSION = 2;

export type Surface = 'panel' | 'side';

export interface SelectionInfo {
  text: string;
  /** Document URI as a string. */
  uri: string;
  /** Display name of the document (file name). */
  document: string;
  /** Zero-based line and UTF-16 character of the selection start in the document. */
  line: number;
  character: number;
  /** Offset of the selection start in the document (for mapping token ranges back). */
  offset: number;
}

export type RunStatus = 'idle' | 'running' | 'done' | 'error';

/** Measures a token can be coloured by (side view chips, editor decorations). */
export const TOKEN_MEASURES = ['clsAttention', 'rollout', 'clsCosine'] as const;
export type TokenMeasure = (typeof TOKEN_MEASURES)[number];

/** The user's view choices, kept by the host (settings give the defaults) and echoed in every snapshot. */
export interface ViewOptions {
  /** Index into `layerIds` of the inspection (not the layer number). */
  layer: number;
  /** Head index, or -1 for the mean over heads. */
  head: number;
  measure: TokenMeasure;
  pooling: PoolingName;
  followSelection: boolean;
  decorations: boolean;
}

/**
 * One inspected text, trimmed to what the views draw eagerly: the Inspection's own fields as they are (declared once,
 * in types.ts), plus what the host derives for the views. Shapes use L = model layers, T = tokens,
 * H = hidden size, R = layerIds.length (L+1, or 1 when only the last hidden state is readable).
 */
export interface InspectionView extends Pick<Inspection, 'model' | 'text' | 'tokens' | 'truncation' | 'layerIds' | 'vectors' | 'norms' | 'timings'> {
  runId: number;
  /** [R, P, P]: cosine between every pair of the poolings in `poolingNames`, per layer (pooler compared at the last layer only, NaN elsewhere). */
  poolingCos: FloatTensor;
  poolingNames: PoolingName[];
  /** [R]: cos(cls, mean). */
  clsMean: Float32Array;
  /** [R, T]: cosine of [CLS] to each token. */
  clsToken: FloatTensor;
  /** Null when the model's attention cannot be read (model.attentions says why). */
  attention: {
    /** [L, heads, T]: the [CLS] row of every head of every layer; comes with the inspection. */
    clsRow: FloatTensor;
    /** The per-head shares and the rollout's [CLS] rows: null until a view asks for them (requestAnalysis). */
    summary: AttentionSummary | null;
  } | null;
}

/** What the engine computes over every layer's full attention, on request: per-head shares and entropy, rollout rows. */
export interface AttentionSummary extends Pick<AttentionAnalysis, 'toCls' | 'toSep' | 'toPunct' | 'toSelf' | 'entropy'> {
  /** [L, T]: the [CLS] row of the rollout up to each layer. */
  rolloutClsRow: FloatTensor;
}

/** A text pinned for comparison. */
export interface PinnedView {
  label: string;
  text: string;
}

export interface CompareView {
  pins: PinnedView[];
  layerIds: number[];
  /** Per pooling: [R, N, N] cosine between pinned texts, per layer. */
  matrices: Partial<Record<PoolingName, FloatTensor>>;
}

/** What a webview shows, as one value: a snapshot message sends the whole of it, small messages one part. */
export interface Snapshot {
  surface: Surface;
  status: RunStatus;
  selection: SelectionInfo | null;
  /** A human message for idle/error states: cause and next step. */
  message: string | null;
  /** Status 'error' only: the input the user changes to get past it (EngineError.fix); 'model' offers Select Model…. */
  fix?: ErrorFix;
  /** Monotonic counter so the webview can drop stale snapshots. */
  seq: number;
  /** The last finished inspection (kept while a new one runs). */
  inspection: InspectionView | null;
  compare: CompareView | null;
  options: ViewOptions;
  /** Engine progress while status is 'running'. */
  progress: string | null;
  /** Short label of the configured model; null when none is set (the side view shows the welcome). */
  model: string | null;
}

// ---- host → webview
export interface SnapshotMessage {
  type: 'snapshot';
  version: typeof PROTOCOL_VERSION;
  snapshot: Snapshot;
}
/** Answer to a MatrixRequest: one [rows, cols] matrix (or [heads, T, T] stack) as float32 or uint8 with a scale. */
export interface MatrixMessage {
  type: 'matrix';
  version: typeof PROTOCOL_VERSION;
  request: MatrixRequest;
  /** Float32Array, or Uint8Array where value ≈ byte / 255 * scale (attention probabilities). */
  data: Float32Array | Uint8Array;
  scale: number;
  dims: number[];
}
/** A MatrixRequest the host cannot answer (the engine no longer holds the run, or failed): why, for the tab to show. */
export interface MatrixFailedMessage {
  type: 'matrixFailed';
  version: typeof PROTOCOL_VERSION;
  request: MatrixRequest;
  error: string;
}
/** A requestAnalysis the host cannot answer (the engine no longer holds the run, or failed): why, for the views to show. */
export interface AnalysisFailedMessage {
  type: 'analysisFailed';
  version: typeof PROTOCOL_VERSION;
  runId: number;
  error: string;
}
/** Fields every small host message has. */
interface PartMessage {
  version: typeof PROTOCOL_VERSION;
  /** The store's seq after this change (as Snapshot.seq). */
  seq: number;
  /** runId of the inspection the host's state holds (-1: none); the webview applies the message only on that run. */
  runId: number;
}
/** The view options changed: all of them. */
export interface OptionsMessage extends PartMessage { type: 'options'; options: ViewOptions }
/** The run status changed: status, progress, message, selection and the model label (never the inspection). */
export interface StatusMessage extends PartMessage {
  type: 'status';
  status: RunStatus;
  progress: string | null;
  message: string | null;
  selection: SelectionInfo | null;
  /** As Snapshot.fix. */
  fix?: ErrorFix;
  model: string | null;
}
/** The compare view changed (null: nothing pinned or compared). */
export interface CompareMessage extends PartMessage { type: 'compare'; compare: CompareView | null }
/** Messages that replace one part of the webview's snapshot. */
export type PartUpdateMessage = OptionsMessage | StatusMessage | CompareMessage;
export type HostMessage = SnapshotMessage | MatrixMessage | MatrixFailedMessage | AnalysisFailedMessage | PartUpdateMessage;

// ---- webview → host
export interface ReadyMessage {
  type: 'ready';
  surface: Surface;
}
/** The webview got a small message it cannot apply (no snapshot yet, or another run): the host sends a snapshot. */
export interface RequestSnapshotMessage { type: 'requestSnapshot' }
/** A button in the webview asks the host to run a contributed command. */
export interface RunCommandMessage {
  type: 'runCommand';
  command: WebviewCommand;
}
export const WEBVIEW_COMMANDS = ['clsLens.inspectSelection', 'clsLens.openInspector', 'clsLens.selectModel', 'clsLens.exportVectors',
  'clsLens.comparePinned', 'clsLens.clearPinned', 'clsLens.toggleFollowSelection', 'clsLens.downloadModel', 'clsLens.chooseModelFolder'] as const;
export type WebviewCommand = (typeof WEBVIEW_COMMANDS)[number];

/** Large matrices the webview asks for, one layer at a time. */
export const MATRIX_KINDS = ['attention', 'tokenCosine', 'rollout'] as const;
export type MatrixKind = (typeof MATRIX_KINDS)[number];
export interface MatrixRequest {
  kind: MatrixKind;
  runId: number;
  /** attention, rollout: layer index 0..L-1; tokenCosine: index into layerIds. */
  layer: number;
}
export interface RequestMatrixMessage { type: 'requestMatrix'; request: MatrixRequest }
/**
 * A view shows the shares, entropy or rollout rows of run `runId` (InspectionView.attention.summary is null): the host
 * has the engine compute them and sends a snapshot with them, or analysisFailed.
 */
export interface RequestAnalysisMessage { type: 'requestAnalysis'; runId: number }
/** The webview changed a view option; the host keeps it (and redraws decorations). */
export interface SetOptionsMessage { type: 'setOptions'; options: Partial<ViewOptions> }
/** Save a rendered heatmap: a PNG data URL from canvas.toDataURL. */
export interface SavePngMessage { type: 'savePng'; name: string; dataUrl: string }
export type WebviewMessage = ReadyMessage | RequestSnapshotMessage | RunCommandMessage | RequestMatrixMessage | RequestAnalysisMessage | SetOptionsMessage | SavePngMessage;

// ---- guards (both sides validate what they receive)
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isSurface = (v: unknown): v is Surface => v === 'panel' || v === 'side';
const isStatus = (v: unknown): v is RunStatus => v === 'idle' || v === 'running' || v === 'done' || v === 'error';
const isFix = (v: unknown): boolean => v === undefined || (ERROR_FIXES as readonly unknown[]).includes(v);

export function isSelectionInfo(v: unknown): v is SelectionInfo {
  return isObject(v) && typeof v.text === 'string' && typeof v.uri === 'string' && typeof v.document === 'string'
    && Number.isInteger(v.line) && Number.isInteger(v.character) && Number.isInteger(v.offset);
}

const isTensor = (v: unknown): v is FloatTensor => isObject(v) && v.data instanceof Float32Array && Array.isArray(v.dims)
  && v.data.length === (v.dims as number[]).reduce((a, b) => a * b, 1);

/** One check per ViewOptions field (the only keys a setOptions patch may carry). */
const OPTION_CHECKS: Record<keyof ViewOptions, (v: unknown) => boolean> = {
  layer: Number.isInteger,
  head: Number.isInteger,
  measure: (v) => (TOKEN_MEASURES as readonly unknown[]).includes(v),
  pooling: isPoolingName,
  followSelection: (v) => typeof v === 'boolean',
  decorations: (v) => typeof v === 'boolean',
};

export function isViewOptions(v: unknown): v is ViewOptions {
  return isObject(v) && (Object.keys(OPTION_CHECKS) as (keyof ViewOptions)[]).every((k) => OPTION_CHECKS[k](v[k]));
}

/** Some ViewOptions fields, each valid; no other keys. */
export function isViewOptionsPatch(v: unknown): v is Partial<ViewOptions> {
  return isObject(v) && Object.entries(v).every(([k, x]) => Object.hasOwn(OPTION_CHECKS, k) && OPTION_CHECKS[k as keyof ViewOptions](x));
}

/** A PNG data URL as canvas.toDataURL('image/png') makes it: the prefix, then base64 only. */
const PNG_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/;

export function isInspectionView(v: unknown): v is InspectionView {
  return isObject(v) && Number.isInteger(v.runId) && isObject(v.model) && typeof v.text === 'string' && Array.isArray(v.tokens)
    && Array.isArray(v.layerIds) && isObject(v.vectors) && isTensor(v.poolingCos) && v.clsMean instanceof Float32Array && isTensor(v.clsToken)
    && (v.attention === null || (isObject(v.attention) && isTensor(v.attention.clsRow) && (v.attention.summary === null || isAttentionSummary(v.attention.summary))));
}

export function isAttentionSummary(v: unknown): v is AttentionSummary {
  return isObject(v) && isTensor(v.rolloutClsRow) && isTensor(v.toCls) && isTensor(v.toSep) && isTensor(v.toPunct) && isTensor(v.toSelf) && isTensor(v.entropy);
}

export function isSnapshot(v: unknown): v is Snapshot {
  return isObject(v) && isSurface(v.surface) && isStatus(v.status) && Number.isInteger(v.seq)
    && (v.selection === null || isSelectionInfo(v.selection))
    && (v.message === null || typeof v.message === 'string') && isFix(v.fix)
    && (v.progress === null || typeof v.progress === 'string')
    && (v.model === null || typeof v.model === 'string')
    && (v.inspection === null || isInspectionView(v.inspection))
    && (v.compare === null || isCompareView(v.compare))
    && isViewOptions(v.options);
}

function isCompareView(v: unknown): v is CompareView {
  return isObject(v) && Array.isArray(v.pins) && Array.isArray(v.layerIds) && isObject(v.matrices)
    && Object.entries(v.matrices).every(([k, m]) => isPoolingName(k) && (m === undefined || isTensor(m)));
}

function isPartUpdate(v: Record<string, unknown>): boolean {
  if (!Number.isInteger(v.seq) || !Number.isInteger(v.runId)) return false;
  switch (v.type) {
    case 'options': return isViewOptions(v.options);
    case 'status': return isStatus(v.status) && (v.progress === null || typeof v.progress === 'string')
      && (v.message === null || typeof v.message === 'string') && (v.selection === null || isSelectionInfo(v.selection)) && isFix(v.fix)
      && (v.model === null || typeof v.model === 'string');
    case 'compare': return v.compare === null || isCompareView(v.compare);
    default: return false;
  }
}

export function isMatrixRequest(v: unknown): v is MatrixRequest {
  return isObject(v) && (MATRIX_KINDS as readonly unknown[]).includes(v.kind) && Number.isInteger(v.runId) && Number.isInteger(v.layer) && (v.layer as number) >= 0;
}

export function isHostMessage(v: unknown): v is HostMessage {
  if (!isObject(v) || v.version !== PROTOCOL_VERSION) return false;
  if (v.type === 'snapshot') return isSnapshot(v.snapshot);
  if (v.type === 'matrix') {
    return isMatrixRequest(v.request) && (v.data instanceof Float32Array || v.data instanceof Uint8Array) && typeof v.scale === 'number'
      && Array.isArray(v.dims) && v.data.length === (v.dims as number[]).reduce((a, b) => a * b, 1);
  }
  if (v.type === 'matrixFailed') return isMatrixRequest(v.request) && typeof v.error === 'string';
  if (v.type === 'analysisFailed') return Number.isInteger(v.runId) && typeof v.error === 'string';
  return isPartUpdate(v);
}

export function isWebviewMessage(v: unknown): v is WebviewMessage {
  if (!isObject(v)) return false;
  switch (v.type) {
    case 'ready': return isSurface(v.surface);
    case 'requestSnapshot': return true;
    case 'runCommand': return (WEBVIEW_COMMANDS as readonly unknown[]).includes(v.command);
    case 'requestMatrix': return isMatrixRequest(v.request);
    case 'requestAnalysis': return Number.isInteger(v.runId) && (v.runId as number) >= 0;
    case 'setOptions': return isViewOptionsPatch(v.options);
    case 'savePng': return typeof v.name === 'string' && typeof v.dataUrl === 'string' && PNG_DATA_URL.test(v.dataUrl);
    default: return false;
  }
}
