/**
 * @module Turns an HTTP device description into a Persona: buffering, request framing, keep-alive,
 * pipelining, the device's 400/413 for what it cannot read, and reply timing.
 */

import { headerValue } from "../../decode/http.js";
import type { HttpRequest } from "../../schema/session.js";
import { type HttpAnswer, renderAnswer, splitTarget } from "./http-answer.js";
import { type FrameMemo, frameRequest, MAX_REQUEST_BYTES, skipEmptyLines } from "./http-framing.js";
import type { Persona, PersonaContext, PersonaReply, PersonaSession } from "./persona.js";

export type { HttpAnswer } from "./http-answer.js";
export { MAX_REQUEST_BYTES } from "./http-framing.js";

/** The option every HTTP persona takes: milliseconds to wait before each answer. */
export const DELAY_OPTION = "delay-ms";
/** The longest `delay-ms` honoured; larger values are clamped (a device answers within seconds). */
export const MAX_DELAY_MS = 30_000;

/** One complete request as a device sees it. */
export interface DeviceRequest {
  method: string;
  /** The target exactly as sent. */
  target: string;
  /** The target before '?'. */
  path: string;
  /** The target after '?', or "". */
  query: string;
  /** "HTTP/1.1", "HTTP/1.0", or "" (HTTP/0.9 style). */
  version: string;
  headers: ReadonlyArray<[string, string]>;
  body: Uint8Array;
  /** The first header field of that name (case-insensitive), or undefined. */
  header(name: string): string | undefined;
  /** The client keeps the connection: HTTP/1.1 without `Connection: close`. */
  keepAlive: boolean;
  /** The request as decode/http.ts parsed it, with its problems. */
  parsed: HttpRequest;
}

/** An HTTP device: its registry fields and how it answers. */
export interface HttpDevice {
  name: string;
  summary: string;
  ports: readonly number[];
  /** Device-specific options (`delay-ms` is added for every device). */
  options?: Readonly<Record<string, string>>;
  /** The device's answer to one complete request. Must not throw. */
  respond(req: DeviceRequest, ctx: PersonaContext): HttpAnswer;
  /**
   * The device's answer to bytes it cannot read as a request (400), or to a request larger
   * than MAX_REQUEST_BYTES (400 for the head, 413 for the body). The connection closes after it.
   */
  reject(status: 400 | 413, ctx: PersonaContext): HttpAnswer;
}

const EMPTY = new Uint8Array(0);

/** The `delay-ms` option as a number of milliseconds: 0 when absent or not a number. */
export function delayOption(options: Readonly<Record<string, string>>): number {
  const v = options[DELAY_OPTION];
  if (v === undefined || !/^\s*\d{1,9}\s*$/.test(v)) return 0;
  return Math.min(Number(v), MAX_DELAY_MS);
}

/** The Persona of an HTTP device. */
export function httpPersona(device: HttpDevice): Persona {
  return {
    name: device.name,
    summary: device.summary,
    ports: device.ports,
    options: {
      ...device.options,
      [DELAY_OPTION]: "milliseconds to wait before each answer (default 0)",
    },
    open: (ctx) => new HttpSession(device, ctx),
  };
}

/**
 * One connection to an HTTP device. It holds at most one incomplete request, which framing
 * bounds to MAX_REQUEST_BYTES, in a buffer that grows by doubling (appending a byte at a time
 * stays linear), with the framing memo of that request.
 */
class HttpSession implements PersonaSession {
  private store: Uint8Array = EMPTY;
  private len = 0;
  private memo: FrameMemo = {};
  private closed = false;
  private readonly delayMs: number;

  constructor(
    private readonly device: HttpDevice,
    private readonly ctx: PersonaContext,
  ) {
    this.delayMs = delayOption(ctx.options);
  }

  greet(): PersonaReply[] {
    return [];
  }

  data(chunk: Uint8Array): PersonaReply[] {
    if (this.closed || chunk.length === 0) return [];
    const fromStore = this.len > 0;
    if (fromStore) this.append(chunk);
    const buf = fromStore ? this.store.subarray(0, this.len) : chunk;
    const out: PersonaReply[] = [];
    let at = 0;
    // The memo belongs to the request starting at `memoAt` (offset 0: the one kept from before).
    let memo = this.memo;
    let memoAt = 0;
    while (!this.closed) {
      at = skipEmptyLines(buf, at);
      if (at >= buf.length) break;
      if (at !== memoAt) {
        memo = {};
        memoAt = at;
      }
      const f = frameRequest(buf, at, memo);
      if (f.kind === "partial") break;
      memoAt = -1;
      if (f.kind === "request") {
        out.push(this.answer(f.request));
        at = f.end;
      } else {
        const status = f.kind === "too-large" ? f.status : 400;
        out.push(this.reply(renderAnswer(this.device.reject(status, this.ctx)), true));
      }
    }
    if (this.closed || at >= buf.length) this.keep(buf, buf.length, {}, fromStore);
    else this.keep(buf, at, memo, fromStore);
    return out;
  }

  /** Keeps `buf[from..]` (the incomplete request) and its memo; `inStore`: `buf` is the store. */
  private keep(buf: Uint8Array, from: number, memo: FrameMemo, inStore: boolean): void {
    const rest = buf.length - from;
    this.memo = memo;
    if (rest === 0) {
      this.len = 0;
      // A store grown by a burst is not kept for the rest of a long connection.
      if (this.store.length > 2 * MAX_REQUEST_BYTES) this.store = EMPTY;
      return;
    }
    if (inStore) {
      this.store.copyWithin(0, from, from + rest);
    } else {
      this.len = 0;
      this.reserve(rest);
      this.store.set(buf.subarray(from), 0);
    }
    this.len = rest;
  }

  private append(chunk: Uint8Array): void {
    this.reserve(this.len + chunk.length);
    this.store.set(chunk, this.len);
    this.len += chunk.length;
  }

  /** Makes room for `n` bytes, keeping the first `len`. */
  private reserve(n: number): void {
    if (n <= this.store.length) return;
    const grown = new Uint8Array(Math.max(n, 2 * this.store.length, 1024));
    grown.set(this.store.subarray(0, this.len), 0);
    this.store = grown;
  }

  private answer(parsed: HttpRequest): PersonaReply {
    const { path, query } = splitTarget(parsed.target);
    const connection = headerValue(parsed.headers, "connection") ?? "";
    const keepAlive = parsed.version === "HTTP/1.1" && !/(^|[\s,])close(\s|,|$)/i.test(connection);
    const req: DeviceRequest = {
      method: parsed.method,
      target: parsed.target,
      path,
      query,
      version: parsed.version,
      headers: parsed.headers,
      body: parsed.body,
      header: (name) => headerValue(parsed.headers, name),
      keepAlive,
      parsed,
    };
    const a = this.device.respond(req, this.ctx);
    return this.reply(renderAnswer(a, parsed.method === "HEAD"), !keepAlive || a.close === true);
  }

  private reply(data: Uint8Array, close: boolean): PersonaReply {
    const r: PersonaReply = { data };
    if (this.delayMs > 0) r.delayMs = this.delayMs;
    if (close) {
      r.close = true;
      this.closed = true;
    }
    return r;
  }
}
