// The one place that runs inspections for the UI: selection → engine worker → store (→ webviews), decorations,
// status bar. The engine worker keeps the last runs' large tensors; webviews ask for their matrices one layer at a time.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { hubSettingsOf, readSettings } from '../config';
import { TokenDecorations } from '../decorations';
import type { EngineOptions } from '../../engine/engine';
import { EngineClient, type JobOptions } from '../../engine/worker/client';
import { EngineError } from '../../engine/errors';
import type { DownloadArgs, InspectResult, JobResult } from '../../engine/worker/protocol';
import { editorErrorMessage, isModelError } from '../models/advice';
import { displayName } from '../models/format';
import { effectiveModel, modelLabel } from '../models/modelSetting';
import type { HubTokenStore } from '../models/token';
import { toCsv, toNpy } from '../../engine/io/export';
import type { Inspection, PoolingName } from '../../shared/types';
import type { MatrixRequest, SelectionInfo, ViewOptions } from '../../shared/protocol';
import type { LensStore } from '../store';
import { progressReporter, type ProgressSink } from './progress';
import { compareView, toInspectionView, tokenMeasure, type MatrixPayload, type Pin } from './viewModel';

export interface RunOptions {
  /** 'command' shows a cancellable notification; 'follow' runs quietly in the status bar, latest wins. */
  mode: 'command' | 'follow';
}

export class LensController implements vscode.Disposable {
  private engine: EngineClient;
  /** The options the engine worker was started with, as a string to compare (kept in memory only: holds the token). */
  private engineKey: string;
  /** A second worker for Hub downloads, so that inspections go on while a model downloads. */
  private downloader: EngineClient | undefined;
  /** The last finished inspection, with the selection it was made from (decorations map its offsets there). */
  private last: { inspection: InspectResult; runId: number; selection: SelectionInfo } | null = null;
  private runId = 0;
  /** Counts runs started, so that a cancelled run knows whether a newer one owns the status. */
  private started = 0;
  private pins: Pin[] = [];
  private readonly decorations = new TokenDecorations();
  private readonly status: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly extensionUri: vscode.Uri, private readonly store: LensStore, private readonly log: vscode.LogOutputChannel,
    private readonly tokens: HubTokenStore) {
    const s = readSettings();
    const opts = this.engineOptions();
    this.engineKey = JSON.stringify(opts);
    this.engine = this.startEngine(opts);
    this.status = vscode.window.createStatusBarItem('clsLens.status', vscode.StatusBarAlignment.Right, 100);
    this.status.name = 'CLS Lens';
    this.status.command = 'clsLens.selectModel';
    this.updateStatus();
    this.status.show();
    store.update({ options: { ...store.current.options, layer: s.defaultLayer, pooling: s.defaultPooling, measure: s.measure, followSelection: s.followSelection, decorations: s.decorations } });
    this.store.update({ model: this.modelState() });
    this.disposables.push(this.status, this.decorations, vscode.workspace.onDidChangeConfiguration((e) => this.onConfig(e)),
      tokens.onDidChange(() => this.restartIfChanged()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => { this.updateStatus(); this.store.update({ model: this.modelState() }); }));
  }

  /** Threads and the Hub settings (endpoint, offline, the SecretStorage token): the worker's engine options. */
  private engineOptions(): EngineOptions {
    const s = readSettings();
    return { threads: s.threads, hub: hubSettingsOf(s, this.tokens.token) };
  }

  /** The engine worker is the bundle dist/worker.js next to dist/extension.js. */
  private startEngine(opts: EngineOptions): EngineClient {
    return new EngineClient(opts, path.join(this.extensionUri.fsPath, 'dist', 'worker.js'));
  }

  /** A new worker when threads or a Hub setting changed (the engine reads its options once; loaded models go). */
  private restartIfChanged(): void {
    const opts = this.engineOptions();
    const key = JSON.stringify(opts);
    if (key === this.engineKey) return;
    this.engineKey = key;
    void this.engine.dispose();
    this.engine = this.startEngine(opts);
    void this.downloader?.dispose();
    this.downloader = undefined;
    this.log.info(`engine restarted for new settings (threads ${opts.threads ?? 0}, endpoint ${opts.hub?.endpoint ?? 'default'}, offline ${opts.hub?.offline ? 'on' : 'from HF_HUB_OFFLINE'}, token ${opts.hub?.token ? 'from secret storage' : 'none stored'})`);
  }

  /** The model setting's label for the views, or null when none is set (the side view then welcomes the user). */
  private modelState(): string | null {
    const m = effectiveModel();
    return m.kind === 'use' && m.value ? modelLabel(m.value) : null;
  }

  /** Download a Hub model in the download worker (Hub settings from the engine options unless args set them). */
  download(args: DownloadArgs, opts: JobOptions<'download'> = {}): Promise<JobResult<'download'>> {
    this.downloader ??= this.startEngine(this.engineOptions());
    return this.downloader.run('download', args, opts);
  }

  /** Load a model in the inspection worker (memoised there): its summary, for Model Info. */
  loadModel(ref: string, onnxFile?: string, opts: JobOptions<'load'> = {}): Promise<JobResult<'load'>> {
    return this.engine.run('load', { ref, onnxFile }, opts);
  }

  private onConfig(e: vscode.ConfigurationChangeEvent): void {
    if (!e.affectsConfiguration('clsLens')) return;
    const s = readSettings();
    this.restartIfChanged();
    if (e.affectsConfiguration('clsLens.model') || e.affectsConfiguration('clsLens.onnxFile')) {
      this.pins = [];
      this.store.update({ compare: null, model: this.modelState() });
    }
    const o = this.store.current.options;
    this.setOptions({ followSelection: s.followSelection, decorations: s.decorations, measure: e.affectsConfiguration('clsLens.measure') ? s.measure : o.measure });
    this.updateStatus();
  }

  private updateStatus(ms?: number): void {
    const m = effectiveModel();
    const value = m.kind === 'use' ? m.value : '';
    const name = this.last?.inspection.model.name ?? (m.kind === 'refuse' ? 'model blocked' : modelLabel(value));
    this.status.text = `$(telescope) ${name}${ms !== undefined ? ` · ${ms.toFixed(0)} ms` : ''}`;
    this.status.tooltip = m.kind === 'refuse' ? `CLS Lens: ${m.message}` : value ? `CLS Lens model: ${value}\nClick to switch model.` : 'CLS Lens: no model configured. Click to select one.';
  }

  /** Inspect a selection. Resolves when the views have the result (or the error). Never throws. */
  async inspect(selection: SelectionInfo, opts: RunOptions): Promise<void> {
    const s = readSettings();
    const model = effectiveModel();
    if (model.kind === 'refuse') {
      this.last = null;
      this.decorations.clear();
      this.store.update({ status: 'error', selection, inspection: null, message: model.message });
      if (opts.mode === 'command') void this.offerModelFix(model.message);
      return;
    }
    if (model.note) this.log.warn(model.note);
    const modelRef = model.ref;
    if (!modelRef) {
      this.last = null;
      this.decorations.clear();
      this.store.update({ status: 'error', selection, inspection: null, message: 'No model is configured: run "CLS Lens: Select Model…", or set clsLens.model to a Hub id (e.g. Xenova/bert-base-uncased) or a model folder.' });
      if (opts.mode === 'command') void this.offerModelFix('No model is configured.');
      return;
    }
    // the shown selection stays the one of the shown result until this run ends
    const started = ++this.started;
    this.store.update({ status: 'running', progress: `Inspecting ${selection.text.length} characters of ${selection.document}…`, message: null });
    const args = { ref: modelRef, text: selection.text, maxTokens: s.maxTokens || undefined, onnxFile: s.onnxFile || undefined };
    // the notification's Cancel button (command) or a newer selection (lane) cancels the job
    const run = (sink: ProgressSink, token?: vscode.CancellationToken) => this.engine.run('inspect', args, { lane: 'inspect', token, onProgress: progressReporter(sink) });
    try {
      const result = opts.mode === 'command'
        ? await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'CLS Lens: inspecting selection', cancellable: true }, (p, token) => run(p, token))
        : await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'CLS Lens' }, (p) => run(p));
      // a Hub snapshot folder is named by its commit: show the Hub id instead
      const inspection = { ...result, model: { ...result.model, name: displayName(result.model.name, modelRef) } };
      const runId = ++this.runId;
      this.last = { inspection, runId, selection };
      const view = toInspectionView(inspection, runId);
      const options = this.clampOptions(this.store.current.options, inspection);
      // the views show truncation from the inspection itself
      this.store.update({ status: 'done', selection, inspection: view, options, progress: null, message: null });
      this.refreshDecorations();
      this.updateStatus(inspection.timings.totalMs);
      this.log.info(`inspected ${inspection.tokens.length} tokens with ${inspection.model.name} in ${inspection.timings.totalMs.toFixed(1)} ms (run ${inspection.timings.runMs.toFixed(1)} ms)`);
    } catch (e) {
      if (e instanceof EngineError && e.code === 'cancelled') {
        // a newer selection or the user cancelled: the newer run (if any) owns the state
        if (this.started === started) this.store.update({ status: this.last ? 'done' : 'idle', progress: null, message: 'Cancelled.' });
        return;
      }
      const msg = e instanceof EngineError ? editorErrorMessage(e, s.offline) : e instanceof Error ? e.message : String(e);
      this.log.error(`inspect failed: ${msg}`);
      // the previous result belongs to another selection: drop it rather than show it beside this one
      this.last = null;
      this.decorations.clear();
      this.store.update({ status: 'error', selection, progress: null, message: msg, inspection: null });
      if (opts.mode === 'command') {
        if (e instanceof EngineError && isModelError(e.code)) void this.offerModelFix(msg);
        else void vscode.window.showErrorMessage(`CLS Lens: ${msg}`);
      }
    }
  }

  private clampOptions(o: ViewOptions, ins: Pick<Inspection, 'layerIds' | 'model' | 'vectors'>): ViewOptions {
    const R = ins.layerIds.length;
    const layer = o.layer < 0 || o.layer >= R ? R - 1 : o.layer;
    const head = o.head >= ins.model.heads ? -1 : o.head;
    const pooling: PoolingName = ins.vectors[o.pooling] ? o.pooling : 'cls';
    return { ...o, layer, head, pooling };
  }

  private async offerModelFix(message: string): Promise<void> {
    const pick = await vscode.window.showErrorMessage(`CLS Lens: ${message}`, 'Select Model…', 'Open Settings');
    if (pick === 'Select Model…') await vscode.commands.executeCommand('clsLens.selectModel');
    else if (pick === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'clsLens');
  }

  setOptions(patch: Partial<ViewOptions>): void {
    const merged = { ...this.store.current.options, ...patch };
    const options = this.last ? this.clampOptions(merged, this.last.inspection) : merged;
    this.store.update({ options });
    this.refreshDecorations();
  }

  private refreshDecorations(): void {
    const { inspection, options } = this.store.current;
    const selection = this.last?.selection;
    if (!options.decorations || !inspection || !selection || this.last?.runId !== inspection.runId) { this.decorations.clear(); return; }
    const values = tokenMeasure(inspection, options.measure, options.layer, options.head);
    const layerLabel = `layer ${inspection.layerIds[options.layer] ?? '?'}${options.measure === 'clsAttention' ? (options.head >= 0 ? `, head ${options.head}` : ', mean of heads') : ''}`;
    this.decorations.show(inspection, selection, values, options.measure, layerLabel);
  }

  currentText(): string | null {
    return this.last?.inspection.text ?? null;
  }

  /** One layer of a large matrix of the shown run, computed in the engine worker; null when it cannot be had. Never throws. */
  async matrix(req: MatrixRequest): Promise<MatrixPayload | null> {
    const last = this.last;
    if (!last || last.runId !== req.runId) return null;
    try {
      return await this.engine.run('matrix', { runId: last.inspection.runId, kind: req.kind, layer: req.layer });
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.log.warn(`matrix ${req.kind} layer ${req.layer} failed: ${msg}`);
      if (e instanceof EngineError && e.code === 'run-expired' && this.last === last) this.store.update({ message: msg });
      return null;
    }
  }

  clear(): void {
    this.decorations.clear();
    this.last = null;
    this.store.update({ status: 'idle', inspection: null, selection: null, progress: null, message: 'Cleared. Select text and run "CLS Lens: Inspect Selection".' });
  }

  // ---- pins
  pin(): void {
    const ins = this.last?.inspection;
    if (!ins) { void vscode.window.showInformationMessage('CLS Lens: inspect a selection first, then pin it.'); return; }
    if (this.pins.length > 0 && this.pins[0].layerIds.length !== ins.layerIds.length) this.pins = [];
    const words = ins.text.replace(/\s+/g, ' ').trim();
    const cut = words.length > 40 ? `${words.slice(0, 40).replace(/\s+\S*$/, '')}…` : words;
    const label = `#${this.pins.length + 1} ${cut}`;
    this.pins.push({ label, text: ins.text, layerIds: ins.layerIds, vectors: ins.vectors });
    this.store.update({ compare: compareView(this.pins) });
    void vscode.window.showInformationMessage(`CLS Lens: pinned ${label} (${this.pins.length} pinned).`);
  }

  comparePinned(): boolean {
    if (this.pins.length < 2) {
      void vscode.window.showInformationMessage(`CLS Lens: pin at least two selections to compare (${this.pins.length} pinned). Use "CLS Lens: Pin Selection for Comparison".`);
      return false;
    }
    this.store.update({ compare: compareView(this.pins) });
    return true;
  }

  clearPins(): void {
    this.pins = [];
    this.store.update({ compare: null });
  }

  // ---- export
  async exportVectors(): Promise<void> {
    const ins = this.last?.inspection;
    if (!ins) { void vscode.window.showInformationMessage('CLS Lens: inspect a selection first; then its vectors can be exported.'); return; }
    const fmt = await vscode.window.showQuickPick([
      { label: 'JSON', description: 'every pooling, every layer, with tokens', ext: 'json' },
      { label: 'CSV', description: 'one row per pooling and layer', ext: 'csv' },
      { label: 'NumPy .npy', description: 'one pooling as [layers, hidden] float32', ext: 'npy' },
    ], { title: 'CLS Lens: export vectors as' });
    if (!fmt) return;
    let pooling: PoolingName = 'cls';
    if (fmt.ext === 'npy') {
      const p = await vscode.window.showQuickPick(Object.keys(ins.vectors), { title: 'Which pooling?' });
      if (!p) return;
      pooling = p as PoolingName;
    }
    const base = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(process.cwd());
    const uri = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(base, `cls-lens-vectors${fmt.ext === 'npy' ? `-${pooling}` : ''}.${fmt.ext}`), filters: { [fmt.label]: [fmt.ext] } });
    if (!uri) return;
    let bytes: Uint8Array;
    if (fmt.ext === 'npy') bytes = toNpy(ins.vectors[pooling]!);
    else if (fmt.ext === 'csv') {
      const parts: string[] = [];
      let first = true;
      for (const [k, t] of Object.entries(ins.vectors)) {
        const rowLabels = t.dims[0] === ins.layerIds.length ? ins.layerIds.map((l) => `${k}@${l}`) : [`${k}@${ins.layerIds[ins.layerIds.length - 1]}`];
        const csv = toCsv(t, rowLabels);
        parts.push(first ? csv : csv.slice(csv.indexOf('\n') + 1));
        first = false;
      }
      bytes = Buffer.from(parts.join(''));
    } else {
      const vectors = Object.fromEntries(Object.entries(ins.vectors).map(([k, t]) => [k, Array.from({ length: t.dims[0] }, (_, r) => Array.from(t.data.subarray(r * t.dims[1], (r + 1) * t.dims[1])))]));
      bytes = Buffer.from(JSON.stringify({ model: ins.model.name, text: ins.text, tokens: ins.tokens, layers: ins.layerIds, vectors }, null, 1));
    }
    await writeAtomically(uri, bytes);
    void vscode.window.showInformationMessage(`CLS Lens: wrote ${path.basename(uri.fsPath)} (${bytes.length} bytes).`);
  }

  async savePng(name: string, dataUrl: string): Promise<void> {
    const base = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(process.cwd());
    const safe = name.replace(/[^\w.-]+/g, '-').slice(0, 80) || 'heatmap';
    const uri = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(base, `${safe}.png`), filters: { PNG: ['png'] } });
    if (!uri) return;
    await writeAtomically(uri, Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64'));
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    void this.engine.dispose();
    void this.downloader?.dispose();
  }
}

/** Write to a temporary sibling, then rename: a failed export leaves nothing half-written. */
async function writeAtomically(uri: vscode.Uri, bytes: Uint8Array): Promise<void> {
  if (uri.scheme !== 'file') { await vscode.workspace.fs.writeFile(uri, bytes); return; }
  const tmp = `${uri.fsPath}.${process.pid}.tmp`;
  try {
    await fs.promises.writeFile(tmp, bytes);
    await fs.promises.rename(tmp, uri.fsPath);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    void vscode.window.showErrorMessage(`CLS Lens: could not write ${uri.fsPath}: ${(e as Error).message}`);
  }
}
