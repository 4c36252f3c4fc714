// A streaming RFC 4180 parser: text goes in chunk by chunk, complete records come out. Quoted fields may hold the
// delimiter, doubled quotes ("") and line breaks (LF, CRLF or CR); records end at LF, CRLF or CR. Lenient where the
// RFC is silent: a character after a closing quote is kept as text (`"a"b` → `ab`). Used for CSV (`,`) and TSV (tab).

export interface CsvRecord {
  fields: string[];
  /** 1-based line of the file where the record starts. */
  line: number;
}

const enum S { RecordStart, FieldStart, Unquoted, Quoted, QuoteInQuoted }

export class CsvParser {
  private state = S.RecordStart;
  private fields: string[] = [];
  private buf = '';
  private line = 1;
  private recordLine = 1;
  private quoteLine = 1;
  private afterCR = false;
  private quotedCR = false;
  private readonly delim: number;

  constructor(delimiter: string) {
    this.delim = delimiter.charCodeAt(0);
  }

  /** Feed the next piece of text; returns the records it completes. */
  push(text: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    const D = this.delim;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.afterCR) {
        this.afterCR = false;
        if (c === 10) { start = i + 1; continue; } // the LF of a CRLF that ended a record
      }
      if (this.state === S.RecordStart) { this.recordLine = this.line; this.state = S.FieldStart; }
      if (this.state === S.FieldStart) {
        if (c === 34) { this.state = S.Quoted; this.quoteLine = this.line; start = i + 1; continue; }
        this.state = S.Unquoted;
        start = i;
      }
      if (this.state === S.Unquoted) {
        if (c === D) { this.fields.push(this.buf + text.slice(start, i)); this.buf = ''; this.state = S.FieldStart; }
        else if (c === 10 || c === 13) { this.fields.push(this.buf + text.slice(start, i)); this.buf = ''; this.endRecord(out, c); }
      } else if (this.state === S.Quoted) {
        if (c === 34) { this.buf += text.slice(start, i); this.state = S.QuoteInQuoted; }
        else if (c === 10) { if (!this.quotedCR) this.line++; }
        else if (c === 13) this.line++;
        this.quotedCR = c === 13;
      } else {
        if (c === 34) { this.buf += '"'; this.state = S.Quoted; start = i + 1; }
        else if (c === D) { this.fields.push(this.buf); this.buf = ''; this.state = S.FieldStart; }
        else if (c === 10 || c === 13) { this.fields.push(this.buf); this.buf = ''; this.endRecord(out, c); }
        else { this.state = S.Unquoted; start = i; }
      }
    }
    if (this.state === S.Unquoted || this.state === S.Quoted) this.buf += text.slice(start);
    return out;
  }

  /** The end of the input: the last record (if the file does not end with a line break). */
  end(): CsvRecord[] {
    if (this.state === S.Quoted) throw new UnclosedQuote(this.quoteLine);
    const out: CsvRecord[] = [];
    if (this.state !== S.RecordStart) {
      this.fields.push(this.buf);
      this.buf = '';
      out.push({ fields: this.fields, line: this.recordLine });
      this.fields = [];
      this.state = S.RecordStart;
    }
    return out;
  }

  private endRecord(out: CsvRecord[], c: number): void {
    out.push({ fields: this.fields, line: this.recordLine });
    this.fields = [];
    this.state = S.RecordStart;
    this.line++;
    if (c === 13) this.afterCR = true;
  }
}

/** A quoted field still open at the end of the file. */
export class UnclosedQuote extends Error {
  constructor(readonly line: number) {
    super(`a quoted field opened on line ${line} is never closed`);
  }
}
