/**
 * @module What detection found in a run, gathered for the store while sessions go by: templates
 * with first/last/count and a sample, sessions per (bucket, port, template, source), IoCs, alerts.
 */

import type { Alert, Ioc, Template } from "../schema/detection.js";
import type { Session } from "../schema/session.js";
import { putAddr } from "./address.js";
import {
  addRow,
  type IocRecord,
  protoCode,
  type RecordBatch,
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
  private readonly templates = new Map<string, TemplateRecord>();
  private readonly iocs = new Map<string, IocRecord>();
  private readonly alertList: Alert[] = [];
  private readonly rows: TemplateSourceRows = templateSourceRows();
  private readonly rowOf = new Map<string, number>();

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
      const bucket = Math.floor(s.start / 1e6 / this.bucketSeconds) * this.bucketSeconds;
      const key = `${bucket}|${s.proto}|${s.dport}|${template.id}|${s.srcKey}`;
      let r = this.rowOf.get(key);
      if (r === undefined) {
        r = addRow(this.rows);
        this.rows.bucket[r] = bucket;
        this.rows.proto[r] = protoCode(s.proto);
        this.rows.port[r] = s.dport;
        this.rows.template[r] = template.id;
        putAddr(s.srcKey, this.rows.src, r);
        this.rowOf.set(key, r);
      }
      this.rows.sessions[r] = (this.rows.sessions[r] as number) + 1;
    }
    for (const ioc of iocs) this.ioc(ioc, s.start, t);
  }

  /** An indicator seen at `ts` (µs), in a session of template `template` when known. */
  ioc(ioc: Ioc, ts: number, template?: string): void {
    const key = `${ioc.type}\u0000${ioc.value}`;
    const rec = this.iocs.get(key);
    if (rec === undefined) {
      this.iocs.set(key, {
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
    this.alertList.push(a);
  }

  /** The collected records, as the parts of a batch they fill. */
  batch(): Omit<RecordBatch, "run"> {
    return {
      templates: [...this.templates.values()],
      templateSources: this.rows,
      alerts: this.alertList,
      iocs: [...this.iocs.values()],
    };
  }
}
