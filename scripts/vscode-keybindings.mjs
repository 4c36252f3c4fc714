// Extracts VS Code's default keybindings, per platform, from the workbench bundle of an installed code-server, into
// a JSON fixture that test/unit/keybindings.test.ts checks package.json's keybindings against.
//
// Usage: node scripts/vscode-keybindings.mjs [--code-server DIR] [--out FILE]
//   DIR  the code-server install (default .cache/code-server, as scripts/code-server.sh installs it)
//   FILE default test/fixtures/vscode-1.100-default-keybindings.json
//
// How: the minified bundle is parsed with TypeScript's parser (no code is run). Every object literal with a top-level
// `primary`/`secondary` (and its `mac`/`linux`/`win` overrides) whose values are key codes is a keybinding rule, as
// Action2's `keybinding`, EditorAction's `kbOpts` and KeybindingsRegistry rules all are. Key codes are KeyMod bit fields
// (CtrlCmd=2048, Shift=1024, Alt=512, WinCtrl=256, low byte = KeyCode; a chord is first | second << 16, written
// KeyChord(first, second) in the bundle); key names come from the bundle's own KeyCode table. Built-in extensions'
// `contributes.keybindings` are added. Desktop-only bindings (electron-sandbox code, absent from a web build) are
// listed in DESKTOP_ONLY below by hand, with where they were read.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const csDir = path.resolve(arg('--code-server', path.join(root, '.cache', 'code-server')));
const outFile = path.resolve(arg('--out', path.join(root, 'test', 'fixtures', 'vscode-1.100-default-keybindings.json')));
const pkgDir = path.join(csDir, 'node_modules', 'code-server');
const vscodeDir = path.join(pkgDir, 'lib', 'vscode');
const bundleRel = 'lib/vscode/out/vs/code/browser/workbench/workbench.js';
const PLATFORMS = ['linux', 'win', 'mac'];

/**
 * Bindings that only desktop VS Code registers (src/vs/workbench/electron-sandbox/, not in code-server's web bundle),
 * read from microsoft/vscode's sources and written as keybindings.json strings. Not a complete list: the ones checked
 * by hand so far. A web build's own web-only bindings (e.g. ctrl+shift+alt+n for a new window) are kept, which only
 * makes the check stricter.
 */
const DESKTOP_ONLY = [
  { command: 'workbench.action.toggleDevTools', key: 'ctrl+shift+i', mac: 'cmd+alt+i', source: 'src/vs/workbench/electron-sandbox/actions/developerActions.ts' },
];

/**
 * Rules whose key codes the bundle computes at run time (`primary:512|e(n)` in a loop, `primary:KT.primary|1024`),
 * read off the bundle by hand: `rule` is the rule's id as the script names it; `bindings` what it binds.
 */
const digits = (n) => Array.from({ length: n }, (_, i) => i + 1);
const COMPUTED = [
  // for (t = 0; t < 9; t++) registerCommandAndKeybindingRule({id: "workbench.action.openEditorAtIndex" + (t+1), primary: Alt|digit, mac: WinCtrl|digit})
  { rule: 'primary:512|e(n)', bindings: digits(9).map((n) => ({ command: `workbench.action.openEditorAtIndex${n}`, key: `alt+${n}`, mac: `ctrl+${n}` })) },
  // for (t = 1; t < 8; t++) focus editor group t: CtrlCmd|digit
  { rule: 'primary:2048|e(t)', bindings: digits(7).map((n) => ({ command: `workbench.action.focus…EditorGroup (${n})`, key: `ctrl+${n}`, mac: `cmd+${n}` })) },
  // for (i = 1; i <= 7; i++) editor.foldLevel{i}: KeyChord(CtrlCmd|K, CtrlCmd|digit)
  { rule: 'primary:Yt(2089,2048|21+i)', bindings: digits(7).map((n) => ({ command: `editor.foldLevel${n}`, key: `ctrl+k ctrl+${n}`, mac: `cmd+k cmd+${n}` })) },
];

// keybindings.json order of modifiers; a chord's parts are separated by a space
const MOD_ORDER = ['ctrl', 'shift', 'alt', 'meta', 'win', 'cmd'];
const norm = (k) => k.trim().toLowerCase().split(/\s+/).map((part) => {
  const keys = part.split(/\+(?!$)/);
  const key = keys.pop();
  return [...keys.sort((a, b) => MOD_ORDER.indexOf(a) - MOD_ORDER.indexOf(b)), key].join('+');
}).join(' ');

function fail(msg) { console.error(`vscode-keybindings: ${msg}`); process.exit(1); }

const bundlePath = path.join(pkgDir, bundleRel);
if (!fs.existsSync(bundlePath)) fail(`no workbench bundle at ${bundlePath}. Install code-server first (bash scripts/code-server.sh) or pass --code-server DIR.`);
const readJson = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));
const codeServerVersion = readJson(path.join(pkgDir, 'package.json')).version;
const vscodeVersion = readJson(path.join(vscodeDir, 'package.json')).version;
const src = fs.readFileSync(bundlePath, 'utf8');

// ---- key names: the bundle's table [immutable, scanCode, scanCodeStr, keyCode, keyCodeStr, eventKeyCode, vkey, usUserSettingsLabel, generalLabel]
function keyNames() {
  const start = src.indexOf('[[1,0,"None",0,"unknown"');
  if (start < 0) fail('cannot find the KeyCode table in the bundle');
  const end = src.indexOf(']]', start) + 2;
  // the table's empty labels are one variable bound to ""
  const rows = JSON.parse(src.slice(start, end).replace(/(?<=[,[])([A-Za-z_$][\w$]*)(?=[,\]])/g, '""'));
  const names = new Map();
  for (const r of rows) {
    const [, , , keyCode, keyCodeStr, , , usLabel] = r;
    if (!names.has(keyCode) && keyCode > 0) names.set(keyCode, String(usLabel || keyCodeStr).toLowerCase());
  }
  return names;
}
const KEY = keyNames();

function chordPart(code, platform) {
  const mods = [];
  const mac = platform === 'mac';
  if (code & 2048) mods.push(mac ? 'cmd' : 'ctrl');
  if (code & 256) mods.push(mac ? 'ctrl' : platform === 'win' ? 'win' : 'meta');
  if (code & 1024) mods.push('shift');
  if (code & 512) mods.push('alt');
  const key = KEY.get(code & 255);
  if (!key) return null;
  return [...mods.sort((a, b) => MOD_ORDER.indexOf(a) - MOD_ORDER.indexOf(b)), key].join('+');
}

function decode(n, platform) {
  if (!n) return null;
  const first = chordPart(n & 0xffff, platform);
  const second = n >>> 16 ? chordPart(n >>> 16, platform) : '';
  return first && second !== null ? (second ? `${first} ${second}` : first) : null;
}

// ---- parse the bundle
const t0 = Date.now();
const sf = ts.createSourceFile('workbench.js', src, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
const parseMs = Date.now() - t0;

// KeyChord: function X(a,b){const t=(b&65535)<<16>>>0;return(a|t)>>>0}
const chordFn = /function ([\w$]+)\([\w$]+,[\w$]+\)\{const [\w$]+=\([\w$]+&65535\)<<16>>>0;return\([\w$]+\|[\w$]+\)>>>0\}/.exec(src)?.[1];
if (!chordFn) fail('cannot find KeyChord in the bundle');

// classes' static IDs (`static{this.ID="…"}`) by class name, for ids written `Class.ID`
const classIds = new Map();
for (const m of src.matchAll(/(?:var|let|const|,)\s*([\w$]+)=class(?: ([\w$]+))?(?: extends [\w$.]+)?\{static\{this\.ID="([^"]+)"\}/g)) {
  classIds.set(m[1], m[3]);
  if (m[2]) classIds.set(m[2], m[3]);
}
for (const m of src.matchAll(/class ([\w$]+)(?: extends [\w$.]+)?\{static\{this\.ID="([^"]+)"\}/g)) if (!classIds.has(m[1])) classIds.set(m[1], m[2]);

/** The initializer a name is bound to in the nearest enclosing block that declares it (`const s="workbench…"`). */
function declaration(ident) {
  for (let n = ident.parent; n; n = n.parent) {
    const statements = n.statements ?? (n.body && ts.isBlock(n.body) ? n.body.statements : undefined);
    if (!statements) continue;
    for (const st of statements) {
      if (!ts.isVariableStatement(st)) continue;
      for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === ident.text) return d.initializer;
    }
  }
  return undefined;
}

/** A class's `static{this.NAME=value}`. */
function staticMember(cls, name) {
  for (const m of cls.members) {
    if (!ts.isClassStaticBlockDeclaration(m)) continue;
    for (const st of m.body.statements) {
      const e = ts.isExpressionStatement(st) ? st.expression : undefined;
      if (e && ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(e.left)
        && e.left.expression.kind === ts.SyntaxKind.ThisKeyword && e.left.name.text === name) return e.right;
    }
  }
  return undefined;
}

/** What an expression stands for when it names a constant: `KT` → its object literal, `KT.secondary[0]` → that element. */
function resolveExpr(e, depth = 0) {
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  if (depth > 8) return e;
  if (ts.isIdentifier(e)) { const d = declaration(e); return d ? resolveExpr(d, depth + 1) : e; }
  if (ts.isPropertyAccessExpression(e)) {
    const base = resolveExpr(e.expression, depth + 1);
    // a constant object without that property (`UH.win` of `UH={primary,mac}`): no key
    if (ts.isObjectLiteralExpression(base)) { const v = prop(base, e.name.text); return v ? resolveExpr(v, depth + 1) : ts.factory.createVoidZero(); }
    if (ts.isClassExpression(base) || ts.isClassDeclaration(base)) { const v = staticMember(base, e.name.text); return v ? resolveExpr(v, depth + 1) : e; }
    return e;
  }
  if (ts.isElementAccessExpression(e) && ts.isNumericLiteral(e.argumentExpression)) {
    const base = resolveExpr(e.expression, depth + 1);
    const v = ts.isArrayLiteralExpression(base) ? base.elements[Number(e.argumentExpression.text)] : undefined;
    return v ? resolveExpr(v, depth + 1) : e;
  }
  return e;
}

function resolveString(ident) {
  const v = resolveExpr(ident);
  return ts.isStringLiteral(v) ? v.text : undefined;
}

const propName = (p) => (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined);
const prop = (obj, name) => obj.properties.find((p) => ts.isPropertyAssignment(p) && propName(p) === name)?.initializer;

/** Key codes an expression can take: literals, void 0 (none), KeyChord(a, b), a | b, c ? a : b (both). null: not a key code. */
function codes(e) {
  e = resolveExpr(e);
  if (isNothing(e)) return [];
  if (ts.isNumericLiteral(e)) return [Number(e.text)];
  if (ts.isConditionalExpression(e)) { const a = codes(e.whenTrue), b = codes(e.whenFalse); return a && b ? [...a, ...b] : null; }
  if (ts.isBinaryExpression(e) && [ts.SyntaxKind.BarToken, ts.SyntaxKind.PlusToken].includes(e.operatorToken.kind)) {
    const a = codes(e.left), b = codes(e.right);
    if (!a?.length || !b?.length) return null;
    // `wZ+14` with wZ = isMac ? 256 : 2048: every combination
    return a.flatMap((x) => b.map((y) => (e.operatorToken.kind === ts.SyntaxKind.BarToken ? x | y : x + y)));
  }
  if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === chordFn && e.arguments.length === 2) {
    const a = codes(e.arguments[0]), b = codes(e.arguments[1]);
    return a?.length === 1 && b?.length === 1 ? [(a[0] | ((b[0] & 0xffff) << 16)) >>> 0] : null;
  }
  return null;
}
/** `void 0`, `undefined`, `null`: no key. */
function isNothing(e) {
  return ts.isVoidExpression(e) || e.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(e) && e.text === 'undefined');
}
/** A secondary list: [a, b], c ? [a] : void 0, … */
function codeList(e) {
  e = resolveExpr(e);
  if (isNothing(e)) return [];
  if (ts.isConditionalExpression(e)) { const a = codeList(e.whenTrue), b = codeList(e.whenFalse); return a && b ? [...a, ...b] : null; }
  if (!ts.isArrayLiteralExpression(e)) return null;
  const out = [];
  for (const el of e.elements) { const c = codes(el); if (!c) return null; out.push(...c); }
  return out;
}
/** primary and secondary of a rule (or of its mac/linux/win override). null when a value is not a key code. */
function ruleCodes(obj) {
  const out = [];
  const primary = prop(obj, 'primary');
  if (primary) { const c = codes(primary); if (!c) return null; out.push(...c); }
  const secondary = prop(obj, 'secondary');
  if (secondary) { const c = codeList(secondary); if (!c) return null; out.push(...c); }
  return out;
}

function idText(id) {
  if (ts.isStringLiteral(id) || ts.isNoSubstitutionTemplateLiteral(id)) return id.text;
  if (ts.isIdentifier(id)) return resolveString(id) ?? `?${id.text}`;
  if (ts.isPropertyAccessExpression(id) && ts.isIdentifier(id.expression) && id.name.text === 'ID') return classIds.get(id.expression.text) ?? `?${id.getText(sf)}`;
  if (ts.isTemplateExpression(id)) return `${id.head.text}…`;
  if (ts.isBinaryExpression(id)) return `${idText(id.left)}…`;
  return `?${id.getText(sf).slice(0, 40)}`;
}

/** The command a rule binds: its own id (registerCommandAndKeybindingRule), the action's id around keybinding/kbOpts, or super("id", …). */
function commandOf(obj) {
  let node = obj;
  for (let hops = 0; node && hops < 5; hops++, node = node.parent) {
    if (ts.isObjectLiteralExpression(node)) {
      const id = prop(node, 'id');
      if (id) return idText(id);
    }
    if (ts.isCallExpression(node) && node.arguments.length && ts.isStringLiteral(node.arguments[0]) && node.arguments[0] !== obj) return node.arguments[0].text;
  }
  return '?';
}

const bindings = { linux: new Map(), win: new Map(), mac: new Map() };
const add = (platform, chord, command) => {
  const m = bindings[platform];
  if (!m.has(chord)) m.set(chord, new Set());
  m.get(chord).add(command);
};
let rules = 0;
let rulesOutsideActions = 0;
const unresolved = [];
const KEYBINDING_CONTEXT = ['weight', 'when', 'kbExpr', 'handler', 'id'];
const inKeybindingProp = (node) => {
  const p = ts.isArrayLiteralExpression(node.parent) ? node.parent.parent : node.parent;
  return ts.isPropertyAssignment(p) && ['keybinding', 'kbOpts'].includes(propName(p));
};
function visit(node) {
  if (ts.isObjectLiteralExpression(node) && !(ts.isPropertyAssignment(node.parent) && PLATFORMS.includes(propName(node.parent)))
    && ['primary', 'secondary', ...PLATFORMS].some((k) => prop(node, k))) {
    const base = ruleCodes(node);
    const perPlatform = {};
    let ok = true;
    for (const p of PLATFORMS) {
      const o = prop(node, p) && resolveExpr(prop(node, p));
      perPlatform[p] = o === undefined || isNothing(o) ? base : ts.isObjectLiteralExpression(o) ? ruleCodes(o) : null;
      if (perPlatform[p] === null) ok = false;
    }
    // extension contributions embedded in the bundle ({command, key: "ctrl+…"}) are read from the extensions' package.json
    const key = prop(node, 'key');
    const contribution = key && ts.isStringLiteral(key);
    const context = !contribution && inKeybindingProp(node) || KEYBINDING_CONTEXT.some((k) => prop(node, k));
    if (ok && PLATFORMS.some((p) => perPlatform[p].length)) {
      // objects with key-code values count even outside an action (e.g. a class's static KEYBINDING that an action spreads)
      rules++;
      if (!context) rulesOutsideActions++;
      const command = commandOf(node);
      for (const p of PLATFORMS) for (const c of perPlatform[p]) { const chord = decode(c, p); if (chord) add(p, chord, command); }
    } else if (!ok && context && !contribution) {
      // a keybinding rule whose key codes are computed: resolved by hand in COMPUTED, or reported
      const id = prop(node, 'id');
      const command = id ? idText(id) : commandOf(node);
      const source = node.getText(sf);
      if (!COMPUTED.some((c) => source.includes(c.rule))) unresolved.push({ command, source: source.slice(0, 200) });
    }
  }
  // wrappers' callers that pass a bare key code: {id, title, keybinding: 858} (read by a wrapper as `primary:i.keybinding`)
  if (ts.isPropertyAssignment(node) && propName(node) === 'keybinding') {
    const v = resolveExpr(node.initializer);
    const c = ts.isObjectLiteralExpression(v) || ts.isArrayLiteralExpression(v) ? null : codes(v);
    if (c?.length) {
      rules++;
      const command = commandOf(node.parent);
      for (const p of PLATFORMS) for (const code of c) { const chord = decode(code, p); if (chord) add(p, chord, command); }
    }
  }
  ts.forEachChild(node, visit);
}
visit(sf);
for (const c of COMPUTED) for (const b of c.bindings) for (const p of PLATFORMS) { const k = b[p] ?? b.key; if (k) add(p, norm(k), `${b.command} (computed)`); }
if (unresolved.length) console.warn(`[vscode-keybindings] ${unresolved.length} keybinding rules with computed key codes were not resolved: see "unresolved" in the fixture and add them to COMPUTED`);

// ---- built-in extensions' contributed keybindings
const extDir = path.join(vscodeDir, 'extensions');
let extensionBindings = 0;
for (const name of fs.readdirSync(extDir).sort()) {
  const f = path.join(extDir, name, 'package.json');
  if (!fs.existsSync(f)) continue;
  let kbs = readJson(f).contributes?.keybindings ?? [];
  if (!Array.isArray(kbs)) kbs = [kbs];
  for (const kb of kbs) {
    extensionBindings++;
    for (const p of PLATFORMS) { const k = kb[p] ?? kb.key; if (k) add(p, norm(k), `${kb.command} (extension ${name})`); }
  }
}
for (const d of DESKTOP_ONLY) for (const p of PLATFORMS) { const k = d[p] ?? d.key; if (k) add(p, norm(k), `${d.command} (desktop only)`); }

const sorted = (m) => Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v].sort()]));
const fixture = {
  about: 'Default keybindings of VS Code per platform (chord → commands), for checking that package.json binds only free chords.',
  codeServer: codeServerVersion,
  vscode: vscodeVersion,
  madeBy: `node scripts/vscode-keybindings.mjs from code-server ${codeServerVersion}: keybinding rules parsed out of ${bundleRel} (${rules} rules, `
    + `${rulesOutsideActions} of them outside an action; ${COMPUTED.length} computed ones resolved by hand), `
    + `contributes.keybindings of its built-in extensions (${extensionBindings}), and ${DESKTOP_ONLY.length} desktop-only bindings listed in the script`,
  notes: 'Every registration counts whatever its `when`; modifiers are written ctrl, shift, alt, then meta (linux) / win (windows) / cmd (mac). '
    + '`desktopOnly` lists desktop-only bindings added by hand (a partial list; a web build lacks them). `computed` lists rules whose key codes the bundle computes in loops, resolved by hand in the script. `unresolved` holds the '
    + 'remaining rule-like objects whose key codes could not be read: wrappers that forward a caller\'s rule (`primary:e.primary`), '
    + 'whose callers\' object literals are read as rules of their own.',
  desktopOnly: DESKTOP_ONLY,
  computed: COMPUTED.map((c) => c.rule),
  unresolved,
  platforms: Object.fromEntries(PLATFORMS.map((p) => [p, sorted(bindings[p])])),
};
fs.mkdirSync(path.dirname(outFile), { recursive: true });
// one chord per line: small diffs when the fixture is regenerated for another VS Code
const body = JSON.stringify(fixture, null, 1).replace(/\[\n\s+("[^"\n]*"(?:,\n\s+"[^"\n]*")*)\n\s+\]/g, (_, items) => `[${items.split(/,\n\s+/).join(', ')}]`);
fs.writeFileSync(outFile, `${body}\n`);
console.log(`[vscode-keybindings] VS Code ${vscodeVersion} (code-server ${codeServerVersion}): parsed in ${parseMs} ms, ${rules} rules, ${extensionBindings} extension bindings, `
  + `${unresolved.length} unresolved; chords: ${PLATFORMS.map((p) => `${p} ${bindings[p].size}`).join(', ')} → ${path.relative(root, outFile)}`);
