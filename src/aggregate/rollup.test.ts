import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { readCaptures } from "../capture/read.js";
import { FP_MIRAI, FP_UNKNOWN } from "../detect/fingerprint.js";
import { Anomalies } from "../schema/anomalies.js";
import type { RawPacket } from "../schema/raw-packet.js";
import { buildFrame, type FrameSpec } from "../simulate/frames.js";
import { simulate } from "../simulate/scenarios.js";
import { Analyzer } from "./analyzer.js";
import { Rollup, type RollupSourceRow } from "./rollup.js";

const HONEYPOT = "203.0.113.5";
const HONEYPOT_N = 0xcb007105;
const T0 = Date.UTC(2018, 5, 14, 3) * 1000;
const MIN = 60e6;
const HOUR = 3600e6;

function run(frames: Array<[number, FrameSpec]>, rollup: Rollup): Analyzer {
  const a = new Analyzer({ anomalies: new Anomalies(), fileNames: ["test"], rollup });
  frames.forEach(([dt, spec], i) => {
    const data = buildFrame(spec);
    const raw: RawPacket = {
      ts: T0 + dt,
      linkType: 1,
      data,
      origLen: data.length,
      offset: i,
      fileIndex: 0,
    };
    a.packet(raw);
  });
  a.finish();
  return a;
}

function sourceRows(
  r: Rollup,
  a: Analyzer,
): Array<
  Omit<RollupSourceRow, "syns" | "portRow" | "source"> & {
    port: number;
    src: string;
    syns: number[];
  }
> {
  const out: ReturnType<typeof sourceRows> = [];
  r.forEachSource((x) => {
    const key = a.sources.keys[x.source] as number;
    out.push({
      bucket: x.bucket,
      port: a.ports.port(x.portRow),
      src: `${key >>> 24}.${(key >>> 16) & 255}.${(key >>> 8) & 255}.${key & 255}`,
      packets: x.packets,
      probes: x.probes,
      sessions: x.sessions,
      syns: [...x.syns],
    });
  });
  return out.sort((x, y) => x.bucket - y.bucket || x.port - y.port || (x.src < y.src ? -1 : 1));
}

const syn = (src: string, dport: number, sport: number, seq: number): FrameSpec => ({
  src,
  dst: HONEYPOT,
  proto: "tcp",
  sport,
  dport,
  seq,
  flags: 0x02,
});

describe("Rollup", () => {
  it("keeps minute and per-source rows with attempts, sessions and fingerprints", () => {
    const r = new Rollup();
    const c = "198.51.100.7";
    const a = run(
      [
        // A Mirai-style SYN (seq == destination) and its retransmission: one attempt, two packets.
        [0, syn("192.0.2.1", 23, 40001, HONEYPOT_N)],
        [1_000_000, syn("192.0.2.1", 23, 40001, HONEYPOT_N)],
        // A session to 80/tcp in the next minute.
        [MIN + 10, syn(c, 80, 40000, 1)],
        [
          MIN + 20,
          {
            src: HONEYPOT,
            dst: c,
            proto: "tcp",
            sport: 80,
            dport: 40000,
            seq: 9,
            ack: 2,
            flags: 0x12,
          },
        ],
        [
          MIN + 30,
          {
            src: c,
            dst: HONEYPOT,
            proto: "tcp",
            sport: 40000,
            dport: 80,
            seq: 2,
            ack: 10,
            flags: 0x18,
            payload: new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n"),
          },
        ],
        // The first source again, an hour later, on 80/tcp: a new bucket row.
        [HOUR + 5, syn("192.0.2.1", 80, 40002, 12345)],
        // UDP without payload, and ICMP echo request.
        [HOUR + 6, { src: "192.0.2.9", dst: HONEYPOT, proto: "udp", sport: 5000, dport: 5060 }],
        [HOUR + 7, { src: "192.0.2.9", dst: HONEYPOT, proto: "icmp", icmpType: 8, icmpCode: 0 }],
      ],
      r,
    );
    const h0 = Math.floor(T0 / 1e6 / 3600) * 3600;
    expect(sourceRows(r, a)).toEqual([
      {
        bucket: h0,
        port: 23,
        src: "192.0.2.1",
        packets: 2,
        probes: 1,
        sessions: 0,
        syns: [2, 0, 0, 0],
      },
      { bucket: h0, port: 80, src: c, packets: 2, probes: 0, sessions: 1, syns: [0, 0, 0, 1] },
      {
        bucket: h0 + 3600,
        port: 8,
        src: "192.0.2.9",
        packets: 1,
        probes: 1,
        sessions: 0,
        syns: [0, 0, 0, 0],
      },
      {
        bucket: h0 + 3600,
        port: 80,
        src: "192.0.2.1",
        packets: 1,
        probes: 1,
        sessions: 0,
        syns: [0, 0, 0, 1],
      },
      {
        bucket: h0 + 3600,
        port: 5060,
        src: "192.0.2.9",
        packets: 1,
        probes: 1,
        sessions: 0,
        syns: [0, 0, 0, 0],
      },
    ]);
    expect(FP_MIRAI).toBe(0);
    expect(FP_UNKNOWN).toBe(3);
    const minutes: Array<[number, number, number, number, number]> = [];
    r.forEachMinute((m, pr, packets, probes, sessions) => {
      minutes.push([m, a.ports.port(pr), packets, probes, sessions]);
    });
    const m0 = T0 / 1e6;
    expect(minutes.sort((x, y) => x[0] - y[0] || x[1] - y[1])).toEqual([
      [m0, 23, 2, 1, 0],
      [m0 + 60, 80, 2, 0, 1],
      [m0 + 3600, 8, 1, 1, 0],
      [m0 + 3600, 80, 1, 1, 0],
      [m0 + 3600, 5060, 1, 1, 0],
    ]);
  });

  it("refuses buckets under a minute, and a second analyzer", () => {
    expect(() => new Rollup({ bucketSeconds: 30 })).toThrow(/60/);
    const r = new Rollup();
    new Analyzer({ anomalies: new Anomalies(), fileNames: [], rollup: r });
    expect(() => new Analyzer({ anomalies: new Anomalies(), fileNames: [], rollup: r })).toThrow(
      /one Analyzer/,
    );
  });
});

/** The rows a rollup exports, keyed, for comparing with a plain Map-based count. */
function exported(r: Rollup): Map<string, number[]> {
  const out = new Map<string, number[]>();
  r.forEachMinute((m, pr, packets, probes, sessions) => {
    const k = `m|${m}|${pr}`;
    expect(out.has(k), k).toBe(false);
    out.set(k, [packets, probes, sessions]);
  });
  r.forEachSource((x) => {
    const k = `s|${x.bucket}|${x.portRow}|${x.source}`;
    expect(out.has(k), k).toBe(false);
    out.set(k, [x.packets, x.probes, x.sessions, ...x.syns]);
  });
  return out;
}

describe("Rollup against a plain count", () => {
  type Ev = {
    kind: "flow" | "packet" | "session" | "settle";
    si: number;
    pr: number;
    dt: number;
    back: number;
    fp: number;
  };
  const ev = fc.record({
    kind: fc.constantFrom("flow", "flow", "packet", "packet", "session", "settle"),
    si: fc.integer({ min: 0, max: 9 }),
    pr: fc.integer({ min: 0, max: 5 }),
    dt: fc.integer({ min: 0, max: 400e6 }),
    back: fc.nat(),
    fp: fc.integer({ min: -1, max: 3 }),
  }) as fc.Arbitrary<Ev>;

  it("exports exactly what a map of every update counts, in any order of updates", () => {
    fc.assert(
      fc.property(
        fc.array(ev, { maxLength: 300 }),
        fc.constantFrom(300, 3600),
        fc.boolean(),
        (evs, bucket, settles) => {
          const r = new Rollup({ bucketSeconds: bucket });
          const want = new Map<string, number[]>();
          const add = (k: string, col: number, width: number) => {
            const v = want.get(k) ?? new Array<number>(width).fill(0);
            v[col] = (v[col] as number) + 1;
            want.set(k, v);
          };
          const count = (si: number, pr: number, ts: number, col: number, fp: number) => {
            const m = Math.floor(ts / MIN) * 60;
            const b = Math.floor(ts / 1e6 / bucket) * bucket;
            add(`m|${m}|${pr}`, col, 3);
            add(`s|${b}|${pr}|${si}`, col, 7);
            if (fp >= 0) add(`s|${b}|${pr}|${si}`, 3 + fp, 7);
          };
          const seen = new Set<number>();
          const flows: Array<[number, number, number]> = [];
          let now = T0;
          for (const e of evs) {
            now += e.dt;
            if (e.kind === "settle") {
              // Reading the row counts mid-run settles the rollup; updates may follow.
              if (settles) void r.sourceRows;
            } else if (e.kind === "flow" || !seen.has(e.si)) {
              seen.add(e.si);
              flows.push([e.si, e.pr, now]);
              r.start(e.si, e.pr, now);
              r.packet(e.si, e.pr, now, e.fp);
              count(e.si, e.pr, now, 0, e.fp);
              count(e.si, e.pr, now, 1, -1);
            } else if (e.kind === "packet") {
              r.packet(e.si, e.pr, now, e.fp);
              count(e.si, e.pr, now, 0, e.fp);
            } else if (flows.length > 0) {
              // A session is counted when it closes, in the bucket its flow began: often the past.
              const f = flows[flows.length - 1 - (e.back % flows.length)] as [
                number,
                number,
                number,
              ];
              r.session(f[0], f[1], f[2]);
              count(f[0], f[1], f[2], 2, -1);
            }
          }
          // Attempts become probes: attempts minus sessions, never below zero.
          for (const v of want.values()) v[1] = Math.max(0, (v[1] as number) - (v[2] as number));
          expect(exported(r)).toEqual(want);
        },
      ),
      {
        numRuns: 300,
        // Found by CI: a settle emptied the minute ring, and a later accumulator wrote a second
        // row for a minute the ring no longer knew.
        examples: [
          [
            [
              { kind: "flow", si: 0, pr: 0, dt: 0, back: 0, fp: 0 },
              { kind: "flow", si: 0, pr: 0, dt: 313355670, back: 0, fp: 0 },
              { kind: "flow", si: 0, pr: 0, dt: 166644330, back: 0, fp: 0 },
              { kind: "settle", si: 0, pr: 0, dt: 0, back: 0, fp: 0 },
              { kind: "session", si: 0, pr: 0, dt: 0, back: 2010066683, fp: 0 },
              { kind: "settle", si: 0, pr: 0, dt: 0, back: 0, fp: 0 },
              { kind: "flow", si: 0, pr: 0, dt: 0, back: 0, fp: 0 },
            ],
            300,
            true,
          ],
        ],
      },
    );
  });
});

describe("Rollup on whole captures", () => {
  const dir = mkdtempSync(join(tmpdir(), "portent-rollup-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const smoke = join(dir, "smoke.pcap");
  simulate("smoke", { seed: 7, out: smoke });

  for (const [name, file] of [
    ["the smoke scenario", smoke],
    ["CTU-IoT-Malware-Capture-3-1", "../shared/data/pcaps/ctu-iot-malware-capture-3-1/test.pcap"],
  ] as const) {
    it(`adds up to the analyzer's port totals on ${name}`, async () => {
      const anomalies = new Anomalies();
      const r = new Rollup({ bucketSeconds: 300 });
      const a = new Analyzer({ anomalies, fileNames: [file], rollup: r });
      await readCaptures([file], (raw) => a.packet(raw), { anomalies });
      a.finish();
      const n = a.ports.size;
      expect(n).toBeGreaterThan(0);
      const byPort = Array.from({ length: n }, () => ({ packets: 0, probes: 0, sessions: 0 }));
      r.forEachMinute((_m, pr, packets, probes, sessions) => {
        const p = byPort[pr] as (typeof byPort)[number];
        p.packets += packets;
        p.probes += probes;
        p.sessions += sessions;
      });
      const srcPackets = new Float64Array(n);
      const srcSyns = Array.from({ length: n }, () => [0, 0, 0, 0]);
      const distinct = Array.from({ length: n }, () => new Set<number>());
      r.forEachSource((x) => {
        srcPackets[x.portRow] += x.packets;
        (distinct[x.portRow] as Set<number>).add(x.source);
        x.syns.forEach((v, f) => {
          (srcSyns[x.portRow] as number[])[f] += v;
        });
      });
      for (let pr = 0; pr < n; pr++) {
        const want = {
          packets: a.ports.packets(pr),
          probes: a.ports.probes(pr),
          sessions: a.ports.sessions(pr),
        };
        expect(byPort[pr], `port row ${pr}`).toEqual(want);
        expect(srcPackets[pr]).toBe(want.packets);
        expect(distinct[pr]?.size).toBe(a.ports.sources(pr));
        expect(srcSyns[pr]).toEqual([0, 1, 2, 3].map((f) => a.ports.syns(pr, f)));
      }
    });
  }
});
