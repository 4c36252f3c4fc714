// Positional reads and writes that finish: fs.readSync / fs.writeSync may move fewer bytes than asked.
import * as fs from 'node:fs';

/** Fills `into` from `fd` at `position`; an end of file first is an error with code ESHORTREAD. */
export function readFully(fd: number, into: Uint8Array, position: number): void {
  let off = 0;
  while (off < into.length) {
    const n = fs.readSync(fd, into, off, into.length - off, position + off);
    if (n === 0) throw Object.assign(new Error(`read ${off} of ${into.length} bytes`), { code: 'ESHORTREAD' });
    off += n;
  }
}

/** Writes all of `bytes` to `fd` at `position`. */
export function writeFully(fd: number, bytes: Uint8Array, position: number): void {
  let off = 0;
  while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off, position + off);
}
