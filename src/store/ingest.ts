/**
 * @module Hands one analysed run to a store: the rollup's minute and per-source rows (with each
 * source's country and ASN when an enricher is given), detections, and the sensor row, as one
 * batch whose run id makes it idempotent.
 */

import type { Rollup, RollupSourceRow } from "../aggregate/rollup.js";
import type { Alert } from "../schema/detection.js";
import type { ReportInput } from "../schema/report.js";
import { ADDR_WORDS, putAddr } from "./address.js";
import { countryIndex } from "./countries.js";
import type { DetectionRollup } from "./detections.js";
import { StoreArgumentError } from "./query-util.js";
import {
  type AlertRows,
  addRow,
  alertRows,
  alertsOf,
  type IocRecord,
  type MinuteRows,
  minuteRows,
  type RecordBatch,
  type RuleRecord,
  runIdOf,
  type SourceRows,
  sourceRows,
  type TableName,
  type TemplateRecord,
  type TemplateSourceRows,
  templateSourceRows,
} from "./records.js";
import type { Store } from "./store.js";

/** Country and ASN of a source address (IPv4 number or IPv6 text); undefined when unknown. */
export type Enricher = (key: number | string) => { country: string; asn: number } | undefined;

export interface IngestExtras {
  /** The run's id (16 hex digits), e.g. `captureRunId(report.input)`. */
  runId: string;
  /** Where the data comes from; default "offline". */
  sensorId?: string;
  /** Detections gathered during the run (templates, template sources, IoCs, alerts). */
  detections?: Pick<DetectionRollup, "batch">;
  /** Already aggregated detections, added to (or instead of) `detections`. */
  templates?: TemplateRecord[];
  alerts?: Alert[];
  iocs?: IocRecord[];
  enrich?: Enricher;
  /** First and last packet of the run (µs) for the sensor row; default: from the minute rows. */
  first?: number;
  last?: number;
}

export interface IngestResult {
  run: string;
  rows: Record<TableName, number>;
  seconds: number;
}

/**
 * The run id of an offline analysis: a hash of what the capture holds (packets, bytes, first and
 * last timestamp, per-file sizes), not of its name, so reading the same capture again (under any
 * name, or from stdin) gives the same id and stores nothing twice.
 */
export function captureRunId(
  input: Pick<ReportInput, "packets" | "bytes" | "start" | "end"> & {
    details?: Array<{ packets: number; bytes: number }>;
  },
): string {
  const files = (input.details ?? []).map((f) => `${f.packets}/${f.bytes}`).join(",");
  return runIdOf("capture", input.packets, input.bytes, input.start ?? "", input.end ?? "", files);
}

/** Appends a run to `store`; resolves with the rows handed over per table. */
export async function ingestAnalysis(
  store: Store,
  rollup: Rollup,
  extras: IngestExtras,
): Promise<IngestResult> {
  const t0 = performance.now();
  const batch = buildBatch(store.bucketSeconds, rollup, extras);
  await store.append(batch);
  return { run: extras.runId, rows: batchRows(batch), seconds: (performance.now() - t0) / 1000 };
}

/** Rows per table of a batch. */
export function batchRows(batch: RecordBatch): Record<TableName, number> {
  return {
    minutes: batch.minutes?.length ?? 0,
    sources: batch.sources?.length ?? 0,
    templates: batch.templates?.length ?? 0,
    template_sources: batch.templateSources?.length ?? 0,
    alerts: batch.alerts?.length ?? 0,
    rules: batch.rules?.length ?? 0,
    iocs: batch.iocs?.length ?? 0,
    sensors: batch.sensors?.length ?? 0,
  };
}

/** The batch `ingestAnalysis` appends, for a store keeping buckets of `b` seconds. */
/** The detections' alert columns, with `more` alerts added (copied only when there are some). */
function mergeAlerts(
  det: Omit<RecordBatch, "run"> | undefined,
  more: readonly Alert[] | undefined,
): { alerts: AlertRows; rules: RuleRecord[] } | undefined {
  const rows = det?.alerts;
  if (more === undefined || more.length === 0) {
    return rows === undefined || rows.length === 0
      ? undefined
      : { alerts: rows, rules: det?.rules ?? [] };
  }
  const extra = alertsOf(more);
  if (rows === undefined || rows.length === 0) return extra;
  const out = alertRows(rows.length + more.length);
  const rules = new Map<string, RuleRecord>();
  for (const r of [...(det?.rules ?? []), ...extra.rules])
    rules.set(`${r.gid}:${r.sid}:${r.rev}`, r);
  for (const src of [rows, extra.alerts]) {
    for (let i = 0; i < src.length; i++) {
      const j = addRow(out);
      for (const k of ["id", "src", "dst", "session"] as const) out[k][j] = src[k][i] as string;
      for (const k of [
        "ts",
        "sid",
        "gid",
        "rev",
        "proto",
        "sport",
        "dport",
        "httpIndex",
      ] as const) {
        out[k][j] = src[k][i] as number;
      }
    }
  }
  return { alerts: out, rules: [...rules.values()] };
}

export function buildBatch(b: number, rollup: Rollup, extras: IngestExtras): RecordBatch {
  if (b % rollup.bucketSeconds !== 0) {
    throw new StoreArgumentError(
      `the store keeps ${b}s buckets, finer than the analysis's ${rollup.bucketSeconds}s`,
    );
  }
  const minutes = minuteRowsOf(rollup);
  const batch: RecordBatch = {
    run: extras.runId,
    minutes,
    sources: sourceRowsOf(rollup, b, extras.enrich),
  };
  const det = extras.detections?.batch();
  const templates = [...(det?.templates ?? []), ...(extras.templates ?? [])];
  const iocs = [...(det?.iocs ?? []), ...(extras.iocs ?? [])];
  const alerts = mergeAlerts(det, extras.alerts);
  if (templates.length > 0) batch.templates = templates;
  if (alerts !== undefined) {
    batch.alerts = alerts.alerts;
    batch.rules = alerts.rules;
  }
  if (iocs.length > 0) batch.iocs = iocs;
  if (det?.templateSources !== undefined && det.templateSources.length > 0) {
    batch.templateSources = rebucketTemplateSources(det.templateSources, b);
  }
  const span = minuteSpan(minutes);
  const first = extras.first ?? span.first;
  const last = extras.last ?? span.last;
  if (first !== undefined && last !== undefined) {
    batch.sensors = [{ sensor: extras.sensorId ?? "offline", first, last }];
  }
  return batch;
}

function bound(rollup: Rollup): NonNullable<Rollup["ports"]> {
  if (rollup.ports === undefined) throw new Error("the rollup was never attached to an Analyzer");
  return rollup.ports;
}

function minuteRowsOf(rollup: Rollup): MinuteRows {
  const ports = bound(rollup);
  const rows = minuteRows(rollup.minuteRows);
  rows.length = rollup.minuteRows;
  let i = 0;
  rollup.forEachMinute((minute, pr, packets, probes, sessions) => {
    rows.minute[i] = minute;
    rows.proto[i] = ports.proto(pr);
    rows.port[i] = ports.port(pr);
    rows.packets[i] = packets;
    rows.probes[i] = probes;
    rows.sessions[i] = sessions;
    i++;
  });
  return rows;
}

function minuteSpan(m: MinuteRows): { first?: number; last?: number } {
  if (m.length === 0) return {};
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (let i = 0; i < m.length; i++) {
    const x = m.minute[i] as number;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return { first: lo * 1e6, last: (hi + 60) * 1e6 - 1 };
}

/**
 * Per-source rows in the store's bucket `b` (a multiple of the rollup's: rows of one store
 * bucket are merged). Each source's address, country and ASN are worked out once.
 */
function sourceRowsOf(rollup: Rollup, b: number, enrich: Enricher | undefined): SourceRows {
  const ports = bound(rollup);
  const table = rollup.sourceTable;
  if (table === undefined) throw new Error("the rollup was never attached to an Analyzer");
  const n = table.size;
  const words = new Uint32Array(n * ADDR_WORDS);
  const country = new Uint8Array(n);
  const asn = new Uint32Array(n);
  const known = new Uint8Array(n);
  const merge = b !== rollup.bucketSeconds ? new Map<string, number>() : undefined;
  const rows = sourceRows(merge === undefined ? rollup.sourceRows : 1024);
  rollup.forEachSource((r) => {
    const si = r.source;
    if (known[si] === 0) {
      known[si] = 1;
      const key = table.keys[si] as number | string;
      putAddr(key, words, si);
      const geo = enrich?.(key);
      if (geo !== undefined) {
        country[si] = countryIndex(geo.country);
        asn[si] = geo.asn;
      }
    }
    const bucket = Math.floor(r.bucket / b) * b;
    if (merge !== undefined) {
      const k = `${bucket}|${r.portRow}|${si}`;
      const found = merge.get(k);
      if (found !== undefined) {
        add(rows, found, r);
        return;
      }
      const i = addRow(rows);
      merge.set(k, i);
      fill(rows, i, bucket, r, si);
      return;
    }
    fill(rows, rows.length++, bucket, r, si);
  });
  return rows;

  function fill(rows: SourceRows, i: number, bucket: number, r: RollupSourceRow, si: number): void {
    rows.bucket[i] = bucket;
    rows.proto[i] = ports.proto(r.portRow);
    rows.port[i] = ports.port(r.portRow);
    const o = i * ADDR_WORDS;
    const w = si * ADDR_WORDS;
    rows.src[o] = words[w] as number;
    rows.src[o + 1] = words[w + 1] as number;
    rows.src[o + 2] = words[w + 2] as number;
    rows.src[o + 3] = words[w + 3] as number;
    rows.country[i] = country[si] as number;
    rows.asn[i] = asn[si] as number;
    rows.packets[i] = r.packets;
    rows.probes[i] = r.probes;
    rows.sessions[i] = r.sessions;
    rows.mirai[i] = r.syns[0] as number;
    rows.masscan[i] = r.syns[1] as number;
    rows.zmap[i] = r.syns[2] as number;
    rows.unknown[i] = r.syns[3] as number;
  }
}

function add(rows: SourceRows, i: number, r: RollupSourceRow): void {
  rows.packets[i] = (rows.packets[i] as number) + r.packets;
  rows.probes[i] = (rows.probes[i] as number) + r.probes;
  rows.sessions[i] = (rows.sessions[i] as number) + r.sessions;
  rows.mirai[i] = (rows.mirai[i] as number) + (r.syns[0] as number);
  rows.masscan[i] = (rows.masscan[i] as number) + (r.syns[1] as number);
  rows.zmap[i] = (rows.zmap[i] as number) + (r.syns[2] as number);
  rows.unknown[i] = (rows.unknown[i] as number) + (r.syns[3] as number);
}

/** Template-source rows moved to buckets of `b` seconds, merging rows that then share an id. */
function rebucketTemplateSources(rows: TemplateSourceRows, b: number): TemplateSourceRows {
  let aligned = true;
  for (let i = 0; i < rows.length && aligned; i++) aligned = (rows.bucket[i] as number) % b === 0;
  if (aligned) return rows;
  const out = templateSourceRows();
  const at = new Map<string, number>();
  for (let i = 0; i < rows.length; i++) {
    const bucket = Math.floor((rows.bucket[i] as number) / b) * b;
    const o = i * ADDR_WORDS;
    const k = `${bucket}|${rows.proto[i]}|${rows.port[i]}|${rows.template[i]}|${rows.src.subarray(o, o + 4).join(".")}`;
    let j = at.get(k);
    if (j === undefined) {
      j = addRow(out);
      at.set(k, j);
      out.bucket[j] = bucket;
      out.proto[j] = rows.proto[i] as number;
      out.port[j] = rows.port[i] as number;
      out.template[j] = rows.template[i] as string;
      out.src.set(rows.src.subarray(o, o + ADDR_WORDS), j * ADDR_WORDS);
    }
    out.sessions[j] = (out.sessions[j] as number) + (rows.sessions[i] as number);
  }
  return out;
}
