// Where a file stops being UTF-8: the byte offset and line of the first invalid sequence (the WHATWG decoder's rules:
// no overlong forms, no surrogates, nothing above U+10FFFF). Used on the error path only, to say where to look.
import * as fs from 'node:fs';

export interface Utf8Fault {
  /** 0-based byte offset of the first byte of the bad sequence. */
  offset: number;
  /** 1-based line it is on. */
  line: number;
}

/** A byte-by-byte UTF-8 check that can be fed chunk by chunk. */
export class Utf8Checker {
  private need = 0;
  private lower = 0x80;
  private upper = 0xbf;
  private seqStart = 0;
  private seqLine = 1;
  private offset = 0;
  private line = 1;

  /** The first fault in this chunk, or null. */
  push(bytes: Uint8Array): Utf8Fault | null {
    for (let i = 0; i < bytes.length; i++, this.offset++) {
      const b = bytes[i];
      if (this.need === 0) {
        if (b < 0x80) { if (b === 0x0a) this.line++; continue; }
        this.seqStart = this.offset;
        this.seqLine = this.line;
        if (b >= 0xc2 && b <= 0xdf) this.need = 1;
        else if (b >= 0xe0 && b <= 0xef) { this.need = 2; if (b === 0xe0) this.lower = 0xa0; if (b === 0xed) this.upper = 0x9f; }
        else if (b >= 0xf0 && b <= 0xf4) { this.need = 3; if (b === 0xf0) this.lower = 0x90; if (b === 0xf4) this.upper = 0x8f; }
        else return { offset: this.offset, line: this.line };
      } else {
        if (b < this.lower || b > this.upper) return { offset: this.seqStart, line: this.seqLine };
        this.lower = 0x80; this.upper = 0xbf;
        this.need--;
      }
    }
    return null;
  }

  /** The end of the input: a sequence cut short is a fault. */
  end(): Utf8Fault | null {
    return this.need > 0 ? { offset: this.seqStart, line: this.seqLine } : null;
  }
}

/** The first invalid UTF-8 sequence in a file, or null when the file is valid UTF-8. */
export async function findUtf8Fault(file: string): Promise<Utf8Fault | null> {
  const check = new Utf8Checker();
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    const f = check.push(chunk as Buffer);
    if (f) return f;
  }
  return check.end();
}
