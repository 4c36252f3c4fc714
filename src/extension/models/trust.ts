// Workspace trust for models (pure: no vscode, no Node; unit-tested). In Restricted Mode a workspace (or folder)
// value of clsLens.model is not used, and no model folder inside a workspace folder is loaded: a model folder is
// code-like input (a crafted ONNX graph or tokenizer could exploit a parser bug). Hub ids and the Hugging Face cache
// stay usable. package.json's capabilities.untrustedWorkspaces says the same to VS Code.

export interface ModelSettingValues {
  /** User (global) value, '' when unset. */
  user: string;
  /** Workspace or workspace-folder value (the most specific one), undefined when unset. */
  workspace: string | undefined;
}

export interface TrustInput {
  trusted: boolean;
  setting: ModelSettingValues;
  /** Absolute folders of the open workspace. */
  workspaceFolders: readonly string[];
  /** The existing local folder a setting value names (after resolving it against the workspace), or null (a Hub id). */
  folderOf(value: string): string | null;
}

export type TrustDecision =
  | { kind: 'use'; value: string; note: string | null }
  | { kind: 'refuse'; message: string };

const TRUST_STEP = 'Trust the workspace (Manage Workspace Trust), or pick a Hub or cached model with "CLS Lens: Select Model…".';

/** True when `p` is one of `roots` or inside one (paths with '/' or '\\' separators, compared as given). */
export function isInside(p: string, roots: readonly string[]): boolean {
  const norm = (x: string) => x.replace(/[\\/]+$/, '');
  const target = norm(p);
  return roots.some((r) => {
    const root = norm(r);
    return target === root || target.startsWith(`${root}/`) || target.startsWith(`${root}\\`);
  });
}

/** Which clsLens.model value to load, or why none may be. */
export function decideModel(input: TrustInput): TrustDecision {
  const { trusted, setting } = input;
  const ws = setting.workspace?.trim();
  if (trusted) return { kind: 'use', value: ws || setting.user.trim(), note: null };
  const value = setting.user.trim();
  let note: string | null = null;
  if (ws && ws !== value) {
    if (!value) {
      return { kind: 'refuse', message: `This workspace sets clsLens.model to "${ws}", which Restricted Mode does not load. ${TRUST_STEP}` };
    }
    note = `Restricted Mode: the workspace's clsLens.model ("${ws}") is ignored; using the user setting.`;
  }
  if (!value) return { kind: 'use', value: '', note };
  const folder = input.folderOf(value);
  if (folder && isInside(folder, input.workspaceFolders)) {
    return { kind: 'refuse', message: `The model folder ${folder} is inside the workspace, and Restricted Mode loads no model from workspace folders. ${TRUST_STEP}` };
  }
  return { kind: 'use', value, note };
}
