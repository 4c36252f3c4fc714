// The CLI's words for Hub models: progress only on a terminal, and every Hub error phrased with flags and HF_*
// variables, never a VS Code command.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cliErrorMessage, stderrProgress } from '../../src/cli/hub';
import { EngineError, type HubErrorCode } from '../../src/engine/errors';

function fakeStream(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, columns: 60, write: (s: string) => { out.push(s); return true; } } as unknown as NodeJS.WriteStream };
}

test('progress goes to stderr only when it is a terminal, one line rewritten in place', () => {
  assert.equal(stderrProgress(fakeStream(false).stream), undefined);
  const { out, stream } = fakeStream(true);
  const report = stderrProgress(stream)!;
  report({ phase: 'downloading', file: 'onnx/model.onnx', bytes: 1 << 20, total: 4 << 20, filesDone: 0, filesTotal: 1 });
  assert.equal(out.at(-1), '\r\x1b[Kdownloading onnx/model.onnx 1.0 MB / 4.0 MB 25%');
  report({ phase: 'done', bytes: 4 << 20, total: 4 << 20, filesDone: 1, filesTotal: 1 });
  assert.equal(out.at(-1), '\r\x1b[K', 'the line is cleared at the end');
});

test('every Hub error names CLI flags or HF_* variables and no VS Code command', () => {
  const cases: [HubErrorCode, RegExp][] = [
    ['hub-repo-not-found', /HF_TOKEN/], ['hub-token-rejected', /HF_TOKEN/], ['hub-gated', /HF_TOKEN/],
    ['hub-offline', /--offline or HF_HUB_OFFLINE/], ['hub-network', /--endpoint or HF_ENDPOINT/], ['cache-write', /--cache-dir, HF_HUB_CACHE or HF_HOME/],
  ];
  for (const [code, want] of cases) {
    const text = cliErrorMessage(new EngineError(code, 'Cause.', 'Neutral next step.'));
    assert.match(text, want, code);
    assert.match(text, /^Cause\. Neutral next step\./, code);
    assert.doesNotMatch(text, /Select Model|clsLens\.|CLS Lens:/, code);
  }
  assert.match(cliErrorMessage(new EngineError('hub-no-onnx', 'It has a.onnx, b.onnx.', 'Choose one of those ONNX files.', 'onnxFile')), /Choose one with --onnx-file F\./);
  assert.match(cliErrorMessage(new EngineError('model-not-found', 'No folder.', undefined, 'model')), /--model DIR/);
});
