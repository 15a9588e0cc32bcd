/** @module Test helpers for personas: a fixed context, driving a session, and reading its replies back. */

import { Buffer } from "node:buffer";
import { parseHttpResponses } from "../../decode/http.js";
import type { HttpResponse } from "../../schema/session.js";
import type { Persona, PersonaContext, PersonaReply } from "./persona.js";

/** The fixed moment of test contexts: 2018-06-14 12:00:00 UTC (Satori's port 8000 surge). */
export const TEST_NOW = Date.UTC(2018, 5, 14, 12, 0, 0);

/** A deterministic context for `port`, with options. */
export function testCtx(
  port: number,
  options: Record<string, string> = {},
  remoteAddress = "192.0.2.7",
  now = TEST_NOW,
): PersonaContext {
  return { sensorId: "sensor-test", localPort: port, remoteAddress, now: () => now, options };
}

/** Latin-1 bytes of a string (one byte per char, as attacker bytes are). */
export function bytes(s: string): Uint8Array {
  const b = Buffer.from(s, "latin1");
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/** Latin-1 text of bytes. */
export function text(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString("latin1");
}

/** A reply's bytes (strings are sent as UTF-8 by the sensor). */
export function replyBytes(r: PersonaReply): Uint8Array {
  return typeof r.data === "string" ? new TextEncoder().encode(r.data) : r.data;
}

/** Opens a session and feeds it the chunks in order; returns every reply (greeting first). */
export function drive(
  persona: Persona,
  chunks: ReadonlyArray<string | Uint8Array>,
  ctx: PersonaContext = testCtx(persona.ports[0] ?? 0),
): PersonaReply[] {
  const s = persona.open(ctx);
  const out = [...s.greet()];
  for (const c of chunks) out.push(...s.data(typeof c === "string" ? bytes(c) : c));
  return out;
}

/** `bytes` cut at the given points (sorted, deduplicated, clamped), never producing empty chunks. */
export function splitAt(b: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.min(b.length, Math.max(0, c))))].sort(
    (x, y) => x - y,
  );
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    if (p > at) out.push(b.subarray(at, p));
    at = Math.max(at, p);
  }
  if (at < b.length) out.push(b.subarray(at));
  return out;
}

/**
 * The one HTTP response a reply holds, parsed back; throws (failing the test) unless the reply
 * is exactly one well-formed response: parsed to its last byte, no problem, and a body as long
 * as its Content-Length says.
 */
export function oneResponse(r: PersonaReply, method = "GET"): HttpResponse {
  const data = replyBytes(r);
  const all = parseHttpResponses(data, [method]);
  if (all.length !== 1) throw new Error(`expected one response, got ${all.length}: ${text(data)}`);
  const res = all[0] as HttpResponse;
  if (res.length !== data.length)
    throw new Error(`response is ${res.length} of ${data.length} bytes`);
  if (res.problems.length > 0) throw new Error(`response problems: ${res.problems.join(", ")}`);
  const cl = header(res, "content-length");
  if (cl !== undefined && method !== "HEAD" && Number(cl) !== res.body.length) {
    throw new Error(`Content-Length ${cl} but body of ${res.body.length}`);
  }
  return res;
}

/** The first header of that name in a parsed response. */
export function header(res: HttpResponse, name: string): string | undefined {
  const lower = name.toLowerCase();
  return res.headers.find(([n]) => n.toLowerCase() === lower)?.[1];
}

/** A response body as text. */
export function bodyText(res: HttpResponse): string {
  return text(res.body);
}
