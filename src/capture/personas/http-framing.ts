/** @module Finding complete HTTP requests in a persona's client buffer, deterministically; never throws. */

import { headerValue, looksLikeHttpRequest, parseHttpRequests } from "../../decode/http.js";
import { isTokenChar, latin1, trimOws } from "../../decode/http-message.js";
import type { HttpRequest } from "../../schema/session.js";
import {
  BAD_CHUNK,
  chunkedEnd,
  envelopeEnd,
  type FrameMemo,
  findLf,
  NEED_MORE,
} from "./http-body.js";

export type { FrameMemo } from "./http-body.js";

/** Most bytes one request may take (request line, headers and body); beyond it: 400 or 413. */
export const MAX_REQUEST_BYTES = 64 * 1024;
/** Longest method token taken as the start of a request (as in decode/http.ts). */
const MAX_METHOD = 24;

const CR = 13;
const LF = 10;
const SP = 32;
const COLON = 58;
/** `headerAhead` answers: the line is a header field, is not, or is not complete enough to say. */
const NO = 0;
const YES = 1;
const UNSURE = 2;

/**
 * What the buffer holds at a request's start: not enough yet, a complete request (ending at
 * `end`), bytes that are not HTTP, or a request larger than MAX_REQUEST_BYTES (400 when its
 * head is too long, 413 when its body is).
 */
export type Frame =
  | { kind: "partial" }
  | { kind: "request"; request: HttpRequest; end: number }
  | { kind: "garbage" }
  | { kind: "too-large"; status: 400 | 413 };

const PARTIAL: Frame = { kind: "partial" };
const GARBAGE: Frame = { kind: "garbage" };
const HEAD_TOO_LARGE: Frame = { kind: "too-large", status: 400 };
const BODY_TOO_LARGE: Frame = { kind: "too-large", status: 413 };

/** Skips empty lines (LF or CRLF) before a request; a CR at the very end waits for its LF. */
export function skipEmptyLines(b: Uint8Array, at: number): number {
  for (;;) {
    if (b[at] === LF) at += 1;
    else if (b[at] === CR && b[at + 1] === LF) at += 2;
    else return at;
  }
}

/**
 * Frames the request starting at `at`. The decision depends only on the bytes up to the
 * request's end, so any split of the same stream frames the same requests (a property the tests
 * check). Shapes handled besides the textbook one: the uc-httpd exploit's request line followed
 * by a body-like line and no headers, HTTP/0.9-style lines, chunked bodies, and SOAP bodies
 * shorter than their Content-Length (Mirai's HG532 exploit declares 430 whatever it sends).
 * `memo` carries what earlier calls on the same incomplete request established; pass a fresh
 * one for each new request.
 */
export function frameRequest(b: Uint8Array, at: number, memo: FrameMemo = {}): Frame {
  const n = b.length;
  // A CR alone at the end may be the start of an empty line before the request.
  if (b[at] === CR && at + 1 === n) return PARTIAL;
  if (memo.lineEnd === undefined) {
    let i = at;
    while (i < n && i - at <= MAX_METHOD && isMethodChar(b[i] as number, i === at)) i++;
    if (i === n) return i - at > MAX_METHOD ? GARBAGE : PARTIAL;
    if (i === at || i - at > MAX_METHOD || b[i] !== SP) return GARBAGE;
    const lf = findLf(b, i, at, memo);
    if (lf < 0) return n - at > MAX_REQUEST_BYTES ? HEAD_TOO_LARGE : PARTIAL;
    if (lf + 1 - at > MAX_REQUEST_BYTES) return HEAD_TOO_LARGE;
    if (!looksLikeHttpRequest(b.subarray(at, lf + 1))) return GARBAGE;
    memo.lineEnd = lf - at;
    memo.versioned = /\sHTTP\/\S*\s*$/.test(latin1(b, at, lf));
  }
  const p = at + memo.lineEnd + 1;
  if (p >= n) return PARTIAL;
  if (b[p] === LF) return whole(b, at, p + 1);
  if (b[p] === CR && p + 1 >= n) return PARTIAL;
  if (b[p] === CR && b[p + 1] === LF) return whole(b, at, p + 2);
  const ahead = headerAhead(b, p, at, memo);
  if (ahead === UNSURE) return n - at > MAX_REQUEST_BYTES ? HEAD_TOO_LARGE : PARTIAL;
  if (ahead === YES) return withHeaders(b, at, p, memo);
  if (memo.versioned !== true) return whole(b, at, p);
  // The uc-httpd exploit shape: the line after the request line is the body.
  const lf2 = findLf(b, p, at, memo);
  if (lf2 < 0) return n - at > MAX_REQUEST_BYTES ? HEAD_TOO_LARGE : PARTIAL;
  if (lf2 + 1 - at > MAX_REQUEST_BYTES) return HEAD_TOO_LARGE;
  const parsed = parseHttpRequests(b.subarray(at, p))[0];
  if (parsed === undefined) return GARBAGE;
  const bodyEnd = lf2 > p && b[lf2 - 1] === CR ? lf2 - 1 : lf2;
  const problems = parsed.problems.filter((x) => x !== "truncated");
  problems.push("body_without_headers");
  const request = { ...parsed, body: b.subarray(p, bodyEnd), length: lf2 + 1 - at, problems };
  return { kind: "request", request, end: lf2 + 1 };
}

function isMethodChar(c: number, first: boolean): boolean {
  return (c >= 0x41 && c <= 0x5a) || (!first && (c === 0x2d || c === 0x5f));
}

/** Whether the line at `p` starts with "token:" (a header field); UNSURE while the token runs to the end. */
function headerAhead(b: Uint8Array, p: number, at: number, memo: FrameMemo): number {
  let i = memo.tokenTo === undefined ? p : at + memo.tokenTo;
  while (i < b.length && isTokenChar(b[i] as number)) i++;
  if (i === b.length) {
    memo.tokenTo = i - at;
    return UNSURE;
  }
  return i > p && b[i] === COLON ? YES : NO;
}

/** A request that ends at `end` with no body (no headers, or HTTP/0.9 style). */
function whole(b: Uint8Array, at: number, end: number): Frame {
  const request = parseHttpRequests(b.subarray(at, end))[0];
  return request === undefined ? GARBAGE : { kind: "request", request, end };
}

/** A request with a header block starting at `p`: find the empty line, then the body. */
function withHeaders(b: Uint8Array, at: number, p: number, memo: FrameMemo): Frame {
  const n = b.length;
  if (memo.headEnd === undefined) {
    let q = memo.headScan === undefined ? p : at + memo.headScan;
    for (;;) {
      const lf = findLf(b, q, at, memo);
      if (lf < 0) {
        memo.headScan = q - at;
        return n - at > MAX_REQUEST_BYTES ? HEAD_TOO_LARGE : PARTIAL;
      }
      if (lf + 1 - at > MAX_REQUEST_BYTES) return HEAD_TOO_LARGE;
      const empty = lf === q || (lf === q + 1 && b[q] === CR);
      q = lf + 1;
      if (empty) break;
    }
    memo.headEnd = q - at;
  }
  const headEnd = at + memo.headEnd;
  if (memo.headers === undefined) {
    const head = parseHttpRequests(b.subarray(at, headEnd))[0];
    if (head === undefined) return GARBAGE;
    memo.headers = head.headers;
  }
  const te = headerValue(memo.headers, "transfer-encoding");
  const cl = headerValue(memo.headers, "content-length");
  let end = headEnd;
  if (te !== undefined && /chunked/i.test(te)) {
    const e = chunkedEnd(b, headEnd, at + MAX_REQUEST_BYTES, at, memo);
    if (e === NEED_MORE) return n - at > MAX_REQUEST_BYTES ? BODY_TOO_LARGE : PARTIAL;
    if (e === BAD_CHUNK) return GARBAGE;
    if (e < 0) return BODY_TOO_LARGE;
    end = e;
  } else if (cl !== undefined) {
    const v = trimOws(cl);
    if (!/^\d{1,15}$/.test(v)) return GARBAGE;
    const len = Number(v);
    if (headEnd + len - at > MAX_REQUEST_BYTES) return BODY_TOO_LARGE;
    const envelope = envelopeEnd(b, headEnd, Math.min(n, headEnd + len), at, memo);
    if (envelope >= 0) end = envelope;
    else if (headEnd + len > n) return PARTIAL;
    else end = headEnd + len;
  }
  const request = parseHttpRequests(b.subarray(at, end))[0];
  return request === undefined ? GARBAGE : { kind: "request", request, end };
}
