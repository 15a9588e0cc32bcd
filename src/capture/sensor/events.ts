/**
 * @module The sensor's event log: one JSON object per line for every connection, in the spirit of
 * Cowrie's and Suricata's logs, for tools that tail a file. Values are the real ones (JSON is
 * data; only terminal output defangs).
 */

import { createWriteStream, type WriteStream } from "node:fs";
import type { RecordedConnection } from "./recorder.js";

/** Client bytes kept in an event as `payload` (printable form), so a line stays small. */
export const EVENT_PAYLOAD_BYTES = 2048;

/** The fields of one event (docs/sensor.md lists them). */
export interface SensorEvent {
  ts: string;
  event: "session" | "probe" | "refused";
  sensor: string;
  persona: string;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  /** Client and server bytes sent, and how the connection ended. */
  bytes?: number;
  serverBytes?: number;
  close?: string;
  limit?: string;
  request?: string;
  template?: string;
  alerts?: Array<{ sid: number; msg: string; cve: string[] }>;
  iocs?: Array<{ type: string; value: string }>;
  credentials?: Array<{ user: string; password: string; accepted: boolean }>;
  commands?: string[];
  payload?: string;
  session?: string;
}

/** The first line of a payload (up to 200 bytes) as latin-1 text. */
export function firstLine(b: Uint8Array): string {
  let end = Math.min(b.length, 200);
  for (let i = 0; i < end; i++) {
    if (b[i] === 0x0a || b[i] === 0x0d) {
      end = i;
      break;
    }
  }
  let s = "";
  for (let i = 0; i < end; i++) s += String.fromCharCode(b[i] as number);
  return s;
}

/** Printable form of a payload: bytes outside printable ASCII (and backslash) as \xNN. */
function printable(b: Uint8Array, max: number): string {
  let s = "";
  const n = Math.min(b.length, max);
  for (let i = 0; i < n; i++) {
    const c = b[i] as number;
    if (c === 0x5c) s += "\\\\";
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else if (c === 0x0a) s += "\\n";
    else if (c === 0x0d) s += "\\r";
    else s += `\\x${c.toString(16).padStart(2, "0")}`;
  }
  return s;
}

/** The event of one recorded connection. */
export function eventOf(sensor: string, r: RecordedConnection): SensorEvent {
  const s = r.session;
  const p = r.probe;
  const base = s ?? p;
  const ts = s !== undefined ? s.start : (p?.ts ?? 0);
  const e: SensorEvent = {
    ts: new Date(Math.floor(ts / 1000)).toISOString(),
    event: s !== undefined ? "session" : r.limit !== undefined ? "refused" : "probe",
    sensor,
    persona: r.persona,
    src: base?.src ?? "",
    sport: base?.sport ?? 0,
    dst: base?.dst ?? "",
    dport: base?.dport ?? 0,
  };
  if (r.limit !== undefined) e.limit = r.limit;
  if (s !== undefined) {
    e.session = s.id;
    e.bytes = s.clientBytesTotal;
    e.serverBytes = s.serverBytesTotal;
    e.close = s.close;
    e.request = firstLine(s.clientBytes);
    e.payload = printable(s.clientBytes, EVENT_PAYLOAD_BYTES);
    if (r.template !== undefined) e.template = r.template.id;
    if (r.alerts.length > 0) {
      e.alerts = r.alerts.map((a) => ({ sid: a.rule.sid, msg: a.rule.msg, cve: a.rule.cve }));
    }
    if (r.iocs.length > 0) e.iocs = r.iocs.map((i) => ({ type: i.type, value: i.value }));
  }
  if (r.facts?.credentials !== undefined && r.facts.credentials.length > 0) {
    e.credentials = r.facts.credentials;
  }
  if (r.facts?.commands !== undefined && r.facts.commands.length > 0) e.commands = r.facts.commands;
  return e;
}

/** Appends events to a file; a write error is counted and reported once, never thrown. */
export class EventLog {
  written = 0;
  errors = 0;
  private readonly out: WriteStream;

  constructor(
    readonly path: string,
    private readonly sensor: string,
    onError: (e: Error) => void,
  ) {
    this.out = createWriteStream(path, { flags: "a" });
    this.out.on("error", (e) => {
      this.errors++;
      if (this.errors === 1) onError(e);
    });
  }

  write(r: RecordedConnection): void {
    if (this.errors > 0) return;
    this.out.write(`${JSON.stringify(eventOf(this.sensor, r))}\n`);
    this.written++;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.out.end(() => resolve()));
  }
}
