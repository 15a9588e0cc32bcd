/** @module Stable session ids: FNV-1a 64 over the fields that identify a connection. */

/**
 * FNV-1a 64 state as four 16-bit limbs, lowest first (the prime is 2^40 + 0x1b3). Fields of one
 * shared object rather than module-level `let`s: V8 checks a module `let` for initialisation at
 * every read, and a byte here reads and writes all four limbs. Ids are made once per session and
 * nothing here is re-entrant.
 */
class Fnv64 {
  h0 = 0;
  h1 = 0;
  h2 = 0;
  h3 = 0;

  reset(): void {
    this.h0 = 0x2325;
    this.h1 = 0x8422;
    this.h2 = 0x9ce4;
    this.h3 = 0xcbf2;
  }

  byte(c: number): void {
    const h0 = this.h0 ^ (c & 0xff);
    const h1 = this.h1;
    const t0 = h0 * 0x1b3;
    let t1 = h1 * 0x1b3;
    let t2 = this.h2 * 0x1b3 + h0 * 0x100;
    let t3 = this.h3 * 0x1b3 + h1 * 0x100;
    t1 += t0 >>> 16;
    t2 += t1 >>> 16;
    t3 += t2 >>> 16;
    this.h0 = t0 & 0xffff;
    this.h1 = t1 & 0xffff;
    this.h2 = t2 & 0xffff;
    this.h3 = t3 & 0xffff;
  }

  u32(v: number): void {
    this.byte(v >>> 24);
    this.byte(v >>> 16);
    this.byte(v >>> 8);
    this.byte(v);
  }

  text(s: string): void {
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
  }

  hex(): string {
    const { h0, h1, h2, h3 } = this;
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
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const fnv = new Fnv64();

/** FNV-1a 64 of a string's code units (low byte of each), as 16 hex digits. */
export function fnv1a64(s: string): string {
  fnv.reset();
  fnv.text(s);
  return fnv.hex();
}

function fnvAddr(k: number | string): void {
  if (typeof k === "number") {
    fnv.byte(4);
    fnv.u32(k);
  } else {
    fnv.byte(6);
    fnv.text(k);
    fnv.byte(0);
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
  fnv.reset();
  fnv.text(proto);
  fnv.u32(Math.floor(start / 4294967296));
  fnv.u32(start >>> 0);
  fnvAddr(src);
  fnv.u32(sport);
  fnvAddr(dst);
  fnv.u32(dport);
  return fnv.hex();
}
