/**
 * Fuzzes the whole offline pipeline (reader → decoder → flows and HTTP → counters → report) with
 * random and mutated captures: nothing may throw except NotACaptureError, every case ends, and
 * memory stays bounded. 10,000+ cases per run.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Analyzer } from "../../src/aggregate/analyzer.js";
import { buildReport } from "../../src/aggregate/report.js";
import { parseCaptureBuffer } from "../../src/capture/format.js";
import { pcapGlobalHeader, pcapRecord } from "../../src/capture/pcap-writer.js";
import { Detection } from "../../src/detect/setup.js";
import { Anomalies } from "../../src/schema/anomalies.js";
import { NotACaptureError } from "../../src/schema/errors.js";
import type { Probe, Session } from "../../src/schema/session.js";
import { buildFrame, linuxSynOptions } from "../../src/simulate/frames.js";

/** Cases per property; four properties make the run's total. */
const RUNS = 2_600;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((t, p) => t + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A small valid capture: an HTTP exploit session, Mirai-style SYNs, UDP, ICMP, IPv6. */
function seedCapture(): Uint8Array {
  const t = 1_528_945_800_000_000;
  const c = "198.51.100.7";
  const s = "203.0.113.5";
  const req = new TextEncoder().encode("POST /login.htm HTTP/1.1\r\n");
  const body = new TextEncoder().encode(
    `command=login&username=${"A".repeat(90)}&password=PoC\r\n\r\n`,
  );
  const frames = [
    buildFrame({
      src: c,
      dst: s,
      proto: "tcp",
      sport: 40000,
      dport: 8000,
      seq: 100,
      flags: 0x02,
      tcpOptions: linuxSynOptions(),
    }),
    buildFrame({
      src: s,
      dst: c,
      proto: "tcp",
      sport: 8000,
      dport: 40000,
      seq: 900,
      ack: 101,
      flags: 0x12,
    }),
    buildFrame({
      src: c,
      dst: s,
      proto: "tcp",
      sport: 40000,
      dport: 8000,
      seq: 101,
      ack: 901,
      flags: 0x10,
    }),
    buildFrame({
      src: c,
      dst: s,
      proto: "tcp",
      sport: 40000,
      dport: 8000,
      seq: 101,
      ack: 901,
      flags: 0x18,
      payload: req,
    }),
    buildFrame({
      src: c,
      dst: s,
      proto: "tcp",
      sport: 40000,
      dport: 8000,
      seq: 101 + req.length,
      ack: 901,
      flags: 0x18,
      payload: body,
    }),
    buildFrame({
      src: c,
      dst: s,
      proto: "tcp",
      sport: 40000,
      dport: 8000,
      seq: 101 + req.length + body.length,
      ack: 901,
      flags: 0x11,
    }),
    buildFrame({
      src: "192.0.2.9",
      dst: s,
      proto: "tcp",
      sport: 5555,
      dport: 23,
      seq: 0xcb007105,
      flags: 0x02,
    }),
    buildFrame({
      src: "192.0.2.9",
      dst: s,
      proto: "udp",
      sport: 5353,
      dport: 53,
      payload: Uint8Array.of(1, 2, 3),
    }),
    buildFrame({ src: "192.0.2.9", dst: s, proto: "icmp", payload: Uint8Array.of(0, 1, 0, 1) }),
    buildFrame({
      src: "2001:db8::1",
      dst: "2001:db8:ffff::5",
      proto: "tcp",
      sport: 1234,
      dport: 80,
      flags: 0x02,
    }),
  ];
  return concat([pcapGlobalHeader(1), ...frames.map((f, i) => pcapRecord(t + i * 1000, f))]);
}

const SEEDS: Uint8Array[] = [
  seedCapture(),
  new Uint8Array(
    readFileSync(
      resolve(process.cwd(), "../shared/data/pcaps/suricata-verify-bug-5437/bug-5437-02.pcap"),
    ),
  ),
];

/**
 * Runs the pipeline on `buf`, with the detection stage (IoT pack, templates, IoCs, campaigns,
 * draft rules, surges) when `detect`; returns the report's packet count, or -1 for a non-capture.
 */
function run(buf: Uint8Array, detect = false): number {
  const anomalies = new Anomalies();
  const d = detect
    ? new Detection({ rules: [], defaultRules: true, families: [], surges: { bucketSeconds: 300 } })
    : undefined;
  const a = new Analyzer({
    anomalies,
    fileNames: ["fuzz"],
    ...(d !== undefined
      ? { onSession: (s: Session) => d.stage.session(s), onProbe: (p: Probe) => d.stage.probe(p) }
      : {}),
  });
  try {
    parseCaptureBuffer(buf, (p) => a.packet(p), anomalies, "fuzz");
  } catch (e) {
    if (e instanceof NotACaptureError) return -1;
    throw e;
  }
  a.finish();
  const r = buildReport(a, { anomalies, files: [] });
  if (d !== undefined) {
    const found = d.finish(a.packets > 0 ? { start: a.firstTs, end: a.lastTs } : undefined);
    expect(found.campaigns.reduce((t, c) => t + c.sessions, 0)).toBe(d.stage.sessions);
  }
  expect(anomalies.get("decoder_error")).toBe(0);
  expect(r.input.packets).toBe(a.packets);
  return r.input.packets;
}

const mutation = fc.oneof(
  fc.record({
    kind: fc.constant("flip" as const),
    at: fc.nat(),
    bits: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), v: fc.nat(255) }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("dup" as const),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 200 }),
  }),
  fc.record({
    kind: fc.constant("zero" as const),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 64 }),
  }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(seed: Uint8Array, ms: Mutation[]): Uint8Array {
  let b: Uint8Array = seed.slice();
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === "flip") b[at] = (b[at] as number) ^ m.bits;
    else if (m.kind === "set") b[at] = m.v;
    else if (m.kind === "cut") b = b.slice(0, at);
    else if (m.kind === "dup") b = concat([b.slice(0, at + m.len), b.slice(at)]);
    else b.fill(0, at, at + m.len);
  }
  return b;
}

describe("pipeline fuzz", () => {
  it("reads the seeds cleanly", () => {
    expect(run(SEEDS[0] as Uint8Array)).toBe(10);
    expect(run(SEEDS[1] as Uint8Array)).toBe(60);
  });

  it("survives mutated captures (header-preserving mutations)", () => {
    fc.assert(
      fc.property(
        fc.nat(SEEDS.length - 1),
        fc.array(mutation, { minLength: 1, maxLength: 8 }),
        (i, ms) => {
          const seed = SEEDS[i] as Uint8Array;
          // keep the 24-byte file header so the reader goes past the magic
          const body = mutate(seed.subarray(24), ms);
          run(concat([seed.subarray(0, 24), body]), true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("survives mutations anywhere, including the file header", () => {
    fc.assert(
      fc.property(
        fc.nat(SEEDS.length - 1),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (i, ms) => {
          run(mutate(SEEDS[i] as Uint8Array, ms));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("survives random records after a valid header, for every link type", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 9999),
        fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }),
        (linkType, frames) => {
          const t = 1_528_945_800_000_000;
          run(concat([pcapGlobalHeader(linkType), ...frames.map((f, k) => pcapRecord(t + k, f))]));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("survives random bytes and keeps memory bounded", () => {
    const before = process.memoryUsage().heapUsed;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (b) => {
        run(b);
      }),
      { numRuns: RUNS },
    );
    global.gc?.();
    // Nothing may accumulate across cases: 2,600 runs of independent pipelines.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(256 * 2 ** 20);
  });
});
