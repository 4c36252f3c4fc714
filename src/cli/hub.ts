// The CLI's side of Hub models: `cls-lens download`, Hub options from flags, progress on stderr (a TTY only), and
// error text that names flags and environment variables (the engine's own next steps name no surface).
import { phraseError, type EngineError } from '../engine/errors';
import { CLI_FIXES } from './usage';
import { downloadModel, parseHubId } from '../engine/models/hub';
import type { HubOptions, HubProgress } from '../engine/models/hub/types';

export interface HubFlags {
  endpoint?: string;
  offline?: boolean;
  'cache-dir'?: string;
}

/** Hub options from the flags; unset ones fall back to HF_ENDPOINT, HF_HUB_OFFLINE, HF_HUB_CACHE/HF_HOME, HF_TOKEN. */
export function hubOptionsFrom(v: HubFlags): Pick<HubOptions, 'endpoint' | 'offline' | 'cacheDir'> {
  return { endpoint: v.endpoint, offline: v.offline ? true : undefined, cacheDir: v['cache-dir'] };
}

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;

/** A progress line on stderr, rewritten in place; nothing when stderr is not a terminal (logs, pipes, tests). */
export function stderrProgress(stream: NodeJS.WriteStream = process.stderr): ((p: HubProgress) => void) | undefined {
  if (!stream.isTTY) return undefined;
  let shown = false;
  return (p) => {
    if (p.phase === 'done') {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
      return;
    }
    const pct = p.total > 0 ? ` ${Math.floor((100 * p.bytes) / p.total)}%` : '';
    const line = p.phase === 'downloading' ? `downloading ${p.file ?? ''} ${mb(p.bytes)} / ${mb(p.total)}${pct}` : `${p.phase} ${p.file ?? ''}`;
    stream.write(`\r\x1b[K${line.slice(0, (stream.columns || 80) - 1)}`);
    shown = true;
  };
}

const TOKEN_HINT = 'The token comes from HF_TOKEN, else the file `huggingface-cli login` writes ($HF_HOME/token).';

/** The error as the CLI prints it: the cause, then what to change in CLI terms. */
export function cliErrorMessage(e: EngineError): string {
  const next = e.next ?? '';
  const choose = /Choose one of those ONNX files/.test(next) ? 'Choose one with --onnx-file F.' : next;
  switch (e.code) {
    case 'hub-repo-not-found':
    case 'hub-token-rejected':
    case 'hub-gated':
      return `${e.summary} ${next} ${TOKEN_HINT}`;
    case 'hub-offline':
      return `${e.summary} ${next} (Offline because of --offline or HF_HUB_OFFLINE=1; leave both out to download.)`.replace('Offline (HF_HUB_OFFLINE or the offline option)', 'Offline (--offline or HF_HUB_OFFLINE)');
    case 'hub-network':
      return `${e.summary} ${next} The endpoint is set by --endpoint or HF_ENDPOINT; --offline (or HF_HUB_OFFLINE=1) uses the cache only.`;
    case 'hub-file-not-found':
    case 'hub-no-onnx':
      return `${e.summary} ${choose}`;
    case 'cache-write':
      return `${e.summary} ${next} The cache folder is set by --cache-dir, HF_HUB_CACHE or HF_HOME.`;
    default:
      return phraseError(e, CLI_FIXES);
  }
}

/** null when `ref` is a Hub id, else why not (for a usage error). */
export function badHubId(ref: string | undefined): string | null {
  return ref && parseHubId(ref) ? null : `download takes a Hub id ORG/NAME[@REV]${ref ? `, not "${ref}"` : ''}`;
}

/** `cls-lens download ORG/NAME[@REV]`: prints the snapshot folder on stdout. */
export async function downloadCommand(ref: string, v: HubFlags & { 'onnx-file'?: string; json?: boolean }, signal?: AbortSignal): Promise<string> {
  const m = await downloadModel(ref, { ...hubOptionsFrom(v), onnxFile: v['onnx-file'], signal, onProgress: stderrProgress() });
  return v.json ? JSON.stringify(m) : m.folder;
}
