// The one place that runs inspections for the UI: selection → engine worker → store (→ webviews), decorations,
// status bar. The engine worker keeps the last runs' large tensors; webviews ask for their matrices one layer at a time.
// Pins (inspection/pins.ts), Export Vectors… (inspection/export.ts), the status-bar item (statusBar.ts) and file
// writing (files.ts) live in their own modules; the controller hands them the last inspection.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { hubSettingsOf, readSettings } from '../config';
import { TokenDecorations } from '../decorations';
import type { EngineOptions } from '../../engine/engine';
import { EngineClient, type JobOptions } from '../../engine/worker/client';
import { EngineError, type ErrorFix } from '../../engine/errors';
import type { DownloadArgs, InspectResult, JobResult } from '../../engine/worker/protocol';
import { errorText } from '../errorText';
import { editorErrorMessage } from '../models/advice';
import { displayName } from '../models/format';
import { effectiveModel, modelLabel } from '../models/modelSetting';
import type { HubTokenStore } from '../models/token';
import type { Inspection, PoolingName } from '../../shared/types';
import type { MatrixRequest, SelectionInfo, ViewOptions } from '../../shared/protocol';
import type { LensState, LensStore } from '../store';
import { savePng } from '../files';
import { LensStatusBar } from '../statusBar';
import { exportVectors } from './export';
import { PinBoard } from './pins';
import { LateSink, progressReporter, type ProgressSink } from './progress';
import { toInspectionView, tokenMeasure, withSummary, type MatrixPayload } from './viewModel';

/**
 * A command's run: progress in the status bar at once, and a cancellable notification only once the run has lasted
 * NOTIFY_AFTER_MS (a model load, a large model). A toast that flashes for 100 ms tells the user nothing, and drawing
 * it and its animated bar took the workbench's time while the result was on its way to the views.
 */
const NOTIFY_AFTER_MS = 600;

async function withLateNotification<T>(title: string, run: (sink: ProgressSink, token: vscode.CancellationToken) => Promise<T>): Promise<T> {
  const cancel = new vscode.CancellationTokenSource();
  const sink = new LateSink();
  const job = vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'CLS Lens' }, (p) => {
    sink.attach(p);
    return run(sink, cancel.token);
  });
  const settled = job.then(() => undefined, () => undefined);
  const timer = setTimeout(() => {
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (p, token) => {
      sink.attach(p);
      token.onCancellationRequested(() => cancel.cancel());
      return settled;
    });
  }, NOTIFY_AFTER_MS);
  try {
    return await job;
  } finally {
    clearTimeout(timer);
    cancel.dispose();
  }
}

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
  /** The analysis job of the shown run while it runs (several views may ask at once: one job). */
  private analysing: { runId: number; done: Promise<{ error: string } | null> } | null = null;
  private runId = 0;
  /** Counts runs started, so that a cancelled run knows whether a newer one owns the status. */
  private started = 0;
  private readonly pins: PinBoard;
  private readonly decorations = new TokenDecorations();
  private readonly status = new LensStatusBar();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly extensionUri: vscode.Uri, private readonly store: LensStore, private readonly log: vscode.LogOutputChannel,
    private readonly tokens: HubTokenStore, private readonly scratchDir?: string) {
    const s = readSettings();
    const opts = this.engineOptions();
    this.engineKey = JSON.stringify(opts);
    this.engine = this.startEngine(opts);
    this.pins = new PinBoard(store);
    this.updateStatus();
    store.update({ options: { ...store.current.options, layer: s.defaultLayer, pooling: s.defaultPooling, measure: s.measure, followSelection: s.followSelection, decorations: s.decorations } });
    this.refreshModel();
    this.disposables.push(this.status, this.decorations, vscode.workspace.onDidChangeConfiguration((e) => this.onConfig(e)),
      tokens.onDidChange(() => this.restartIfChanged()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => { this.updateStatus(); this.refreshModel(); }));
  }

  /** Threads and the Hub settings (endpoint, offline, the SecretStorage token): the worker's engine options. */
  private engineOptions(): EngineOptions {
    const s = readSettings();
    return { threads: s.threads, hub: hubSettingsOf(s, this.tokens.token), scratchDir: this.scratchDir };
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

  /**
   * The model setting's label for the views, null when none is set or Restricted Mode blocks it (the side view then
   * welcomes the user); a blocked model also says why in the views' message.
   */
  private refreshModel(): void {
    const m = effectiveModel();
    const patch: Partial<LensState> = { model: m.kind === 'use' && m.value ? modelLabel(m.value) : null };
    if (m.kind === 'refuse' && this.store.current.status !== 'running') patch.message = m.message;
    this.store.update(patch);
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
      this.pins.clear();
      this.refreshModel();
    }
    const o = this.store.current.options;
    this.setOptions({ followSelection: s.followSelection, decorations: s.decorations, measure: e.affectsConfiguration('clsLens.measure') ? s.measure : o.measure });
    this.updateStatus();
  }

  private updateStatus(ms?: number): void {
    const m = effectiveModel();
    this.status.update(m.kind === 'use' ? m.value : '', this.last?.inspection.model.name, ms, m.kind === 'refuse' ? m.message : undefined);
  }

  /** Inspect a selection. Resolves when the views have the result (or the error). Never throws. */
  async inspect(selection: SelectionInfo, opts: RunOptions): Promise<void> {
    const s = readSettings();
    const model = effectiveModel();
    if (model.kind === 'refuse') {
      this.last = null;
      this.decorations.clear();
      this.store.update({ status: 'error', selection, inspection: null, message: model.message, fix: 'model' });
      if (opts.mode === 'command') void this.offerFix(model.message, 'model');
      return;
    }
    if (model.note) this.log.warn(model.note);
    const modelRef = model.ref;
    if (!modelRef) {
      this.last = null;
      this.decorations.clear();
      const msg = errorText(new EngineError('model-not-found', 'No model is configured.', undefined, 'model'));
      this.store.update({ status: 'error', selection, inspection: null, message: msg, fix: 'model' });
      if (opts.mode === 'command') void this.offerFix(msg, 'model');
      return;
    }
    // the shown selection stays the one of the shown result until this run ends
    const started = ++this.started;
    const t0 = performance.now();
    this.store.update({ status: 'running', progress: `Inspecting ${selection.text.length} characters of ${selection.document}…`, message: null });
    // what the views show first; the shares and the rollout are computed when a view asks (requestAnalysis)
    const args = { ref: modelRef, text: selection.text, maxTokens: s.maxTokens || undefined, onnxFile: s.onnxFile || undefined, analysis: false };
    // the notification's Cancel button (command) or a newer selection (lane) cancels the job
    const engine = this.engine;
    const run = (sink: ProgressSink, token?: vscode.CancellationToken) => engine.run('inspect', args, { lane: 'inspect', token, onProgress: progressReporter(sink) });
    try {
      const result = opts.mode === 'command'
        ? await withLateNotification('CLS Lens: inspecting selection', run)
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
      // the time the user waited: from the command to the result posted to the views (model load included; the
      // webviews receive it after VS Code delivers the message, which the E2E timing reports separately)
      const waited = performance.now() - t0;
      this.updateStatus(waited);
      this.log.info(`inspected ${inspection.tokens.length} tokens with ${inspection.model.name} in ${waited.toFixed(1)} ms (engine ${inspection.timings.totalMs.toFixed(1)} ms, run ${inspection.timings.runMs.toFixed(1)} ms)`);
      // decorations coloured by the rollout need the analysis now
      if (options.decorations && options.measure === 'rollout') void this.analysis(runId);
    } catch (e) {
      if (e instanceof EngineError && e.code === 'cancelled') {
        // a newer selection or the user cancelled: the newer run (if any) owns the state. A clsLens.threads change
        // replaced the engine under this run (disposing the old one cancels its jobs): that was not the user.
        const message = engine !== this.engine ? 'The engine restarted (clsLens.threads changed): inspect again.' : 'Cancelled.';
        if (this.started === started) this.store.update({ status: this.last ? 'done' : 'idle', progress: null, message });
        return;
      }
      const msg = editorErrorMessage(e, s.offline);
      this.log.error(`inspect failed: ${msg}`);
      // the previous result belongs to another selection: drop it rather than show it beside this one
      this.last = null;
      this.decorations.clear();
      const fix = e instanceof EngineError ? e.fix : undefined;
      this.store.update({ status: 'error', selection, progress: null, message: msg, fix: fix ?? null, inspection: null });
      if (opts.mode === 'command') void this.offerFix(msg, fix);
    }
  }

  private clampOptions(o: ViewOptions, ins: Pick<Inspection, 'layerIds' | 'model' | 'vectors'>): ViewOptions {
    const R = ins.layerIds.length;
    const layer = o.layer < 0 || o.layer >= R ? R - 1 : o.layer;
    const head = o.head >= ins.model.heads ? -1 : o.head;
    const pooling: PoolingName = ins.vectors[o.pooling] ? o.pooling : 'cls';
    return { ...o, layer, head, pooling };
  }

  /** The error toast, with the way out the engine named (EngineError.fix): another model, or the ONNX file setting. */
  private async offerFix(message: string, fix: ErrorFix | undefined): Promise<void> {
    const text = `CLS Lens: ${message}`;
    if (fix === 'model') {
      const pick = await vscode.window.showErrorMessage(text, 'Select Model…', 'Open Settings');
      if (pick === 'Select Model…') await vscode.commands.executeCommand('clsLens.selectModel');
      else if (pick === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'clsLens');
    } else if (fix === 'onnxFile') {
      if (await vscode.window.showErrorMessage(text, 'Open Settings') === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'clsLens.onnxFile');
    } else {
      void vscode.window.showErrorMessage(text);
    }
  }

  setOptions(patch: Partial<ViewOptions>): void {
    const merged = { ...this.store.current.options, ...patch };
    const options = this.last ? this.clampOptions(merged, this.last.inspection) : merged;
    this.store.update({ options });
    this.refreshDecorations();
    const view = this.store.current.inspection;
    if (options.decorations && options.measure === 'rollout' && view?.attention && !view.attention.summary) void this.analysis(view.runId);
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

  /** One layer of a large matrix of the shown run, computed in the engine worker; `{ error }` says why it cannot be had. Never throws. */
  async matrix(req: MatrixRequest): Promise<MatrixPayload | { error: string }> {
    const last = this.last;
    if (!last || last.runId !== req.runId) return { error: 'This run is no longer held by the engine: inspect again.' };
    try {
      const payload = await this.engine.run('matrix', { runId: last.inspection.runId, kind: req.kind, layer: req.layer });
      return payload ?? { error: `The run has no ${req.kind} matrix for layer ${req.layer + 1}.` };
    } catch (e) {
      const msg = errorText(e);
      this.log.warn(`matrix ${req.kind} layer ${req.layer} failed: ${msg}`);
      if (e instanceof EngineError && e.code === 'run-expired' && this.last === last) this.store.update({ message: msg });
      return { error: e instanceof EngineError && (e.code === 'run-expired' || e.code === 'cancelled')
        ? 'This run is no longer held by the engine: inspect again.' : msg };
    }
  }

  /**
   * The shares, entropy and rollout rows of the shown run, computed in the engine worker on request; the store then
   * holds them (every view gets them with the next snapshot). `{ error }` says why they cannot be had. Never throws.
   */
  analysis(runId: number): Promise<{ error: string } | null> {
    const last = this.last;
    if (!last || last.runId !== runId) return Promise.resolve({ error: 'This run is no longer held by the engine: inspect again.' });
    const view = this.store.current.inspection;
    if (view?.runId === runId && view.attention?.summary) return Promise.resolve(null);
    if (this.analysing?.runId === runId) return this.analysing.done;
    const done = (async (): Promise<{ error: string } | null> => {
      try {
        const a = await this.engine.run('analysis', { runId: last.inspection.runId });
        if (!a) return { error: `Attention is unavailable for ${last.inspection.model.name}.` };
        last.inspection = { ...last.inspection, analysis: a };
        const current = this.store.current.inspection;
        if (this.last === last && current?.runId === runId) {
          this.store.update({ inspection: withSummary(current, a) });
          this.refreshDecorations();
        }
        return null;
      } catch (e) {
        const msg = errorText(e);
        this.log.warn(`analysis of run ${runId} failed: ${msg}`);
        return { error: e instanceof EngineError && (e.code === 'run-expired' || e.code === 'cancelled') ? 'This run is no longer held by the engine: inspect again.' : msg };
      } finally {
        if (this.analysing?.runId === runId) this.analysing = null;
      }
    })();
    this.analysing = { runId, done };
    return done;
  }

  clear(): void {
    this.decorations.clear();
    this.last = null;
    this.store.update({ status: 'idle', inspection: null, selection: null, progress: null, message: 'Cleared. Select text and run "CLS Lens: Inspect Selection".' });
  }

  // ---- pins (inspection/pins.ts), export (inspection/export.ts), saved heatmaps (files.ts)
  pin(): void {
    this.pins.pin(this.last?.inspection);
  }

  comparePinned(): boolean {
    return this.pins.compare();
  }

  clearPins(): void {
    this.pins.clear();
  }

  async exportVectors(): Promise<void> {
    await exportVectors(this.last?.inspection);
  }

  async savePng(name: string, dataUrl: string): Promise<void> {
    await savePng(name, dataUrl);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    void this.engine.dispose();
    void this.downloader?.dispose();
  }
}
