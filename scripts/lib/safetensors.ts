// Streaming writer for the safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian
// header length, a JSON header naming each tensor's dtype, shape and [begin, end) byte range in the data section,
// padded with spaces to a multiple of 8, then the raw little-endian data. Tensors are written one at a time,
// in the order they were declared, so a writer never holds more than the tensor it is given.
import fs from 'node:fs';

export type SafetensorsDtype = 'F32' | 'F16' | 'I64' | 'I32' | 'U8' | 'BOOL';

export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
}

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, I64: 8, I32: 4, U8: 1, BOOL: 1 };

export function entryByteLength(e: SafetensorsEntry): number {
  return e.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[e.dtype];
}

/** The header bytes (length prefix included) for tensors laid out in the given order. */
export function safetensorsHeader(entries: SafetensorsEntry[], metadata: Record<string, string> = { format: 'pt' }): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const e of entries) {
    if (e.name in header) throw new Error(`safetensors: duplicate tensor name ${e.name}`);
    const n = entryByteLength(e);
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + n] };
    offset += n;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const body = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(body.length), true);
  out.set(body, 8);
  return out;
}

/** Writes a safetensors file tensor by tensor, in declaration order. */
export class SafetensorsWriter {
  private readonly fd: number;
  private next = 0;
  bytesWritten = 0;

  constructor(readonly file: string, private readonly entries: SafetensorsEntry[], metadata?: Record<string, string>) {
    this.fd = fs.openSync(file, 'w');
    this.put(safetensorsHeader(entries, metadata));
  }

  private put(b: Uint8Array): void {
    let o = 0;
    while (o < b.length) o += fs.writeSync(this.fd, b, o, b.length - o);
    this.bytesWritten += b.length;
  }

  /** The next tensor's data; `name` must be the next declared entry. */
  write(name: string, data: ArrayBufferView): void {
    const e = this.entries[this.next];
    if (!e || e.name !== name) throw new Error(`safetensors: expected ${e ? e.name : 'no more tensors'}, got ${name}`);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (bytes.length !== entryByteLength(e)) throw new Error(`safetensors: ${name} has ${bytes.length} bytes, expected ${entryByteLength(e)}`);
    this.put(bytes);
    this.next++;
  }

  close(): void {
    try {
      if (this.next !== this.entries.length) throw new Error(`safetensors: ${this.entries.length - this.next} tensors were not written`);
    } finally {
      fs.closeSync(this.fd);
    }
  }
}
