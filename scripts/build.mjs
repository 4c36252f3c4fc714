// One build for every bundle: extension host, engine worker, CLI, webview, unit tests and dev tools.
// Usage: node scripts/build.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const rel = (p) => path.join(root, p);

const nodeCommon = {
  bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: !production,
  minify: production, external: ['vscode', 'onnxruntime-node', 'playwright-core', 'tokenizers'], logLevel: 'warning',
  // keep `require.resolve`-free: the worker is found next to the bundle that starts it
};

function listTests(dir) {
  if (!fs.existsSync(rel(dir))) return [];
  return fs.readdirSync(rel(dir), { recursive: true })
    .filter((f) => String(f).endsWith('.test.ts')).map((f) => path.join(dir, String(f)));
}
// dev tools: scripts/*.ts and scripts/bench/*.ts (scripts/lib/ holds their shared modules)
const scriptEntries = ['scripts', 'scripts/bench'].flatMap((d) => fs.existsSync(rel(d)) ? fs.readdirSync(rel(d)).filter((f) => f.endsWith('.ts')).map((f) => `${d}/${f}`) : []);

const builds = [
  { ...nodeCommon, entryPoints: [rel('src/extension/extension.ts')], outfile: rel('dist/extension.js') },
  { ...nodeCommon, entryPoints: [rel('src/engine/worker/worker.ts')], outfile: rel('dist/worker.js') },
  { ...nodeCommon, entryPoints: [rel('src/cli/main.ts')], outfile: rel('dist/cli.js'), banner: { js: '#!/usr/bin/env node' } },
  {
    bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: !production, minify: production,
    entryPoints: [rel('webview/app/main.ts')], outfile: rel('dist/webview/main.js'), logLevel: 'warning',
  },
  {
    // the experiment results panel: its own bundle, same CSP and stylesheets (plus experiments.css)
    bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: !production, minify: production,
    entryPoints: [rel('webview/experiments/main.ts')], outfile: rel('dist/webview/experiments.js'), logLevel: 'warning',
  },
];
// Bundles whose entry does not exist yet are skipped (the tree grows issue by issue).
for (let i = builds.length - 1; i >= 0; i--) if (!fs.existsSync(builds[i].entryPoints[0])) builds.splice(i, 1);
if (!production) {
  for (const dir of ['test/unit', 'test/integration']) {
    const tests = listTests(dir);
    if (tests.length) builds.push({ ...nodeCommon, entryPoints: tests.map(rel), outdir: rel(`out/${dir}`), outbase: rel(dir) });
  }
  if (scriptEntries.length) builds.push({ ...nodeCommon, entryPoints: scriptEntries.map(rel), outdir: rel('out/scripts'), outbase: rel('scripts') });
}

function copyAssets() {
  const dst = rel('dist/webview');
  fs.mkdirSync(dst, { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) {
    fs.copyFileSync(rel(`node_modules/@vscode/codicons/dist/${f}`), path.join(dst, f));
  }
  fs.copyFileSync(rel('media/main.css'), path.join(dst, 'main.css'));
  if (fs.existsSync(rel('media/experiments.css'))) fs.copyFileSync(rel('media/experiments.css'), path.join(dst, 'experiments.css'));
}

const t0 = Date.now();
// a production build starts from an empty dist/ so that no stale source map or bundle is packaged
if (production) fs.rmSync(rel('dist'), { recursive: true, force: true });
// test bundles are rebuilt from test/ each time: a test file renamed or removed must not keep running from a stale bundle
if (!production) fs.rmSync(rel('out/test'), { recursive: true, force: true });
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  copyAssets();
  console.log('[build] watching');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  copyAssets();
  if (fs.existsSync(rel('dist/cli.js'))) fs.chmodSync(rel('dist/cli.js'), 0o755);
  console.log(`[build] ${builds.length} bundles in ${Date.now() - t0} ms${production ? ' (production)' : ''}`);
}
