/**
 * @module What detection found in a run, gathered for the store while sessions go by: templates
 * with first/last/count and a sample, sessions per (bucket, port, template, source), IoCs, alerts.
 */

import type { Alert, Ioc, Template } from "../schema/detection.js";
import type { Session } from "../schema/session.js";
import { putAddr } from "./address.js";
import {
  type AlertRows,
  addAlert,
  addRow,
  alertRows,
  type IocRecord,
  protoCode,
  type RecordBatch,
  type RuleRecord,
  type TemplateRecord,
  type TemplateSourceRows,
  templateSourceRows,
} from "./records.js";

/** Bytes of a session's client payload kept as a template's sample. */
export const SAMPLE_BYTES = 512;

/**
 * A payload as printable ASCII: printable bytes, tab, CR and LF as they are, any other byte as
 * \xNN (a backslash as \\), so a sample is safe to store and to show.
 */
export function printableSample(bytes: Uint8Array, max = SAMPLE_BYTES): string {
  let s = "";
  const n = Math.min(bytes.length, max);
  for (let i = 0; i < n; i++) {
    const b = bytes[i] as number;
    if (b === 0x5c) s += "\\\\";
    else if ((b >= 0x20 && b < 0x7f) || b === 9 || b === 10 || b === 13)
      s += String.fromCharCode(b);
    else s += `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return s;
}

/** Collects one run's detections; `batch()` hands them to the store (see ingest.ts). */
export class DetectionRollup {
  private templates = new Map<string, TemplateRecord>();
  /** IoCs by type, then value (nested maps: no key string is built per occurrence). */
  private iocs = new Map<string, Map<string, IocRecord>>();
  /** Alerts as columns as they come (no Alert object is kept), and their rules. */
  private alertRows: AlertRows = alertRows(1024);
  private rules = new Map<string, RuleRecord>();
  private rows: TemplateSourceRows = templateSourceRows();
  /**
   * Template-source rows by template, then (bucket, proto, port) as one number, then source key:
   * a session costs three map lookups and builds no string.
   */
  private rowOf = new Map<string, Map<number, Map<number | string, number>>>();

  constructor(readonly bucketSeconds = 3600) {}

  /** A session, with its template when it has one and the IoCs its payload carried. */
  session(s: Session, template: Template | undefined, iocs: readonly Ioc[] = []): void {
    const t = template?.id;
    if (template !== undefined) {
      const rec = this.templates.get(template.id);
      if (rec === undefined) {
        this.templates.set(template.id, {
          template: template.id,
          kind: template.kind,
          text: template.text,
          first: s.start,
          last: s.start,
          count: 1,
          sample: printableSample(s.clientBytes),
          sampleSession: s.id,
        });
      } else {
        rec.count++;
        if (s.start < rec.first) rec.first = s.start;
        if (s.start > rec.last) rec.last = s.start;
      }
      const b = Math.floor(s.start / 1e6 / this.bucketSeconds);
      const proto = protoCode(s.proto);
      const slot = (b * 4 + proto) * 65536 + s.dport;
      let byPort = this.rowOf.get(template.id);
      if (byPort === undefined) {
        byPort = new Map();
        this.rowOf.set(template.id, byPort);
      }
      let bySource = byPort.get(slot);
      if (bySource === undefined) {
        bySource = new Map();
        byPort.set(slot, bySource);
      }
      let r = bySource.get(s.srcKey);
      if (r === undefined) {
        r = addRow(this.rows);
        this.rows.bucket[r] = b * this.bucketSeconds;
        this.rows.proto[r] = proto;
        this.rows.port[r] = s.dport;
        this.rows.template[r] = template.id;
        putAddr(s.srcKey, this.rows.src, r);
        bySource.set(s.srcKey, r);
      }
      this.rows.sessions[r] = (this.rows.sessions[r] as number) + 1;
    }
    for (const ioc of iocs) this.ioc(ioc, s.start, t);
  }

  /** An indicator seen at `ts` (µs), in a session of template `template` when known. */
  ioc(ioc: Ioc, ts: number, template?: string): void {
    let byValue = this.iocs.get(ioc.type);
    if (byValue === undefined) {
      byValue = new Map();
      this.iocs.set(ioc.type, byValue);
    }
    const rec = byValue.get(ioc.value);
    if (rec === undefined) {
      byValue.set(ioc.value, {
        type: ioc.type,
        value: ioc.value,
        first: ts,
        last: ts,
        count: 1,
        templates: template === undefined ? [] : [template],
      });
      return;
    }
    rec.count++;
    if (ts < rec.first) rec.first = ts;
    if (ts > rec.last) rec.last = ts;
    if (template !== undefined && !rec.templates.includes(template)) rec.templates.push(template);
  }

  alert(a: Alert): void {
    addAlert(this.alertRows, a, this.rules);
  }

  /**
   * The records collected so far, and a fresh start: a long-running sensor hands each flush
   * interval's detections to the store this way.
   */
  drain(): Omit<RecordBatch, "run"> {
    const out = this.batch();
    this.templates = new Map();
    this.iocs = new Map();
    this.alertRows = alertRows(1024);
    this.rules = new Map();
    this.rows = templateSourceRows();
    this.rowOf = new Map();
    return out;
  }

  /** The collected records, as the parts of a batch they fill. */
  batch(): Omit<RecordBatch, "run"> {
    return {
      templates: [...this.templates.values()],
      templateSources: this.rows,
      alerts: this.alertRows,
      rules: [...this.rules.values()],
      iocs: [...this.iocs.values()].flatMap((m) => [...m.values()]),
    };
  }
}
