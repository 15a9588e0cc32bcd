/**
 * @module The closed rows of every port series in one append-only table (buckets close in time
 * order, so rows arrive in bucket order), grouped into per-port series once at the end. Closing
 * a bucket then costs a few typed-array writes per port and no object per port: a capture that
 * touches tens of thousands of random ports once each would otherwise pay for as many series.
 */

import { type CellDetail, SERIES_PROTOS, Series, type SeriesProto } from "./series-columns.js";

const NFP = 4;
const KEYS = SERIES_PROTOS.length * 65536;

export class PortLog {
  n = 0;
  keys = new Int32Array(1024);
  buckets = new Int32Array(1024);
  sources = new Int32Array(1024);
  sessions = new Int32Array(1024);
  packets = new Float64Array(1024);
  /** Sources per fingerprint, `fp[row * 4 + f]`; callers add to it after append(). */
  fp = new Int32Array(1024 * NFP);
  /** Label and enrichment tallies by row. */
  readonly details = new Map<number, CellDetail>();

  /** Appends a row for port key `key` (proto index * 65536 + port); returns its index. */
  append(key: number, bucket: number, sources: number, packets: number, sessions: number): number {
    const i = this.n;
    if (i === this.keys.length) this.grow();
    this.keys[i] = key;
    this.buckets[i] = bucket;
    this.sources[i] = sources;
    this.packets[i] = packets;
    this.sessions[i] = sessions;
    this.n = i + 1;
    return i;
  }

  /** One series per port key, ordered by key; each a view into columns sorted by key (stable). */
  toSeries(): Series[] {
    const n = this.n;
    const start = new Int32Array(KEYS + 1);
    for (let i = 0; i < n; i++) start[(this.keys[i] as number) + 1]++;
    for (let k = 0; k < KEYS; k++) start[k + 1] = (start[k + 1] as number) + (start[k] as number);
    const pos = new Int32Array(n);
    const next = start.slice(0, KEYS);
    for (let i = 0; i < n; i++) pos[i] = next[this.keys[i] as number]++ as number;
    const buckets = new Int32Array(n);
    const sources = new Int32Array(n);
    const sessions = new Int32Array(n);
    const packets = new Float64Array(n);
    const fp = new Int32Array(n * NFP);
    for (let i = 0; i < n; i++) {
      const p = pos[i] as number;
      buckets[p] = this.buckets[i] as number;
      sources[p] = this.sources[i] as number;
      sessions[p] = this.sessions[i] as number;
      packets[p] = this.packets[i] as number;
      for (let f = 0; f < NFP; f++) fp[p * NFP + f] = this.fp[i * NFP + f] as number;
    }
    const out: Series[] = [];
    const byKey = new Map<number, Series>();
    for (let k = 0; k < KEYS; k++) {
      const a = start[k] as number;
      const b = start[k + 1] as number;
      if (a === b) continue;
      const proto = SERIES_PROTOS[k >>> 16] as SeriesProto;
      const s = new Series("port", `${proto}/${k & 0xffff}`, proto, k & 0xffff, "", -1, {
        buckets: buckets.subarray(a, b),
        sources: sources.subarray(a, b),
        sessions: sessions.subarray(a, b),
        packets: packets.subarray(a, b),
        fp: fp.subarray(a * NFP, b * NFP),
        n: b - a,
      });
      out.push(s);
      byKey.set(k, s);
    }
    for (const [i, d] of this.details) {
      const k = this.keys[i] as number;
      byKey.get(k)?.setDetail((pos[i] as number) - (start[k] as number), d);
    }
    return out;
  }

  private grow(): void {
    const cap = this.keys.length * 2;
    const g = (a: Int32Array, k = 1) => {
      const out = new Int32Array(cap * k);
      out.set(a);
      return out;
    };
    this.keys = g(this.keys);
    this.buckets = g(this.buckets);
    this.sources = g(this.sources);
    this.sessions = g(this.sessions);
    this.fp = g(this.fp, NFP);
    const p = new Float64Array(cap);
    p.set(this.packets);
    this.packets = p;
  }
}
