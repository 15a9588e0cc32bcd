/**
 * @module Record batches for tests and benchmarks, built from readable rows (documentation
 * addresses only).
 */

import type { Alert } from "../schema/detection.js";
import { putAddr } from "./address.js";
import { countryIndex } from "./countries.js";
import {
  addRow,
  type MinuteRows,
  minuteRows,
  type Proto,
  protoCode,
  type SourceRows,
  sourceRows,
  type TemplateSourceRows,
  templateSourceRows,
} from "./records.js";

export const HOUR = 3600;
/** 2018-06-09T00:00Z, in seconds. */
export const T0 = 1528502400;

export interface MinuteSpec {
  minute: number;
  proto?: Proto;
  port: number;
  packets?: number;
  probes?: number;
  sessions?: number;
}

export function minutesOf(specs: MinuteSpec[]): MinuteRows {
  const rows = minuteRows();
  for (const m of specs) {
    const i = addRow(rows);
    rows.minute[i] = m.minute;
    rows.proto[i] = protoCode(m.proto ?? "tcp");
    rows.port[i] = m.port;
    rows.packets[i] = m.packets ?? 1;
    rows.probes[i] = m.probes ?? 0;
    rows.sessions[i] = m.sessions ?? 0;
  }
  return rows;
}

export interface SourceSpec {
  bucket: number;
  proto?: Proto;
  port: number;
  src: string;
  packets?: number;
  probes?: number;
  sessions?: number;
  mirai?: number;
  masscan?: number;
  zmap?: number;
  unknown?: number;
  country?: string;
  asn?: number;
}

export function sourcesOf(specs: SourceSpec[]): SourceRows {
  const rows = sourceRows();
  for (const s of specs) {
    const i = addRow(rows);
    rows.bucket[i] = s.bucket;
    rows.proto[i] = protoCode(s.proto ?? "tcp");
    rows.port[i] = s.port;
    putAddr(s.src, rows.src, i);
    rows.packets[i] = s.packets ?? 1;
    rows.probes[i] = s.probes ?? 0;
    rows.sessions[i] = s.sessions ?? 0;
    rows.mirai[i] = s.mirai ?? 0;
    rows.masscan[i] = s.masscan ?? 0;
    rows.zmap[i] = s.zmap ?? 0;
    rows.unknown[i] = s.unknown ?? 0;
    rows.country[i] = countryIndex(s.country ?? "");
    rows.asn[i] = s.asn ?? 0;
  }
  return rows;
}

export interface TemplateSourceSpec {
  bucket: number;
  proto?: Proto;
  port: number;
  template: string;
  src: string;
  sessions?: number;
}

export function templateSourcesOf(specs: TemplateSourceSpec[]): TemplateSourceRows {
  const rows = templateSourceRows();
  for (const s of specs) {
    const i = addRow(rows);
    rows.bucket[i] = s.bucket;
    rows.proto[i] = protoCode(s.proto ?? "tcp");
    rows.port[i] = s.port;
    rows.template.push(s.template);
    putAddr(s.src, rows.src, i);
    rows.sessions[i] = s.sessions ?? 1;
  }
  return rows;
}

/** An alert of rule `sid` on a session at `ts` µs. */
export function alertOf(
  sid: number,
  ts: number,
  src: string,
  dport: number,
  session: string,
): Alert {
  return {
    rule: {
      sid,
      gid: 1,
      rev: 1,
      msg: `PORTENT test rule ${sid}`,
      classtype: "attempted-admin",
      category: "",
      priority: 1,
      cve: sid === 1 ? ["CVE-2018-10088"] : [],
      references: [],
      metadata: {},
    },
    ts,
    proto: "tcp",
    src,
    sport: 40000,
    dst: "203.0.113.1",
    dport,
    sessionId: session,
    httpIndex: 0,
  };
}
