/**
 * @module The store interface: what analysis appends and asks, with two implementations (DuckDB,
 * ClickHouse) that run one conformance suite (conformance.ts). Times are µs since the epoch.
 */

import type { Proto, RecordBatch, TableName } from "./records.js";

/** A time range [from, to) in µs; rows are selected by the start of their minute or bucket. */
export interface TimeRange {
  from: number;
  to: number;
}

export interface PortKey {
  proto: Proto;
  port: number;
}

/** Distinct sources per bucket, dense: `sources[i]` is the bucket starting at start + i buckets. */
export interface PortSeries extends PortKey {
  start: number;
  bucketSeconds: number;
  sources: Uint32Array;
}

export interface TemplateSeries {
  template: string;
  start: number;
  bucketSeconds: number;
  sources: Uint32Array;
  sessions: Uint32Array;
}

export interface SidSeries {
  sid: number;
  start: number;
  bucketSeconds: number;
  sources: Uint32Array;
  alerts: Uint32Array;
}

export interface SeriesOptions {
  /** Bucket of the series: a multiple of the store's bucket (default: the store's bucket). */
  bucketSeconds?: number;
  /** Only these ports (default: every port with a source in the range). */
  ports?: PortKey[];
}

export interface MinutePoint {
  /** Start of the minute, µs. */
  minute: number;
  packets: number;
  probes: number;
  sessions: number;
}

export interface PortTotal extends PortKey {
  sources: number;
  packets: number;
  probes: number;
  sessions: number;
}

export interface TemplateSummary {
  template: string;
  kind: string;
  text: string;
  first: number;
  last: number;
  count: number;
  /** Distinct payload samples, at most SAMPLES_PER_TEMPLATE. */
  samples: string[];
  sampleSessions: string[];
}

export const SAMPLES_PER_TEMPLATE = 3;

/** One stored alert. */
export interface AlertRow {
  ts: number;
  sid: number;
  gid: number;
  rev: number;
  msg: string;
  cve: string[];
  classtype: string;
  proto: Proto;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  sessionId: string;
}

export interface AlertSummary {
  sid: number;
  msg: string;
  cve: string[];
  count: number;
  sources: number;
  first: number;
  last: number;
}

export interface IocSummary {
  type: string;
  value: string;
  first: number;
  last: number;
  count: number;
  templates: string[];
}

export interface SensorSummary {
  sensor: string;
  first: number;
  last: number;
  runs: number;
}

/** What explains a port's traffic in a range: distinct sources by fingerprint, origin, template. */
export interface PortBreakdown {
  sources: number;
  /** Distinct sources with at least one SYN of each fingerprint. */
  fingerprints: { mirai: number; masscan: number; zmap: number; unknown: number };
  countries: Array<{ country: string; sources: number }>;
  asns: Array<{ asn: number; sources: number }>;
  templates: Array<{ template: string; sessions: number; sources: number }>;
}

/** Options of `portCells`. */
export interface PortCellOptions {
  /** Bucket of the cells: a multiple of the store's bucket (default: the store's bucket). */
  bucketSeconds?: number;
  /** Only these ports (default: every port with a source in the range). */
  ports?: PortKey[];
  /** Only ports with at least this many distinct sources in some bucket (default: every port). */
  minPeakSources?: number;
}

/** The non-empty buckets of one port with what surge explanations read (see `portCells`). */
export interface PortCells extends PortKey {
  bucketSeconds: number;
  /** Start of each non-empty bucket (µs), ascending. */
  starts: number[];
  /**
   * Distinct sources that began a connection attempt (probe or session) in the bucket, as the
   * surge series count them: a connection carried over from the bucket before does not count.
   */
  sources: Uint32Array;
  packets: Float64Array;
  sessions: Uint32Array;
  /** Distinct sources with a SYN of each fingerprint: 4 per bucket (mirai, masscan, zmap, unknown). */
  fingerprints: Uint32Array;
}

/** One label (template or rule sid) towards one port in one bucket (`start`, µs). */
export interface LabelCell extends PortKey {
  start: number;
  /** Sessions carrying the template, or alerts of the rule. */
  sessions: number;
  sources: number;
}

/** Templates and rules per port and bucket, and which template matched which rule. */
export interface LabelCells {
  templates: Array<LabelCell & { template: string }>;
  /** From alerts on sessions (a probe's alert has no session and is left out). */
  sids: Array<LabelCell & { sid: number }>;
  /** Per template and bucket: its sources whose per-source row on that port has a SYN of each fingerprint. */
  templateFingerprints: Array<{ template: string; start: number; fingerprints: number[] }>;
  /** Per sid and bucket: its sources (alerts on sessions) with a SYN of each fingerprint on that port. */
  sidFingerprints: Array<{ sid: number; start: number; fingerprints: number[] }>;
  /** A rule that matched a stored sample session of a template. */
  pairs: Array<{ template: string; sid: number }>;
}

/** A source's packets towards one port in one bucket (`start`, µs). */
export interface HeavySource extends PortKey {
  start: number;
  address: string;
  packets: number;
}

export interface StoreStats {
  kind: "duckdb" | "clickhouse";
  rows: Record<TableName, number>;
  /** Start of the first and end of the last minute stored (µs), null when empty. */
  first: number | null;
  last: number | null;
  bucketSeconds: number;
  runs: number;
}

export interface Store {
  readonly kind: "duckdb" | "clickhouse";
  /** Bucket of per-source rows, seconds; fixed when the store is created (valid after open). */
  readonly bucketSeconds: number;
  /** Connects, creates the tables when missing, reads the store's bucket. */
  open(): Promise<void>;
  close(): Promise<void>;
  /** Appends a batch; records whose id is already stored are skipped (idempotent). */
  append(batch: RecordBatch): Promise<void>;
  /** Distinct sources per bucket and port (see SeriesOptions). */
  portSeries(range: TimeRange, opts?: SeriesOptions): Promise<PortSeries[]>;
  /** Distinct sources and sessions per bucket for each template (or the listed ones). */
  templateSeries(
    range: TimeRange,
    opts?: { bucketSeconds?: number; templates?: string[] },
  ): Promise<TemplateSeries[]>;
  /** Distinct sources and alerts per bucket for each rule sid. */
  sidSeries(range: TimeRange, opts?: { bucketSeconds?: number }): Promise<SidSeries[]>;
  /** Minute aggregates of one port, in time order (minutes with no traffic left out). */
  minutes(port: PortKey, range: TimeRange): Promise<MinutePoint[]>;
  /** Ports by distinct sources in the range, most first (ties: more packets, then proto, port). */
  topPorts(range: TimeRange, limit: number): Promise<PortTotal[]>;
  portBreakdown(port: PortKey, range: TimeRange, limit?: number): Promise<PortBreakdown>;
  /** Templates (sessions deduplicated by template), most sessions first; range filters by last. */
  templates(range?: TimeRange, limit?: number): Promise<TemplateSummary[]>;
  alerts(range: TimeRange, opts?: { limit?: number; sid?: number }): Promise<AlertRow[]>;
  alertSummary(range: TimeRange): Promise<AlertSummary[]>;
  iocs(range?: TimeRange, limit?: number): Promise<IocSummary[]>;
  sensors(): Promise<SensorSummary[]>;
  stats(): Promise<StoreStats>;
  /** Deletes what is older than `before` (µs): retention (docs/storage.md). */
  prune(before: number): Promise<void>;
  /** Per port, its non-empty buckets: distinct sources, packets, sessions, fingerprint sources. */
  portCells(range: TimeRange, opts?: PortCellOptions): Promise<PortCells[]>;
  /** Templates and rule sids per (bucket, port), template fingerprints, template-rule pairs. */
  labelCells(range: TimeRange, opts?: { bucketSeconds?: number }): Promise<LabelCells>;
  /** (bucket, port, source) triples with at least `minPackets` packets, most packets first. */
  heavySources(
    range: TimeRange,
    opts: { bucketSeconds?: number; minPackets: number },
  ): Promise<HeavySource[]>;
}
