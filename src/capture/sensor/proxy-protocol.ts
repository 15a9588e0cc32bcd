/**
 * @module PROXY protocol v1 lines and Portent's PORTENT-TS extension: the preamble `portent replay`
 * sends so a sensor can record a replayed connection under its original endpoints and time.
 *
 * Wire format (ASCII, each line ends with CR LF):
 *   PROXY TCP4 <src> <dst> <sport> <dport>\r\n      (HAProxy PROXY protocol v1, at most 107 bytes)
 *   PROXY TCP6 <src> <dst> <sport> <dport>\r\n
 *   PORTENT-TS <microseconds since the epoch>\r\n    (optional; Portent's own, only right after PROXY)
 * Addresses are IP literals of the family named (no zone ids); ports and the timestamp are decimal
 * without leading zeros. `PROXY UNKNOWN` is reported invalid: a preamble without the original
 * endpoints is of no use to a sensor. The parsers never throw: any byte sequence gives a result.
 */

import { isIPv4, isIPv6 } from "node:net";

/** The longest PROXY v1 line, CR LF included (from the HAProxy specification). */
export const PROXY_V1_MAX_LENGTH = 107;
/** The longest PORTENT-TS line: the keyword, a space, 16 digits, CR LF. */
export const PORTENT_TS_MAX_LENGTH = 29;

const PROXY_PREFIX = "PROXY ";
const TS_PREFIX = "PORTENT-TS ";
const CR = 0x0d;
const LF = 0x0a;

/** The original endpoints a PROXY v1 line carries, and the line's length in bytes. */
export interface ProxyV1 {
  family: "TCP4" | "TCP6";
  src: string;
  dst: string;
  sport: number;
  dport: number;
  length: number;
}

/** A whole preamble: the PROXY line and, when present, the PORTENT-TS line after it. */
export interface Preamble {
  proxy: ProxyV1;
  /** Original start of the connection, µs since the epoch, from PORTENT-TS. */
  ts?: number;
  /** Bytes the preamble takes; the client's own bytes start here. */
  length: number;
}

/** True when `bytes[at..]` begins with as much of `text` as it holds (a possible prefix). */
function startsWithPartial(bytes: Uint8Array, at: number, text: string): boolean {
  const n = Math.min(text.length, bytes.length - at);
  for (let i = 0; i < n; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/**
 * Finds the CR LF ending a line that starts at `at` and may be `max` bytes long. Returns the
 * index of the CR, -1 when more bytes are needed, or -2 when no valid line end can come (a lone
 * CR or LF, or `max` bytes without one).
 */
function lineEnd(bytes: Uint8Array, at: number, max: number): number {
  const stop = Math.min(bytes.length, at + max);
  for (let i = at; i < stop; i++) {
    const b = bytes[i];
    if (b === LF) return -2;
    if (b === CR) {
      if (i + 1 >= bytes.length) return i + 1 < at + max ? -1 : -2;
      return bytes[i + 1] === LF ? i : -2;
    }
  }
  return bytes.length - at < max ? -1 : -2;
}

/** ASCII text of printable bytes, or undefined if any byte is not printable ASCII. */
function ascii(bytes: Uint8Array, from: number, to: number): string | undefined {
  let s = "";
  for (let i = from; i < to; i++) {
    const b = bytes[i] as number;
    if (b < 0x20 || b > 0x7e) return undefined;
    s += String.fromCharCode(b);
  }
  return s;
}

/** A decimal without leading zeros, at most `max`; undefined otherwise. */
function decimal(s: string, max: number): number | undefined {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(s)) return undefined;
  const n = Number(s);
  return n <= max ? n : undefined;
}

/**
 * Parses a PROXY v1 line at the start of `bytes`: the endpoints and the line length, undefined
 * when `bytes` is a prefix of a line that may still come out valid, or "invalid".
 */
export function parseProxyV1(bytes: Uint8Array): ProxyV1 | undefined | "invalid" {
  if (!startsWithPartial(bytes, 0, PROXY_PREFIX)) return "invalid";
  const cr = lineEnd(bytes, 0, PROXY_V1_MAX_LENGTH);
  if (cr === -1) return undefined;
  if (cr < 0) return "invalid";
  const line = ascii(bytes, 0, cr);
  if (line === undefined) return "invalid";
  const parts = line.split(" ");
  if (parts.length !== 6) return "invalid";
  const [, family, src, dst, sp, dp] = parts as [string, string, string, string, string, string];
  if (family !== "TCP4" && family !== "TCP6") return "invalid";
  const valid = family === "TCP4" ? isIPv4 : isIPv6;
  if (!valid(src) || !valid(dst)) return "invalid";
  if (src.includes("%") || dst.includes("%")) return "invalid";
  const sport = decimal(sp, 65535);
  const dport = decimal(dp, 65535);
  if (sport === undefined || dport === undefined) return "invalid";
  return { family, src, dst, sport, dport, length: cr + 2 };
}

/**
 * Parses a PORTENT-TS line at `bytes[at..]`: the timestamp and line length, undefined when the
 * bytes are a prefix of such a line, "absent" when they do not begin one, or "invalid".
 */
export function parsePortentTs(
  bytes: Uint8Array,
  at = 0,
): { ts: number; length: number } | undefined | "absent" | "invalid" {
  if (!startsWithPartial(bytes, at, TS_PREFIX)) return "absent";
  if (bytes.length - at <= TS_PREFIX.length) return undefined;
  const cr = lineEnd(bytes, at, PORTENT_TS_MAX_LENGTH);
  if (cr === -1) return undefined;
  if (cr < 0) return "invalid";
  const digits = ascii(bytes, at + TS_PREFIX.length, cr);
  const ts = digits === undefined ? undefined : decimal(digits, Number.MAX_SAFE_INTEGER);
  if (ts === undefined) return "invalid";
  return { ts, length: cr + 2 - at };
}

/**
 * Parses the whole preamble: a PROXY v1 line, then an optional PORTENT-TS line. Undefined means
 * "wait for more bytes"; pass `complete` once no more will come (the client closed or went
 * quiet), so that bytes that merely could begin a PORTENT-TS line count as the client's own.
 */
export function parsePreamble(
  bytes: Uint8Array,
  complete = false,
): Preamble | undefined | "invalid" {
  const proxy = parseProxyV1(bytes);
  if (proxy === "invalid") return "invalid";
  if (proxy === undefined) return complete ? "invalid" : undefined;
  const ts = parsePortentTs(bytes, proxy.length);
  if (ts === "invalid") return "invalid";
  if (ts === undefined && !complete) return undefined;
  if (ts === undefined || ts === "absent") return { proxy, length: proxy.length };
  return { proxy, ts: ts.ts, length: proxy.length + ts.length };
}

/** The endpoints of a connection as a PROXY v1 line would carry them. */
export interface ProxyEndpoints {
  src: string;
  dst: string;
  sport: number;
  dport: number;
}

/** Formats a PROXY v1 line (TCP6 when the source is an IPv6 address); CR LF included. */
export function formatProxyV1(e: ProxyEndpoints): string {
  const family = isIPv6(e.src) ? "TCP6" : "TCP4";
  return `${PROXY_PREFIX}${family} ${e.src} ${e.dst} ${e.sport} ${e.dport}\r\n`;
}

/** Formats a PORTENT-TS line for a time in µs since the epoch; CR LF included. */
export function formatPortentTs(us: number): string {
  return `${TS_PREFIX}${Math.max(0, Math.trunc(us))}\r\n`;
}
