/** @module Stable session ids: FNV-1a 64 over the fields that identify a connection. */

// FNV-1a 64 state as four 16-bit limbs, lowest first (the prime is 2^40 + 0x1b3). Module state
// rather than an object: ids are made once per session and nothing here is re-entrant.
let h0 = 0;
let h1 = 0;
let h2 = 0;
let h3 = 0;

function fnvReset(): void {
  h0 = 0x2325;
  h1 = 0x8422;
  h2 = 0x9ce4;
  h3 = 0xcbf2;
}

function fnvByte(c: number): void {
  h0 ^= c & 0xff;
  const t0 = h0 * 0x1b3;
  let t1 = h1 * 0x1b3;
  let t2 = h2 * 0x1b3 + h0 * 0x100;
  let t3 = h3 * 0x1b3 + h1 * 0x100;
  t1 += t0 >>> 16;
  t2 += t1 >>> 16;
  t3 += t2 >>> 16;
  h0 = t0 & 0xffff;
  h1 = t1 & 0xffff;
  h2 = t2 & 0xffff;
  h3 = t3 & 0xffff;
}

function fnvU32(v: number): void {
  fnvByte(v >>> 24);
  fnvByte(v >>> 16);
  fnvByte(v >>> 8);
  fnvByte(v);
}

function fnvText(s: string): void {
  for (let i = 0; i < s.length; i++) fnvByte(s.charCodeAt(i));
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function fnvHex(): string {
  return (
    (HEX[h3 >>> 8] as string) +
    HEX[h3 & 255] +
    HEX[h2 >>> 8] +
    HEX[h2 & 255] +
    HEX[h1 >>> 8] +
    HEX[h1 & 255] +
    HEX[h0 >>> 8] +
    HEX[h0 & 255]
  );
}

/** FNV-1a 64 of a string's code units (low byte of each), as 16 hex digits. */
export function fnv1a64(s: string): string {
  fnvReset();
  fnvText(s);
  return fnvHex();
}

function fnvAddr(k: number | string): void {
  if (typeof k === "number") {
    fnvByte(4);
    fnvU32(k);
  } else {
    fnvByte(6);
    fnvText(k);
    fnvByte(0);
  }
}

/**
 * The stable id of a session: FNV-1a 64 over the protocol, the start time (µs) and the client and
 * server address keys and ports, as 16 hex digits. The same capture gives the same ids, so a
 * collector can write sessions idempotently. Fed as numbers: no string is built per session.
 */
export function sessionId(
  proto: string,
  start: number,
  src: number | string,
  sport: number,
  dst: number | string,
  dport: number,
): string {
  fnvReset();
  fnvText(proto);
  fnvU32(Math.floor(start / 4294967296));
  fnvU32(start >>> 0);
  fnvAddr(src);
  fnvU32(sport);
  fnvAddr(dst);
  fnvU32(dport);
  return fnvHex();
}
