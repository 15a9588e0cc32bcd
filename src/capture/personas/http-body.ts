/**
 * @module Where a request body ends, found incrementally: chunked transfer coding and SOAP envelopes,
 * each search resuming where the previous call stopped so that input trickling in costs linear time.
 */

import { latin1 } from "../../decode/http-message.js";

const CR = 13;
const LF = 10;

/**
 * What the framing of one incomplete request has already established, as offsets relative to the
 * request's first byte (so they survive the buffer being compacted). Framing with an empty memo
 * gives the same result, only slower; the memo only saves rescanning bytes seen before.
 */
export interface FrameMemo {
  /** A search for LF from `lfFrom` found none before `lfTo`. */
  lfFrom?: number;
  lfTo?: number;
  /** The request line's LF and whether the line carries an HTTP version. */
  lineEnd?: number;
  versioned?: boolean;
  /** The header-name token after the request line runs at least to here. */
  tokenTo?: number;
  /** The first header line not yet known to be complete. */
  headScan?: number;
  /** The end of the header block (after its empty line), once found, and its fields. */
  headEnd?: number;
  headers?: Array<[string, string]>;
  /** Where the envelope search resumes (it re-reads ENVELOPE_OVERLAP bytes before). */
  envScan?: number;
  /** The start of the chunk-size line, or trailer line, not yet complete. */
  chunkScan?: number;
  trailerScan?: number;
}

/** The closing tag of a SOAP envelope (bounded, so a tag cut by a chunk boundary is re-read whole). */
const ENVELOPE_END = /<\/(?:[A-Za-z_][\w.-]{0,31}:)?Envelope\s{0,16}>/i;
/** Longest text ENVELOPE_END can match: the bytes re-read when a search resumes. */
const ENVELOPE_OVERLAP = 64;

/** `b.indexOf(LF, from)`, skipping what the memo says a failed search from `from` already read. */
export function findLf(b: Uint8Array, from: number, at: number, memo: FrameMemo): number {
  const rel = from - at;
  const start = memo.lfFrom === rel && memo.lfTo !== undefined ? at + memo.lfTo : from;
  const i = b.indexOf(LF, start);
  if (i < 0) {
    memo.lfFrom = rel;
    memo.lfTo = b.length - at;
  }
  return i;
}

/** The end of a SOAP envelope's closing tag in `b[from, to)`, or -1; resumes via `memo.envScan`. */
export function envelopeEnd(
  b: Uint8Array,
  from: number,
  to: number,
  at: number,
  memo: FrameMemo,
): number {
  const resume = memo.envScan === undefined ? from : at + memo.envScan - ENVELOPE_OVERLAP;
  const start = Math.max(from, resume);
  if (to <= start) return -1;
  const m = ENVELOPE_END.exec(latin1(b, start, to));
  if (m === null) {
    memo.envScan = to - at;
    return -1;
  }
  return start + m.index + m[0].length;
}

/** chunkedEnd's answers besides an end offset. */
export const NEED_MORE = -1;
export const BAD_CHUNK = -2;
export const PAST_LIMIT = -3;

/**
 * The end of a chunked body starting at `p` (after its trailer's empty line), or NEED_MORE,
 * BAD_CHUNK when a chunk-size line is not hex or a chunk is not followed by its line end, or
 * PAST_LIMIT when the body runs past `limit`.
 */
export function chunkedEnd(
  b: Uint8Array,
  p: number,
  limit: number,
  at: number,
  memo: FrameMemo,
): number {
  const n = b.length;
  if (memo.trailerScan === undefined) {
    if (memo.chunkScan !== undefined) p = at + memo.chunkScan;
    for (;;) {
      if (p > limit) return PAST_LIMIT;
      memo.chunkScan = p - at;
      const lf = findLf(b, p, at, memo);
      if (lf < 0) return NEED_MORE;
      const size = chunkSize(latin1(b, p, lf));
      if (size < 0) return BAD_CHUNK;
      const data = lf + 1;
      if (size === 0) {
        p = data;
        break;
      }
      const after = data + size;
      if (after > limit) return PAST_LIMIT;
      if (after >= n) return NEED_MORE;
      if (b[after] === LF) p = after + 1;
      else if (b[after] !== CR) return BAD_CHUNK;
      else if (after + 1 >= n) return NEED_MORE;
      else if (b[after + 1] === LF) p = after + 2;
      else return BAD_CHUNK;
    }
  } else {
    p = at + memo.trailerScan;
  }
  for (;;) {
    memo.trailerScan = p - at;
    const lf = findLf(b, p, at, memo);
    if (lf < 0) return NEED_MORE;
    const empty = lf === p || (lf === p + 1 && b[p] === CR);
    p = lf + 1;
    if (p > limit) return PAST_LIMIT;
    if (empty) return p;
  }
}

/** A chunk-size line's size (hex, extensions after ';' ignored), or -1. */
function chunkSize(line: string): number {
  const m = /^[ \t]*([0-9a-fA-F]{1,8})[ \t]*(?:;[^\r]*)?\r?$/.exec(line);
  return m === null ? -1 : Number.parseInt(m[1] as string, 16);
}
