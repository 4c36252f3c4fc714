// package.json's keybindings must not take a chord that VS Code 1.100 binds by default, on any platform.
// The defaults come from test/fixtures/vscode-1.100-default-keybindings.json (made by scripts/vscode-keybindings.mjs
// from code-server 4.100.3's workbench bundle; see its `madeBy`).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

type Platform = 'linux' | 'win' | 'mac';
const PLATFORMS: Platform[] = ['linux', 'win', 'mac'];
const root = path.resolve(__dirname, '..', '..', '..');
const readJson = <T>(rel: string): T => JSON.parse(fs.readFileSync(path.join(root, rel), 'utf8')) as T;

interface Fixture { vscode: string; codeServer: string; madeBy: string; platforms: Record<Platform, Record<string, string[]>> }
interface Keybinding { command: string; key: string; mac?: string; linux?: string; win?: string; when?: string }
const fixture = readJson<Fixture>('test/fixtures/vscode-1.100-default-keybindings.json');
const pkg = readJson<{ engines: { vscode: string }; contributes: { keybindings: Keybinding[] } }>('package.json');

const MODS = ['ctrl', 'shift', 'alt', 'meta'];
/** One spelling per chord: lower case, meta for cmd/win/super, modifiers in a fixed order. */
function canonical(chord: string): string {
  return chord.trim().toLowerCase().split(/\s+/).map((part) => {
    const keys = part.split(/\+(?!$)/);
    const key = keys.pop()!;
    const mods = keys.map((m) => (['cmd', 'win', 'super', 'meta'].includes(m) ? 'meta' : m));
    for (const m of mods) assert.ok(MODS.includes(m), `unknown modifier ${m} in "${chord}"`);
    return [...new Set(mods)].sort((a, b) => MODS.indexOf(a) - MODS.indexOf(b)).concat(key).join('+');
  }).join(' ');
}

class Defaults {
  readonly chords = new Map<string, string[]>();
  readonly prefixes = new Set<string>();
  constructor(byChord: Record<string, string[]>) {
    for (const [k, commands] of Object.entries(byChord)) {
      const c = canonical(k);
      this.chords.set(c, [...(this.chords.get(c) ?? []), ...commands]);
      const parts = c.split(' ');
      if (parts.length > 1) this.prefixes.add(parts[0]);
    }
  }
  /** Why a chord is not free, or null when it is. */
  conflict(chord: string): string | null {
    const c = canonical(chord);
    const parts = c.split(' ');
    if (this.chords.has(c)) return `bound to ${this.chords.get(c)!.join(', ')}`;
    if (this.prefixes.has(parts[0])) return `${parts[0]} starts default chords`;
    if (parts.length > 1 && this.chords.has(parts[0])) return `${parts[0]} alone is bound to ${this.chords.get(parts[0])!.join(', ')}`;
    return null;
  }
}
const defaults = Object.fromEntries(PLATFORMS.map((p) => [p, new Defaults(fixture.platforms[p])])) as Record<Platform, Defaults>;
const keyOn = (kb: Keybinding, p: Platform): string => kb[p] ?? kb.key;

test('the fixture is VS Code 1.100 (the engine package.json targets) and holds the known defaults', () => {
  assert.match(fixture.vscode, /^1\.100\./);
  assert.match(pkg.engines.vscode, /^\^1\.100\./);
  assert.match(fixture.madeBy, /scripts\/vscode-keybindings\.mjs/);
  for (const p of PLATFORMS) assert.ok(defaults[p].chords.size > 300, `${p}: ${defaults[p].chords.size} chords`);
  const has = (p: Platform, chord: string, command: string) =>
    assert.ok(defaults[p].chords.get(canonical(chord))?.some((c) => c.startsWith(command)), `${p} ${chord} → ${command}`);
  has('linux', 'ctrl+alt+i', 'workbench.action.chat.open');
  has('win', 'ctrl+alt+i', 'workbench.action.chat.open');
  has('mac', 'ctrl+cmd+i', 'workbench.action.chat.open');
  has('mac', 'cmd+alt+i', 'workbench.action.toggleDevTools');
  for (const p of ['linux', 'win'] as const) {
    has(p, 'ctrl+c', 'editor.action.clipboardCopyAction');
    has(p, 'ctrl+shift+p', 'workbench.action.showCommands');
    has(p, 'ctrl+k ctrl+s', 'workbench.action.openGlobalKeybindings');
  }
  has('mac', 'cmd+c', 'editor.action.clipboardCopyAction');
  has('win', 'ctrl+insert', 'editor.action.clipboardCopyAction');
  has('linux', 'f1', 'workbench.action.showCommands');
  assert.ok(defaults.linux.prefixes.has('ctrl+k') && defaults.mac.prefixes.has('meta+k'), 'ctrl+k / cmd+k start chords');
});

test('the check refuses taken chords, default chord prefixes and chords after a bound key', () => {
  assert.match(defaults.linux.conflict('ctrl+alt+i') ?? '', /chat/, 'the old binding (Open Chat)');
  assert.match(defaults.mac.conflict('cmd+alt+i') ?? '', /toggleDevTools/, 'the old mac binding (Toggle Developer Tools)');
  assert.match(defaults.win.conflict('Alt+Ctrl+I') ?? '', /chat/, 'spelling and order do not matter');
  assert.notEqual(defaults.linux.conflict('ctrl+k'), null);
  assert.match(defaults.linux.conflict('ctrl+shift+alt+f12') ?? 'free', /^free$/, 'a chord nothing uses is free');
  assert.match(defaults.linux.conflict('ctrl+k ctrl+shift+alt+f12') ?? '', /starts default chords/);
  assert.match(defaults.linux.conflict('ctrl+c ctrl+shift+alt+f12') ?? '', /alone is bound/);
});

test('every keybinding in package.json is free on Linux, Windows and macOS', () => {
  assert.ok(pkg.contributes.keybindings.length > 0);
  for (const kb of pkg.contributes.keybindings) {
    for (const p of PLATFORMS) {
      const chord = keyOn(kb, p);
      assert.equal(defaults[p].conflict(chord), null, `${kb.command}: ${chord} on ${p}`);
    }
  }
});
