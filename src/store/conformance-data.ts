/**
 * @module The data of the store conformance suite: two consecutive captures that share an hour
 * (documentation addresses only), and how to cut a batch in halves.
 */

import { fnv1a64 } from "../decode/session-id.js";
import {
  alertOf,
  HOUR,
  minutesOf,
  type SourceSpec,
  sourcesOf,
  T0,
  templateSourcesOf,
} from "./fixtures.js";
import { alertsOf, type RecordBatch, runIdOf, sliceRows } from "./records.js";

export const US = 1e6;
export const RUN_A = runIdOf("capture-a");
export const RUN_B = runIdOf("capture-b");
export const TPL = fnv1a64("GET /login.rsp");
export const TPL2 = fnv1a64("POST /GponForm/diag_Form");
export const ALL = { from: T0 * US, to: (T0 + 10 * HOUR) * US };

/** Capture A: hours 0 and 1 of 2018-06-09; 8000/tcp is scanned by Mirai-style bots. */
export function captureA(): RecordBatch {
  const src: SourceSpec[] = [
    { bucket: T0, port: 8000, src: "192.0.2.1", packets: 3, probes: 2, mirai: 3, country: "CN" },
    { bucket: T0, port: 8000, src: "192.0.2.2", packets: 2, sessions: 1, mirai: 1, country: "BR" },
    { bucket: T0, port: 23, src: "192.0.2.1", packets: 1, probes: 1, mirai: 1, country: "CN" },
    { bucket: T0 + HOUR, port: 8000, src: "192.0.2.3", packets: 1, masscan: 1, asn: 64496 },
    { bucket: T0 + HOUR, port: 8000, src: "2001:db8::7", packets: 4, unknown: 4 },
    { bucket: T0 + HOUR, proto: "udp", port: 5060, src: "198.51.100.9", packets: 1, probes: 1 },
  ];
  return {
    run: RUN_A,
    minutes: minutesOf([
      { minute: T0, port: 8000, packets: 4, probes: 2 },
      { minute: T0 + 60, port: 8000, packets: 1, sessions: 1 },
      { minute: T0 + 120, port: 23, packets: 1, probes: 1 },
      { minute: T0 + HOUR, port: 8000, packets: 5 },
      { minute: T0 + HOUR, proto: "udp", port: 5060, packets: 1, probes: 1 },
    ]),
    sources: sourcesOf(src),
    templateSources: templateSourcesOf([
      { bucket: T0, port: 8000, template: TPL, src: "192.0.2.2", sessions: 1 },
    ]),
    templates: [
      {
        template: TPL,
        kind: "http",
        text: "GET /login.rsp",
        first: (T0 + 61) * US,
        last: (T0 + 61) * US,
        count: 1,
        sample: "GET /login.rsp HTTP/1.1",
        sampleSession: "s-a-1",
      },
    ],
    ...alertsOf([alertOf(1, (T0 + 61) * US, "192.0.2.2", 8000, "s-a-1")]),
    iocs: [
      {
        type: "url",
        value: "http://198.51.100.7/bins/x86",
        first: (T0 + 61) * US,
        last: (T0 + 61) * US,
        count: 1,
        templates: [TPL],
      },
    ],
    sensors: [{ sensor: "capture", first: T0 * US, last: (T0 + HOUR + 59) * US }],
  };
}

/** Capture B follows A and shares its second hour: 192.0.2.3 again, and a new source. */
export function captureB(): RecordBatch {
  return {
    run: RUN_B,
    minutes: minutesOf([
      { minute: T0 + HOUR + 120, port: 8000, packets: 2, sessions: 2 },
      { minute: T0 + 2 * HOUR, port: 8000, packets: 1, probes: 1 },
    ]),
    sources: sourcesOf([
      {
        bucket: T0 + HOUR,
        port: 8000,
        src: "192.0.2.3",
        packets: 1,
        sessions: 1,
        masscan: 1,
        asn: 64496,
      },
      { bucket: T0 + HOUR, port: 8000, src: "192.0.2.4", packets: 1, sessions: 1 },
      { bucket: T0 + 2 * HOUR, port: 8000, src: "192.0.2.4", packets: 1, probes: 1, mirai: 1 },
    ]),
    templateSources: templateSourcesOf([
      { bucket: T0 + HOUR, port: 8000, template: TPL, src: "192.0.2.3" },
      { bucket: T0 + HOUR, port: 8000, template: TPL2, src: "192.0.2.4" },
    ]),
    templates: [
      {
        template: TPL,
        kind: "http",
        text: "GET /login.rsp",
        first: (T0 + HOUR + 120) * US,
        last: (T0 + HOUR + 130) * US,
        count: 1,
        sample: "GET /login.rsp HTTP/1.0",
        sampleSession: "s-b-1",
      },
      {
        template: TPL2,
        kind: "http",
        text: "POST /GponForm/diag_Form",
        first: (T0 + HOUR + 125) * US,
        last: (T0 + HOUR + 125) * US,
        count: 1,
        sample: "POST /GponForm/diag_Form?images/ HTTP/1.1",
        sampleSession: "s-b-2",
      },
    ],
    ...alertsOf([
      alertOf(1, (T0 + HOUR + 120) * US, "192.0.2.3", 8000, "s-b-1"),
      alertOf(2, (T0 + HOUR + 125) * US, "192.0.2.4", 8000, "s-b-2"),
    ]),
    iocs: [
      {
        type: "url",
        value: "http://198.51.100.7/bins/x86",
        first: (T0 + HOUR + 120) * US,
        last: (T0 + HOUR + 130) * US,
        count: 2,
        templates: [TPL2, TPL],
      },
    ],
    sensors: [{ sensor: "capture", first: (T0 + HOUR + 60) * US, last: (T0 + 2 * HOUR + 30) * US }],
  };
}

/** Half of a batch's rows (the first or second half of every table). */
export function half(b: RecordBatch, second: boolean): RecordBatch {
  const cut = <R extends { length: number }>(r: R | undefined): R | undefined => {
    if (r === undefined) return undefined;
    const h = Math.ceil(r.length / 2);
    return second ? sliceRows(r, h, r.length) : sliceRows(r, 0, h);
  };
  const arr = <T>(a: T[] | undefined): T[] => {
    if (a === undefined) return [];
    const h = Math.ceil(a.length / 2);
    return second ? a.slice(h) : a.slice(0, h);
  };
  const out: RecordBatch = { run: b.run, templates: arr(b.templates), rules: arr(b.rules) };
  const a = cut(b.alerts);
  if (a !== undefined) out.alerts = a;
  const m = cut(b.minutes);
  const s = cut(b.sources);
  const t = cut(b.templateSources);
  if (m !== undefined) out.minutes = m;
  if (s !== undefined) out.sources = s;
  if (t !== undefined) out.templateSources = t;
  out.iocs = arr(b.iocs);
  out.sensors = arr(b.sensors);
  return out;
}
