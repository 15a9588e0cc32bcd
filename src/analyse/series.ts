/**
 * @module Series of distinct sources per time bucket, per (proto, port), per template and per
 * rule sid, built in memory from the pipeline's probes and sessions.
 *
 * Counts are exact: an open bucket keeps every (port, source) pair it saw, in a typed-array hash
 * table (nothing is allocated per record). Memory is bounded by closing buckets as the data
 * moves on: a bucket closes once records `latenessSeconds` past its end have arrived (probes and
 * sessions are handed over when their flow closes, so they come slightly out of order), and a
 * closed bucket keeps only its counts. So memory is O(pairs in the open buckets) × ~25 bytes +
 * O(non-empty (bucket, key) cells) × ~40 bytes (+ label and enrichment tallies for cells that
 * have them) + the text of each distinct IPv6 source (IPv4 sources are their number, IPv6 ones
 * an interned id). A record for an already closed bucket is counted in `stats.late`, left out.
 */

import type { Probe, Session } from "../schema/session.js";
import type { ReportHeavyHitter } from "../schema/surge.js";
import type { NetworkList } from "./networks.js";
import {
  bump,
  type Enricher,
  fpBit,
  isoHour,
  type LabelCell,
  OpenBucket,
  type PortCell,
  protoIndex,
  tallySource,
  v4Text,
} from "./open-bucket.js";
import { PairTable } from "./pair-table.js";
import { PortLog } from "./port-log.js";
import {
  SERIES_FINGERPRINTS,
  SERIES_PROTOS,
  Series,
  type SeriesProto,
  type SeriesSet,
  type SeriesStats,
} from "./series-columns.js";

export type { Enricher, SourceInfo } from "./open-bucket.js";
export * from "./series-columns.js";

export const DEFAULT_BUCKET_SECONDS = 3600;
/** Finer buckets hold too few sources per bucket for a baseline to mean anything. */
export const MIN_BUCKET_SECONDS = 300;
/** How long after a bucket's end records for it may still arrive (sessions last minutes). */
export const DEFAULT_LATENESS_SECONDS = 7200;
/** A source is a heavy hitter of a port in a bucket when it sent this many packets per hour... */
export const HEAVY_MIN_PACKETS_PER_HOUR = 1000;
/** ...and at least this share of the port's packets in that bucket. */
export const HEAVY_MIN_SHARE = 0.25;

const NFP = SERIES_FINGERPRINTS.length;
/** Pair keys: the port key (proto index * 65536 + port, < 2^18), this bit set for IPv6 sources. */
const V6_FLAG = 1 << 20;
/** Label cells key sources by one number: the IPv4 address, or V6_BASE + the IPv6 id. */
const V6_BASE = 2 ** 32;

export interface SeriesOptions {
  bucketSeconds?: number;
  latenessSeconds?: number;
  /** Sources in these networks are left out (e.g. researchScanners()). */
  exclude?: NetworkList;
  enrich?: Enricher;
  heavyMinPacketsPerHour?: number;
  heavyMinShare?: number;
}

/** Builds the series from onProbe/onSession (and label calls once detection runs). */
export class SeriesBuilder {
  readonly bucketSeconds: number;
  readonly stats: SeriesStats = {
    probes: 0,
    sessions: 0,
    excluded: 0,
    late: 0,
    cells: 0,
    peakOpenPairs: 0,
  };
  private readonly bucketUs: number;
  private readonly latenessUs: number;
  private readonly heavyMinPackets: number;
  private readonly heavyMinShare: number;
  private readonly exclude: NetworkList | undefined;
  private readonly open = new Map<number, OpenBucket>();
  private lastOpen: OpenBucket | null = null;
  /** Highest bucket index closed so far. */
  private closedThrough = Number.NEGATIVE_INFINITY;
  private nextCloseAt = Number.POSITIVE_INFINITY;
  private minTs = Number.POSITIVE_INFINITY;
  private maxTs = Number.NEGATIVE_INFINITY;
  private range: { start: number; end: number } | null = null;
  /** Pair tables of closed buckets, cleared for the next ones. */
  private readonly spareTables: PairTable[] = [];
  /** Closed rows of all port series, grouped by port at finish(). */
  private readonly log = new PortLog();
  private readonly templates = new Map<string, Series>();
  private readonly sids = new Map<number, Series>();
  private readonly v6Ids = new Map<string, number>();
  private readonly v6Texts: string[] = [];
  private readonly heavy = new Map<string, ReportHeavyHitter>();
  private openPairs = 0;
  /** Source of the last record, split: `src` (int32) and the V6_FLAG or 0. */
  private src = 0;
  private flag = 0;

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
    const perHour = opts.heavyMinPacketsPerHour ?? HEAVY_MIN_PACKETS_PER_HOUR;
    this.heavyMinPackets = Math.max(1, Math.round((perHour * b) / 3600));
    this.heavyMinShare = opts.heavyMinShare ?? HEAVY_MIN_SHARE;
    this.exclude = opts.exclude;
  }

  /** Sets the observation (µs) when it is known, e.g. from the capture's first and last packet. */
  observe(startUs: number, endUs: number): void {
    this.range = { start: startUs, end: endUs };
  }

  onProbe(p: Probe): void {
    this.stats.probes++;
    const cell = this.portCell(p.ts, p.proto, p.dport, p.srcKey);
    if (cell !== null) this.addPair(cell, p.proto, p.dport, p.packets, fpBit(p.fingerprint));
  }

  onSession(s: Session): void {
    this.stats.sessions++;
    const cell = this.portCell(s.start, s.proto, s.dport, s.srcKey);
    if (cell === null) return;
    cell.sessions++;
    this.addPair(cell, s.proto, s.dport, s.clientPackets, fpBit(s.fingerprint));
  }

  /** Counts a session (or probe) carrying template `templateId` from `srcKey` at `ts` (µs). */
  addTemplate(
    ts: number,
    templateId: string,
    srcKey: number | string,
    proto?: SeriesProto,
    port?: number,
  ): void {
    this.addLabelled("templates", templateId, ts, srcKey, proto, port);
  }

  /** Counts a session (or probe) matching rule `sid` from `srcKey` at `ts` (µs). */
  addSid(
    ts: number,
    sid: number,
    srcKey: number | string,
    proto?: SeriesProto,
    port?: number,
  ): void {
    this.addLabelled("sids", sid, ts, srcKey, proto, port);
  }

  /** The shared path of addTemplate and addSid: the label's cell, and its tally on the port. */
  private addLabelled<K extends "templates" | "sids">(
    kind: K,
    key: K extends "templates" ? string : number,
    ts: number,
    srcKey: number | string,
    proto?: SeriesProto,
    port?: number,
  ): void {
    const b = this.bucketFor(ts, srcKey);
    if (b === null) return;
    const cells = b[kind] as Map<typeof key, LabelCell>;
    let cell = cells.get(key);
    if (cell === undefined) {
      cell = { srcs: new Map(), sessions: 0, detail: null };
      cells.set(key, cell);
    }
    const pc = this.addLabel(b, cell, proto, port);
    if (pc === null) return;
    pc.detail ??= {};
    pc.detail[kind] ??= new Map();
    bump(pc.detail[kind] as Map<typeof key, number>, key);
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
    const cell = this.bucketFor(s.start, s.srcKey)?.ports.get(
      protoIndex(s.proto) * 65536 + s.dport,
    );
    if (cell === undefined) return;
    cell.detail ??= {};
    cell.detail.templateSids ??= new Map();
    for (const sid of sids) bump(cell.detail.templateSids, `${templateId} ${sid}`);
  }

  /** Closes every bucket and returns the series. The builder is spent afterwards. */
  finish(): SeriesSet {
    for (const i of [...this.open.keys()].sort((a, b) => a - b)) this.close(i);
    const bu = this.bucketUs;
    const start = this.range?.start ?? this.minTs;
    const endTs = this.range?.end ?? this.maxTs;
    const empty = !Number.isFinite(start) || !Number.isFinite(endTs);
    const first = empty ? 0 : Math.floor(start / bu);
    const end = empty ? 0 : Math.max(first + 1, Math.floor(endTs / bu) + 1);
    return {
      bucketSeconds: this.bucketSeconds,
      first,
      end,
      lastPartial: !empty && endTs < end * bu - 0.1 * bu,
      ports: this.log.toSeries(),
      templates: [...this.templates.values()],
      sids: [...this.sids.values()].sort((a, b) => a.sid - b.sid),
      heavyHitters: [...this.heavy.values()].sort((a, b) => b.packets - a.packets),
      stats: this.stats,
    };
  }

  /** Splits a source key into this.src / this.flag (IPv6 texts are interned). */
  private setSource(key: number | string): void {
    if (typeof key === "number") {
      this.src = key | 0;
      this.flag = 0;
      return;
    }
    let id = this.v6Ids.get(key);
    if (id === undefined) {
      id = this.v6Texts.length;
      this.v6Ids.set(key, id);
      this.v6Texts.push(key);
    }
    this.src = id;
    this.flag = V6_FLAG;
  }

  private address(src: number, flag: number): string {
    return flag !== 0 ? (this.v6Texts[src] ?? "?") : v4Text(src >>> 0);
  }

  /** The open bucket of `ts` with this.src/flag set, or null when the record is excluded or late. */
  private bucketFor(ts: number, srcKey: number | string): OpenBucket | null {
    if (this.exclude?.has(srcKey)) {
      this.stats.excluded++;
      return null;
    }
    this.setSource(srcKey);
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
      b = new OpenBucket(index, this.spareTables.pop() ?? new PairTable());
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
  ): PortCell | null {
    if (ts > this.maxTs) {
      this.maxTs = ts;
      if (ts >= this.nextCloseAt) this.closeBefore(ts - this.latenessUs);
    }
    const b = this.bucketFor(ts, srcKey);
    if (b === null) return null;
    const k = protoIndex(proto) * 65536 + port;
    let cell = b.ports.get(k);
    if (cell === undefined) {
      cell = {
        key: k,
        ordinal: b.cells.length,
        sources: 0,
        packets: 0,
        sessions: 0,
        detail: null,
        row: -1,
      };
      b.ports.set(k, cell);
      b.cells.push(cell);
    }
    return cell;
  }

  private addPair(
    cell: PortCell,
    proto: SeriesProto,
    port: number,
    packets: number,
    bits: number,
  ): void {
    const b = this.lastOpen as OpenBucket;
    if (
      b.pairs.add(
        (protoIndex(proto) * 65536 + port) | this.flag,
        this.src,
        packets,
        bits,
        cell.ordinal,
      )
    ) {
      cell.sources++;
      if (++this.openPairs > this.stats.peakOpenPairs) this.stats.peakOpenPairs = this.openPairs;
    }
    cell.packets += packets;
  }

  /** Adds this.src to a label cell; returns the port cell the label counts on, if any. */
  private addLabel(
    b: OpenBucket,
    cell: LabelCell,
    proto?: SeriesProto,
    port?: number,
  ): PortCell | null {
    const id = this.flag !== 0 ? V6_BASE + this.src : this.src >>> 0;
    const pk = proto !== undefined && port !== undefined ? protoIndex(proto) * 65536 + port : -1;
    if (!cell.srcs.has(id)) this.openPairs++;
    cell.srcs.set(id, pk + 1);
    cell.sessions++;
    if (pk < 0) return null;
    cell.detail ??= {};
    cell.detail.ports ??= new Map();
    bump(cell.detail.ports, pk);
    return b.ports.get(pk) ?? null;
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
    this.closePorts(b);
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
    b.pairs.clear();
    this.spareTables.push(b.pairs);
  }

  /** Appends a row per port cell, then reads the pairs once for fingerprints, heavy hitters and enrichment. */
  private closePorts(b: OpenBucket): void {
    const log = this.log;
    for (const cell of b.cells) {
      cell.row = log.append(cell.key, b.index, cell.sources, cell.packets, cell.sessions);
    }
    this.stats.cells += b.cells.length;
    const t = b.pairs;
    const { tags, bits, packets } = t;
    const fp = log.fp;
    const enrich = this.opts.enrich;
    for (let e = 0; e < t.n; e++) {
      const cell = b.cells[tags[e] as number] as PortCell;
      const at = cell.row * NFP;
      const x = bits[e] as number;
      if (x & 1) fp[at]++;
      if (x & 2) fp[at + 1]++;
      if (x & 4) fp[at + 2]++;
      if (x & 8) fp[at + 3]++;
      const p = packets[e] as number;
      if (p < this.heavyMinPackets && enrich === undefined) continue;
      const address = this.address(t.srcs[e] as number, (t.keys[e] as number) & V6_FLAG);
      if (p >= this.heavyMinPackets && p >= this.heavyMinShare * cell.packets) {
        this.heavyHitter(b.index, cell.key, address, p, p / cell.packets);
      }
      if (enrich !== undefined) {
        cell.detail ??= {};
        tallySource(cell.detail, enrich(address));
      }
    }
    this.openPairs -= t.n;
    for (const cell of b.cells) if (cell.detail !== null) log.details.set(cell.row, cell.detail);
  }

  private closeLabel(b: OpenBucket, s: Series, cell: LabelCell): void {
    const row = s.push(b.index, cell.srcs.size, cell.sessions, cell.sessions);
    this.stats.cells++;
    this.openPairs -= cell.srcs.size;
    for (const [id, pk1] of cell.srcs) {
      if (pk1 === 0) continue;
      const v6 = id >= V6_BASE;
      const e = b.pairs.find((pk1 - 1) | (v6 ? V6_FLAG : 0), v6 ? id - V6_BASE : id | 0);
      if (e < 0) continue;
      const bits = b.pairs.bits[e] as number;
      for (let f = 0; f < NFP; f++) if (bits & (1 << f)) s.fp[row * NFP + f]++;
    }
    if (cell.detail !== null) s.setDetail(row, cell.detail);
  }

  private heavyHitter(
    index: number,
    portKey: number,
    address: string,
    packets: number,
    share: number,
  ): void {
    const proto = SERIES_PROTOS[portKey >>> 16] as SeriesProto;
    const port = portKey & 0xffff;
    const key = `${address}|${portKey}`;
    const at = isoHour(index * this.bucketUs);
    const h = this.heavy.get(key);
    if (h === undefined) {
      this.heavy.set(key, {
        address,
        proto,
        port,
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
