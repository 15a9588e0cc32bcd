/** @module Per-source totals in column arrays: the index of a source is what distinct counting stores. */

import { FINGERPRINTS } from "../detect/fingerprint.js";
import { U32Map } from "./int-hash.js";

const NFP = FINGERPRINTS.length;

/**
 * Interns source addresses (IPv4 numbers, IPv6 text) to dense indexes and keeps per-source
 * totals in typed columns, about 100 bytes per source, so millions of sources stay cheap.
 */
export class SourceTable {
  /** IPv4 sources by address; IPv6 sources by text. */
  private readonly index4 = new U32Map(4096);
  private readonly index6 = new Map<string, number>();
  keys: Array<number | string> = [];
  packets = new Float64Array(1024);
  /** Distinct ports the source sent towards. */
  ports = new Float64Array(1024);
  syns = new Float64Array(1024);
  sessions = new Float64Array(1024);
  first = new Float64Array(1024);
  last = new Float64Array(1024);
  /** Row-major [source][fingerprint] SYN counts. */
  fp = new Float64Array(1024 * NFP);

  get size(): number {
    return this.keys.length;
  }

  /** Index of `key`, creating a row at time `ts` when new. */
  intern(key: number | string, ts: number): number {
    let i = typeof key === "number" ? this.index4.get(key) : (this.index6.get(key) ?? -1);
    if (i < 0) {
      i = this.keys.length;
      if (typeof key === "number") this.index4.set(key, i);
      else this.index6.set(key, i);
      this.keys.push(key);
      if (i >= this.packets.length) this.grow();
      this.first[i] = ts;
      this.last[i] = ts;
    }
    return i;
  }

  /** `intern` for an IPv4 address (the hot path: no union-typed key). */
  intern4(addr: number, ts: number): number {
    const i = this.index4.get(addr);
    return i >= 0 ? i : this.intern(addr, ts);
  }

  lookup(key: number | string): number | undefined {
    const i = typeof key === "number" ? this.index4.get(key) : (this.index6.get(key) ?? -1);
    return i < 0 ? undefined : i;
  }

  private grow(): void {
    const n = this.packets.length * 2;
    const g = (a: Float64Array, m = 1) => {
      const b = new Float64Array(n * m);
      b.set(a);
      return b;
    };
    this.packets = g(this.packets);
    this.ports = g(this.ports);
    this.syns = g(this.syns);
    this.sessions = g(this.sessions);
    this.first = g(this.first);
    this.last = g(this.last);
    this.fp = g(this.fp, NFP);
  }
}
