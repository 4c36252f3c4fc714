import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readFully, writeFully } from '../../src/engine/io/files';

void test('writeFully then readFully at positions: the bytes come back where they were written', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-lens-files-'));
  const fd = fs.openSync(path.join(dir, 'f.bin'), 'w+');
  try {
    const a = Uint8Array.from({ length: 70_000 }, (_, i) => i % 251);
    writeFully(fd, a, 0);
    writeFully(fd, Uint8Array.from([7, 8, 9]), a.length);
    const back = new Uint8Array(5);
    readFully(fd, back, a.length - 2);
    assert.deepEqual([...back], [a[a.length - 2], a[a.length - 1], 7, 8, 9]);
  } finally {
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

void test('readFully past the end of the file: ESHORTREAD, with how much was read', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cls-lens-files-'));
  const file = path.join(dir, 'f.bin');
  fs.writeFileSync(file, Uint8Array.from([1, 2, 3]));
  const fd = fs.openSync(file, 'r');
  try {
    assert.throws(() => readFully(fd, new Uint8Array(4), 1), (e: NodeJS.ErrnoException) => e.code === 'ESHORTREAD' && /read 2 of 4 bytes/.test(e.message));
  } finally {
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
