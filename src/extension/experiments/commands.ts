// The experiment commands: pick data, open a results panel, run the `experiment` job in a worker of its own (an
// inspection is never stuck behind a long probe) under a cancellable progress notification, stream partial results
// into the panel; a cancelled run keeps its partial result, marked partial; errors say cause and next step, and a
// class smaller than the folds offers "Run with N folds".
import * as path from 'node:path';
import * as vscode from 'vscode';
import { hubSettingsOf, readSettings } from '../config';
import type { EngineOptions } from '../../engine/engine';
import { EngineError } from '../../engine/errors';
import { EngineClient, type JobOptions } from '../../engine/worker/client';
import type { ExperimentArgs } from '../../experiments/types';
import { EXPERIMENT_KINDS, type ExperimentKind, type ExperimentResult } from '../../shared/experiments';
import { editorErrorMessage } from '../models/advice';
import { effectiveModel, modelLabel } from '../models/modelSetting';
import type { HubTokenStore } from '../models/token';
import { progressReporter } from '../inspection/progress';
import { EXPERIMENT_COMMANDS, experimentArgs, foldsOffer, panelTitle, progressText, type ExperimentSettings } from './args';
import { pickData } from './data';
import { ExperimentPanel } from './panel';

export interface ExperimentServices {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  workspaceState: vscode.Memento;
  tokens: HubTokenStore;
  /** EngineOptions.scratchDir: the extension's global storage. */
  scratchDir?: string;
}

export function readExperimentSettings(): ExperimentSettings {
  const s = readSettings();
  const c = vscode.workspace.getConfiguration('clsLens.experiments');
  return {
    model: s.model, onnxFile: s.onnxFile, maxTokens: s.maxTokens,
    folds: Math.floor(c.get<number>('folds', 5)),
    seed: Math.floor(c.get<number>('seed', 0)),
    layers: String(c.get<string>('layers', 'all')),
    maxTexts: Math.max(0, Math.floor(c.get<number>('maxTexts', 0))),
  };
}

/** Runs experiments in their own engine worker, restarted when the engine's settings change. */
export class ExperimentRunner implements vscode.Disposable {
  private client: EngineClient | undefined;
  private key = '';
  /** Runs going on per worker: a worker replaced for new settings is disposed once its runs have ended. */
  private readonly running = new Map<EngineClient, number>();

  constructor(private readonly services: ExperimentServices) {}

  private engine(): EngineClient {
    const s = readSettings();
    const opts: EngineOptions = { threads: s.threads, hub: hubSettingsOf(s, this.services.tokens.token), scratchDir: this.services.scratchDir };
    const key = JSON.stringify(opts);
    if (!this.client || key !== this.key) {
      if (this.client && !this.running.get(this.client)) void this.client.dispose();
      this.key = key;
      this.client = new EngineClient(opts, path.join(this.services.extensionUri.fsPath, 'dist', 'worker.js'));
    }
    return this.client;
  }

  /** One run on the current worker, counted so that a settings change does not cancel it. */
  private async runJob(args: ExperimentArgs, opts: JobOptions<'experiment'>): Promise<ExperimentResult> {
    const client = this.engine();
    this.running.set(client, (this.running.get(client) ?? 0) + 1);
    try {
      return await client.run('experiment', args, opts);
    } finally {
      const left = (this.running.get(client) ?? 1) - 1;
      if (left > 0) this.running.set(client, left);
      else {
        this.running.delete(client);
        if (client !== this.client) void client.dispose();
      }
    }
  }

  /** The whole command: data, args, panel, run. */
  async command(kind: ExperimentKind): Promise<void> {
    const model = effectiveModel();
    if (model.kind === 'refuse' || !model.ref) {
      const msg = model.kind === 'refuse' ? model.message : 'No model is configured: the experiments run on the model of clsLens.model.';
      const pick = await vscode.window.showErrorMessage(`CLS Lens: ${msg}`, 'Select Model…');
      if (pick) await vscode.commands.executeCommand('clsLens.selectModel');
      return;
    }
    const data = await pickData(kind, this.services.workspaceState);
    if (!data) return;
    const args = experimentArgs(kind, model.ref, data, readExperimentSettings());
    if (typeof args === 'string') {
      const pick = await vscode.window.showErrorMessage(`CLS Lens: ${args}`, 'Open Settings');
      if (pick) await vscode.commands.executeCommand('workbench.action.openSettings', 'clsLens.experiments');
      return;
    }
    await this.run(args, modelLabel(model.value));
  }

  /**
   * Run with fixed arguments in a new panel, or again in `reuse` (the panel's "Run with N folds"); resolves with the
   * panel when the run has ended (any way).
   */
  async run(args: ExperimentArgs, modelName: string, reuse?: ExperimentPanel): Promise<ExperimentPanel> {
    const { log, extensionUri } = this.services;
    const title = panelTitle(args.kind, modelName, args.data ?? '');
    let panel: ExperimentPanel;
    if (reuse && !reuse.isDisposed) {
      panel = reuse;
      panel.panel.reveal(undefined, false);
      panel.setStatus({ state: 'running', message: 'Starting again…', offerFolds: null });
    } else {
      panel = ExperimentPanel.create(extensionUri, title, {
        log, rerun: (folds) => { void this.run({ ...args, ...(folds ? { folds } : {}) }, modelName, panel); },
      });
    }
    let latest: ExperimentResult | null = null;
    const started = Date.now();
    log.info(`experiment ${args.kind} started: ${JSON.stringify(args)}`);
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `CLS Lens: ${EXPERIMENT_COMMANDS[args.kind].title.replace('…', '')}`, cancellable: true },
        async (progress, token) => {
          const report = progressReporter(progress);
          // the notification's Cancel, or closing the panel, cancels the run
          const cancel = new vscode.CancellationTokenSource();
          const subs = [token.onCancellationRequested(() => cancel.cancel()), panel.onDidClose(() => cancel.cancel())];
          try {
            return await this.runJob(args, {
              token: cancel.token,
              onProgress: (p) => {
                const message = progressText(p);
                report({ ...p, message });
                if (!panel.isDisposed) panel.setStatus({ state: 'running', message, offerFolds: null });
              },
              onPartial: (r) => {
                latest = r;
                if (!panel.isDisposed) panel.setResult(r);
              },
            });
          } finally {
            for (const d of subs) d.dispose();
            cancel.dispose();
          }
        });
      panel.setResult(result);
      panel.setStatus({ state: 'done', message: `Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`, offerFolds: null });
      log.info(`experiment ${args.kind} done in ${Date.now() - started} ms`);
    } catch (e) {
      this.failed(e, args, modelName, panel, latest);
    }
    return panel;
  }

  private failed(e: unknown, args: ExperimentArgs, modelName: string, panel: ExperimentPanel, latest: ExperimentResult | null): void {
    const { log } = this.services;
    if (e instanceof EngineError && e.code === 'cancelled') {
      if (latest) panel.setResult({ ...latest, partial: true });
      panel.setStatus({ state: 'cancelled', offerFolds: null,
        message: latest ? 'Cancelled: the results below are partial (what was computed before the cancel).' : 'Cancelled before any result was ready.' });
      log.info(`experiment ${args.kind} cancelled${latest ? ' (partial result kept)' : ''}`);
      return;
    }
    const message = editorErrorMessage(e, readSettings().offline);
    const offer = e instanceof EngineError ? foldsOffer(e, args.folds ?? 5) : null;
    log.error(`experiment ${args.kind} failed: ${message}`);
    if (latest) panel.setResult({ ...latest, partial: true });
    panel.setStatus({ state: 'error', message, offerFolds: offer });
    const fixModel = e instanceof EngineError && e.fix === 'model';
    const buttons = [offer ? `Run with ${offer} folds` : null, fixModel ? 'Select Model…' : null].filter((b): b is string => b !== null);
    void vscode.window.showErrorMessage(`CLS Lens: ${message}`, ...buttons).then((pick) => {
      if (pick === 'Select Model…') void vscode.commands.executeCommand('clsLens.selectModel');
      else if (pick && offer) void this.run({ ...args, folds: offer }, modelName);
    });
  }

  dispose(): void {
    for (const p of [...ExperimentPanel.open]) p.dispose();
    for (const c of new Set([...this.running.keys(), ...(this.client ? [this.client] : [])])) void c.dispose();
    this.running.clear();
    this.client = undefined;
  }
}

export function registerExperimentCommands(services: ExperimentServices): vscode.Disposable[] {
  const runner = new ExperimentRunner(services);
  return [
    runner,
    // one registration per kind; the ids are written out so the command-id test finds them in the source
    vscode.commands.registerCommand('clsLens.runProbe', () => runner.command('probe')),
    vscode.commands.registerCommand('clsLens.runPositionTest', () => runner.command('position')),
    vscode.commands.registerCommand('clsLens.runLayerStory', () => runner.command('layers')),
    vscode.commands.registerCommand('clsLens.runAttentionCensus', () => runner.command('census')),
    vscode.commands.registerCommand('clsLens.runRecoveryTest', () => runner.command('recover')),
    vscode.commands.registerCommand('clsLens.showEmbeddingMap', () => runner.command('map')),
  ];
}

/** Every kind has a command (a new kind fails the build here until it gets one). */
export const COMMAND_IDS: readonly string[] = EXPERIMENT_KINDS.map((k) => EXPERIMENT_COMMANDS[k].id);
