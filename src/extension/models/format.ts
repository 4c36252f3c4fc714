// Pure helpers of the model UI (no vscode, no Node): sizes, download rate and time left, precision from an ONNX file
// name. Unit-tested in plain Node (test/unit/modelFormat.test.ts).

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** One entry of an ONNX file choice: the file, its size and precision, and whether it is the engine's default. */
export interface OnnxChoice { path: string; label: string; description: string; detail: string; isDefault: boolean }

/**
 * Quick-pick entries for a model's ONNX files (`onnx/model.onnx`, `onnx/model_quantized.onnx`, `onnx/model_fp16.onnx`, …):
 * size · precision (from the file name) · "default" for the one the engine picks when none is set, listed first.
 */
export function onnxChoices(files: readonly { path: string; bytes?: number; note?: string }[], def: string | undefined): OnnxChoice[] {
  const items = files.map((f) => {
    const p = precisionOf(f.path);
    const isDefault = f.path === def;
    return {
      path: f.path, label: f.path, isDefault,
      description: [f.bytes !== undefined ? formatBytes(f.bytes) : 'size unknown', p.name, isDefault ? 'default' : ''].filter(Boolean).join(' · '),
      detail: f.note ? `${p.detail}; ${f.note}` : p.detail,
    };
  });
  return items.sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
}

/** Bytes in binary units with one decimal from KB on: 0 B, 512 B, 1.5 KB, 86.7 MB. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '? B';
  let v = n, u = 0;
  while (v >= 1024 && u < UNITS.length - 1) { v /= 1024; u++; }
  return u === 0 ? `${Math.round(v)} B` : `${v.toFixed(1)} ${UNITS[u]}`;
}

/** A rate in bytes per second: "3.4 MB/s". */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** Seconds left in words: "12 s left", "3 min 5 s left", "1 h 2 min left"; empty when unknown. */
export function formatRemaining(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s left`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s left`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min left`;
}

/**
 * Download speed over a sliding window of (time, bytes) samples. Times are passed in (ms), so it is tested without
 * clocks. Bytes are cumulative; a sample with fewer bytes than the last (a restarted download) resets the window.
 */
export class RateMeter {
  private samples: { t: number; bytes: number }[] = [];

  constructor(private readonly windowMs = 5000) {}

  add(bytes: number, t: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && bytes < last.bytes) this.samples = [];
    this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[1].t >= this.windowMs) this.samples.shift();
  }

  /** Bytes per second over the window, or null until two samples lie apart in time. */
  rate(): number | null {
    if (this.samples.length < 2) return null;
    const a = this.samples[0], b = this.samples[this.samples.length - 1];
    const dt = (b.t - a.t) / 1000;
    return dt > 0 ? (b.bytes - a.bytes) / dt : null;
  }

  /** Seconds until `total` bytes at the current rate, or null when the rate is unknown or zero. */
  remaining(total: number): number | null {
    const r = this.rate();
    const last = this.samples[this.samples.length - 1];
    if (!r || r <= 0 || !last) return null;
    return Math.max(0, (total - last.bytes) / r);
  }
}

/** "12.0 MB of 86.7 MB · 3.4 MB/s · 23 s left" (the parts that are known). */
export function downloadLine(bytes: number, total: number, rate: number | null, remaining: number | null): string {
  const parts = [total > 0 ? `${formatBytes(bytes)} of ${formatBytes(total)}` : formatBytes(bytes)];
  if (rate !== null && rate > 0) parts.push(formatRate(rate));
  const left = formatRemaining(remaining);
  if (left) parts.push(left);
  return parts.join(' · ');
}

export interface Precision {
  /** fp32, fp16, int8, uint8, q4, q4f16, bnb4, … */
  name: string;
  /** How the name was read, for the info page. */
  detail: string;
}

/**
 * The weights' precision as the file name says it (the conventions of Xenova/ and transformers.js exports, and
 * optimum's): model.onnx fp32, *_fp16 fp16, *_quantized / *_int8 int8, *_uint8 uint8, *_q4 4-bit, *_q4f16 4-bit with
 * fp16, *_bnb4 4-bit (bitsandbytes), *_O1…O3 optimised fp32, *_O4 optimised fp16. Anything else: unknown.
 */
export function precisionOf(onnxFile: string): Precision {
  const base = (onnxFile.split(/[\\/]/).pop() ?? onnxFile).toLowerCase().replace(/\.onnx$/, '');
  const tag = (re: RegExp) => re.test(base);
  if (tag(/(^|[_.-])q4f16$/)) return { name: 'q4f16', detail: '4-bit weights, fp16 activations (file name ends in _q4f16)' };
  if (tag(/(^|[_.-])bnb4$/)) return { name: 'bnb4', detail: '4-bit weights, bitsandbytes format (file name ends in _bnb4)' };
  if (tag(/(^|[_.-])q4$/)) return { name: 'q4', detail: '4-bit weights (file name ends in _q4)' };
  if (tag(/(^|[_.-])uint8$/)) return { name: 'uint8', detail: '8-bit unsigned quantised weights (file name ends in _uint8)' };
  if (tag(/(^|[_.-])(int8|quantized|qint8)$/)) return { name: 'int8', detail: '8-bit dynamically quantised weights (file name ends in _quantized or _int8)' };
  if (tag(/(^|[_.-])(fp16|float16|half)$/)) return { name: 'fp16', detail: 'half-precision weights (file name ends in _fp16)' };
  if (tag(/(^|[_.-])o4$/)) return { name: 'fp16', detail: 'optimum O4: optimised graph with fp16 weights' };
  if (tag(/(^|[_.-])o[123]$/)) return { name: 'fp32', detail: 'optimum O1–O3: optimised graph, fp32 weights' };
  if (tag(/^(model|encoder_model|model_optimized|encoder)$/) || tag(/(^|[_.-])(fp32|float32)$/)) return { name: 'fp32', detail: 'full-precision weights (no precision suffix in the file name)' };
  return { name: 'unknown', detail: `the file name "${base}.onnx" does not say` };
}

/**
 * The name to show for a model: the engine names a model by its config's `_name_or_path`, else its folder, which for
 * a Hub snapshot is the commit hash; then the Hub id of the setting reads better.
 */
export function displayName(engineName: string, ref: string): string {
  const hub = /^([A-Za-z0-9][\w.-]*\/[\w.-]+)(?:@(.+))?$/.exec(ref.trim());
  if (!hub || !/^[0-9a-f]{40}$/.test(engineName)) return engineName;
  return hub[2] && hub[2] !== 'main' ? `${hub[1]}@${hub[2]}` : hub[1];
}
