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
  "rules",
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

/**
 * Alerts, one per array index. Rule texts live in `rules` (one row per rule and run), so an alert
 * row holds numbers and four strings. Id: (run, id), `id` from `alertId`.
 */
export interface AlertRows {
  length: number;
  id: string[];
  /** Time of the match, µs since the epoch. */
  ts: Float64Array;
  sid: Uint32Array;
  gid: Uint32Array;
  rev: Uint32Array;
  proto: Uint8Array;
  src: string[];
  sport: Uint32Array;
  dst: string[];
  dport: Uint32Array;
  session: string[];
  httpIndex: Int32Array;
}

/** What a rule says about itself, as stored. Id: (run, gid, sid, rev). */
export interface RuleRecord {
  gid: number;
  sid: number;
  rev: number;
  msg: string;
  cve: string[];
  classtype: string;
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
  alerts?: AlertRows;
  rules?: RuleRecord[];
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

/**
 * FNV-1a 64 state as four 16-bit limbs (least significant first), module-level so hashing
 * allocates nothing, and every product fits a small integer.
 */
let v0 = 0;
let v1 = 0;
let v2 = 0;
let v3 = 0;

function fnvByte(b: number): void {
  v0 ^= b & 0xff;
  // Multiply by the FNV prime 2^40 + 0x1b3, modulo 2^64: 2^40 shifts two limbs and 8 bits.
  const t0 = v0 * 0x1b3;
  let t1 = v1 * 0x1b3;
  let t2 = v2 * 0x1b3 + (v0 << 8);
  const t3 = v3 * 0x1b3 + (v1 << 8);
  t1 += t0 >>> 16;
  v0 = t0 & 0xffff;
  t2 += t1 >>> 16;
  v1 = t1 & 0xffff;
  v3 = (t3 + (t2 >>> 16)) & 0xffff;
  v2 = t2 & 0xffff;
}

function fnvText(t: string): void {
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    fnvByte(c);
    if (c > 0xff) fnvByte(c >>> 8);
  }
  fnvByte(0);
}

function fnvWord(w: number): void {
  fnvByte(w);
  fnvByte(w >>> 8);
  fnvByte(w >>> 16);
  fnvByte(w >>> 24);
}

/** A non-negative integer up to 2^53, as 8 bytes. */
function fnvInt(n: number): void {
  fnvWord(n >>> 0);
  fnvWord(Math.floor(n / 4294967296) >>> 0);
}

const hex4 = (x: number): string => x.toString(16).padStart(4, "0");

/**
 * The id of an alert within its run: FNV-1a 64 over what the match is about (session, rule,
 * request, time, endpoints), as 16 hex digits, hashed field by field without building a string.
 */
export function alertId(a: Alert): string {
  // The FNV-1a 64 offset basis 0xcbf29ce484222325.
  v0 = 0x2325;
  v1 = 0x8422;
  v2 = 0x9ce4;
  v3 = 0xcbf2;
  fnvText(a.sessionId);
  fnvInt(a.rule.gid);
  fnvInt(a.rule.sid);
  fnvInt(a.httpIndex + 1);
  fnvInt(a.ts);
  fnvText(a.src);
  fnvInt(a.sport);
  fnvText(a.dst);
  fnvInt(a.dport);
  return hex4(v3) + hex4(v2) + hex4(v1) + hex4(v0);
}

/** Empty AlertRows with room for `n` rows. */
export function alertRows(n = 0): AlertRows {
  return {
    length: 0,
    id: [],
    ts: new Float64Array(n),
    sid: new Uint32Array(n),
    gid: new Uint32Array(n),
    rev: new Uint32Array(n),
    proto: new Uint8Array(n),
    src: [],
    sport: new Uint32Array(n),
    dst: [],
    dport: new Uint32Array(n),
    session: [],
    httpIndex: new Int32Array(n),
  };
}

/** Per rules map, the rule of the last alert added: alerts come in runs of one rule. */
const lastRuleOf = new WeakMap<Map<string, RuleRecord>, Alert["rule"]>();

/** Adds alert `a` to `rows`, and its rule to `rules` (by gid, sid, rev) when new. */
export function addAlert(rows: AlertRows, a: Alert, rules?: Map<string, RuleRecord>): void {
  const i = addRow(rows);
  rows.id[i] = alertId(a);
  rows.ts[i] = a.ts;
  rows.sid[i] = a.rule.sid;
  rows.gid[i] = a.rule.gid;
  rows.rev[i] = a.rule.rev;
  rows.proto[i] = Math.max(0, protoCode(a.proto));
  rows.src[i] = a.src;
  rows.sport[i] = a.sport;
  rows.dst[i] = a.dst;
  rows.dport[i] = a.dport;
  rows.session[i] = a.sessionId;
  rows.httpIndex[i] = a.httpIndex;
  if (rules !== undefined && lastRuleOf.get(rules) !== a.rule) {
    lastRuleOf.set(rules, a.rule);
    const k = `${a.rule.gid}:${a.rule.sid}:${a.rule.rev}`;
    if (!rules.has(k)) {
      const r = a.rule;
      rules.set(k, {
        gid: r.gid,
        sid: r.sid,
        rev: r.rev,
        msg: r.msg,
        cve: r.cve,
        classtype: r.classtype,
      });
    }
  }
}

/** Alerts as a batch's columns and rules. */
export function alertsOf(alerts: readonly Alert[]): { alerts: AlertRows; rules: RuleRecord[] } {
  const rows = alertRows(alerts.length);
  const rules = new Map<string, RuleRecord>();
  for (const a of alerts) addAlert(rows, a, rules);
  return { alerts: rows, rules: [...rules.values()] };
}

function grow<T extends Uint32Array>(a: T, n: number): T {
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
  // Every typed column has the same capacity; one of these is in each kind of rows.
  const probe = (cols.bucket ?? cols.minute ?? cols.sid) as Uint32Array;
  if (i >= probe.length) {
    const n = Math.max(16, probe.length * 2);
    for (const [k, v] of Object.entries(cols)) {
      if (ArrayBuffer.isView(v)) cols[k] = grow(v as Uint32Array, k === "src" ? n * ADDR_WORDS : n);
    }
  }
  rows.length = i + 1;
  return i;
}

/** A copy of the rows at `indexes` of columnar rows. */
export function pickRows<R extends { length: number }>(rows: R, indexes: readonly number[]): R {
  const out: Record<string, unknown> = { length: indexes.length };
  for (const [k, v] of Object.entries(rows as unknown as Record<string, unknown>)) {
    if (k === "length") continue;
    const w = k === "src" ? ADDR_WORDS : 1;
    if (Array.isArray(v)) {
      out[k] = indexes.map((i) => v[i]);
    } else {
      const a = v as Uint32Array;
      const b = new (a.constructor as new (n: number) => Uint32Array)(indexes.length * w);
      indexes.forEach((i, j) => {
        b.set(a.subarray(i * w, i * w + w), j * w);
      });
      out[k] = b;
    }
  }
  return out as unknown as R;
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
