// Engine errors name no surface's controls; each surface (extension, CLI) names its own for the input to change.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { EngineError, ERROR_FIXES, fromErrorInfo, phraseError, toErrorInfo } from '../../src/engine/errors';
import { findOnnxFile, readModelFolder } from '../../src/engine/models/modelFolder';
import { resolveModelRef } from '../../src/engine/models/modelRef';
import { errorText, EXTENSION_FIXES } from '../../src/extension/errorText';
import { CLI_FIXES } from '../../src/cli/usage';

const SURFACE_WORDS = /Select Model|clsLens\.|CLS Lens:|--model|--onnx-file|CLS_LENS_MODEL/;

async function thrown(f: () => unknown): Promise<EngineError> {
  try { await f(); } catch (e) { assert.ok(e instanceof EngineError, String(e)); return e; }
  assert.fail('expected an EngineError');
}

test('model errors are surface-neutral and say which input to change', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-lens-errors-'));
  try {
    fs.writeFileSync(path.join(tmp, 'file.txt'), 'x');
    const cases: [Promise<EngineError>, string][] = [
      [thrown(() => resolveModelRef('')), 'model'],
      [thrown(() => resolveModelRef('/no/such/model')), 'model'],
      [thrown(() => readModelFolder(path.join(tmp, 'missing'))), 'model'],
      [thrown(() => readModelFolder(path.join(tmp, 'file.txt'))), 'model'],
      [thrown(() => findOnnxFile(tmp, 'onnx/nope.onnx')), 'onnxFile'],
    ];
    for (const [p, fix] of cases) {
      const e = await p;
      assert.equal(e.fix, fix, e.message);
      assert.doesNotMatch(e.message, SURFACE_WORDS);
    }
    // a Hub id goes to the Hub (offline here, with an empty cache): surface-neutral too
    const hub = await thrown(() => resolveModelRef('some-org/some-model', { offline: true, cacheDir: tmp }));
    assert.equal(hub.code, 'hub-offline', hub.message);
    assert.match(hub.message, /some-org\/some-model@main/);
    assert.doesNotMatch(hub.message, SURFACE_WORDS);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('the fix crosses the worker boundary; a bogus one is dropped', () => {
  const e = fromErrorInfo(toErrorInfo(new EngineError('model-files', 'Cause.', 'Next.', 'onnxFile')));
  assert.deepEqual([e.code, e.summary, e.next, e.fix], ['model-files', 'Cause.', 'Next.', 'onnxFile']);
  assert.equal(fromErrorInfo({ code: 'internal', message: 'Cause.', fix: 'rm -rf' as never }).fix, undefined);
  assert.equal(fromErrorInfo({ code: 'model-files', message: 'Cause.', fix: 'rm -rf' as never }).fix, 'model', 'a bogus fix falls back to the code\'s rule');
});

test('codes whose way out is another model default to fix "model"; an explicit fix wins; others have none', () => {
  for (const code of ['model-not-found', 'model-files', 'model-config', 'onnx-invalid', 'onnx-unsupported', 'tokenizer', 'vocab-mismatch'] as const) {
    assert.equal(new EngineError(code, 'Cause.').fix, 'model', code);
  }
  assert.equal(new EngineError('empty-text', 'Cause.').fix, 'text');
  assert.equal(new EngineError('model-files', 'Cause.', undefined, 'onnxFile').fix, 'onnxFile');
  for (const code of ['internal', 'run-expired', 'cancelled'] as const) assert.equal(new EngineError(code, 'Cause.').fix, undefined, code);
});

test('each surface phrases every fix in its own terms', () => {
  for (const fix of ERROR_FIXES) {
    assert.doesNotMatch(CLI_FIXES[fix], /Select Model|clsLens\.|CLS Lens:/, `CLI ${fix}`);
    assert.doesNotMatch(EXTENSION_FIXES[fix], /--[a-z]|CLS_LENS_MODEL/, `extension ${fix}`);
  }
  assert.match(CLI_FIXES.model, /--model DIR/);
  assert.match(CLI_FIXES.model, /CLS_LENS_MODEL/);
  assert.match(CLI_FIXES.onnxFile, /--onnx-file/);
});

test('the extension keeps its wording: cause first, then its command and setting', async () => {
  const e = await thrown(() => readModelFolder('/no/such/model/folder'));
  const text = errorText(e);
  // test/e2e/inspector.test.mjs expects the toast "CLS Lens: <…does not exist…>" (with a Select Model… button)
  assert.match(text, /^The model folder .* does not exist\./);
  assert.match(text, /Run "CLS Lens: Select Model…" or set clsLens\.model/);
  assert.match(errorText(new EngineError('model-files', 'No such ONNX file.', undefined, 'onnxFile')), /^No such ONNX file\. Check the clsLens\.onnxFile setting\.$/);
  assert.equal(phraseError(new EngineError('internal', 'Broke.', 'Retry.'), CLI_FIXES), 'Broke. Retry.');
  assert.equal(errorText(new Error('plain')), 'plain');
});
