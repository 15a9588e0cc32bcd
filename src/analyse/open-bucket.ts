/**
 * @module What a bucket holds while it is open (its port cells, label cells and source pairs),
 * and the small helpers the series builder uses per record.
 */

import type { PairTable } from "./pair-table.js";
import type { CellDetail, SeriesProto } from "./series-columns.js";

/** Country and ASN of a source address, from an offline database (optional input). */
export interface SourceInfo {
  country?: string;
  asn?: number;
  asOrg?: string;
}
export type Enricher = (address: string) => SourceInfo | undefined;

/** A port's counters in an open bucket (its sources are in the bucket's pair table). */
export interface PortCell {
  /** Its port key (proto index * 65536 + port). */
  key: number;
  /** Its index in OpenBucket.cells (the tag of its pairs). */
  ordinal: number;
  sources: number;
  packets: number;
  sessions: number;
  detail: CellDetail | null;
  /** Set while closing: its row in the port log. */
  row: number;
}

/** A template's or sid's sources in an open bucket: source id → port key + 1 (0 = unknown). */
export interface LabelCell {
  srcs: Map<number, number>;
  sessions: number;
  detail: CellDetail | null;
}

export class OpenBucket {
  readonly ports = new Map<number, PortCell>();
  readonly cells: PortCell[] = [];
  readonly templates = new Map<string, LabelCell>();
  readonly sids = new Map<number, LabelCell>();
  constructor(
    readonly index: number,
    /** A cleared table, usually a closed bucket's (see SeriesBuilder.close). */
    readonly pairs: PairTable,
  ) {}
}

/** Index of a proto name in SERIES_PROTOS, without a search. */
export function protoIndex(p: SeriesProto): number {
  return p === "tcp" ? 0 : p === "udp" ? 1 : p === "icmp" ? 2 : 3;
}

/** Bit of a fingerprint name (FINGERPRINTS order), 0 for none. */
export function fpBit(f: string): number {
  return f === "mirai" ? 1 : f === "masscan" ? 2 : f === "zmap" ? 4 : f === "unknown" ? 8 : 0;
}

export function v4Text(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

export function bump<K>(m: Map<K, number>, k: K, by = 1): void {
  m.set(k, (m.get(k) ?? 0) + by);
}

/** Adds one source's country and ASN to a cell's tallies. */
export function tallySource(d: CellDetail, info: SourceInfo | undefined): void {
  if (info?.country !== undefined) {
    d.countries ??= new Map();
    bump(d.countries, info.country);
  }
  if (info?.asn === undefined) return;
  d.asns ??= new Map();
  bump(d.asns, info.asn);
  if (info.asOrg === undefined) return;
  d.asOrgs ??= new Map();
  d.asOrgs.set(info.asn, info.asOrg);
}

export function isoHour(us: number): string {
  return new Date(us / 1000).toISOString().replace(".000Z", "Z");
}
