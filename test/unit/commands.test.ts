// Command ids are written in package.json (contributions, menus, keybindings), in the extension's registrations and
// in the webview's allow-list: they must name the same commands.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { WEBVIEW_COMMANDS } from '../../src/shared/protocol';

const root = path.resolve(__dirname, '..', '..', '..');
interface Pkg {
  contributes: {
    commands: { command: string }[];
    menus: Record<string, { command: string }[]>;
    keybindings: { command: string }[];
  };
}
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Pkg;
const contributed = new Set(pkg.contributes.commands.map((c) => c.command));

/** Every `registerCommand('clsLens.…'` in src/extension/ (the only layer that registers commands). */
function registered(): Set<string> {
  const dir = path.join(root, 'src', 'extension');
  const ids = new Set<string>();
  for (const f of fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.ts'))) {
    for (const m of fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/registerCommand\(\s*'(clsLens\.[\w.]+)'/g)) ids.add(m[1]);
  }
  return ids;
}

test('every contributed command is registered, and every registered one contributed', () => {
  const reg = registered();
  assert.ok(reg.size > 5, `found ${reg.size} registrations: the pattern no longer matches the source`);
  assert.deepEqual([...reg].sort(), [...contributed].sort());
});

test('menus, keybindings and the webview allow-list name contributed commands', () => {
  const named = [
    ...Object.values(pkg.contributes.menus).flat().map((m) => m.command),
    ...pkg.contributes.keybindings.map((k) => k.command),
    ...WEBVIEW_COMMANDS,
  ];
  assert.deepEqual(named.filter((c) => !contributed.has(c)), []);
});
