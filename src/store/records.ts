/**
 * @module The records the store keeps (DESIGN.md §5): columnar batches for the two large tables,
 * plain rows for the small ones, and the ids that make every append idempotent.
 */

import { fnv1a64 } from "../decode/session-id.js";
import type { Alert } from "../schema/detection.js";
import { ADDR_WORDS } from "./address.js";

/** Protocols by their stored code (the index in this list, as in aggregate/ports.ts). */
export const PROTOS = ["tcp", "udp", "icmp", "icmpv6"] as const;
export type Proto = (typeof PROTOS)[number];

export function protoCode(p: Proto): number {
  return PROTOS.indexOf(p);
}

/** The tables, in the order `stats()` lists them. */
export const TABLES = [
  "minutes",
  "sources",
  "templates",
  "template_sources",
  "alerts",
  "iocs",
  "sensors",
] as const;
export type TableName = (typeof TABLES)[number];

/** The smallest and the default bucket of per-source rows, in seconds. */
export const MIN_BUCKET_SECONDS = 300;
export const DEFAULT_BUCKET_SECONDS = 3600;

/**
 * Traffic towards each (proto, port) per minute, one row per array index. `minute` is epoch
 * seconds, a multiple of 60. Id: (run, minute, proto, port).
 */
export interface MinuteRows {
  length: number;
  minute: Uint32Array;
  proto: Uint8Array;
  port: Uint16Array;
  packets: Uint32Array;
  probes: Uint32Array;
  sessions: Uint32Array;
}

/**
 * What one source sent towards one (proto, port) in one bucket. `bucket` is epoch seconds, a
 * multiple of the store's bucket; `src` holds ADDR_WORDS words per row (address.ts); the four
 * fingerprint columns count SYNs; `country` indexes COUNTRY_CODES (0 unknown) and `asn` is 0 when
 * unknown. Id: (run, bucket, proto, port, src).
 */
export interface SourceRows {
  length: number;
  bucket: Uint32Array;
  proto: Uint8Array;
  port: Uint16Array;
  src: Uint32Array;
  packets: Uint32Array;
  probes: Uint32Array;
  sessions: Uint32Array;
  mirai: Uint32Array;
  masscan: Uint32Array;
  zmap: Uint32Array;
  unknown: Uint32Array;
  country: Uint8Array;
  asn: Uint32Array;
}

/** The fingerprint columns of SourceRows, in FINGERPRINTS order. */
export const FINGERPRINT_COLUMNS = ["mirai", "masscan", "zmap", "unknown"] as const;

/** Sessions of one template from one source towards one port in one bucket. Id: all but `sessions`. */
export interface TemplateSourceRows {
  length: number;
  bucket: Uint32Array;
  proto: Uint8Array;
  port: Uint16Array;
  template: string[];
  src: Uint32Array;
  sessions: Uint32Array;
}

/** A template as seen by one run: times in µs since the epoch. Id: (run, template). */
export interface TemplateRecord {
  template: string;
  kind: string;
  text: string;
  first: number;
  last: number;
  /** Sessions that carried it. */
  count: number;
  /** A printable sample of a session payload (capped by the writer), and that session's id. */
  sample: string;
  sampleSession: string;
}

/** An indicator as seen by one run: times in µs. Id: (run, type, value). */
export interface IocRecord {
  type: string;
  value: string;
  first: number;
  last: number;
  count: number;
  /** Ids of the templates whose sessions carried it. */
  templates: string[];
}

/** A sensor (or an offline capture's name) as seen by one run: times in µs. Id: (run, sensor). */
export interface SensorRecord {
  sensor: string;
  first: number;
  last: number;
}

/**
 * One append. Every record's id is `run` plus its key, so appending the same batch twice, or the
 * same capture's records split differently, stores each record once, while two runs over
 * consecutive captures that share an hour add up.
 */
export interface RecordBatch {
  /** Origin of every record: 16 hex digits (see `runIdOf`). */
  run: string;
  minutes?: MinuteRows;
  sources?: SourceRows;
  templates?: TemplateRecord[];
  templateSources?: TemplateSourceRows;
  alerts?: Alert[];
  iocs?: IocRecord[];
  sensors?: SensorRecord[];
}

const RUN_RE = /^[0-9a-f]{16}$/;

/** Whether `run` is a valid run id (16 lowercase hex digits). */
export function isRunId(run: string): boolean {
  return RUN_RE.test(run);
}

/** A run id from what identifies the origin (e.g. a capture's sizes, times and packet count). */
export function runIdOf(...parts: Array<string | number>): string {
  return fnv1a64(parts.join("\u0001"));
}

/** The run id as the unsigned 64-bit number both stores keep. */
export function runNumber(run: string): bigint {
  return BigInt(`0x${run}`);
}

/** The id of an alert within its run. */
export function alertId(a: Alert): string {
  return fnv1a64(
    [a.sessionId, a.rule.gid, a.rule.sid, a.httpIndex, a.ts, a.src, a.sport, a.dst, a.dport].join(
      "|",
    ),
  );
}

function grow<T extends Uint8Array | Uint16Array | Uint32Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

/** Empty MinuteRows with room for `n` rows. */
export function minuteRows(n = 0): MinuteRows {
  return {
    length: 0,
    minute: new Uint32Array(n),
    proto: new Uint8Array(n),
    port: new Uint16Array(n),
    packets: new Uint32Array(n),
    probes: new Uint32Array(n),
    sessions: new Uint32Array(n),
  };
}

/** Empty SourceRows with room for `n` rows. */
export function sourceRows(n = 0): SourceRows {
  return {
    length: 0,
    bucket: new Uint32Array(n),
    proto: new Uint8Array(n),
    port: new Uint16Array(n),
    src: new Uint32Array(n * ADDR_WORDS),
    packets: new Uint32Array(n),
    probes: new Uint32Array(n),
    sessions: new Uint32Array(n),
    mirai: new Uint32Array(n),
    masscan: new Uint32Array(n),
    zmap: new Uint32Array(n),
    unknown: new Uint32Array(n),
    country: new Uint8Array(n),
    asn: new Uint32Array(n),
  };
}

/** Empty TemplateSourceRows with room for `n` rows. */
export function templateSourceRows(n = 0): TemplateSourceRows {
  return {
    length: 0,
    bucket: new Uint32Array(n),
    proto: new Uint8Array(n),
    port: new Uint16Array(n),
    template: [],
    src: new Uint32Array(n * ADDR_WORDS),
    sessions: new Uint32Array(n),
  };
}

/**
 * Makes room for one more row in columnar rows and returns its index (the caller fills it).
 * Typed columns double when full; string columns are plain arrays.
 */
export function addRow<R extends { length: number }>(rows: R): number {
  const i = rows.length;
  const cols = rows as unknown as Record<string, unknown>;
  const cap = (cols.bucket ?? cols.minute) as Uint32Array;
  if (i >= cap.length) {
    const n = Math.max(16, cap.length * 2);
    for (const [k, v] of Object.entries(cols)) {
      if (v instanceof Uint8Array || v instanceof Uint16Array || v instanceof Uint32Array) {
        cols[k] = grow(v, k === "src" ? n * ADDR_WORDS : n);
      }
    }
  }
  rows.length = i + 1;
  return i;
}

/** A copy of rows [from, to) of columnar rows (for splitting a batch, or chunking an append). */
export function sliceRows<R extends { length: number }>(rows: R, from: number, to: number): R {
  const out: Record<string, unknown> = { length: to - from };
  for (const [k, v] of Object.entries(rows as unknown as Record<string, unknown>)) {
    if (k === "length") continue;
    const w = k === "src" ? ADDR_WORDS : 1;
    if (Array.isArray(v)) out[k] = v.slice(from, to);
    else out[k] = (v as Uint32Array).slice(from * w, to * w);
  }
  return out as unknown as R;
}
