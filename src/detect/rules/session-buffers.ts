/**
 * @module The inspection buffers of one session, as latin1 strings built on first use: the two
 * streams, and per HTTP transaction the request and response buffers (see docs/rules.md).
 */

import { gunzipSync, inflateRawSync, inflateSync } from "node:zlib";
import type { HttpRequest, HttpResponse, Session } from "../../schema/session.js";
import type { BufferDef } from "./buffers.js";
import { parseDnsQuery } from "./dns.js";
import { asciiLower } from "./keywords/content.js";
import { TO_SERVER } from "./types.js";
import { normalizeHost, normalizeUri } from "./uri.js";

/** Most bytes a compressed response body may inflate to (a bound against decompression bombs). */
export const MAX_INFLATED = 1 << 20;

/** Bytes as a latin1 string: one char per byte. */
export function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
}

function header(h: Array<[string, string]>, lower: string): string | undefined {
  for (const [n, v] of h) if (n.length === lower.length && n.toLowerCase() === lower) return v;
  return undefined;
}

/** Where a message's start line and header block lie in its stream text. */
interface RawParts {
  line: string;
  headers: string;
  start: string;
}

function rawParts(stream: string, offset: number, length: number): RawParts {
  const limit = Math.min(stream.length, offset + length);
  let lf = stream.indexOf("\n", offset);
  if (lf < 0 || lf >= limit) lf = limit;
  const line = stream.slice(offset, lf > offset && stream[lf - 1] === "\r" ? lf - 1 : lf);
  let end = lf + 1;
  let crlf = stream.indexOf("\r\n\r\n", lf - 1);
  let lflf = stream.indexOf("\n\n", lf - 1);
  if (crlf >= limit) crlf = -1;
  if (lflf >= limit) lflf = -1;
  if (crlf >= 0 && (lflf < 0 || crlf <= lflf)) end = crlf + 4;
  else if (lflf >= 0) end = lflf + 2;
  else end = limit;
  if (end < lf + 1) end = Math.min(limit, lf + 1);
  return {
    line,
    headers: stream.slice(Math.min(lf + 1, end), end),
    start: stream.slice(offset, end),
  };
}

function inflate(body: Uint8Array, encoding: string | undefined): Uint8Array {
  if (encoding === undefined || body.length === 0) return body;
  const e = encoding.trim().toLowerCase();
  const opts = { maxOutputLength: MAX_INFLATED, finishFlush: 2 };
  try {
    if (e === "gzip" || e === "x-gzip") return gunzipSync(body, opts);
    if (e === "deflate") {
      try {
        return inflateSync(body, opts);
      } catch {
        return inflateRawSync(body, opts);
      }
    }
  } catch {
    // Not really compressed (or cut short): libhtp then inspects the bytes as sent.
  }
  return body;
}

/** Contents of the file parts of a multipart/form-data body, concatenated; undefined when none. */
function multipartFiles(body: string, contentType: string | undefined): string | undefined {
  const m = contentType === undefined ? null : /boundary="?([^";]+)"?/i.exec(contentType);
  if (m === null || !/multipart\//i.test(contentType ?? "")) return undefined;
  const parts = body.split(`--${m[1] as string}`);
  let out: string | undefined;
  for (const p of parts.slice(1)) {
    const sep = p.indexOf("\r\n\r\n");
    if (sep < 0) continue;
    if (!/filename\s*=/i.test(p.slice(0, sep))) continue;
    let content = p.slice(sep + 4);
    if (content.endsWith("\r\n")) content = content.slice(0, -2);
    out = (out ?? "") + content;
  }
  return out;
}

function headerBuffer(h: Array<[string, string]>, skip: string): string {
  let out = "";
  for (const [n, v] of h) {
    if (n.length === skip.length && n.toLowerCase() === skip) continue;
    out += `${n}: ${v}\r\n`;
  }
  return out;
}

/** The buffers of one session; built lazily and cached. One instance is reused session after session. */
export class SessionBuffers {
  private readonly streams: Array<string | undefined> = [undefined, undefined, undefined];
  private readonly lowers: Array<string | undefined> = [undefined, undefined, undefined];
  private readonly cache = new Map<number, string | undefined>();

  constructor(public s: Session) {}

  /** Forgets the previous session's buffers and takes `s`. */
  reset(s: Session): void {
    this.s = s;
    this.streams[1] = undefined;
    this.streams[2] = undefined;
    this.lowers[1] = undefined;
    this.lowers[2] = undefined;
    if (this.cache.size > 0) this.cache.clear();
  }

  /** The reassembled stream of a direction (TO_SERVER: the client's bytes). */
  stream(dir: number): string {
    let v = this.streams[dir];
    if (v === undefined) {
      v = latin1(dir === TO_SERVER ? this.s.clientBytes : this.s.serverBytes);
      this.streams[dir] = v;
    }
    return v;
  }

  streamLower(dir: number): string {
    let v = this.lowers[dir];
    if (v === undefined) {
      v = asciiLower(this.stream(dir));
      this.lowers[dir] = v;
    }
    return v;
  }

  /** HTTP transactions: requests, or responses when only the server side was seen. */
  get transactions(): number {
    const h = this.s.http;
    return h === undefined ? 0 : Math.max(h.requests.length, h.responses.length);
  }

  request(tx: number): HttpRequest | undefined {
    return this.s.http?.requests[tx];
  }

  response(tx: number): HttpResponse | undefined {
    return this.s.http?.responses[tx];
  }

  /**
   * A transaction's buffer: `side` says which message a `both` buffer reads (TO_SERVER the
   * request). Undefined when the message or the header is absent.
   */
  get(b: BufferDef, tx: number, dir: number): string | undefined {
    const side = b.side === "request" ? 0 : b.side === "response" ? 1 : dir === TO_SERVER ? 0 : 1;
    const key = (tx * 64 + b.id) * 2 + side;
    if (this.cache.has(key)) return this.cache.get(key);
    const v = side === 0 ? this.requestBuffer(b, tx) : this.responseBuffer(b, tx);
    this.cache.set(key, v);
    return v;
  }

  private requestBuffer(b: BufferDef, tx: number): string | undefined {
    const r = this.request(tx);
    if (r === undefined) return undefined;
    if (b.header?.request !== undefined) return header(r.headers, b.header.request);
    switch (b.name) {
      case "http.method":
        return r.method;
      case "http.uri":
        return normalizeUri(r.target);
      case "http.uri.raw":
        return r.target;
      case "http.header":
        return headerBuffer(r.headers, "cookie");
      case "http.header.raw":
        return this.rawRequest(r).headers;
      case "http.host":
        return normalizeHost(r.target, header(r.headers, "host"));
      case "http.host.raw":
        return header(r.headers, "host");
      case "http.request_body":
        return latin1(r.body);
      case "file.data": {
        const body = latin1(r.body);
        return (
          multipartFiles(body, header(r.headers, "content-type")) ??
          (body === "" ? undefined : body)
        );
      }
      case "http.protocol":
        return r.version;
      case "http.start":
        return this.rawRequest(r).start;
      case "http.request_line":
        return this.rawRequest(r).line;
      case "http.header_names":
        return `\r\n${r.headers.map((h) => `${h[0]}\r\n`).join("")}\r\n`;
      default:
        return undefined;
    }
  }

  private responseBuffer(b: BufferDef, tx: number): string | undefined {
    const r = this.response(tx);
    if (r === undefined) return undefined;
    if (b.header?.response !== undefined) return header(r.headers, b.header.response);
    switch (b.name) {
      case "http.header":
        return headerBuffer(r.headers, "set-cookie");
      case "http.header.raw":
        return this.rawResponse(r).headers;
      case "http.stat_code":
        return String(r.status).padStart(3, "0");
      case "http.stat_msg":
        return r.reason;
      case "http.response_body":
      case "file.data": {
        const body = latin1(inflate(r.body, header(r.headers, "content-encoding")));
        return b.name === "file.data" && body === "" ? undefined : body;
      }
      case "http.protocol":
        return r.version;
      case "http.start":
        return this.rawResponse(r).start;
      case "http.response_line":
        return this.rawResponse(r).line;
      case "http.header_names":
        return `\r\n${r.headers.map((h) => `${h[0]}\r\n`).join("")}\r\n`;
      default:
        return undefined;
    }
  }

  private rawRequest(r: HttpRequest): RawParts {
    return rawParts(this.stream(TO_SERVER), r.offset, r.length);
  }

  private rawResponse(r: HttpResponse): RawParts {
    return rawParts(this.stream(2), r.offset, r.length);
  }

  /** The DNS query name the client asked for, when its bytes are a DNS query. */
  dnsQuery(): string | undefined {
    const key = -1;
    if (this.cache.has(key)) return this.cache.get(key);
    const v = parseDnsQuery(this.s.clientBytes, this.s.proto === "tcp");
    this.cache.set(key, v);
    return v;
  }
}
