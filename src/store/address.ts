/**
 * @module Source addresses as 128-bit integers: IPv4 as ::ffff:a.b.c.d, so both families share one
 * column, distinct counts are exact and network ranges are plain comparisons.
 */

import { formatIpv6Groups } from "../decode/ipv6-text.js";

/**
 * Words of one address: 4 unsigned 32-bit words, least significant first (the in-memory layout of
 * DuckDB's UHUGEINT on little-endian machines, so a column of them is copied without conversion).
 */
export const ADDR_WORDS = 4;

const groups = new Int32Array(8);

/** Writes the IPv4 address `a` (an unsigned 32-bit number) into `out` at row `row`. */
export function putIpv4(a: number, out: Uint32Array, row: number): void {
  const o = row * ADDR_WORDS;
  out[o] = a >>> 0;
  out[o + 1] = 0xffff;
  out[o + 2] = 0;
  out[o + 3] = 0;
}

/**
 * Writes an address key (an IPv4 number, or IPv4/IPv6 text) into `out` at row `row`. Returns
 * false, writing zeros, when the text is not an address.
 */
export function putAddr(key: number | string, out: Uint32Array, row: number): boolean {
  if (typeof key === "number") {
    putIpv4(key, out, row);
    return true;
  }
  const o = row * ADDR_WORDS;
  const v4 = parseIpv4(key);
  if (v4 >= 0) {
    putIpv4(v4, out, row);
    return true;
  }
  if (!parseIpv6Groups(key, groups)) {
    out.fill(0, o, o + ADDR_WORDS);
    return false;
  }
  for (let w = 0; w < 4; w++) {
    out[o + 3 - w] = (((groups[2 * w] as number) << 16) | (groups[2 * w + 1] as number)) >>> 0;
  }
  return true;
}

/** The text of the address at row `row` of `words`: a dotted quad for IPv4-mapped addresses. */
export function addrText(words: Uint32Array, row: number): string {
  const o = row * ADDR_WORDS;
  const w0 = words[o] as number;
  if (words[o + 3] === 0 && words[o + 2] === 0 && words[o + 1] === 0xffff) {
    return `${w0 >>> 24}.${(w0 >>> 16) & 255}.${(w0 >>> 8) & 255}.${w0 & 255}`;
  }
  for (let w = 0; w < 4; w++) {
    const x = words[o + 3 - w] as number;
    groups[2 * w] = x >>> 16;
    groups[2 * w + 1] = x & 0xffff;
  }
  return formatIpv6Groups(groups);
}

/** The address as one unsigned 128-bit integer (what DuckDB's UHUGEINT reads back as). */
export function addrBigInt(words: Uint32Array, row: number): bigint {
  const o = row * ADDR_WORDS;
  let v = 0n;
  for (let w = 3; w >= 0; w--) v = (v << 32n) | BigInt(words[o + w] as number);
  return v;
}

const scratch = new Uint32Array(ADDR_WORDS);

/** Text of an address given as an unsigned 128-bit integer. */
export function bigIntAddrText(v: bigint): string {
  for (let w = 0; w < 4; w++) scratch[w] = Number((v >> BigInt(32 * w)) & 0xffffffffn);
  return addrText(scratch, 0);
}

/** Canonical text of an address given as text (IPv4-mapped IPv6 becomes a dotted quad). */
export function canonicalAddr(text: string): string {
  return putAddr(text, scratch, 0) ? addrText(scratch, 0) : text;
}

/** An IPv4 dotted quad as an unsigned 32-bit number, -1 when it is not one. */
export function parseIpv4(s: string): number {
  const parts = s.split(".");
  if (parts.length !== 4) return -1;
  let a = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return -1;
    const n = Number(p);
    if (n > 255) return -1;
    a = a * 256 + n;
  }
  return a;
}

/** Parses IPv6 text (with "::" and a trailing dotted quad allowed) into eight 16-bit groups. */
function parseIpv6Groups(s: string, g: Int32Array): boolean {
  if (s.length < 2 || s.length > 45) return false;
  const dbl = s.indexOf("::");
  if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) return false;
  const head = dbl >= 0 ? s.slice(0, dbl) : s;
  const tail = dbl >= 0 ? s.slice(dbl + 2) : "";
  const hs = head === "" ? [] : head.split(":");
  const ts = tail === "" ? [] : tail.split(":");
  const all: number[] = [];
  const parsePart = (parts: string[], into: number[]): boolean => {
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as string;
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIpv4(p);
        if (v4 < 0) return false;
        into.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return false;
        into.push(Number.parseInt(p, 16));
      }
    }
    return true;
  };
  const before: number[] = [];
  const after: number[] = [];
  if (!parsePart(hs, before)) return false;
  if (!parsePart(ts, after)) return false;
  if (dbl < 0) {
    if (before.length !== 8) return false;
    all.push(...before);
  } else {
    const zeros = 8 - before.length - after.length;
    if (zeros < 1) return false;
    all.push(...before, ...new Array<number>(zeros).fill(0), ...after);
  }
  for (let i = 0; i < 8; i++) g[i] = all[i] as number;
  return true;
}
