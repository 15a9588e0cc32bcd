/** @module HTTP/1.x requests and responses parsed from reassembled stream bytes; never throws. */

import type { HttpRequest, HttpResponse } from "../schema/session.js";
import { HttpReader, MAX_LINE, MAX_MESSAGES, problem, trimOws } from "./http-message.js";

const SP = 32;
const HT = 9;
/** Longest method token taken as the start of a request ("BASELINE-CONTROL" is 16). */
const MAX_METHOD = 24;

/**
 * Problems that mean the sender broke the syntax (counted as `http_malformed`); the others
 * ("no_host", "http09", "obs_fold", "body_without_length", ...) describe legal or common
 * shapes worth a rule's attention but are not errors of the parser's input.
 */
export const MALFORMED_PROBLEMS: ReadonlySet<string> = new Set([
  "bad_request_line",
  "bad_version",
  "bad_status_line",
  "header_without_colon",
  "bad_header_name",
  "line_too_long",
  "too_many_headers",
  "bad_content_length",
  "bad_chunk",
  "te_and_cl",
  "trailing_garbage",
]);

/**
 * True when `bytes[at..]` starts like a request line: an uppercase method token (letters, then
 * letters, '-' or '_') followed by a space.
 */
export function startsLikeRequest(bytes: Uint8Array, at = 0): boolean {
  const n = bytes.length;
  let i = at;
  for (; i < n && i - at <= MAX_METHOD; i++) {
    const c = bytes[i] as number;
    if (c >= 0x41 && c <= 0x5a) continue;
    if (i > at && (c === 0x2d || c === 0x5f)) continue;
    break;
  }
  return i > at && i - at <= MAX_METHOD && bytes[i] === SP;
}

/** Methods taken as HTTP even without a version on the request line (HTTP/0.9 style). */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  "GET",
  "POST",
  "HEAD",
  "PUT",
  "DELETE",
  "OPTIONS",
  "CONNECT",
  "TRACE",
  "PATCH",
  "M-SEARCH",
  "NOTIFY",
  "SUBSCRIBE",
  "UNSUBSCRIBE",
  "PROPFIND",
  "PROPPATCH",
  "MKCOL",
  "COPY",
  "MOVE",
  "LOCK",
  "UNLOCK",
  "SEARCH",
  "REPORT",
]);

const HTTP_SLASH = Uint8Array.of(0x20, 0x48, 0x54, 0x54, 0x50, 0x2f); // " HTTP/"

/**
 * True when a client stream should be parsed as HTTP: it starts like a request line, and either
 * the method is a known one or the first line carries an HTTP version. An unknown uppercase
 * method still counts ("GETS / HTTP/1.1" from a sloppy exploit), but line protocols with
 * uppercase commands (IRC "NICK x", SMTP "EHLO x") do not.
 */
export function looksLikeHttpRequest(bytes: Uint8Array): boolean {
  if (!startsLikeRequest(bytes, 0)) return false;
  const sp = bytes.indexOf(SP);
  let method = "";
  for (let i = 0; i < sp; i++) method += String.fromCharCode(bytes[i] as number);
  if (KNOWN_METHODS.has(method)) return true;
  let end = bytes.indexOf(0x0a, sp);
  if (end < 0) end = bytes.length;
  if (end > MAX_LINE) end = MAX_LINE;
  const b0 = HTTP_SLASH[0] as number;
  for (let i = bytes.indexOf(b0, sp + 1); i >= 0 && i + 6 <= end; i = bytes.indexOf(b0, i + 1)) {
    let k = 1;
    while (k < 6 && bytes[i + k] === HTTP_SLASH[k]) k++;
    if (k === 6) return true;
  }
  return false;
}

/** True when `bytes[at..]` starts with "HTTP/". */
export function startsLikeResponse(bytes: Uint8Array, at = 0): boolean {
  return (
    bytes[at] === 0x48 &&
    bytes[at + 1] === 0x54 &&
    bytes[at + 2] === 0x54 &&
    bytes[at + 3] === 0x50 &&
    bytes[at + 4] === 0x2f
  );
}

/**
 * Whether `name` lower-cased equals `lower` (ASCII, lower case, same length), without making the
 * lower-cased copy: only A-Z change case on the way to an ASCII letter, so the answer is the same.
 */
function sameLower(name: string, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    let c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** The value of the first header named `name` (case-insensitive), or undefined. */
export function headerValue(headers: Array<[string, string]>, name: string): string | undefined {
  const lower = name.toLowerCase();
  const n = lower.length;
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i] as [string, string];
    if (h[0].length === n && sameLower(h[0], lower)) return h[1];
  }
  return undefined;
}

/**
 * True for "HTTP/" digit "." digit (what /^HTTP\/\d\.\d$/ accepts), by character codes: a
 * regular expression per message was a tenth of the response parsing time.
 */
export function isHttpVersion(v: string): boolean {
  if (v.length !== 8 || !v.startsWith("HTTP/")) return false;
  const a = v.charCodeAt(5);
  const b = v.charCodeAt(7);
  return a >= 0x30 && a <= 0x39 && v.charCodeAt(6) === 0x2e && b >= 0x30 && b <= 0x39;
}
/** The body of a message without one: shared, since creating an empty view per message is not free. */
const EMPTY_BODY = new Uint8Array(0);

/**
 * Parses the requests a client sent, in order (pipelined or keep-alive), until the bytes stop
 * looking like a request. See docs/streams.md for how broken input is handled.
 */
export function parseHttpRequests(bytes: Uint8Array): HttpRequest[] {
  const out: HttpRequest[] = [];
  const r = new HttpReader(bytes);
  for (;;) {
    r.skipEmptyLines();
    if (r.atEnd) break;
    // Not out[out.length - 1] on an empty list: index -1 is a slow named-property lookup.
    const last = out.length > 0 ? out[out.length - 1] : undefined;
    if (!startsLikeRequest(bytes, r.pos)) {
      if (last !== undefined) problem(last.problems, "trailing_garbage");
      break;
    }
    if (out.length === MAX_MESSAGES) {
      if (last !== undefined) problem(last.problems, "too_many_requests");
      break;
    }
    out.push(parseRequest(r));
  }
  return out;
}

function parseRequest(r: HttpReader): HttpRequest {
  const b = r.bytes;
  const offset = r.pos;
  const problems: string[] = [];
  r.line();
  if (r.long) problem(problems, "line_too_long");
  const { ls, le } = r;
  let i = ls;
  while (i < le && b[i] !== SP) i++;
  const method = r.text(ls, i);
  let ts = i;
  while (ts < le && (b[ts] === SP || b[ts] === HT)) ts++;
  if (ts - i > 1) problem(problems, "bad_request_line");
  let te = le;
  while (te > ts && (b[te - 1] === SP || b[te - 1] === HT)) te--;
  // The version is the last space-separated word when it starts with "HTTP/"; anything before it
  // is the target, even when it holds spaces (recorded as a problem).
  let vs = te;
  while (vs > ts && b[vs - 1] !== SP && b[vs - 1] !== HT) vs--;
  let version = "";
  let targetEnd = te;
  if (vs > ts && te - vs >= 5 && r.text(vs, vs + 5) === "HTTP/") {
    version = r.text(vs, te);
    targetEnd = vs;
    while (targetEnd > ts && (b[targetEnd - 1] === SP || b[targetEnd - 1] === HT)) targetEnd--;
    if (vs - targetEnd > 1) problem(problems, "bad_request_line");
    if (!isHttpVersion(version)) problem(problems, "bad_version");
  }
  const target = r.text(ts, targetEnd);
  if (target === "" || target.includes(" ") || target.includes("\t")) {
    problem(problems, "bad_request_line");
  }
  const headers: Array<[string, string]> = [];
  let body: Uint8Array = EMPTY_BODY;
  if (r.unterminated) {
    problem(problems, "truncated");
  } else {
    if (version === "") problem(problems, "http09");
    // An HTTP/0.9-style line has no headers, unless the next line plainly is one.
    const hasHeaders = version !== "" || r.headerAhead();
    if (hasHeaders && !r.headers(headers, problems)) problem(problems, "truncated");
    else body = requestBody(r, headers, problems);
    if (version === "HTTP/1.1" && headerValue(headers, "host") === undefined) {
      problem(problems, "no_host");
    }
  }
  return {
    method,
    target,
    version,
    headers,
    body,
    offset,
    length: r.pos - offset,
    problems,
  };
}

function requestBody(
  r: HttpReader,
  headers: Array<[string, string]>,
  problems: string[],
): Uint8Array {
  const te = headerValue(headers, "transfer-encoding");
  const cl = headerValue(headers, "content-length");
  if (te !== undefined && /(^|[\s,])chunked\s*$/i.test(te)) {
    if (cl !== undefined) problem(problems, "te_and_cl");
    return r.chunkedBody(headers, problems);
  }
  if (cl !== undefined) {
    const n = contentLength(headers);
    if (n >= 0) return r.fixedBody(n, problems);
    problem(problems, "bad_content_length");
  }
  // No length: the request ends here, unless what follows is not another request, in which case
  // it is this request's body (the uc-httpd exploit's form data arrives like that).
  const save = r.pos;
  r.skipEmptyLines();
  if (r.atEnd || startsLikeRequest(r.bytes, r.pos)) {
    r.pos = save;
    return EMPTY_BODY;
  }
  problem(problems, "body_without_length");
  return r.restBody();
}

/** The Content-Length value, or -1 when absent, not a number, or given twice with different values. */
function contentLength(headers: Array<[string, string]>): number {
  let n = -1;
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i] as [string, string];
    if (h[0].length !== 14 || !sameLower(h[0], "content-length")) continue;
    const v = trimOws(h[1]);
    const m = decimal(v);
    if (m < 0) return -1;
    if (n >= 0 && m !== n) return -1;
    n = m;
  }
  return n;
}

/**
 * Parses the responses a server sent. `requestMethods` (the methods of the requests, in order)
 * lets a response to HEAD be read without a body; interim 1xx responses do not consume a request.
 */
export function parseHttpResponses(
  bytes: Uint8Array,
  requestMethods: readonly string[] = [],
): HttpResponse[] {
  const out: HttpResponse[] = [];
  const r = new HttpReader(bytes);
  let answered = 0;
  for (;;) {
    r.skipEmptyLines();
    if (r.atEnd || !startsLikeResponse(bytes, r.pos)) break;
    if (out.length === MAX_MESSAGES) break;
    const res = parseResponse(r, requestMethods[answered] === "HEAD");
    if (res.status < 100 || res.status >= 200) answered++;
    out.push(res);
  }
  return out;
}

/** Digits only, 1 to 15 of them (what /^\d{1,15}$/ accepts): their value, else -1. */
function decimal(v: string): number {
  const n = v.length;
  if (n === 0 || n > 15) return -1;
  let x = 0;
  for (let i = 0; i < n; i++) {
    const d = v.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    x = x * 10 + d;
  }
  return x;
}

/** A status line's parts: version, status code, reason phrase. */
export interface StatusLine {
  version: string;
  status: number;
  reason: string;
}

/** Whitespace as a regular expression's \s sees it, within Latin-1. */
function isSpace(c: number): boolean {
  return (c >= 9 && c <= 13) || c === 0x20 || c === 0xa0;
}

/**
 * Splits a status line the way /^(HTTP\/\S*)[ \t]+(\d{3})(?:[ \t]+(.*))?$/s does (a property
 * test holds the two equal), or returns undefined where that expression does not match. By
 * character codes, because the expression cost more than the rest of a small response's parse.
 */
export function splitStatusLine(line: string): StatusLine | undefined {
  if (!line.startsWith("HTTP/")) return undefined;
  const n = line.length;
  let i = 5;
  while (i < n && !isSpace(line.charCodeAt(i))) i++;
  const version = line.slice(0, i);
  let c = line.charCodeAt(i);
  if (c !== SP && c !== HT) return undefined;
  while (c === SP || c === HT) c = line.charCodeAt(++i);
  if (i + 3 > n) return undefined;
  let status = 0;
  for (let k = 0; k < 3; k++) {
    const d = line.charCodeAt(i + k) - 0x30;
    if (d < 0 || d > 9) return undefined;
    status = status * 10 + d;
  }
  i += 3;
  if (i === n) return { version, status, reason: "" };
  c = line.charCodeAt(i);
  if (c !== SP && c !== HT) return undefined;
  while (c === SP || c === HT) c = line.charCodeAt(++i);
  return { version, status, reason: line.slice(i) };
}

function parseResponse(r: HttpReader, toHead: boolean): HttpResponse {
  const offset = r.pos;
  const problems: string[] = [];
  r.line();
  if (r.long) problem(problems, "line_too_long");
  const line = r.text(r.ls, r.le);
  const m = splitStatusLine(line);
  let version = "";
  let status = 0;
  let reason = "";
  if (m === undefined) {
    problem(problems, "bad_status_line");
    const sp = line.indexOf(" ");
    version = sp < 0 ? line : line.slice(0, sp);
  } else {
    version = m.version;
    status = m.status;
    reason = m.reason;
    if (!isHttpVersion(version)) problem(problems, "bad_version");
  }
  const headers: Array<[string, string]> = [];
  let body: Uint8Array = EMPTY_BODY;
  if (r.unterminated) problem(problems, "truncated");
  else if (!r.headers(headers, problems)) problem(problems, "truncated");
  else if (!(toHead || (status >= 100 && status < 200) || status === 204 || status === 304)) {
    const te = headerValue(headers, "transfer-encoding");
    const n = contentLength(headers);
    if (te !== undefined && /(^|[\s,])chunked\s*$/i.test(te))
      body = r.chunkedBody(headers, problems);
    else if (n >= 0) body = r.fixedBody(n, problems);
    else body = r.restBody();
  }
  return { version, status, reason, headers, body, offset, length: r.pos - offset, problems };
}
