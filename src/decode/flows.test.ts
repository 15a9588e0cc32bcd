import { describe, expect, it } from "vitest";
import { Anomalies } from "../schema/anomalies.js";
import {
  bytes,
  Collect,
  type PacketSpec,
  pkt,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
  text,
} from "./flow-fixture.js";
import { DEFAULT_FLOW_CONFIG, type FlowConfig, FlowTable } from "./flows.js";

const C = "192.0.2.10";
const S = "203.0.113.5";
const SA = TCP_SYN | TCP_ACK;
const PA = TCP_ACK | 0x08;
const FA = TCP_FIN | TCP_ACK;

function setup(config: Partial<FlowConfig> = {}) {
  const out = new Collect();
  const anomalies = new Anomalies();
  const table = new FlowTable(
    { ...DEFAULT_FLOW_CONFIG, ...config },
    out,
    anomalies,
    (i) => `f${i}.pcap`,
  );
  const feed = (spec: PacketSpec, fp = "") => table.packet(pkt(spec), fp);
  return { out, anomalies, table, feed };
}

/** Client→server and server→client packet specs of one connection, C:sport → S:dport. */
function conn(sport: number, dport = 80) {
  const c = (
    t: number,
    flags: number,
    seq: number,
    payload = "",
    more: Partial<PacketSpec> = {},
  ) => ({
    t,
    src: C,
    dst: S,
    sport,
    dport,
    flags,
    seq,
    payload,
    ...more,
  });
  const s = (t: number, flags: number, seq: number, payload = "") => ({
    t,
    src: S,
    dst: C,
    sport: dport,
    dport: sport,
    flags,
    seq,
    payload,
  });
  return { c, s };
}

describe("FlowTable: TCP probes", () => {
  it("turns SYN-only attempts into probes with the first SYN's header fields", () => {
    const { out, feed, table } = setup();
    const { c } = conn(40000, 23);
    const syn = { ttl: 51, window: 14600, ipId: 0x1234, optLen: 0 };
    expect(feed(c(0, TCP_SYN, 0xcb007105, "", syn), "mirai")).toBe(true);
    expect(feed(c(3, TCP_SYN, 0xcb007105, "", { ttl: 50 }), "mirai")).toBe(true); // retransmission
    expect(out.probes).toEqual([]);
    // A later packet of another flow moves capture time past the SYN timeout.
    feed({ t: 40, src: "198.51.100.1", dst: S, sport: 1, dport: 2, flags: TCP_SYN });
    expect(out.probes).toEqual([
      {
        proto: "tcp",
        src: C,
        srcKey: 0xc000020a,
        sport: 40000,
        dst: S,
        dport: 23,
        ts: 0,
        packets: 2,
        fingerprint: "mirai",
        ttl: 51,
        window: 14600,
        ipId: 0x1234,
        seq: 0xcb007105,
        tcpOptionsLen: 0,
      },
    ]);
    expect(table.stats).toMatchObject({ timedOut: 1, probes: 1, active: 1, created: 2 });
  });

  it("keeps SYN, SYN-ACK, RST (a scanner's kernel resetting) as one probe after the linger", () => {
    const { out, feed, table } = setup();
    const { c, s } = conn(40001);
    expect(feed(c(0, TCP_SYN, 100))).toBe(true);
    expect(feed(s(0.01, SA, 900))).toBe(false);
    expect(feed(c(0.02, TCP_RST, 101))).toBe(true);
    feed(c(2, TCP_SYN, 100)); // late retransmission, same ISN: same attempt
    table.finish();
    expect(out.probes.map((p) => p.packets)).toEqual([3]);
    expect(out.sessions).toEqual([]);
  });

  it("counts backscatter (a lone SYN-ACK or RST) towards its destination port", () => {
    const { out, feed, table } = setup();
    expect(
      feed({ t: 0, src: "198.51.100.9", dst: S, sport: 80, dport: 51000, flags: SA, seq: 7 }),
    ).toBe(true);
    expect(
      feed({ t: 0.1, src: "198.51.100.9", dst: S, sport: 80, dport: 51000, flags: SA, seq: 7 }),
    ).toBe(true);
    expect(
      feed({ t: 1, src: "198.51.100.8", dst: S, sport: 443, dport: 52000, flags: TCP_RST }),
    ).toBe(true);
    table.finish();
    expect(
      out.probes.map((p) => [p.src, p.sport, p.dst, p.dport, p.packets, p.fingerprint]),
    ).toEqual([
      ["198.51.100.9", 80, S, 51000, 2, ""],
      ["198.51.100.8", 443, S, 52000, 1, ""],
    ]);
  });
});

describe("FlowTable: TCP sessions", () => {
  const request = "GET /shell?cd+/tmp HTTP/1.1\r\nHost: 203.0.113.5\r\n\r\n";
  const response = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";

  function httpConnection(feed: (s: PacketSpec, fp?: string) => boolean, sport: number, t0 = 0) {
    const { c, s } = conn(sport);
    const dirs: boolean[] = [];
    dirs.push(feed(c(t0, TCP_SYN, 1000, "", { ttl: 48, window: 29200 }), "unknown"));
    dirs.push(feed(s(t0 + 0.01, SA, 5000)));
    dirs.push(feed(c(t0 + 0.02, TCP_ACK, 1001)));
    dirs.push(feed(c(t0 + 0.03, PA, 1001, request.slice(0, 10))));
    dirs.push(feed(c(t0 + 0.04, PA, 1011, request.slice(10))));
    dirs.push(feed(s(t0 + 0.05, PA, 5001, response)));
    dirs.push(feed(c(t0 + 0.06, FA, 1001 + request.length)));
    dirs.push(feed(s(t0 + 0.07, FA, 5001 + response.length)));
    dirs.push(feed(c(t0 + 0.08, TCP_ACK, 1002 + request.length)));
    return dirs;
  }

  it("reassembles a request split across segments and parses HTTP both ways", () => {
    const { out, feed, table } = setup();
    const dirs = httpConnection(feed, 40002);
    expect(dirs).toEqual([true, false, true, true, true, false, true, false, true]);
    expect(out.sessions).toEqual([]); // lingering after the FINs
    feed({ t: 10, src: "198.51.100.1", dst: S, sport: 1, dport: 2, flags: TCP_SYN });
    expect(out.sessions.length).toBe(1);
    const s = out.sessions[0];
    expect(s).toMatchObject({
      proto: "tcp",
      src: C,
      sport: 40002,
      dst: S,
      dstKey: 0xcb007105,
      dport: 80,
      start: 0,
      end: 80000,
      clientBytesTotal: request.length,
      serverBytesTotal: response.length,
      clientPackets: 6,
      serverPackets: 3,
      handshake: true,
      gaps: 0,
      truncated: false,
      close: "fin",
      fingerprint: "unknown",
      ttl: 48,
      window: 29200,
    });
    expect(text(s?.clientBytes ?? new Uint8Array())).toBe(request);
    expect(s?.http?.requests.map((r) => [r.method, r.target])).toEqual([["GET", "/shell?cd+/tmp"]]);
    expect(s?.http?.responses.map((r) => r.status)).toEqual([404]);
    expect(s?.id).toMatch(/^[0-9a-f]{16}$/);
    expect(table.stats.bufferedBytes).toBe(0);
  });

  it("gives the same capture the same session ids", () => {
    const ids = () => {
      const { out, feed, table } = setup();
      httpConnection(feed, 40003);
      httpConnection(feed, 40004, 1);
      table.finish();
      return out.sessions.map((s) => s.id);
    };
    const a = ids();
    expect(a.length).toBe(2);
    expect(a[0]).not.toBe(a[1]);
    expect(ids()).toEqual(a);
  });

  it("handles the uc-httpd exploit sent as two segments without Content-Length", () => {
    const { out, feed, table } = setup();
    const { c, s } = conn(40005, 8000);
    const form = `command=login&username=${"A".repeat(85)}&password=PoC\r\n\r\n`;
    feed(c(0, TCP_SYN, 7));
    feed(s(0, SA, 70));
    feed(c(0, TCP_ACK, 8));
    feed(c(0.1, PA, 8, "POST /login.htm HTTP/1.1\r\n"));
    feed(c(0.2, PA, 34, form));
    table.finish();
    const r = out.sessions[0]?.http?.requests[0];
    expect(r).toMatchObject({ method: "POST", target: "/login.htm" });
    expect(r?.headers[0]?.[1]).toContain("username=AAAA");
    expect(out.sessions[0]?.close).toBe("eof");
  });

  it("reorders segments, drops retransmissions and counts differing overlaps", () => {
    const { out, feed, table, anomalies } = setup();
    const { c } = conn(40006);
    feed(c(0, TCP_SYN, 99));
    feed(c(0.1, PA, 106, "world", { offset: 777 }));
    feed(c(0.2, PA, 100, "hello "));
    feed(c(0.3, PA, 100, "hello ")); // retransmission
    feed(c(0.4, PA, 106, "WORLD!", { offset: 999 })); // overlap differs; "!" is new
    table.finish();
    expect(text(out.sessions[0]?.clientBytes ?? new Uint8Array())).toBe("hello world!");
    expect(anomalies.get("tcp_overlap_mismatch")).toBe(1);
    expect(anomalies.first.get("tcp_overlap_mismatch")).toMatchObject({
      file: "f0.pcap",
      offset: 999,
    });
  });

  it("follows sequence numbers across the 32-bit wrap", () => {
    const { out, feed, table } = setup();
    const { c } = conn(40007);
    feed(c(0, TCP_SYN, 0xfffffffd));
    feed(c(0.1, PA, 0xfffffffe, "GET / HT"));
    feed(c(0.2, PA, 0x00000006, "TP/1.0\r\n\r\n"));
    table.finish();
    expect(out.sessions[0]?.http?.requests[0]?.version).toBe("HTTP/1.0");
  });

  it("counts holes never filled at close and joins the bytes around them", () => {
    const { out, feed, table, anomalies } = setup();
    const { c } = conn(40008);
    feed(c(0, TCP_SYN, 0));
    feed(c(0.1, PA, 1, "abc"));
    feed(c(0.2, PA, 10, "jkl"));
    table.finish();
    expect(out.sessions[0]).toMatchObject({ gaps: 6, clientBytesTotal: 6 });
    expect(text(out.sessions[0]?.clientBytes ?? new Uint8Array())).toBe("abcjkl");
    expect(anomalies.get("tcp_gap")).toBe(1);
  });

  it("caps kept bytes per direction and counts the cut", () => {
    const { out, feed, table, anomalies } = setup({ clientCap: 10, serverCap: 4 });
    const { c, s } = conn(40009);
    feed(c(0, TCP_SYN, 0));
    feed(s(0, SA, 0));
    feed(c(0.1, PA, 1, "0123456789abcdef"));
    feed(s(0.2, PA, 1, "HTTP/1.1 200"));
    table.finish();
    expect(out.sessions[0]).toMatchObject({
      clientBytesTotal: 16,
      serverBytesTotal: 12,
      truncated: true,
    });
    expect(text(out.sessions[0]?.clientBytes ?? new Uint8Array())).toBe("0123456789");
    expect(text(out.sessions[0]?.serverBytes ?? new Uint8Array())).toBe("HTTP");
    expect(anomalies.get("stream_truncated")).toBe(2);
  });

  it("closes on RST after the linger", () => {
    const { out, feed } = setup();
    const { c, s } = conn(40010);
    feed(c(0, TCP_SYN, 0));
    feed(c(0.1, PA, 1, "x"));
    feed(s(0.2, TCP_RST, 1));
    feed(c(4, PA, 2, "y")); // late, still inside the 5 s linger
    expect(out.sessions).toEqual([]);
    feed({ t: 5.3, src: "198.51.100.1", dst: S, sport: 1, dport: 2, flags: TCP_SYN });
    expect(out.sessions.map((x) => [x.close, text(x.clientBytes)])).toEqual([["rst", "xy"]]);
  });

  it("times out idle established flows by capture time", () => {
    const { out, feed, table } = setup({ tcpIdleTimeout: 100e6 });
    const { c } = conn(40011);
    feed(c(0, TCP_SYN, 0));
    feed(c(1, PA, 1, "data"));
    feed({ t: 100, src: "198.51.100.1", dst: S, sport: 1, dport: 2, flags: TCP_SYN });
    expect(out.sessions).toEqual([]);
    feed({ t: 101.5, src: "198.51.100.1", dst: S, sport: 1, dport: 2, flags: TCP_ACK });
    expect(out.sessions.map((x) => x.close)).toEqual(["timeout"]);
    expect(table.stats.timedOut).toBe(1);
  });

  it("picks the client of flows picked up mid-stream", () => {
    const { out, feed, table } = setup();
    // Data from the low port first: the higher port is still the client.
    expect(
      feed({
        t: 0,
        src: S,
        dst: C,
        sport: 80,
        dport: 41000,
        flags: PA,
        seq: 5,
        payload: "HTTP/1.1 200 OK\r\n\r\n",
      }),
    ).toBe(true);
    expect(
      feed({
        t: 0.1,
        src: C,
        dst: S,
        sport: 41000,
        dport: 80,
        flags: PA,
        seq: 9,
        payload: "GET / HTTP/1.1\r\n\r\n",
      }),
    ).toBe(true);
    expect(feed({ t: 0.2, src: S, dst: C, sport: 80, dport: 41000, flags: TCP_ACK, seq: 24 })).toBe(
      false,
    );
    // A SYN-ACK first: its receiver is the client.
    feed({ t: 1, src: S, dst: C, sport: 8080, dport: 8081, flags: SA, seq: 1 });
    feed({ t: 1.1, src: C, dst: S, sport: 8081, dport: 8080, flags: PA, seq: 50, payload: "hi" });
    // Equal ports: the first sender is the client.
    feed({ t: 2, src: S, dst: C, sport: 5000, dport: 5000, flags: PA, seq: 1, payload: "first" });
    table.finish();
    expect(out.sessions.map((x) => [x.src, x.sport, x.handshake, text(x.clientBytes)])).toEqual([
      [C, 41000, false, "GET / HTTP/1.1\r\n\r\n"],
      [C, 8081, false, "hi"],
      [S, 5000, false, "first"],
    ]);
    expect(out.sessions[0]?.http?.responses[0]?.status).toBe(200);
  });

  it("starts a new connection when a SYN reuses a finished tuple", () => {
    const { out, feed, table } = setup();
    const { c, s } = conn(40012);
    feed(c(0, TCP_SYN, 10));
    feed(c(0.1, PA, 11, "one"));
    feed(c(0.2, FA, 14));
    feed(s(0.3, FA, 50));
    feed(c(1, TCP_SYN, 10)); // same ISN but the first connection carried data: new
    feed(c(1.1, PA, 11, "two"));
    feed(c(2, TCP_SYN, 99999)); // different ISN on an open connection with data: new
    feed(c(2.1, PA, 100000, "three"));
    table.finish();
    expect(out.sessions.map((x) => [text(x.clientBytes), x.close])).toEqual([
      ["one", "fin"],
      ["two", "timeout"],
      ["three", "eof"],
    ]);
    expect(table.stats.reused).toBe(2);
  });

  it("accepts data in the SYN and data sent with seq = ISN", () => {
    const { out, feed, table } = setup();
    const a = conn(40013);
    feed(a.c(0, TCP_SYN, 500, "GET /a HTTP/1.0\r\n\r\n"));
    const b = conn(40014);
    feed(b.c(0, TCP_SYN, 500));
    feed(b.c(0.1, PA, 500, "GET /b HTTP/1.0\r\n\r\n"));
    table.finish();
    expect(out.sessions.map((x) => x.http?.requests[0]?.target)).toEqual(["/a", "/b"]);
  });

  it("keeps IPv6 flows apart and finds both directions", () => {
    const { out, feed, table } = setup();
    const c6 = "2001:db8::10";
    const s6 = "2001:db8::1";
    expect(feed({ t: 0, src: c6, dst: s6, sport: 40000, dport: 80, flags: TCP_SYN, seq: 1 })).toBe(
      true,
    );
    expect(feed({ t: 0, src: s6, dst: c6, sport: 80, dport: 40000, flags: SA, seq: 9 })).toBe(
      false,
    );
    feed({
      t: 0.1,
      src: c6,
      dst: s6,
      sport: 40000,
      dport: 80,
      flags: PA,
      seq: 2,
      payload: "GET / HTTP/1.0\r\n\r\n",
    });
    feed({ t: 0.1, src: c6, dst: s6, sport: 40001, dport: 80, flags: TCP_SYN, seq: 1 });
    table.finish();
    expect(out.sessions.map((x) => [x.src, x.srcKey, x.dst, x.serverPackets])).toEqual([
      [c6, c6, s6, 1],
    ]);
    expect(out.probes.map((x) => x.sport)).toEqual([40001]);
  });
});

describe("FlowTable: limits", () => {
  it("evicts the least recently active flows above the memory cap, counting each", () => {
    const { out, feed, anomalies, table } = setup({ memoryCap: 600 });
    feed(conn(40999).c(0, TCP_SYN, 0)); // holds no bytes: never evicted for memory
    for (let i = 0; i < 5; i++) {
      const { c } = conn(41000 + i);
      feed(c(i, TCP_SYN, 0));
      feed(c(i + 0.5, PA, 1, `flow ${i} `.padEnd(100, ".")));
    }
    // Each flow holds a 256-byte buffer: only two fit under 600.
    expect(out.sessions.map((s) => [s.sport, s.close])).toEqual([
      [41000, "evicted"],
      [41001, "evicted"],
      [41002, "evicted"],
    ]);
    expect(anomalies.get("flow_evicted")).toBe(3);
    expect(out.probes).toEqual([]);
    expect(table.stats).toMatchObject({ evicted: 3, bufferedBytes: 512, active: 3 });
  });

  it("evicts the least recently active flow above maxFlows", () => {
    const { out, feed, anomalies, table } = setup({ maxFlows: 3 });
    for (let i = 0; i < 5; i++) feed(conn(42000 + i).c(i, TCP_SYN, 0));
    feed(conn(42002).c(5, TCP_SYN, 0)); // refresh 42002
    feed(conn(42005).c(6, TCP_SYN, 0));
    expect(out.probes.map((p) => p.sport)).toEqual([42000, 42001, 42003]);
    expect(anomalies.get("flow_evicted")).toBe(3);
    expect(table.stats.active).toBe(3);
  });
});

describe("FlowTable: UDP", () => {
  it("makes sessions of datagrams with payload and probes of empty ones", () => {
    const { out, feed, table } = setup({ udpTimeout: 60e6 });
    const u = (t: number, src: string, dst: string, sport: number, dport: number, payload = "") =>
      feed({ t, src, dst, sport, dport, proto: "udp", payload, ipId: 77, ttl: 40 });
    expect(u(0, C, S, 5353, 1900, "M-SEARCH * HTTP/1.1\r\n\r\n")).toBe(true);
    expect(u(0.1, S, C, 1900, 5353, "HTTP/1.1 200 OK\r\n\r\n")).toBe(false);
    expect(u(0.2, C, S, 5353, 1900, "again")).toBe(true);
    expect(u(1, C, S, 6000, 53)).toBe(true);
    u(100, "198.51.100.1", S, 1, 2);
    expect(
      out.sessions.map((s) => [s.proto, text(s.clientBytes), text(s.serverBytes), s.close]),
    ).toEqual([["udp", "M-SEARCH * HTTP/1.1\r\n\r\nagain", "HTTP/1.1 200 OK\r\n\r\n", "timeout"]]);
    expect(out.sessions[0]?.http).toBeUndefined();
    expect(out.probes.map((p) => [p.proto, p.dport, p.ipId, p.ttl, p.window])).toEqual([
      ["udp", 53, 77, 40, 0],
    ]);
    table.finish();
    expect(out.probes.length).toBe(2);
  });
});

describe("FlowTable: bookkeeping under churn", () => {
  it("finds every flow again after many creations and removals (hash deletion)", () => {
    const { out, feed, table } = setup({ synTimeout: 1e6 });
    let x = 1;
    const rnd = () => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x;
    };
    let fed = 0;
    for (let i = 0; i < 20000; i++) {
      const sport = 1024 + (rnd() % 300);
      const src = `198.51.100.${rnd() % 4}`;
      const t = i * 0.0001 + (i % 5000 === 0 ? 2 * (i / 5000) : 0);
      const flags = rnd() % 7 === 0 ? TCP_RST : TCP_SYN;
      feed({ t, src, dst: S, sport, dport: 23, flags, seq: 1 });
      fed++;
    }
    table.finish();
    const packets = out.probes.reduce((n, p) => n + p.packets, 0);
    expect(packets).toBe(fed);
    expect(table.stats).toMatchObject({ active: 0, bufferedBytes: 0 });
    expect(table.stats.created).toBe(out.probes.length);
  });

  it("never throws on random packets and always balances its books", () => {
    const { out, feed, table } = setup({
      memoryCap: 4096,
      maxFlows: 50,
      clientCap: 64,
      serverCap: 32,
    });
    let x = 7;
    const rnd = (n: number) => {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      return x % n;
    };
    for (let i = 0; i < 20000; i++) {
      const fromC = rnd(2) === 0;
      const sport = 1000 + rnd(40);
      const udp = rnd(10) === 0;
      const spec: PacketSpec = {
        t: i * 0.01,
        src: fromC ? C : S,
        dst: fromC ? S : C,
        sport: fromC ? sport : 80,
        dport: fromC ? 80 : sport,
        flags: rnd(256),
        seq: rnd(2 ** 32),
        payload: bytes("x".repeat(rnd(3) === 0 ? rnd(100) : 0)),
      };
      if (udp) spec.proto = "udp";
      feed(spec);
    }
    table.finish();
    expect(table.stats.created).toBe(out.sessions.length + out.probes.length);
    expect(table.stats).toMatchObject({ active: 0, bufferedBytes: 0 });
    for (const s of out.sessions) expect(s.clientBytes.length).toBeLessThanOrEqual(64);
  });
});
