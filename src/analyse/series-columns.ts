/**
 * @module The columns of a series of distinct sources per bucket (one row per non-empty bucket),
 * and the set of series the surge detector and the explanations read.
 */

import { FINGERPRINTS } from "../detect/fingerprint.js";
import type { ReportHeavyHitter } from "../schema/surge.js";

export const SERIES_PROTOS = ["tcp", "udp", "icmp", "icmpv6"] as const;
export type SeriesProto = (typeof SERIES_PROTOS)[number];
export type SeriesKind = "port" | "template" | "sid";

/** Fingerprint columns of a series: FINGERPRINTS order (mirai, masscan, zmap, unknown). */
export const SERIES_FINGERPRINTS = FINGERPRINTS;
const NFP = FINGERPRINTS.length;

/** What a non-empty cell keeps beyond its counts. */
export interface CellDetail {
  /** Sessions per template id and per sid (port cells). */
  templates?: Map<string, number>;
  sids?: Map<number, number>;
  /** Sessions per "templateId sid" pair, from label(). */
  templateSids?: Map<string, number>;
  /** Sessions per port key (template and sid cells); see portKey(). */
  ports?: Map<number, number>;
  /** Sources per country and per ASN (port cells, with an enricher). */
  countries?: Map<string, number>;
  asns?: Map<number, number>;
  asOrgs?: Map<number, string>;
}

/** The key of a (proto, port) pair in maps: proto index * 65536 + port. */
export function portKey(proto: SeriesProto, port: number): number {
  return SERIES_PROTOS.indexOf(proto) * 65536 + (port & 0xffff);
}

/** A series' columns (typed arrays, possibly views into shared ones), `n` rows in use. */
export interface SeriesColumns {
  buckets: Int32Array;
  sources: Int32Array;
  packets: Float64Array;
  sessions: Int32Array;
  fp: Int32Array;
  n: number;
}

/** One series: its non-empty buckets in time order, as columns. */
export class Series {
  n: number;
  /** Bucket index (floor(µs / bucket µs)) of each non-empty bucket, ascending. */
  buckets: Int32Array;
  /** Distinct sources in that bucket. */
  sources: Int32Array;
  /** Packets (port series) or sessions (template and sid series) in that bucket. */
  packets: Float64Array;
  /** Sessions in that bucket (port series). */
  sessions: Int32Array;
  /** Sources per fingerprint: `fp[i * 4 + f]`, FINGERPRINTS order. */
  fp: Int32Array;
  /** Label and enrichment tallies by row index, for rows that have any (null until one has). */
  details: Map<number, CellDetail> | null = null;

  constructor(
    readonly kind: SeriesKind,
    /** "tcp/8000", a template id, or "sid:2025001". */
    readonly key: string,
    /** For port series; "tcp" and -1 otherwise. */
    readonly proto: SeriesProto,
    readonly port: number,
    /** For template series, else "". */
    readonly template: string,
    /** For sid series, else -1. */
    readonly sid: number,
    /** Columns to adopt (e.g. views into a shared table); else empty growable ones. */
    cols?: SeriesColumns,
  ) {
    this.n = cols?.n ?? 0;
    this.buckets = cols?.buckets ?? new Int32Array(4);
    this.sources = cols?.sources ?? new Int32Array(4);
    this.packets = cols?.packets ?? new Float64Array(4);
    this.sessions = cols?.sessions ?? new Int32Array(4);
    this.fp = cols?.fp ?? new Int32Array(4 * NFP);
  }

  /** Appends a bucket (callers append in ascending bucket order); returns its row. */
  push(bucket: number, sources: number, packets: number, sessions: number): number {
    const i = this.n;
    if (i === this.buckets.length) this.grow();
    this.buckets[i] = bucket;
    this.sources[i] = sources;
    this.packets[i] = packets;
    this.sessions[i] = sessions;
    this.n = i + 1;
    return i;
  }

  /** Sets the tallies of row `row`. */
  setDetail(row: number, d: CellDetail): void {
    this.details ??= new Map();
    this.details.set(row, d);
  }

  /** Row of `bucket`, or -1 when the bucket is empty. */
  row(bucket: number): number {
    let lo = 0;
    let hi = this.n - 1;
    const b = this.buckets;
    while (lo <= hi) {
      const m = (lo + hi) >>> 1;
      const v = b[m] as number;
      if (v === bucket) return m;
      if (v < bucket) lo = m + 1;
      else hi = m - 1;
    }
    return -1;
  }

  /** First row whose bucket is >= `bucket` (n when none). */
  lowerBound(bucket: number): number {
    let lo = 0;
    let hi = this.n;
    const b = this.buckets;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if ((b[m] as number) < bucket) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  private grow(): void {
    const cap = Math.max(4, this.buckets.length * 2);
    const grow32 = (a: Int32Array, k: number) => {
      const out = new Int32Array(cap * k);
      out.set(a.subarray(0, this.n * k));
      return out;
    };
    this.buckets = grow32(this.buckets, 1);
    this.sources = grow32(this.sources, 1);
    this.sessions = grow32(this.sessions, 1);
    this.fp = grow32(this.fp, NFP);
    const p = new Float64Array(cap);
    p.set(this.packets.subarray(0, this.n));
    this.packets = p;
  }
}

export interface SeriesStats {
  probes: number;
  sessions: number;
  /** Records left out because their source is in the excluded networks. */
  excluded: number;
  /** Records that arrived after their bucket had closed (left out). */
  late: number;
  /** Non-empty (bucket, key) cells kept, and the most (key, source) pairs open at once. */
  cells: number;
  peakOpenPairs: number;
}

/** Everything the surge detector and the explanations read. */
export interface SeriesSet {
  bucketSeconds: number;
  /** First bucket index and one past the last (the observation, empty buckets included). */
  first: number;
  end: number;
  /** True when the data stops well before the end of the last bucket. */
  lastPartial: boolean;
  ports: Series[];
  templates: Series[];
  sids: Series[];
  heavyHitters: ReportHeavyHitter[];
  stats: SeriesStats;
}
