/** @module Canonical RFC 5952 text of IPv6 addresses, read through the cursor. */

import type { Cursor } from "./cursor.js";

const groups = new Int32Array(8);

/**
 * A small direct-mapped cache of recent address texts. In honeypot and darknet captures most
 * packets share a destination and sources repeat within a flow, so most lookups hit and the
 * per-packet string building (the main cost of IPv6 decoding) is skipped.
 */
const CACHE_BITS = 10;
const cacheKeys = new Int32Array(4 << CACHE_BITS);
const cacheTexts: string[] = new Array<string>(1 << CACHE_BITS).fill("");

/**
 * Reads 16 address bytes at the cursor and returns their canonical text: lowercase hex without
 * leading zeros, the longest run of two or more zero groups (the first on a tie) shortened to
 * "::", and IPv4-mapped addresses (::ffff:0:0/96) ending in a dotted quad as RFC 5952 section 5
 * recommends. Returns "" when the cursor runs out (its `bad` flag is then set).
 */
export function readIpv6Text(c: Cursor): string {
  const w0 = c.u32() | 0;
  const w1 = c.u32() | 0;
  const w2 = c.u32() | 0;
  const w3 = c.u32() | 0;
  if (c.bad) return "";
  const h = Math.imul(
    w0 ^ Math.imul(w1, 0x9e3779b1) ^ Math.imul(w2, 0x85ebca6b) ^ Math.imul(w3, 0xc2b2ae35),
    0x27d4eb2f,
  );
  const slot = h >>> (32 - CACHE_BITS);
  const k = slot << 2;
  const cached = cacheTexts[slot] as string;
  if (
    cached !== "" &&
    cacheKeys[k] === w0 &&
    cacheKeys[k + 1] === w1 &&
    cacheKeys[k + 2] === w2 &&
    cacheKeys[k + 3] === w3
  ) {
    return cached;
  }
  groups[0] = w0 >>> 16;
  groups[1] = w0 & 0xffff;
  groups[2] = w1 >>> 16;
  groups[3] = w1 & 0xffff;
  groups[4] = w2 >>> 16;
  groups[5] = w2 & 0xffff;
  groups[6] = w3 >>> 16;
  groups[7] = w3 & 0xffff;
  const text = formatIpv6Groups(groups);
  cacheKeys[k] = w0;
  cacheKeys[k + 1] = w1;
  cacheKeys[k + 2] = w2;
  cacheKeys[k + 3] = w3;
  cacheTexts[slot] = text;
  return text;
}

/** Formats eight 16-bit groups as canonical IPv6 text. */
export function formatIpv6Groups(g: Int32Array): string {
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    const a = g[6] as number;
    const b = g[7] as number;
    return `::ffff:${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
  }
  let bestStart = -1;
  let bestLen = 1; // a single zero group is never shortened
  let runStart = -1;
  for (let i = 0; i <= 8; i++) {
    if (i < 8 && g[i] === 0) {
      if (runStart < 0) runStart = i;
    } else if (runStart >= 0) {
      const len = i - runStart;
      if (len > bestLen) {
        bestStart = runStart;
        bestLen = len;
      }
      runStart = -1;
    }
  }
  let s = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += "::";
      i += bestLen - 1;
      continue;
    }
    if (s.length > 0 && s.charCodeAt(s.length - 1) !== 58) s += ":";
    s += (g[i] as number).toString(16);
  }
  return s;
}
