// Protobuf wire format: varints, the field reader, and the writers (bytes helpers and the chunked Sink) the ONNX codec uses.
// No dependencies. The reader returns offsets into its input, so decoders can keep payloads as views, never copies.

export const enum Wire { Varint = 0, I64 = 1, Len = 2, I32 = 5 }

export interface Field {
  /** Field number. */
  no: number;
  wire: Wire;
  /** The whole field, tag included: bytes[start, end). */
  start: number;
  end: number;
  /** The payload: for Len the bytes after the length, for I32/I64 the fixed bytes, for Varint the varint bytes. */
  valueStart: number;
  valueEnd: number;
  /** For Varint fields: the value as an unsigned 64-bit integer (use BigInt.asIntN(64, v) for int64 fields). */
  varint?: bigint;
}

/** Thrown for bytes that are not valid protobuf (truncated, wrong wire type, overlong varint). */
export class ProtoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtoError';
  }
}

/** Reads one varint at `pos` as a JS number; throws if it does not fit 2^53 (lengths, tags, small enums). */
function varintNumber(bytes: Uint8Array, pos: number, end: number, out: { pos: number }): number {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new ProtoError(`a varint at byte ${pos} runs past the end of the data (${end} bytes)`);
    const b = bytes[pos++];
    result += (b & 0x7f) * mul;
    if (b < 0x80) {
      if (result > Number.MAX_SAFE_INTEGER) throw new ProtoError(`a length or tag at byte ${out.pos} is too large (${result})`);
      out.pos = pos;
      return result;
    }
    mul *= 128;
  }
  throw new ProtoError(`a varint at byte ${out.pos} is longer than 10 bytes`);
}

/** Reads one varint at `out.pos` as an unsigned 64-bit bigint and advances `out.pos`. */
export function varintBig(bytes: Uint8Array, end: number, out: { pos: number }): bigint {
  let pos = out.pos;
  // first 4 bytes (28 bits) with plain arithmetic: most varints end here
  let lo = 0;
  for (let i = 0; i < 4; i++) {
    if (pos >= end) throw new ProtoError(`a varint at byte ${out.pos} runs past the end of the data (${end} bytes)`);
    const b = bytes[pos++];
    lo |= (b & 0x7f) << (7 * i);
    if (b < 0x80) {
      out.pos = pos;
      return BigInt(lo >>> 0);
    }
  }
  let result = BigInt(lo >>> 0);
  let shift = 28n;
  for (let i = 4; i < 10; i++) {
    if (pos >= end) throw new ProtoError(`a varint at byte ${out.pos} runs past the end of the data (${end} bytes)`);
    const b = bytes[pos++];
    if (i === 9 && b > 1) throw new ProtoError(`a varint at byte ${out.pos} overflows 64 bits`);
    result |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) {
      out.pos = pos;
      return result;
    }
    shift += 7n;
  }
  throw new ProtoError(`a varint at byte ${out.pos} is longer than 10 bytes`);
}

export function wireName(w: number): string {
  return ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32'][w] ?? `#${w}`;
}

/**
 * The top-level fields of the message in bytes[from, to), in order. Throws a ProtoError when a field runs
 * past `to`, a varint is malformed, or a wire type is not one of varint / fixed64 / length-delimited / fixed32.
 */
export function readFields(bytes: Uint8Array, from = 0, to = bytes.length): Field[] {
  if (from < 0 || to > bytes.length || from > to) throw new ProtoError(`range [${from}, ${to}) is outside the ${bytes.length} bytes`);
  const fields: Field[] = [];
  const cur = { pos: from };
  while (cur.pos < to) {
    const start = cur.pos;
    const tag = varintNumber(bytes, cur.pos, to, cur);
    const no = Math.floor(tag / 8);
    const wire = tag % 8;
    if (no < 1 || no > 536870911) throw new ProtoError(`invalid field number ${no} at byte ${start}`);
    let valueStart = cur.pos;
    let valueEnd: number;
    let varint: bigint | undefined;
    switch (wire) {
      case Wire.Varint:
        varint = varintBig(bytes, to, cur);
        valueEnd = cur.pos;
        break;
      case Wire.I64:
        valueEnd = valueStart + 8;
        break;
      case Wire.I32:
        valueEnd = valueStart + 4;
        break;
      case Wire.Len: {
        const len = varintNumber(bytes, cur.pos, to, cur);
        valueStart = cur.pos;
        valueEnd = valueStart + len;
        break;
      }
      default:
        throw new ProtoError(`field ${no} at byte ${start} has wire type ${wireName(wire)}, which this reader does not accept`);
    }
    if (valueEnd > to) {
      throw new ProtoError(`field ${no} (${wireName(wire)}, ${valueEnd - valueStart} bytes) at byte ${start} runs past the end of its message at byte ${to}`);
    }
    cur.pos = valueEnd;
    const f: Field = { no, wire: wire as Wire, start, end: valueEnd, valueStart, valueEnd };
    if (varint !== undefined) f.varint = varint;
    fields.push(f);
  }
  return fields;
}

/** Varint bytes of an unsigned or signed integer; negative values are written as 10-byte two's complement (int64). */
export function encodeVarint(n: number | bigint): Uint8Array {
  if (typeof n === 'number') {
    if (!Number.isInteger(n)) throw new RangeError(`encodeVarint: ${n} is not an integer`);
    if (n >= 0 && n <= Number.MAX_SAFE_INTEGER) {
      if (n < 128) return Uint8Array.of(n);
      const out: number[] = [];
      let v = n;
      while (v >= 128) {
        out.push((v % 128) | 0x80);
        v = Math.floor(v / 128);
      }
      out.push(v);
      return Uint8Array.from(out);
    }
    n = BigInt(n);
  }
  if (n < -(1n << 63n) || n >= 1n << 64n) throw new RangeError(`encodeVarint: ${n} does not fit 64 bits`);
  let v = BigInt.asUintN(64, n);
  const out: number[] = [];
  while (v >= 128n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

export function encodeTag(no: number, wire: Wire): Uint8Array {
  if (!Number.isInteger(no) || no < 1 || no > 536870911) throw new RangeError(`encodeTag: invalid field number ${no}`);
  return encodeVarint(no * 8 + wire);
}

/** Tag, length and payload of a length-delimited field. */
export function encodeLenField(no: number, payload: Uint8Array): Uint8Array {
  return concatBytes([encodeTag(no, Wire.Len), encodeVarint(payload.length), payload]);
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const utf8Enc = new TextEncoder();

/**
 * Collects an encoded message as a list of byte chunks: small writes go to a scratch buffer, large payloads
 * (tensor data) are referenced, never copied, until the caller concatenates or streams the chunks.
 */
export class Sink {
  readonly parts: Uint8Array[] = [];
  private flushed = 0;
  private buf = new Uint8Array(256);
  private n = 0;

  get length(): number {
    return this.flushed + this.n;
  }
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    if (this.buf.length < 65536) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
      next.set(this.buf.subarray(0, this.n));
      this.buf = next;
    } else {
      this.flush();
      if (k > this.buf.length) this.buf = new Uint8Array(k);
    }
  }
  private flush(): void {
    if (this.n === 0) return;
    this.parts.push(this.buf.subarray(0, this.n));
    this.flushed += this.n;
    // the rest of the scratch buffer stays in use: chunks already handed out end before it
    this.buf = this.buf.length - this.n >= 64 ? this.buf.subarray(this.n) : new Uint8Array(4096);
    this.n = 0;
  }
  varint(v: number | bigint): void {
    if (typeof v === 'number' && v >= 0 && v <= 0x7fffffff && Number.isInteger(v)) {
      this.room(5);
      while (v >= 128) {
        this.buf[this.n++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.buf[this.n++] = v;
      return;
    }
    this.raw(encodeVarint(v));
  }
  raw(b: Uint8Array): void {
    if (b.length <= 512) {
      this.room(b.length);
      this.buf.set(b, this.n);
      this.n += b.length;
    } else {
      this.flush();
      this.parts.push(b);
      this.flushed += b.length;
    }
  }
  tag(no: number, wire: Wire): void {
    this.varint(no * 8 + wire);
  }
  append(child: Sink): void {
    child.flush();
    this.flush();
    for (const p of child.parts) this.parts.push(p);
    this.flushed += child.flushed;
  }
  done(): Uint8Array[] {
    this.flush();
    return this.parts;
  }
}

export function wString(s: Sink, no: number, v: string, always = false): void {
  if (!v && !always) return;
  const b = utf8Enc.encode(v);
  s.tag(no, Wire.Len);
  s.varint(b.length);
  s.raw(b);
}
export function wBytes(s: Sink, no: number, b: Uint8Array): void {
  s.tag(no, Wire.Len);
  s.varint(b.length);
  s.raw(b);
}
export function wVarint(s: Sink, no: number, v: number | bigint): void {
  s.tag(no, Wire.Varint);
  s.varint(v);
}
export function wMessage(s: Sink, no: number, child: Sink): void {
  s.tag(no, Wire.Len);
  s.varint(child.length);
  s.append(child);
}
export function wFloat(s: Sink, no: number, v: number): void {
  s.tag(no, Wire.I32);
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, true);
  s.raw(b);
}
export function wPackedInts(s: Sink, no: number, vs: readonly (number | bigint)[]): void {
  if (vs.length === 0) return;
  const child = new Sink();
  for (const v of vs) child.varint(v);
  wMessage(s, no, child);
}
export function wPackedFloats(s: Sink, no: number, vs: readonly number[]): void {
  if (vs.length === 0) return;
  const b = new Uint8Array(vs.length * 4);
  const dv = new DataView(b.buffer);
  vs.forEach((v, i) => dv.setFloat32(i * 4, v, true));
  wBytes(s, no, b);
}
