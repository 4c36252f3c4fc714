// The Hugging Face token, kept in VS Code's SecretStorage (never in settings, logs or messages). The engine sends it
// as a Bearer token to the Hub endpoint's host only. Precedence (the engine's, see HubOptions in
// src/engine/models/hub/types.ts): this token → HF_TOKEN → the huggingface-cli token file → none.
import * as vscode from 'vscode';
import { tokenProblem } from './tokenCheck';

export const TOKEN_SECRET_KEY = 'clsLens.huggingFaceToken';

export class HubTokenStore implements vscode.Disposable {
  private value: string | undefined;
  private readonly emitter = new vscode.EventEmitter<void>();
  /** Fires when the stored token changed (here, or in another window). */
  readonly onDidChange = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.sub = secrets.onDidChange((e) => { if (e.key === TOKEN_SECRET_KEY) void this.reload(); });
  }

  /** The stored token, or undefined (then HF_TOKEN or the token file may still apply). */
  get token(): string | undefined { return this.value; }

  async reload(): Promise<void> {
    let v: string | undefined;
    try { v = (await this.secrets.get(TOKEN_SECRET_KEY))?.trim() || undefined; } catch { v = undefined; }
    if (v !== this.value) { this.value = v; this.emitter.fire(); }
  }

  async set(token: string): Promise<void> {
    await this.secrets.store(TOKEN_SECRET_KEY, token.trim());
    await this.reload();
  }

  async clear(): Promise<void> {
    await this.secrets.delete(TOKEN_SECRET_KEY);
    await this.reload();
  }

  dispose(): void { this.sub.dispose(); this.emitter.dispose(); }
}

export function registerTokenCommands(tokens: HubTokenStore): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('clsLens.setHubToken', async () => {
      const value = await vscode.window.showInputBox({
        title: 'CLS Lens: Hugging Face token', password: true, ignoreFocusOut: true, placeHolder: 'hf_…',
        prompt: 'A read token from huggingface.co/settings/tokens, for gated or private models. Kept in VS Code\'s secret storage; it wins over HF_TOKEN and the huggingface-cli token file.',
        validateInput: (v) => tokenProblem(v),
      });
      if (value === undefined || tokenProblem(value)) return;
      await tokens.set(value);
      void vscode.window.showInformationMessage('CLS Lens: Hugging Face token saved in VS Code\'s secret storage. It is sent to the Hub endpoint only.');
    }),
    vscode.commands.registerCommand('clsLens.clearHubToken', async () => {
      const had = tokens.token !== undefined;
      await tokens.clear();
      void vscode.window.showInformationMessage(had
        ? 'CLS Lens: Hugging Face token removed. HF_TOKEN or the huggingface-cli token file, if any, apply again.'
        : 'CLS Lens: no Hugging Face token was stored. (HF_TOKEN or the huggingface-cli token file, if any, still apply.)');
    }),
  ];
}
