import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayName, downloadLine, formatBytes, formatRate, formatRemaining, precisionOf, RateMeter } from '../../src/extension/models/format';
import { editorErrorMessage } from '../../src/extension/models/advice';
import { EngineError } from '../../src/engine/errors';
import { tokenProblem } from '../../src/extension/models/tokenCheck';

test('precision from the ONNX file name, in the Xenova/optimum conventions', () => {
  const cases: [string, string][] = [
    ['onnx/model.onnx', 'fp32'], ['model.onnx', 'fp32'], ['onnx/model_fp16.onnx', 'fp16'], ['onnx/model_quantized.onnx', 'int8'],
    ['onnx/model_int8.onnx', 'int8'], ['onnx/model_uint8.onnx', 'uint8'], ['onnx/model_q4.onnx', 'q4'], ['onnx/model_q4f16.onnx', 'q4f16'],
    ['onnx/model_bnb4.onnx', 'bnb4'], ['model_O4.onnx', 'fp16'], ['model_O2.onnx', 'fp32'], ['onnx\\MODEL_FP16.ONNX', 'fp16'],
    ['weird-name.onnx', 'unknown'],
  ];
  for (const [file, want] of cases) assert.equal(precisionOf(file).name, want, file);
  assert.match(precisionOf('weird-name.onnx').detail, /weird-name\.onnx/);
});

test('sizes in binary units', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1536), '1.5 KB');
  assert.equal(formatBytes(44740398), '42.7 MB');
  assert.equal(formatBytes(3 * 1024 ** 3), '3.0 GB');
  assert.equal(formatBytes(-1), '? B');
  assert.equal(formatRate(2 * 1024 * 1024), '2.0 MB/s');
});

test('time left in words; unknown gives nothing', () => {
  assert.equal(formatRemaining(0.2), '1 s left');
  assert.equal(formatRemaining(59), '59 s left');
  assert.equal(formatRemaining(185), '3 min 5 s left');
  assert.equal(formatRemaining(3720), '1 h 2 min left');
  assert.equal(formatRemaining(null), '');
  assert.equal(formatRemaining(Infinity), '');
});

test('the rate meter: bytes per second over its window, time left from the last sample', () => {
  const m = new RateMeter(5000);
  assert.equal(m.rate(), null, 'one sample has no rate');
  m.add(0, 0);
  assert.equal(m.rate(), null);
  m.add(1_000_000, 1000);
  m.add(3_000_000, 2000);
  assert.equal(m.rate(), 1_500_000);
  assert.equal(m.remaining(6_000_000), 2);
  // old samples leave the window: the rate follows the recent speed
  m.add(3_500_000, 7000);
  m.add(4_000_000, 8000);
  assert.equal(m.rate(), (4_000_000 - 3_000_000) / 6);
  // a restart (fewer bytes) resets
  m.add(10, 9000);
  assert.equal(m.rate(), null);
  assert.equal(m.remaining(100), null);
  const still = new RateMeter();
  still.add(5, 0); still.add(5, 1000);
  assert.equal(still.remaining(10), null, 'no progress: no estimate');
});

test('the download line shows what is known', () => {
  assert.equal(downloadLine(1024 * 1024, 4 * 1024 * 1024, 512 * 1024, 6), '1.0 MB of 4.0 MB · 512.0 KB/s · 6 s left');
  assert.equal(downloadLine(2048, 0, null, null), '2.0 KB');
});

test('hub errors carry the next step in the editor’s words', () => {
  const gated = editorErrorMessage(new EngineError('hub-gated', 'org/m is a gated model.', 'Accept its terms on https://huggingface.co/org/m, then set a token of that account.'));
  assert.match(gated, /Accept its terms on https:\/\/huggingface\.co\/org\/m/);
  assert.match(gated, /Set Hugging Face Token/);
  const offline = editorErrorMessage(new EngineError('hub-offline', 'Offline, and org/m@main/onnx/model.onnx is not in the Hugging Face cache.', 'Download it once.'), true);
  assert.match(offline, /onnx\/model\.onnx/, 'names the file');
  assert.match(offline, /clsLens\.offline/);
  const noOnnx = editorErrorMessage(new EngineError('hub-no-onnx', 'org/m has no ONNX file.', 'Use Xenova/m, or `optimum-cli export onnx --model org/m DIR`.'));
  assert.match(noOnnx, /optimum-cli export onnx --model org\/m DIR/);
  assert.match(editorErrorMessage(new EngineError('hub-token-rejected', 'Rejected.')), /Clear Hugging Face Token/);
  assert.match(editorErrorMessage(new EngineError('hub-network', 'Cannot reach.')), /clsLens\.hubEndpoint/);
  assert.equal(editorErrorMessage(new EngineError('empty-text', 'Empty.')), 'Empty. Select some words to inspect.');
  assert.match(editorErrorMessage(new EngineError('hub-no-onnx', 'No ONNX.', 'Export one.', 'model')), /^No ONNX\. Export one\. Run "CLS Lens: Select Model…" or set clsLens\.model to a Hub id/,
    'other errors keep the engine’s next step and get the extension’s phrase for the input to change');
  assert.equal(editorErrorMessage(new Error('boom')), 'boom');
});

test('a token must look like one', () => {
  assert.ok(tokenProblem(''));
  assert.ok(tokenProblem('hf_ab cd1234'));
  assert.ok(tokenProblem('hf_x'));
  assert.equal(tokenProblem('  hf_abcdefghijkl  '), null);
});

test('a Hub snapshot named by its commit is shown by its Hub id; other names stay', () => {
  const commit = '358189bf101c8f6386f765877ee89fc2e83b2aa1';
  assert.equal(displayName(commit, 'org/model'), 'org/model');
  assert.equal(displayName(commit, 'org/model@main'), 'org/model');
  assert.equal(displayName(commit, 'org/model@v1'), 'org/model@v1');
  assert.equal(displayName('bert-base-uncased', 'Xenova/bert-base-uncased'), 'bert-base-uncased');
  assert.equal(displayName(commit, '/models/x'), commit, 'a folder keeps the engine name');
});

test('ONNX file choice: a folder\'s ONNX files (root and onnx/) in the engine\'s order, labelled with size and precision, the default first', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { listOnnxFiles, findOnnxFile } = await import('../../src/engine/models/modelFolder');
  const { onnxChoices } = await import('../../src/extension/models/format');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-onnx-choice-'));
  try {
    fs.mkdirSync(path.join(dir, 'onnx'));
    for (const [f, n] of [['onnx/model_quantized.onnx', 300], ['onnx/model_fp16.onnx', 600], ['onnx/model.onnx', 1200], ['custom.onnx', 5], ['onnx/notes.txt', 1]] as const) {
      fs.writeFileSync(path.join(dir, f), Buffer.alloc(n));
    }
    const files = listOnnxFiles(dir);
    assert.deepEqual(files, ['onnx/model.onnx', 'onnx/model_fp16.onnx', 'onnx/model_quantized.onnx', 'custom.onnx']);
    assert.equal(path.relative(dir, findOnnxFile(dir)), 'onnx/model.onnx', 'the first listed is the engine\'s default');
    const items = onnxChoices(files.map((f) => ({ path: f, bytes: fs.statSync(path.join(dir, f)).size })), 'onnx/model.onnx');
    assert.deepEqual(items.map((i) => i.description), ['1.2 KB · fp32 · default', '600 B · fp16', '300 B · int8', '5 B · unknown']);
    assert.deepEqual(items.map((i) => i.isDefault), [true, false, false, false]);
    assert.match(items[2].detail, /8-bit dynamically quantised/);
    // the default comes first whatever the input order; a note (external data) joins the detail
    const again = onnxChoices([{ path: 'onnx/model_int8.onnx', note: 'weights in x.onnx_data' }, { path: 'model.onnx', bytes: 10 }], 'model.onnx');
    assert.deepEqual(again.map((i) => i.path), ['model.onnx', 'onnx/model_int8.onnx']);
    assert.equal(again[1].description, 'size unknown · int8');
    assert.match(again[1].detail, /; weights in x\.onnx_data$/);
    assert.deepEqual(listOnnxFiles(path.join(dir, 'missing')), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
