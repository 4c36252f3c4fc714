// The status-bar item: the model in use and the last run's time; a click switches the model.
import * as vscode from 'vscode';
import { modelLabel } from './models/modelSetting';

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
   * @param refused why the configured model is not loaded (Restricted Mode), if it is not
   */
  update(modelSetting: string, modelName?: string, ms?: number, refused?: string): void {
    const name = modelName ?? (refused ? 'model not loaded' : modelLabel(modelSetting));
    this.item.text = `$(telescope) ${name}${ms !== undefined ? ` · ${ms.toFixed(0)} ms` : ''}`;
    this.item.tooltip = refused ? `CLS Lens: ${refused}`
      : modelSetting ? `CLS Lens model: ${modelSetting}\nClick to switch model.` : 'CLS Lens: no model configured. Click to select one.';
  }

  dispose(): void {
    this.item.dispose();
  }
}
