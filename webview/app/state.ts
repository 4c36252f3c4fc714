// Webview state: the last snapshot, local option overrides (instant feedback until the host echoes them),
// persisted UI state (vscode setState/getState), the cache of requested matrices, and the index helpers every
// view shares (layer index ↔ layer id ↔ attention layer).
import type { AnalysisFailedMessage, InspectionView, MatrixFailedMessage, MatrixKind, MatrixMessage, MatrixRequest, PartUpdateMessage, Snapshot, ViewOptions } from '../../src/shared/protocol';
import type { ThemeKind } from '../widgets/colors';
import { post, vscodeApi } from '../messaging/vscodeApi';

export const TAB_IDS = ['vectors', 'tokens', 'attention', 'compare'] as const;
export type TabId = (typeof TAB_IDS)[number];

/** What survives a webview reload (vscode setState). */
export interface UiState {
  tab: TabId;
  /** The attention head shown in detail (layer is the attention layer 0..L-1; head -1 is the mean). */
  thumb: { layer: number; head: number } | null;
  /** Pooling pairs shown in the pooling-cosine chart ("cls|mean"); null = the default (pairs with cls). */
  shownPairs: string[] | null;
}

const DEFAULT_UI: UiState = { tab: 'vectors', thumb: null, shownPairs: null };

export function loadUi(): UiState {
  const s = vscodeApi().getState() as Partial<UiState> | undefined | null;
  const ui: UiState = { ...DEFAULT_UI };
  if (s && typeof s === 'object') {
    if ((TAB_IDS as readonly unknown[]).includes(s.tab)) ui.tab = s.tab as TabId;
    const t = s.thumb;
    if (t && typeof t === 'object' && Number.isInteger(t.layer) && Number.isInteger(t.head)) ui.thumb = { layer: t.layer, head: t.head };
    if (Array.isArray(s.shownPairs) && s.shownPairs.every((p) => typeof p === 'string')) ui.shownPairs = s.shownPairs;
  }
  return ui;
}

export function saveUi(ui: UiState): void {
  vscodeApi().setState(ui);
}

// ---- matrices requested from the host ---------------------------------------------------------------------

export function matrixKey(r: MatrixRequest): string {
  return `${r.kind}:${r.runId}:${r.layer}`;
}

const PENDING_TIMEOUT_MS = 15_000;
const CACHE_BYTES = 96 * 1024 * 1024;

/**
 * Answers to requestMatrix for the current run only: a new runId empties it, answers for another run are
 * dropped. Bounded by bytes (least recently used first out); a request is posted once while it is pending.
 */
export class MatrixCache {
  private runId = -1;
  private readonly entries = new Map<string, MatrixMessage>();
  private readonly pending = new Map<string, number>();
  /** Requests the host answered with matrixFailed (key → why): not asked again for this run. */
  private readonly failed = new Map<string, string>();
  private bytes = 0;

  /** requestAnalysis was posted for the current run. */
  private analysisAsked = false;
  /** Why the host could not compute the current run's analysis (analysisFailed). */
  private analysisError: string | undefined;

  get currentRun(): number { return this.runId; }

  /** Asks the host, once per run, for the shares and the rollout (the snapshot then carries attention.summary). */
  requestAnalysis(): void {
    if (this.runId < 0 || this.analysisAsked) return;
    this.analysisAsked = true;
    post({ type: 'requestAnalysis', runId: this.runId });
  }

  /** Why the analysis of the current run cannot be had; undefined while it may still come. */
  analysisFailure(): string | undefined {
    return this.analysisError;
  }

  /** Records analysisFailed; false when it belongs to another run. */
  failAnalysis(m: AnalysisFailedMessage): boolean {
    if (m.runId !== this.runId) return false;
    this.analysisError = m.error;
    return true;
  }

  reset(runId: number): void {
    if (runId === this.runId) return;
    this.runId = runId;
    this.analysisAsked = false;
    this.analysisError = undefined;
    this.entries.clear();
    this.pending.clear();
    this.failed.clear();
    this.bytes = 0;
  }

  get(kind: MatrixKind, layer: number): MatrixMessage | undefined {
    const key = matrixKey({ kind, runId: this.runId, layer });
    const m = this.entries.get(key);
    if (m) { this.entries.delete(key); this.entries.set(key, m); }   // LRU touch
    return m;
  }

  isPending(kind: MatrixKind, layer: number): boolean {
    const t = this.pending.get(matrixKey({ kind, runId: this.runId, layer }));
    return t !== undefined && performance.now() - t < PENDING_TIMEOUT_MS;
  }

  pendingCount(kind: MatrixKind): number {
    let n = 0;
    const now = performance.now();
    for (const [k, t] of this.pending) if (k.startsWith(`${kind}:`) && now - t < PENDING_TIMEOUT_MS) n++;
    return n;
  }

  /** Returns the cached answer, or posts the request (once) and returns undefined. */
  request(kind: MatrixKind, layer: number): MatrixMessage | undefined {
    if (this.runId < 0) return undefined;
    const hit = this.get(kind, layer);
    if (hit) return hit;
    if (this.isPending(kind, layer) || this.failure(kind, layer) !== undefined) return undefined;
    const request: MatrixRequest = { kind, runId: this.runId, layer };
    this.pending.set(matrixKey(request), performance.now());
    post({ type: 'requestMatrix', request });
    return undefined;
  }

  /** Why the host could not answer this request for the current run (undefined: it did not say it could not). */
  failure(kind: MatrixKind, layer: number): string | undefined {
    return this.failed.get(matrixKey({ kind, runId: this.runId, layer }));
  }

  /** Records a negative answer (the request is no longer pending); false when it belongs to another run. */
  fail(m: MatrixFailedMessage): boolean {
    if (m.request.runId !== this.runId) return false;
    const key = matrixKey(m.request);
    this.pending.delete(key);
    this.failed.set(key, m.error);
    return true;
  }

  /** Stores an answer; false when it belongs to another run (stale) and was dropped. */
  accept(m: MatrixMessage): boolean {
    if (m.request.runId !== this.runId) return false;
    const key = matrixKey(m.request);
    this.pending.delete(key);
    const old = this.entries.get(key);
    if (old) { this.bytes -= old.data.byteLength; this.entries.delete(key); }
    this.entries.set(key, m);
    this.bytes += m.data.byteLength;
    for (const [k, v] of this.entries) {
      if (this.bytes <= CACHE_BYTES || k === key) break;
      this.entries.delete(k);
      this.bytes -= v.data.byteLength;
    }
    return true;
  }
}

/** Value i of a matrix answer (uint8 answers are byte / 255 * scale). */
export function matrixFloat(m: MatrixMessage, offset = 0, length = m.data.length - offset): Float32Array {
  if (m.data instanceof Float32Array) return m.data.subarray(offset, offset + length);
  const out = new Float32Array(length);
  const k = m.scale / 255;
  const src = m.data;
  for (let i = 0; i < length; i++) out[i] = src[offset + i] * k;
  return out;
}

// ---- small host messages ----------------------------------------------------------------------------------------

/** The parts of a snapshot a small host message replaces. */
export type Part = PartUpdateMessage['type'];
/** What a render must redraw: everything (a new snapshot, a theme, a tab), or only these parts. */
export type Changed = 'all' | ReadonlySet<Part>;

export const changedAll = (c: Changed, ...parts: Part[]): boolean => c === 'all' || parts.some((p) => c.has(p));

/**
 * The snapshot with the part `m` carries applied (a new object; the inspection is shared), or null when `m` cannot
 * apply: no snapshot yet, or `m` belongs to another run than the snapshot's (the webview then asks for a snapshot).
 */
export function applyPart(s: Snapshot | null, m: PartUpdateMessage): Snapshot | null {
  if (!s || (s.inspection?.runId ?? -1) !== m.runId) return null;
  switch (m.type) {
    case 'options': return { ...s, seq: m.seq, options: m.options };
    case 'status': return { ...s, seq: m.seq, status: m.status, progress: m.progress, message: m.message, selection: m.selection, model: m.model, fix: m.fix };
    case 'compare': return { ...s, seq: m.seq, compare: m.compare };
  }
}

// ---- view context ---------------------------------------------------------------------------------------------

export interface Ctx {
  snapshot: Snapshot;
  /** The snapshot's options with local, not yet echoed changes applied. */
  options: ViewOptions;
  ui: UiState;
  theme: ThemeKind;
  /** Changes on every theme switch: part of every render key. */
  themeVersion: number;
  matrices: MatrixCache;
  /** Posts setOptions and applies the change locally at once. */
  setOptions(p: Partial<ViewOptions>): void;
  /** Persists UI state; re-renders unless `render` is false. */
  setUi(p: Partial<UiState>, render?: boolean): void;
}

export interface View {
  readonly root: HTMLElement;
  /** Redraws from ctx; `changed` says which parts differ from the last call (views may skip the rest). */
  update(ctx: Ctx, changed: Changed): void;
  onMatrix?(ctx: Ctx, m: MatrixMessage): void;
  /** The host could not answer a matrix request of the current run: show why instead of "Loading…". */
  onMatrixFailed?(ctx: Ctx, m: MatrixFailedMessage): void;
}

// ---- index helpers -------------------------------------------------------------------------------------------

export { attentionHeads, attentionLayerOf, attentionLayers, layerIndex } from '../../src/shared/measures';

/** The index into layerIds of the hidden state an attention layer produces, or -1. */
export function layerIndexOfAttention(insp: InspectionView, attnLayer: number): number {
  return insp.layerIds.indexOf(attnLayer + 1);
}

export { clsAttentionRow, row } from '../../src/shared/measures';

export function finiteRange(data: ArrayLike<number>, skip?: (i: number) => boolean): { min: number; max: number } {
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    if (skip?.(i)) continue;
    const v = data[i];
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === Infinity) return { min: 0, max: 1 };
  return { min, max };
}
