/** @module Builds the analysis report (schema/report.ts) from an Analyzer's counters. */

import { addrKeyToString } from "../decode/decoded.js";
import { FINGERPRINT_VERSION, FINGERPRINTS } from "../detect/fingerprint.js";
import type { Anomalies } from "../schema/anomalies.js";
import {
  type AnalysisReport,
  REPORT_VERSION,
  type ReportFingerprint,
  type ReportInputFile,
  type ReportPort,
  type ReportSource,
} from "../schema/report.js";
import type { Analyzer } from "./analyzer.js";
import { HOUR_US } from "./hourly.js";
import { PROTO_NAMES, type ProtoName } from "./ports.js";
import { isoTime } from "./time.js";

/** How many sources the report lists. */
export const TOP_SOURCES = 20;
/** Hourly arrays longer than this are left out of the JSON (a year of hours per port is too much). */
export const MAX_HOURLY_BUCKETS = 24 * 62;
/** Ports (by rank) that carry their hourly series; a darknet sees tens of thousands of ports. */
export const MAX_HOURLY_PORTS = 200;

export const PORTENT_VERSION = "0.1.0";

export { isoTime } from "./time.js";

export interface ReportInputs {
  files: ReportInputFile[];
  anomalies: Anomalies;
  /** How many sources `topSources` lists (default TOP_SOURCES). */
  topSources?: number;
}

export function buildReport(a: Analyzer, inputs: ReportInputs): AnalysisReport {
  const hasTime = a.packets > 0 && Number.isFinite(a.firstTs);
  const h0 = hasTime ? Math.floor(a.firstTs / HOUR_US) : 0;
  const h1 = hasTime ? Math.floor(a.lastTs / HOUR_US) + 1 : 0;
  const withHourly = h1 - h0 <= MAX_HOURLY_BUCKETS;

  const pt = a.ports;
  // Rows sorted by their numbers first, report objects made after: a darknet's capture has tens
  // of thousands of ports, most of them tied at one source and one packet.
  const order: number[] = [];
  for (let r = 0; r < pt.size; r++) order.push(r);
  const nameOf = (r: number): ProtoName => PROTO_NAMES[pt.proto(r)] ?? "tcp";
  order.sort((x, y) => {
    const d = pt.sources(y) - pt.sources(x) || pt.packets(y) - pt.packets(x);
    if (d !== 0) return d;
    const px = nameOf(x);
    const py = nameOf(y);
    // Protocol names are lower-case ASCII: code-unit order is the locale's order.
    return px < py ? -1 : px > py ? 1 : pt.port(x) - pt.port(y);
  });
  const portRows: ReportPort[] = order.map((r, rank) => {
    const fps: Record<string, number> = {};
    for (let i = 0; i < FINGERPRINTS.length; i++) {
      const n = pt.syns(r, i);
      if (n > 0) fps[FINGERPRINTS[i] as string] = n;
    }
    return {
      proto: nameOf(r),
      port: pt.port(r),
      packets: pt.packets(r),
      probes: pt.probes(r),
      sessions: pt.sessions(r),
      sources: pt.sources(r),
      hourly: withHourly && rank < MAX_HOURLY_PORTS ? pt.hourRange(r, h0, h1) : [],
      fingerprints: fps,
    };
  });

  return {
    version: REPORT_VERSION,
    generator: {
      name: "portent",
      version: PORTENT_VERSION,
      fingerprintVersion: FINGERPRINT_VERSION,
    },
    input: {
      files: inputs.files.map((f) => f.name),
      packets: a.packets,
      bytes: inputs.files.reduce((t, f) => t + f.bytes, 0),
      start: hasTime ? isoTime(a.firstTs) : null,
      end: hasTime ? isoTime(a.lastTs) : null,
      anomalies: inputs.anomalies.toCounts(),
      anomalyFirst: inputs.anomalies.toFirst(),
      details: inputs.files,
      nonIp: a.nonIp,
    },
    hoursStart: hasTime && withHourly ? isoTime(h0 * HOUR_US) : null,
    bucketSeconds: 3600,
    ports: portRows,
    fingerprints: fingerprintTotals(a),
    topSources: topSources(a, inputs.topSources ?? TOP_SOURCES),
    streams: {
      sessions: a.sessionCount,
      probes: a.probeCount,
      flowsEvicted: a.flows.stats.evicted,
      httpSessions: a.httpSessions,
    },
    alerts: [],
    surges: [],
    campaigns: [],
    iocs: [],
  };
}

function fingerprintTotals(a: Analyzer): ReportFingerprint[] {
  const n = FINGERPRINTS.length;
  const src = a.sources;
  const out: ReportFingerprint[] = FINGERPRINTS.map((name) => ({
    name,
    sources: 0,
    packets: 0,
    exclusiveSources: 0,
  }));
  for (let i = 0; i < src.size; i++) {
    const syns = src.syns(i);
    if (syns === 0) continue;
    for (let f = 0; f < n; f++) {
      const c = src.fingerprintSyns(i, f);
      if (c === 0) continue;
      const row = out[f] as ReportFingerprint;
      row.sources++;
      row.packets += c;
      if (c === syns) row.exclusiveSources++;
    }
  }
  return out.sort((x, y) => y.sources - x.sources || y.packets - x.packets);
}

function topSources(a: Analyzer, k: number): ReportSource[] {
  const src = a.sources;
  const packets = new Float64Array(src.size);
  for (let i = 0; i < src.size; i++) packets[i] = src.packets(i);
  const top = topIndexes(packets, src.size, k);
  return top.map((i) => {
    const syns = src.syns(i);
    const fps: Record<string, number> = {};
    if (syns > 0) {
      FINGERPRINTS.forEach((name, f) => {
        const c = src.fingerprintSyns(i, f);
        if (c > 0) fps[name] = Math.round((c / syns) * 1000) / 1000;
      });
    }
    return {
      address: addrKeyToString(src.keys[i] as number | string),
      packets: src.packets(i),
      ports: src.ports(i),
      sessions: src.sessions(i),
      first: isoTime(src.first(i)),
      last: isoTime(src.last(i)),
      fingerprints: fps,
    };
  });
}

/** Indexes of the `k` largest values of `v[0, n)`, largest first, ties by index: O(n·k), no sort of n. */
export function topIndexes(v: Float64Array, n: number, k: number): number[] {
  if (k > 64) {
    // Insertion into a long top list costs O(n·k): sort instead.
    const all = Array.from({ length: n }, (_, i) => i);
    all.sort((x, y) => (v[y] as number) - (v[x] as number) || x - y);
    return all.slice(0, k);
  }
  const top: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = v[i] as number;
    if (top.length === k && x <= (v[top[k - 1] as number] as number)) continue;
    let j = top.length < k ? top.length : k - 1;
    while (j > 0 && (v[top[j - 1] as number] as number) < x) {
      if (j < k) top[j] = top[j - 1] as number;
      j--;
    }
    top[j] = i;
  }
  return top;
}
