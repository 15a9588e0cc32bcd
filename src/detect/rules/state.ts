/**
 * @module Rule state: flowbits (per session), xbits and threshold/detection_filter counters (per
 * engine run, keyed by host).
 */

import type { FlowbitOp, ThresholdSpec, XbitOp } from "./types.js";

/** Applies the checks of a rule's flowbits to the session's bits. */
export function flowbitsPass(ops: readonly FlowbitOp[], bits: ReadonlySet<string>): boolean {
  for (const op of ops) {
    if (op.cmd !== "isset" && op.cmd !== "isnotset") continue;
    const want = op.cmd === "isset";
    const hits = op.names.map((n) => bits.has(n) === want);
    if (op.any ? !hits.some(Boolean) : !hits.every(Boolean)) return false;
  }
  return true;
}

/** Applies the set/unset/toggle commands of a rule that matched. */
export function flowbitsApply(ops: readonly FlowbitOp[], bits: Set<string>): void {
  for (const op of ops) {
    for (const n of op.names) {
      if (op.cmd === "set") bits.add(n);
      else if (op.cmd === "unset") bits.delete(n);
      else if (op.cmd === "toggle") {
        if (bits.has(n)) bits.delete(n);
        else bits.add(n);
      }
    }
  }
}

function xkey(op: XbitOp, src: string, dst: string): string {
  if (op.track === "ip_src") return `${op.name}\u0000${src}`;
  if (op.track === "ip_dst") return `${op.name}\u0000${dst}`;
  return src < dst ? `${op.name}\u0000${src}\u0000${dst}` : `${op.name}\u0000${dst}\u0000${src}`;
}

/** Most tracked entries kept (xbits, and thresholds per rule); the oldest go first beyond it. */
export const MAX_TRACKED = 1 << 18;

interface Counter {
  first: number;
  count: number;
}

/** Host-keyed state that lives for one engine run. Times are microseconds. */
export class HostState {
  private readonly xbits = new Map<string, number>();
  private readonly counters = new Map<number, Map<string, Counter>>();

  xbitsPass(ops: readonly XbitOp[], src: string, dst: string, ts: number): boolean {
    for (const op of ops) {
      if (op.cmd !== "isset" && op.cmd !== "isnotset") continue;
      const until = this.xbits.get(xkey(op, src, dst));
      const set = until !== undefined && until >= ts;
      if (set !== (op.cmd === "isset")) return false;
    }
    return true;
  }

  xbitsApply(ops: readonly XbitOp[], src: string, dst: string, ts: number): void {
    for (const op of ops) {
      const k = xkey(op, src, dst);
      const until = op.expire > 0 ? ts + op.expire * 1e6 : Number.POSITIVE_INFINITY;
      if (op.cmd === "set") this.put(this.xbits, k, until);
      else if (op.cmd === "unset") this.xbits.delete(k);
      else if (op.cmd === "toggle") {
        const cur = this.xbits.get(k);
        if (cur !== undefined && cur >= ts) this.xbits.delete(k);
        else this.put(this.xbits, k, until);
      }
    }
  }

  /** Whether a match of rule `sid` may alert under its threshold or detection_filter. */
  allow(t: ThresholdSpec, sid: number, src: string, dst: string, ts: number): boolean {
    const who =
      t.track === "by_src"
        ? src
        : t.track === "by_dst"
          ? dst
          : t.track === "by_both"
            ? `${src}\u0000${dst}`
            : "";
    // Per rule, then per host: no key string to build for the common by_src/by_dst cases.
    let m = this.counters.get(sid);
    if (m === undefined) {
      m = new Map();
      this.counters.set(sid, m);
    }
    let c = m.get(who);
    if (c === undefined || ts - c.first > t.seconds * 1e6) {
      if (c === undefined && m.size >= MAX_TRACKED) {
        const oldest = m.keys().next();
        if (oldest.done !== true) m.delete(oldest.value);
      }
      c = { first: ts, count: 0 };
      m.set(who, c);
    }
    c.count++;
    switch (t.type) {
      case "limit":
        return c.count <= t.count;
      case "threshold":
        if (c.count >= t.count) {
          c.count = 0;
          c.first = ts;
          return true;
        }
        return false;
      case "both":
        return c.count === t.count;
      default:
        return c.count > t.count;
    }
  }

  private put<V>(m: Map<string, V>, k: string, v: V): void {
    if (!m.has(k) && m.size >= MAX_TRACKED) {
      const oldest = m.keys().next();
      if (oldest.done !== true) m.delete(oldest.value);
    }
    m.set(k, v);
  }
}
