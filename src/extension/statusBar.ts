// The status-bar item: the model in use and the last run's time; a click switches the model.
import * as path from 'node:path';
import * as vscode from 'vscode';

export class LensStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor() {
    this.item = vscode.window.createStatusBarItem('clsLens.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'CLS Lens';
    this.item.command = 'clsLens.selectModel';
    this.item.show();
  }

  /**
   * @param modelSetting the clsLens.model setting ('' when none)
   * @param modelName the name of the model that ran last, if any
   * @param ms the last run's time
   */
  update(modelSetting: string, modelName?: string, ms?: number): void {
    const name = modelName ?? (modelSetting ? path.basename(modelSetting) : 'no model');
    this.item.text = `$(telescope) ${name}${ms !== undefined ? ` · ${ms.toFixed(0)} ms` : ''}`;
    this.item.tooltip = modelSetting ? `CLS Lens model: ${modelSetting}\nClick to switch model.` : 'CLS Lens: no model configured. Click to select one.';
  }

  dispose(): void {
    this.item.dispose();
  }
}
