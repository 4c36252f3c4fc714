// The one message protocol between the extension host and the webviews (panel and side view).
// Imported by both bundles: no `vscode` import, no Node import. Messages are full snapshots, not deltas;
// large numeric data travels as typed arrays (VS Code >= 1.57 transfers them as binary).

export const PROTOCOL_VERSION = 1;

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

/** What a webview shows, as one value. The host always sends the whole of it. */
export interface Snapshot {
  surface: Surface;
  status: RunStatus;
  selection: SelectionInfo | null;
  /** A human message for idle/error states: cause and next step. */
  message: string | null;
  /** Monotonic counter so the webview can drop stale snapshots. */
  seq: number;
}

// ---- host → webview
export interface SnapshotMessage {
  type: 'snapshot';
  version: typeof PROTOCOL_VERSION;
  snapshot: Snapshot;
}
export type HostMessage = SnapshotMessage;

// ---- webview → host
export interface ReadyMessage {
  type: 'ready';
  surface: Surface;
}
/** A button in the webview asks the host to run a contributed command. */
export interface RunCommandMessage {
  type: 'runCommand';
  command: WebviewCommand;
}
export const WEBVIEW_COMMANDS = ['clsLens.inspectSelection', 'clsLens.openInspector', 'clsLens.selectModel'] as const;
export type WebviewCommand = (typeof WEBVIEW_COMMANDS)[number];
export type WebviewMessage = ReadyMessage | RunCommandMessage;

// ---- guards (both sides validate what they receive)
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isSurface = (v: unknown): v is Surface => v === 'panel' || v === 'side';
const isStatus = (v: unknown): v is RunStatus => v === 'idle' || v === 'running' || v === 'done' || v === 'error';

export function isSelectionInfo(v: unknown): v is SelectionInfo {
  return isObject(v) && typeof v.text === 'string' && typeof v.uri === 'string' && typeof v.document === 'string'
    && Number.isInteger(v.line) && Number.isInteger(v.character) && Number.isInteger(v.offset);
}

export function isSnapshot(v: unknown): v is Snapshot {
  return isObject(v) && isSurface(v.surface) && isStatus(v.status) && Number.isInteger(v.seq)
    && (v.selection === null || isSelectionInfo(v.selection))
    && (v.message === null || typeof v.message === 'string');
}

export function isHostMessage(v: unknown): v is HostMessage {
  return isObject(v) && v.type === 'snapshot' && v.version === PROTOCOL_VERSION && isSnapshot(v.snapshot);
}

export function isWebviewMessage(v: unknown): v is WebviewMessage {
  if (!isObject(v)) return false;
  switch (v.type) {
    case 'ready': return isSurface(v.surface);
    case 'runCommand': return (WEBVIEW_COMMANDS as readonly unknown[]).includes(v.command);
    default: return false;
  }
}
