/** @module HTTP/1.x message pieces shared by requests and responses: lines, header blocks, bodies. */

import { Buffer } from "node:buffer";

/** Longest line kept (request/status line or header line); the rest of a longer line is skipped. */
export const MAX_LINE = 64 * 1024;
/** Most header fields kept per message; further lines are consumed but not kept. */
export const MAX_HEADERS = 200;
/** Most messages parsed from one direction of a connection. */
export const MAX_MESSAGES = 100;

const CR = 13;
const LF = 10;
const SP = 32;
const HT = 9;
const COLON = 58;
const EMPTY = new Uint8Array(0);

/**
 * Node's latin1 decoder behind Buffer#toString("latin1"). It is not documented, but it has been
 * there since Node 0.x and accepts any Uint8Array as `this`, which skips creating a Buffer per
 * call (measured: a tenth of the HTTP parsing time). When a runtime lacks it, the documented
 * path is taken.
 */
const latin1Slice = (
  Buffer.prototype as unknown as {
    latin1Slice?: (this: Uint8Array, a: number, b: number) => string;
  }
).latin1Slice;

/** Latin-1 text of bytes [a, b): one char per byte, so attacker bytes survive unchanged. */
export function latin1(bytes: Uint8Array, a: number, b: number): string {
  if (b > bytes.length) b = bytes.length;
  if (b <= a) return "";
  if (latin1Slice !== undefined) return latin1Slice.call(bytes, a, b);
  return Buffer.from(bytes.buffer, bytes.byteOffset + a, b - a).toString("latin1");
}

/** RFC 9110 tchar: the characters of a method or header field name. */
export function isTokenChar(c: number): boolean {
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return true;
  // ! # $ % & ' * + - . ^ _ ` | ~
  return (
    c === 0x21 ||
    (c >= 0x23 && c <= 0x27) ||
    c === 0x2a ||
    c === 0x2b ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x5e ||
    c === 0x5f ||
    c === 0x60 ||
    c === 0x7c ||
    c === 0x7e
  );
}

/**
 * Index of the first byte `v` in `b[from, to)`, or -1. A plain loop: HTTP lines are a few dozen
 * bytes, and calling TypedArray indexOf costs more than scanning that far.
 */
export function indexOfByte(b: Uint8Array, v: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (b[i] === v) return i;
  return -1;
}

/** Adds `p` to `problems` unless already there. */
export function problem(problems: string[], p: string): void {
  if (!problems.includes(p)) problems.push(p);
}

/**
 * Reads one direction's bytes line by line. Lines end at LF (a preceding CR is dropped, a bare LF
 * is tolerated); `ls`/`le` delimit the last line read, without its terminator.
 */
export class HttpReader {
  pos = 0;
  ls = 0;
  le = 0;
  /** The last line ended at the end of the data, without LF. */
  unterminated = false;
  /** The last line was longer than MAX_LINE and was cut. */
  long = false;

  /** The whole input as latin1 text, made on first use: fields are slices of it. */
  private str: string | undefined = undefined;

  constructor(readonly bytes: Uint8Array) {}

  get atEnd(): boolean {
    return this.pos >= this.bytes.length;
  }

  /** Reads the next line; false when no byte is left. */
  line(): boolean {
    const b = this.bytes;
    const n = b.length;
    if (this.pos >= n) return false;
    this.ls = this.pos;
    const lf = indexOfByte(b, LF, this.pos, n);
    let end: number;
    if (lf < 0) {
      end = n;
      this.pos = n;
      this.unterminated = true;
    } else {
      end = lf > this.ls && b[lf - 1] === CR ? lf - 1 : lf;
      this.pos = lf + 1;
      this.unterminated = false;
    }
    this.long = end - this.ls > MAX_LINE;
    this.le = this.long ? this.ls + MAX_LINE : end;
    return true;
  }

  /** Skips empty lines (CRLF or LF) before a message, as servers tolerate. */
  skipEmptyLines(): void {
    const b = this.bytes;
    for (;;) {
      if (b[this.pos] === LF) this.pos += 1;
      else if (b[this.pos] === CR && b[this.pos + 1] === LF) this.pos += 2;
      else return;
    }
  }

  /** Latin-1 text of bytes [a, b), as a slice of one conversion of the whole input. */
  text(a: number, b: number): string {
    if (this.str === undefined) this.str = latin1(this.bytes, 0, this.bytes.length);
    return this.str.slice(a, b);
  }

  /** True when the next line looks like a header field ("token:"), without consuming it. */
  headerAhead(): boolean {
    const b = this.bytes;
    let i = this.pos;
    while (i < b.length && isTokenChar(b[i] as number)) i++;
    return i > this.pos && b[i] === COLON;
  }

  /**
   * Reads header lines up to the empty line and appends them to `headers`. Follows libhtp where
   * input is broken: a line without a colon becomes a field with an empty name and the whole line
   * as its value, so its content stays where header rules look. Returns false when the data ended
   * before the empty line.
   */
  headers(headers: Array<[string, string]>, problems: string[]): boolean {
    const b = this.bytes;
    let kept = 0;
    for (;;) {
      if (!this.line()) return false;
      const ls = this.ls;
      const le = this.le;
      if (this.long) problem(problems, "line_too_long");
      if (le === ls) return !this.unterminated;
      const first = b[ls] as number;
      if ((first === SP || first === HT) && kept > 0) {
        // obs-fold: a continuation of the previous field's value (kept > 0: there is one). The
        // last field is only read here: `headers[-1]` of an empty list is a slow property lookup.
        const last = headers[headers.length - 1] as [string, string];
        problem(problems, "obs_fold");
        last[1] = `${last[1]} ${trimOws(this.text(ls, le))}`;
      } else if (kept >= MAX_HEADERS) {
        problem(problems, "too_many_headers");
      } else {
        const colon = indexOfByte(b, COLON, ls, le);
        if (colon < 0) {
          problem(problems, "header_without_colon");
          headers.push(["", this.text(ls, le)]);
        } else {
          let ne = colon;
          while (ne > ls && (b[ne - 1] === SP || b[ne - 1] === HT)) ne--;
          for (let k = ls; k < ne; k++) {
            if (!isTokenChar(b[k] as number)) {
              problem(problems, "bad_header_name");
              break;
            }
          }
          if (ne !== colon || ne === ls) problem(problems, "bad_header_name");
          headers.push([this.text(ls, ne), trimOws(this.text(colon + 1, le))]);
        }
        kept++;
      }
      if (this.unterminated) return false;
    }
  }

  /** Takes up to `n` bytes as a body; records "truncated" when fewer are there. */
  fixedBody(n: number, problems: string[]): Uint8Array {
    const avail = this.bytes.length - this.pos;
    if (n > avail) {
      problem(problems, "truncated");
      n = avail;
    }
    const body = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return body;
  }

  /** The rest of the data as a body (a response delimited by close, or a body without length). */
  restBody(): Uint8Array {
    const body = this.bytes.subarray(this.pos);
    this.pos = this.bytes.length;
    return body;
  }

  /**
   * Decodes a chunked body (sizes in hex, extensions after ';' ignored, trailer fields appended to
   * `headers`). A chunk size that is not hex ends decoding: the raw rest is appended to the body
   * so that nothing the sender wrote becomes invisible.
   */
  chunkedBody(headers: Array<[string, string]>, problems: string[]): Uint8Array {
    const b = this.bytes;
    const parts: Uint8Array[] = [];
    for (;;) {
      const lineStart = this.pos;
      if (!this.line()) {
        problem(problems, "truncated");
        break;
      }
      const size = chunkSize(b, this.ls, this.le);
      if (size < 0) {
        problem(problems, "bad_chunk");
        parts.push(b.subarray(lineStart));
        this.pos = b.length;
        break;
      }
      if (this.unterminated) {
        problem(problems, "truncated");
        break;
      }
      if (size === 0) {
        if (!this.headers(headers, problems)) problem(problems, "truncated");
        break;
      }
      const avail = b.length - this.pos;
      if (size > avail) {
        parts.push(b.subarray(this.pos));
        this.pos = b.length;
        problem(problems, "truncated");
        break;
      }
      parts.push(b.subarray(this.pos, this.pos + size));
      this.pos += size;
      if (b[this.pos] === CR && b[this.pos + 1] === LF) this.pos += 2;
      else if (b[this.pos] === LF) this.pos += 1;
      else if (this.pos < b.length) problem(problems, "bad_chunk");
    }
    return joinBytes(parts);
  }
}

/** Chunk size of a chunk-size line, or -1 when it does not start with hex digits (or is huge). */
function chunkSize(b: Uint8Array, a: number, e: number): number {
  let i = a;
  while (i < e && (b[i] === SP || b[i] === HT)) i++;
  let n = 0;
  let digits = 0;
  for (; i < e; i++) {
    const c = b[i] as number;
    let v: number;
    if (c >= 0x30 && c <= 0x39) v = c - 0x30;
    else if (c >= 0x41 && c <= 0x46) v = c - 0x37;
    else if (c >= 0x61 && c <= 0x66) v = c - 0x57;
    else break;
    n = n * 16 + v;
    if (++digits > 12) return -1;
  }
  if (digits === 0) return -1;
  while (i < e && (b[i] === SP || b[i] === HT)) i++;
  return i === e || b[i] === 0x3b ? n : -1;
}

/** Strips optional whitespace (SP, HT) at both ends. */
export function trimOws(s: string): string {
  let a = 0;
  let e = s.length;
  while (a < e && (s.charCodeAt(a) === SP || s.charCodeAt(a) === HT)) a++;
  while (e > a && (s.charCodeAt(e - 1) === SP || s.charCodeAt(e - 1) === HT)) e--;
  return a === 0 && e === s.length ? s : s.slice(a, e);
}

/** The parts as one array (the part itself when there is one: no copy). */
export function joinBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 0) return EMPTY;
  if (parts.length === 1) return parts[0] as Uint8Array;
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
