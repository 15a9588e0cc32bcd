/**
 * @module Evaluates one buffer's match list (content, pcre, isdataat, byte_*, bsize, base64) the
 * way Suricata does: in order, relative keywords anchored on the previous match, and a retry of
 * earlier contents at their next occurrence when what follows them fails.
 */

import { asciiLower } from "./keywords/content.js";
import type { ByteRead, ContentItem, MatchItem, NumRef } from "./types.js";
import { numTest } from "./values.js";

/** Steps one list evaluation may take (Suricata's inspection recursion limit is 3000). */
export const INSPECT_BUDGET = 3000;

/** Scratch state of one rule evaluation, reused across rules. */
export class InspectCtx {
  readonly vars = new Map<string, number>();
  /** What the last base64_decode produced. */
  b64 = "";
  private buf = "";
  private low: string | undefined;
  private budget = 0;
  /** End of the last match of the last list evaluated (its relative anchor). */
  lastEnd = 0;

  /** Starts a rule: forgets variables and decoded data. */
  reset(): void {
    // Map.clear costs even on an empty map, and most rules extract nothing.
    if (this.vars.size > 0) this.vars.clear();
    this.b64 = "";
  }

  /** Whether `items` match `buf`. `lowered` may pass a cached ASCII-lowercase copy of buf. */
  run(items: readonly MatchItem[], buf: string, lowered?: string): boolean {
    this.buf = buf;
    this.low = lowered;
    this.budget = INSPECT_BUDGET;
    return this.step(items, 0, 0);
  }

  private lower(): string {
    if (this.low === undefined) this.low = asciiLower(this.buf);
    return this.low;
  }

  private num(r: NumRef): number {
    return typeof r === "number" ? r : (this.vars.get(r) ?? 0);
  }

  private step(items: readonly MatchItem[], i: number, prev: number): boolean {
    if (i === items.length) {
      this.lastEnd = prev;
      return true;
    }
    if (--this.budget < 0) return false;
    const it = items[i] as MatchItem;
    const buf = this.buf;
    switch (it.kind) {
      case "content":
        return this.content(items, i, it, prev);
      case "pcre": {
        const from = it.relative ? prev : 0;
        if (from > buf.length) return it.negated && this.step(items, i + 1, prev);
        if (it.negated) return !it.re.test(buf, from) && this.step(items, i + 1, prev);
        // Positions cost RE2 ten times a yes/no answer: asked only when what follows needs them.
        const next = items[i + 1];
        if (next === undefined || !dependsOnPrev(next)) {
          return it.re.test(buf, from) && this.step(items, i + 1, prev);
        }
        return it.re.search(buf, from) && this.step(items, i + 1, it.re.end);
      }
      case "isdataat": {
        const at = (it.relative ? prev : 0) + this.num(it.n);
        const there = at < buf.length;
        return there !== it.negated && this.step(items, i + 1, prev);
      }
      case "bsize":
        return numTest(it.test, buf.length) && this.step(items, i + 1, prev);
      case "byte_test": {
        const v = this.read(it, prev);
        if (v === undefined) return false;
        const x = this.num(it.value);
        let ok: boolean;
        switch (it.op) {
          case "<":
            ok = v < x;
            break;
          case ">":
            ok = v > x;
            break;
          case "<=":
            ok = v <= x;
            break;
          case ">=":
            ok = v >= x;
            break;
          case "!":
            ok = v !== x;
            break;
          case "&":
            ok = Number(BigInt(v) & BigInt(x)) !== 0;
            break;
          case "^":
            ok = Number(BigInt(v) ^ BigInt(x)) !== 0;
            break;
          default:
            ok = v === x;
        }
        return ok !== it.negated && this.step(items, i + 1, prev);
      }
      case "byte_jump": {
        const v = this.read(it, prev);
        if (v === undefined) return false;
        let jump = v * it.multiplier;
        if (it.align && jump % 4 !== 0) jump += 4 - (jump % 4);
        const base = it.fromBeginning ? 0 : it.fromEnd ? buf.length : this.readEnd;
        const to = base + jump + it.postOffset;
        if (to < 0 || to > buf.length) return false;
        return this.step(items, i + 1, to);
      }
      case "byte_extract": {
        let v = this.read(it, prev);
        if (v === undefined) return false;
        v *= it.multiplier;
        if (it.align > 1 && v % it.align !== 0) v += it.align - (v % it.align);
        this.vars.set(it.name, v);
        return this.step(items, i + 1, this.readEnd);
      }
      case "base64_decode": {
        const from = (it.relative ? prev : 0) + it.offset;
        if (from >= buf.length) return false;
        const to = it.bytes > 0 ? Math.min(buf.length, from + it.bytes) : buf.length;
        this.b64 = decodeBase64(buf.slice(from, to));
        return this.b64.length > 0 && this.step(items, i + 1, prev);
      }
    }
  }

  private content(items: readonly MatchItem[], i: number, c: ContentItem, prev: number): boolean {
    const buf = this.buf;
    const len = c.pattern.length;
    let start: number;
    let end = buf.length;
    if (c.distance !== undefined || c.within !== undefined) {
      const dist = c.distance === undefined ? 0 : this.num(c.distance);
      start = prev + dist;
      if (c.within !== undefined) end = Math.min(end, start + this.num(c.within));
      if (start < 0) start = 0;
    } else {
      start = c.offset === undefined ? 0 : this.num(c.offset);
      if (c.depth !== undefined) end = Math.min(end, start + this.num(c.depth));
    }
    if (c.startswith) end = Math.min(end, start + len);
    const hay = c.nocase ? this.lower() : buf;
    if (c.endswith) {
      const pos = buf.length - len;
      const hit = pos >= start && buf.length <= end && hay.startsWith(c.pattern, pos);
      if (c.negated) return !hit && this.step(items, i + 1, prev);
      return hit && this.step(items, i + 1, buf.length);
    }
    let pos = start + len <= end ? hay.indexOf(c.pattern, start) : -1;
    if (pos >= 0 && pos + len > end) pos = -1;
    if (c.negated) return pos < 0 && this.step(items, i + 1, prev);
    while (pos >= 0) {
      if (this.step(items, i + 1, pos + len)) return true;
      if (this.budget < 0 || !dependsOnPrev(items[i + 1])) return false;
      pos = hay.indexOf(c.pattern, pos + 1);
      if (pos >= 0 && pos + len > end) return false;
    }
    return false;
  }

  /** Where the last byte read ended (byte_jump and byte_extract continue there). */
  private readEnd = 0;

  /** Reads a byte_* value; undefined when out of bounds or not a number. */
  private read(r: ByteRead, prev: number): number | undefined {
    const buf = this.buf;
    const at = (r.relative ? prev : 0) + this.num(r.offset);
    if (at < 0 || at + r.nbytes > buf.length) return undefined;
    this.readEnd = at + r.nbytes;
    let v = 0;
    if (r.base === 0) {
      for (let k = 0; k < r.nbytes; k++) {
        const byte = buf.charCodeAt(r.little ? at + r.nbytes - 1 - k : at + k);
        v = v * 256 + byte;
      }
    } else {
      const text = buf.slice(at, at + r.nbytes);
      const ok = r.base === 16 ? /^[0-9a-fA-F]+$/ : r.base === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
      if (!ok.test(text)) return undefined;
      v = Number.parseInt(text, r.base);
    }
    if (r.bitmask !== 0) {
      v = Number(BigInt(v) & BigInt(r.bitmask));
      let m = r.bitmask;
      while (m !== 0 && m % 2 === 0) {
        v = Math.floor(v / 2);
        m = Math.floor(m / 2);
      }
    }
    return v;
  }
}

/** Whether an item's outcome depends on where the previous match ended. */
function dependsOnPrev(it: MatchItem | undefined): boolean {
  if (it === undefined) return false;
  switch (it.kind) {
    case "content":
      return it.distance !== undefined || it.within !== undefined;
    case "pcre":
    case "isdataat":
    case "byte_test":
    case "byte_jump":
    case "byte_extract":
    case "base64_decode":
      return it.relative;
    default:
      return false;
  }
}

const B64 = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) {
  B64["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".charCodeAt(i)] = i;
}

/** Decodes base64 leniently: stops at the first byte outside the alphabet (or '='). */
export function decodeBase64(s: string): string {
  let out = "";
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    const v = B64[s.charCodeAt(i) & 0xff] as number;
    if (v < 0 || s.charCodeAt(i) > 0xff) break;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((acc >> bits) & 0xff);
    }
  }
  return out;
}
