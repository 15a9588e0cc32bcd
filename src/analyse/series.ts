/**
 * @module Series of distinct sources per time bucket, per (proto, port), per template and per
 * rule sid, built in memory from the pipeline's probes and sessions.
 *
 * Counts are exact: an open bucket keeps every (key, source) pair it saw. Memory is bounded by
 * closing buckets as the data moves on: a bucket closes once records `latenessSeconds` past its
 * end have arrived (probes and sessions are handed over when their flow closes, so they come
 * slightly out of order), and a closed bucket keeps only its counts. So memory is
 * O(pairs in the open buckets) + O(non-empty (bucket, key) cells) × ~40 bytes (+ label and
 * enrichment tallies for cells that have them) + the text of each distinct IPv6 source (sources
 * are keyed by their IPv4 number, IPv6 needs an interned id). A record for an already closed
 * bucket is counted in `stats.late` and left out.
 */

import { FINGERPRINTS } from "../detect/fingerprint.js";
import type { Probe, Session } from "../schema/session.js";
import type { ReportHeavyHitter } from "../schema/surge.js";
import type { NetworkList } from "./networks.js";

import {
  type CellDetail,
  portKey,
  SERIES_PROTOS,
  Series,
  type SeriesProto,
  type SeriesSet,
  type SeriesStats,
} from "./series-columns.js";

export * from "./series-columns.js";

export const DEFAULT_BUCKET_SECONDS = 3600;
/** Finer buckets hold too few sources per bucket for a baseline to mean anything. */
export const MIN_BUCKET_SECONDS = 300;
/** How long after a bucket's end records for it may still arrive (sessions last minutes). */
export const DEFAULT_LATENESS_SECONDS = 7200;
/** A source is a heavy hitter of a port in a bucket when it sent at least this many packets per hour of bucket... */
export const HEAVY_MIN_PACKETS_PER_HOUR = 1000;
/** ...and at least this share of the port's packets in that bucket. */
export const HEAVY_MIN_SHARE = 0.25;

const NFP = FINGERPRINTS.length;
const FP_MASK = (1 << NFP) - 1;
const FP_INDEX = new Map<string, number>(FINGERPRINTS.map((f, i) => [f, i]));
/** Per-source value in an open port cell: packets * PACKET_UNIT + fingerprint bits. */
const PACKET_UNIT = 1 << NFP;
const V6_BASE = 2 ** 32;

/** Country and ASN of a source address, from an offline database (optional input). */
export interface SourceInfo {
  country?: string;
  asn?: number;
  asOrg?: string;
}
export type Enricher = (address: string) => SourceInfo | undefined;

export interface SeriesOptions {
  bucketSeconds?: number;
  latenessSeconds?: number;
  /** Sources in these networks are left out (e.g. researchScanners()). */
  exclude?: NetworkList;
  enrich?: Enricher;
  heavyMinPacketsPerHour?: number;
  heavyMinShare?: number;
}

/** An open cell: its sources with per-source values, and its counters. */
interface OpenCell {
  /** Port cells: packets * PACKET_UNIT + fingerprint bits; label cells: port key + 1 (0 = none). */
  srcs: Map<number, number>;
  packets: number;
  sessions: number;
  detail: CellDetail | null;
}

class OpenBucket {
  readonly ports = new Map<number, OpenCell>();
  readonly templates = new Map<string, OpenCell>();
  readonly sids = new Map<number, OpenCell>();
  pairs = 0;
  constructor(readonly index: number) {}
}

function newCell(): OpenCell {
  return { srcs: new Map(), packets: 0, sessions: 0, detail: null };
}

function v4Text(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** Tallies the countries and ASNs of a cell's sources into its detail. */
function enrichCell(
  d: CellDetail,
  ids: Iterable<number>,
  info: (id: number) => SourceInfo | undefined,
): void {
  const countries = new Map<string, number>();
  const asns = new Map<number, number>();
  const orgs = new Map<number, string>();
  for (const id of ids) {
    const i = info(id);
    if (i?.country !== undefined) bump(countries, i.country);
    if (i?.asn === undefined) continue;
    bump(asns, i.asn);
    if (i.asOrg !== undefined) orgs.set(i.asn, i.asOrg);
  }
  if (countries.size > 0) d.countries = countries;
  if (asns.size > 0) d.asns = asns;
  if (orgs.size > 0) d.asOrgs = orgs;
}

function bump<K>(m: Map<K, number>, k: K, by = 1): void {
  m.set(k, (m.get(k) ?? 0) + by);
}

/** Builds the series from onProbe/onSession (and label calls once detection runs). */
export class SeriesBuilder {
  readonly bucketSeconds: number;
  private readonly bucketUs: number;
  private readonly latenessUs: number;
  private readonly heavyMinPackets: number;
  private readonly heavyMinShare: number;
  private readonly open = new Map<number, OpenBucket>();
  private lastOpen: OpenBucket | null = null;
  /** Highest bucket index closed so far. */
  private closedThrough = Number.NEGATIVE_INFINITY;
  private nextCloseAt = Number.POSITIVE_INFINITY;
  private minTs = Number.POSITIVE_INFINITY;
  private maxTs = Number.NEGATIVE_INFINITY;
  private range: { start: number; end: number } | null = null;
  private readonly ports = new Map<number, Series>();
  private readonly templates = new Map<string, Series>();
  private readonly sids = new Map<number, Series>();
  private readonly v6Ids = new Map<string, number>();
  private readonly v6Texts: string[] = [];
  private readonly heavy = new Map<string, ReportHeavyHitter>();
  private openPairs = 0;
  readonly stats: SeriesStats = {
    probes: 0,
    sessions: 0,
    excluded: 0,
    late: 0,
    cells: 0,
    peakOpenPairs: 0,
  };

  constructor(private readonly opts: SeriesOptions = {}) {
    const b = opts.bucketSeconds ?? DEFAULT_BUCKET_SECONDS;
    if (!Number.isInteger(b) || b < MIN_BUCKET_SECONDS || 86400 % b !== 0) {
      throw new RangeError(
        `bucket must be a whole number of seconds >= ${MIN_BUCKET_SECONDS} dividing a day, not ${b}`,
      );
    }
    this.bucketSeconds = b;
    this.bucketUs = b * 1e6;
    this.latenessUs = (opts.latenessSeconds ?? DEFAULT_LATENESS_SECONDS) * 1e6;
    this.heavyMinPackets = Math.max(
      1,
      Math.round(((opts.heavyMinPacketsPerHour ?? HEAVY_MIN_PACKETS_PER_HOUR) * b) / 3600),
    );
    this.heavyMinShare = opts.heavyMinShare ?? HEAVY_MIN_SHARE;
  }

  /** Sets the observation (µs) when it is known, e.g. from the capture's first and last packet. */
  observe(startUs: number, endUs: number): void {
    this.range = { start: startUs, end: endUs };
  }

  onProbe(p: Probe): void {
    this.stats.probes++;
    const cell = this.portCell(p.ts, p.proto, p.dport, p.srcKey);
    if (cell === null) return;
    const id = this.srcId(p.srcKey);
    this.addSource(cell, id, p.packets, p.fingerprint);
  }

  onSession(s: Session): void {
    this.stats.sessions++;
    const cell = this.portCell(s.start, s.proto, s.dport, s.srcKey);
    if (cell === null) return;
    cell.sessions++;
    this.addSource(cell, this.srcId(s.srcKey), s.clientPackets, s.fingerprint);
  }

  /** Counts a session (or probe) carrying template `templateId` from `srcKey` at `ts` (µs). */
  addTemplate(
    ts: number,
    templateId: string,
    srcKey: number | string,
    proto?: SeriesProto,
    port?: number,
  ): void {
    const b = this.bucketFor(ts, srcKey);
    if (b === null) return;
    let cell = b.templates.get(templateId);
    if (cell === undefined) {
      cell = newCell();
      b.templates.set(templateId, cell);
    }
    this.addLabel(b, cell, srcKey, proto, port, (d) => {
      d.templates ??= new Map();
      bump(d.templates, templateId);
    });
  }

  /** Counts a session (or probe) matching rule `sid` from `srcKey` at `ts` (µs). */
  addSid(
    ts: number,
    sid: number,
    srcKey: number | string,
    proto?: SeriesProto,
    port?: number,
  ): void {
    const b = this.bucketFor(ts, srcKey);
    if (b === null) return;
    let cell = b.sids.get(sid);
    if (cell === undefined) {
      cell = newCell();
      b.sids.set(sid, cell);
    }
    this.addLabel(b, cell, srcKey, proto, port, (d) => {
      d.sids ??= new Map();
      bump(d.sids, sid);
    });
  }

  /** One session's template and matched sids at once: also records which template matched which rule. */
  label(
    s: Pick<Session, "start" | "srcKey" | "proto" | "dport">,
    templateId: string,
    sids: readonly number[],
  ): void {
    if (templateId !== "") this.addTemplate(s.start, templateId, s.srcKey, s.proto, s.dport);
    for (const sid of sids) this.addSid(s.start, sid, s.srcKey, s.proto, s.dport);
    if (templateId === "" || sids.length === 0) return;
    const b = this.bucketFor(s.start, s.srcKey);
    const cell = b?.ports.get(portKey(s.proto, s.dport));
    if (cell === undefined) return;
    cell.detail ??= {};
    cell.detail.templateSids ??= new Map();
    for (const sid of sids) bump(cell.detail.templateSids, `${templateId} ${sid}`);
  }

  /** Closes every bucket and returns the series. The builder is spent afterwards. */
  finish(): SeriesSet {
    const order = [...this.open.keys()].sort((a, b) => a - b);
    for (const i of order) this.close(i);
    const bu = this.bucketUs;
    const start = this.range?.start ?? this.minTs;
    const endTs = this.range?.end ?? this.maxTs;
    const empty = !Number.isFinite(start) || !Number.isFinite(endTs);
    const first = empty ? 0 : Math.floor(start / bu);
    const end = empty ? 0 : Math.max(first + 1, Math.floor(endTs / bu) + 1);
    const byKey = <K>(m: Map<K, Series>) => [...m.values()];
    return {
      bucketSeconds: this.bucketSeconds,
      first,
      end,
      lastPartial: !empty && endTs < end * bu - 0.1 * bu,
      ports: byKey(this.ports).sort((a, b) => portKey(a.proto, a.port) - portKey(b.proto, b.port)),
      templates: byKey(this.templates),
      sids: byKey(this.sids).sort((a, b) => a.sid - b.sid),
      heavyHitters: [...this.heavy.values()].sort((a, b) => b.packets - a.packets),
      stats: this.stats,
    };
  }

  private srcId(key: number | string): number {
    if (typeof key === "number") return key >>> 0;
    let id = this.v6Ids.get(key);
    if (id === undefined) {
      id = V6_BASE + this.v6Texts.length;
      this.v6Ids.set(key, id);
      this.v6Texts.push(key);
    }
    return id;
  }

  private address(id: number): string {
    return id >= V6_BASE ? (this.v6Texts[id - V6_BASE] ?? "?") : v4Text(id);
  }

  /** The open bucket of `ts`, or null when the record is excluded or late. */
  private bucketFor(ts: number, srcKey: number | string): OpenBucket | null {
    if (this.opts.exclude?.has(srcKey)) {
      this.stats.excluded++;
      return null;
    }
    const index = Math.floor(ts / this.bucketUs);
    const last = this.lastOpen;
    if (last !== null && last.index === index) return last;
    if (index <= this.closedThrough) {
      this.stats.late++;
      return null;
    }
    if (ts < this.minTs) this.minTs = ts;
    let b = this.open.get(index);
    if (b === undefined) {
      b = new OpenBucket(index);
      this.open.set(index, b);
      const closeAt = (index + 1) * this.bucketUs + this.latenessUs;
      if (closeAt < this.nextCloseAt) this.nextCloseAt = closeAt;
    }
    this.lastOpen = b;
    return b;
  }

  private portCell(
    ts: number,
    proto: SeriesProto,
    port: number,
    srcKey: number | string,
  ): OpenCell | null {
    if (ts > this.maxTs) {
      this.maxTs = ts;
      if (ts >= this.nextCloseAt) this.closeBefore(ts - this.latenessUs);
    }
    const b = this.bucketFor(ts, srcKey);
    if (b === null) return null;
    const k = portKey(proto, port);
    let cell = b.ports.get(k);
    if (cell === undefined) {
      cell = newCell();
      b.ports.set(k, cell);
    }
    return cell;
  }

  private addSource(cell: OpenCell, id: number, packets: number, fingerprint: string): void {
    const fi = FP_INDEX.get(fingerprint);
    const bits = fi === undefined ? 0 : 1 << fi;
    const prev = cell.srcs.get(id);
    if (prev === undefined) {
      cell.srcs.set(id, packets * PACKET_UNIT + bits);
      if (++this.openPairs > this.stats.peakOpenPairs) this.stats.peakOpenPairs = this.openPairs;
    } else {
      cell.srcs.set(id, prev + packets * PACKET_UNIT + (bits & ~(prev & FP_MASK)));
    }
    cell.packets += packets;
  }

  private addLabel(
    b: OpenBucket,
    cell: OpenCell,
    srcKey: number | string,
    proto: SeriesProto | undefined,
    port: number | undefined,
    tallyOnPort: (d: CellDetail) => void,
  ): void {
    const id = this.srcId(srcKey);
    const pk = proto !== undefined && port !== undefined ? portKey(proto, port) : -1;
    if (!cell.srcs.has(id)) this.openPairs++;
    cell.srcs.set(id, pk + 1);
    cell.sessions++;
    if (pk < 0) return;
    cell.detail ??= {};
    cell.detail.ports ??= new Map();
    bump(cell.detail.ports, pk);
    const pc = b.ports.get(pk);
    if (pc !== undefined) {
      pc.detail ??= {};
      tallyOnPort(pc.detail);
    }
  }

  /** Closes, in order, every open bucket that ends at or before `ts`. */
  private closeBefore(ts: number): void {
    const due = [...this.open.keys()]
      .filter((i) => (i + 1) * this.bucketUs <= ts)
      .sort((a, b) => a - b);
    for (const i of due) this.close(i);
    let next = Number.POSITIVE_INFINITY;
    for (const i of this.open.keys())
      next = Math.min(next, (i + 1) * this.bucketUs + this.latenessUs);
    this.nextCloseAt = next;
  }

  private close(index: number): void {
    const b = this.open.get(index);
    if (b === undefined) return;
    this.open.delete(index);
    if (this.lastOpen === b) this.lastOpen = null;
    if (index > this.closedThrough) this.closedThrough = index;
    for (const [k, cell] of b.ports) this.closePort(index, k, cell);
    for (const [id, cell] of b.templates) {
      let s = this.templates.get(id);
      if (s === undefined) {
        s = new Series("template", id, "tcp", -1, id, -1);
        this.templates.set(id, s);
      }
      this.closeLabel(b, s, cell);
    }
    for (const [sid, cell] of b.sids) {
      let s = this.sids.get(sid);
      if (s === undefined) {
        s = new Series("sid", `sid:${sid}`, "tcp", -1, "", sid);
        this.sids.set(sid, s);
      }
      this.closeLabel(b, s, cell);
    }
  }

  private closePort(index: number, k: number, cell: OpenCell): void {
    let s = this.ports.get(k);
    if (s === undefined) {
      const proto = SERIES_PROTOS[k >>> 16] as SeriesProto;
      s = new Series("port", `${proto}/${k & 0xffff}`, proto, k & 0xffff, "", -1);
      this.ports.set(k, s);
    }
    const row = s.push(index, cell.srcs.size, cell.packets, cell.sessions);
    this.stats.cells++;
    this.openPairs -= cell.srcs.size;
    const fp = s.fp;
    const base = row * NFP;
    const minHeavy = Math.max(this.heavyMinPackets, this.heavyMinShare * cell.packets);
    for (const [id, v] of cell.srcs) {
      const bits = v & FP_MASK;
      for (let f = 0; f < NFP; f++) if (bits & (1 << f)) fp[base + f]++;
      const packets = Math.floor(v / PACKET_UNIT);
      if (packets >= minHeavy)
        this.heavyHitter(index, s, this.address(id), packets, packets / cell.packets);
    }
    const enrich = this.opts.enrich;
    if (enrich !== undefined) {
      cell.detail ??= {};
      enrichCell(cell.detail, cell.srcs.keys(), (id) => enrich(this.address(id)));
    }
    if (cell.detail !== null) s.details.set(row, cell.detail);
  }

  private closeLabel(b: OpenBucket, s: Series, cell: OpenCell): void {
    const row = s.push(b.index, cell.srcs.size, cell.sessions, cell.sessions);
    this.stats.cells++;
    this.openPairs -= cell.srcs.size;
    const base = row * NFP;
    for (const [id, pk1] of cell.srcs) {
      const v = pk1 > 0 ? b.ports.get(pk1 - 1)?.srcs.get(id) : undefined;
      if (v === undefined) continue;
      for (let f = 0; f < NFP; f++) if (v & (1 << f)) s.fp[base + f]++;
    }
    if (cell.detail !== null) s.details.set(row, cell.detail);
  }

  private heavyHitter(
    index: number,
    s: Series,
    address: string,
    packets: number,
    share: number,
  ): void {
    const key = `${address}|${s.key}`;
    const at = new Date((index * this.bucketUs) / 1000).toISOString().replace(".000Z", "Z");
    const h = this.heavy.get(key);
    if (h === undefined) {
      this.heavy.set(key, {
        address,
        proto: s.proto,
        port: s.port,
        first: at,
        last: at,
        packets,
        buckets: 1,
        share,
      });
      return;
    }
    h.last = at;
    h.packets += packets;
    h.buckets++;
    if (share > h.share) h.share = share;
  }
}
