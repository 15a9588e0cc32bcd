/** @module How a device persona's HTTP answer becomes bytes: status line, headers in the device's order, framing. */

import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { joinBytes } from "../../decode/http-message.js";
import type { PersonaContext } from "./persona.js";

/** One response as a device describes it; the helper makes its framing correct. */
export interface HttpAnswer {
  status: number;
  /** The reason phrase; defaults to the usual one for the status. */
  reason?: string;
  /** The version on the status line; defaults to "HTTP/1.1" (uc-httpd and Boa say "HTTP/1.0"). */
  version?: string;
  /**
   * Header fields in the device's order. A "Content-Length" field (any value) marks where the
   * length goes and gets the real one; without it the length is appended last. With `chunked`
   * the "Transfer-Encoding: chunked" field is kept (or appended) and no length is sent.
   */
  headers: Array<[string, string]>;
  body?: string | Uint8Array;
  /** Sends the body as one chunk of chunked transfer coding (RomPager does). */
  chunked?: boolean;
  /** Closes the connection after this answer whatever the client asked. */
  close?: boolean;
}

/** The usual reason phrases of the statuses personas send. */
export const REASONS: Readonly<Record<number, string>> = {
  200: "OK",
  204: "No Content",
  301: "Moved Permanently",
  302: "Found",
  304: "Not Modified",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Request Entity Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
};

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const CRLF = Uint8Array.of(13, 10);
const LAST_CHUNK = Uint8Array.of(0x30, 13, 10, 13, 10);

/**
 * The bytes of an answer. `toHead` leaves the body out (the answer to HEAD) while keeping its
 * length. CR and LF are removed from header names and values, so that nothing a device echoes
 * from a request can split the response.
 */
export function renderAnswer(a: HttpAnswer, toHead = false): Uint8Array {
  const body = typeof a.body === "string" ? encoder.encode(a.body) : (a.body ?? EMPTY);
  const noBody = toHead || a.status === 204 || a.status === 304 || a.status < 200;
  const chunked = a.chunked === true && !noBody;
  const reason = a.reason ?? REASONS[a.status] ?? "Unknown";
  let head = `${a.version ?? "HTTP/1.1"} ${a.status} ${clean(reason)}\r\n`;
  let framed = false;
  for (const [name, value] of a.headers) {
    const lower = name.toLowerCase();
    if (lower === "content-length") {
      if (framed || chunked) continue;
      framed = true;
      head += `${clean(name)}: ${body.length}\r\n`;
    } else if (lower === "transfer-encoding") {
      if (!chunked || framed) continue;
      framed = true;
      head += `${clean(name)}: chunked\r\n`;
    } else {
      head += `${clean(name)}: ${clean(value)}\r\n`;
    }
  }
  if (!framed)
    head += chunked ? "Transfer-Encoding: chunked\r\n" : `Content-Length: ${body.length}\r\n`;
  head += "\r\n";
  const top = Buffer.from(head, "latin1");
  if (noBody) return new Uint8Array(top.buffer, top.byteOffset, top.length);
  const parts: Uint8Array[] = [top];
  if (chunked) {
    const size = body.length.toString(16);
    if (body.length > 0) parts.push(Buffer.from(`${size}\r\n`, "latin1"), body, CRLF);
    parts.push(LAST_CHUNK);
  } else {
    parts.push(body);
  }
  return joinBytes(parts);
}

function clean(s: string): string {
  return /[\r\n]/.test(s) ? s.replace(/[\r\n]+/g, " ") : s;
}

/** An HTTP date (IMF-fixdate, "Thu, 01 Jan 1970 00:00:00 GMT") for ms since the epoch. */
export function httpDate(ms: number): string {
  const d = new Date(Number.isFinite(ms) ? ms : 0);
  return Number.isNaN(d.getTime()) ? "Thu, 01 Jan 1970 00:00:00 GMT" : d.toUTCString();
}

/** Text made safe to place inside HTML (an echoed path, say). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A digest-auth nonce of 32 hex digits, fixed by the sensor, the client, the time and `salt`:
 * reproducible in tests, different per client and moment like a device's.
 */
export function digestNonce(ctx: PersonaContext, salt: string): string {
  const h = createHash("md5");
  h.update(`${ctx.sensorId}|${ctx.remoteAddress}|${ctx.localPort}|${ctx.now()}|${salt}`);
  return h.digest("hex");
}

/** The target's path (before '?'), and its query (after '?', or ""). */
export function splitTarget(target: string): { path: string; query: string } {
  const q = target.indexOf("?");
  return q < 0
    ? { path: target, query: "" }
    : { path: target.slice(0, q), query: target.slice(q + 1) };
}

/** The action a SOAPAction header names ("urn:...:WANIPConnection:1#AddPortMapping", quoted or not). */
export function soapActionName(header: string): string {
  const v = header.trim().replace(/^"|"$/g, "");
  const hash = v.lastIndexOf("#");
  return hash < 0 ? "" : v.slice(hash + 1).trim();
}
