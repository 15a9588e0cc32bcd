/** @module Per-source totals in column arrays: the index of a source is what distinct counting stores. */

import { FINGERPRINTS } from "../detect/fingerprint.js";

const NFP = FINGERPRINTS.length;

/**
 * Interns source addresses (IPv4 numbers, IPv6 text) to dense indexes and keeps per-source
 * totals in typed columns, about 100 bytes per source, so millions of sources stay cheap.
 */
export class SourceTable {
  private readonly index = new Map<number | string, number>();
  keys: Array<number | string> = [];
  packets = new Float64Array(1024);
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
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.keys.length;
      this.index.set(key, i);
      this.keys.push(key);
      if (i >= this.packets.length) this.grow();
      this.first[i] = ts;
      this.last[i] = ts;
    }
    return i;
  }

  lookup(key: number | string): number | undefined {
    return this.index.get(key);
  }

  private grow(): void {
    const n = this.packets.length * 2;
    const g = (a: Float64Array, m = 1) => {
      const b = new Float64Array(n * m);
      b.set(a);
      return b;
    };
    this.packets = g(this.packets);
    this.syns = g(this.syns);
    this.sessions = g(this.sessions);
    this.first = g(this.first);
    this.last = g(this.last);
    this.fp = g(this.fp, NFP);
  }
}
