import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { analyzeFiles } from "../aggregate/analyze-files.js";
import { UsageError } from "../schema/errors.js";
import type { Session } from "../schema/session.js";
import { simulate } from "../simulate/scenarios.js";
import {
  MAX_CONSECUTIVE_FAILURES,
  parseTarget,
  type ReplaySession,
  replay,
  SessionPick,
  targetPort,
} from "./replay.js";
import { parsePreamble } from "./sensor/proxy-protocol.js";

/** A loopback server recording what each connection sent, in accept order. */
interface Recorder {
  server: Server;
  port: number;
  conns: Array<{ bytes: Buffer; done: Promise<void> }>;
  open: Set<Socket>;
}

/** `mode` says how the server treats a connection once the client has finished sending. */
async function listen(mode: "close" | "hold" | "reset" = "close"): Promise<Recorder> {
  const conns: Recorder["conns"] = [];
  const open = new Set<Socket>();
  // "hold" keeps its side open after the client's FIN (Node closes it by default)
  const server = createServer({ allowHalfOpen: mode === "hold" }, (sock) => {
    open.add(sock);
    const chunks: Buffer[] = [];
    const rec = { bytes: Buffer.alloc(0), done: Promise.resolve() };
    rec.done = new Promise((resolve) => {
      sock.on("data", (d) => {
        chunks.push(d);
        if (mode === "reset") sock.resetAndDestroy();
      });
      sock.on("end", () => {
        rec.bytes = Buffer.concat(chunks);
        if (mode === "close") sock.end("HTTP/1.0 200 OK\r\n\r\n");
        resolve();
      });
      sock.on("error", () => resolve());
      sock.on("close", () => {
        open.delete(sock);
        rec.bytes = Buffer.concat(chunks);
        resolve();
      });
    });
    conns.push(rec);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("no port");
  return { server, port: addr.port, conns, open };
}

function stop(r: Recorder): Promise<unknown> {
  for (const s of r.open) s.destroy();
  return new Promise((done) => r.server.close(done));
}

function session(i: number, start: number, bytes: Uint8Array, proto: "tcp" | "udp" = "tcp") {
  return {
    id: `s${String(i).padStart(6, "0")}`,
    proto,
    src: `198.51.100.${i % 250}`,
    sport: 1024 + i,
    dst: "203.0.113.7",
    dport: 80 + (i % 3),
    start,
    clientBytes: bytes,
    truncated: false,
  } as Session;
}

describe("parseTarget", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1", { kind: "same" }],
    ["localhost:8000", "127.0.0.1", { kind: "fixed", port: 8000 }],
    ["127.3.4.5:+10000", "127.3.4.5", { kind: "offset", offset: 10000 }],
    ["192.0.2.9:-8000", "192.0.2.9", { kind: "offset", offset: -8000 }],
    ["::1", "::1", { kind: "same" }],
    ["[::1]:+1", "::1", { kind: "offset", offset: 1 }],
    ["[2001:db8::5]:9000", "2001:db8::5", { kind: "fixed", port: 9000 }],
    ["203.0.113.250", "203.0.113.250", { kind: "same" }],
  ])("reads %s", (spec, host, port) => {
    expect(parseTarget(spec)).toEqual({ host, port });
  });

  it.each([
    "8.8.8.8",
    "10.0.0.1:80",
    "0.0.0.0",
    "198.51.101.1",
    "::ffff:8.8.8.8",
    "[2001:db9::1]:80",
    "fe80::1%lo",
  ])("refuses the destination %s", (spec) => {
    expect(() => parseTarget(spec)).toThrow(/refusing to replay|takes an IP address/);
  });

  it.each(["example.com", "example.com:80", "localhost.localdomain", "127.1", "[localhost]:80"])(
    "refuses the name %s without resolving it",
    (spec) => {
      expect(() => parseTarget(spec)).toThrow(/takes an IP address|IPv6 only/);
    },
  );

  it.each(["127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:+x", "[::1]:"])(
    "refuses the port in %s",
    (spec) => {
      expect(() => parseTarget(spec)).toThrow(UsageError);
    },
  );

  it("maps ports and leaves out those outside 1-65535", () => {
    expect(targetPort(parseTarget("127.0.0.1"), 23)).toBe(23);
    expect(targetPort(parseTarget("127.0.0.1:8000"), 23)).toBe(8000);
    expect(targetPort(parseTarget("127.0.0.1:+10000"), 80)).toBe(10080);
    expect(targetPort(parseTarget("127.0.0.1:+10000"), 60000)).toBeUndefined();
    expect(targetPort(parseTarget("127.0.0.1:-80"), 80)).toBeUndefined();
  });

  it("is checked again by replay itself", async () => {
    const target = { host: "8.8.8.8", port: { kind: "same" as const } };
    await expect(replay([], { target })).rejects.toThrow(UsageError);
  });
});

describe("SessionPick", () => {
  it("keeps the earliest N TCP sessions with bytes, in start order, whatever the arrival order", () => {
    const arb = fc.array(fc.record({ start: fc.nat(50), udp: fc.boolean(), empty: fc.boolean() }), {
      maxLength: 60,
    });
    fc.assert(
      fc.property(arb, fc.integer({ min: 1, max: 70 }), (rows, limit) => {
        const all = rows.map((r, i) =>
          session(i, r.start, new Uint8Array(r.empty ? 0 : 1 + (i % 7)), r.udp ? "udp" : "tcp"),
        );
        const pick = new SessionPick(limit);
        for (const s of all) pick.add(s);
        const want = all
          .filter((s) => s.proto === "tcp" && s.clientBytes.length > 0)
          .sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : 1));
        expect(pick.sorted().map((s) => s.id)).toEqual(want.slice(0, limit).map((s) => s.id));
        expect(pick.stats.udp).toBe(rows.filter((r) => r.udp).length);
        expect(pick.stats.overLimit).toBe(Math.max(0, want.length - limit));
      }),
    );
  });
});

describe("replay against a loopback server", () => {
  const dir = mkdtempSync(join(tmpdir(), "portent-replay-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("delivers each captured session's client bytes in start order, after PROXY and PORTENT-TS", async () => {
    const file = join(dir, "satori.pcap");
    simulate("satori-2018", { seed: 7, scale: 0.02, out: file });
    const pick = new SessionPick();
    const tcp: Session[] = [];
    await analyzeFiles([file], {
      onSession: (s) => {
        pick.add(s);
        if (s.proto === "tcp") tcp.push(s);
      },
    });
    const sessions = pick.sorted();
    expect(sessions.length).toBe(tcp.length);
    expect(sessions.length).toBeGreaterThan(100);
    const srv = await listen();
    try {
      const sum = await replay(sessions, {
        target: { host: "127.0.0.1", port: { kind: "fixed", port: srv.port } },
        concurrency: 1,
        proxyProtocol: true,
      });
      await Promise.all(srv.conns.map((c) => c.done));
      expect(sum).toMatchObject({ sessions: sessions.length, sent: sessions.length, refused: 0 });
      expect(srv.conns.length).toBe(sessions.length);
      const byId = new Map(tcp.map((s) => [s.id, s]));
      let prev = Number.NEGATIVE_INFINITY;
      srv.conns.forEach((c, i) => {
        const want = byId.get((sessions[i] as ReplaySession).id) as Session;
        const pre = parsePreamble(c.bytes);
        if (typeof pre !== "object") throw new Error(`connection ${i}: no preamble`);
        expect(pre.proxy).toMatchObject({ src: want.src, dst: want.dst, sport: want.sport });
        expect(pre.proxy.dport).toBe(want.dport);
        expect(pre.ts).toBe(want.start);
        expect(
          Buffer.from(c.bytes.subarray(pre.length)).equals(Buffer.from(want.clientBytes)),
        ).toBe(true);
        expect(want.start).toBeGreaterThanOrEqual(prev);
        prev = want.start;
      });
    } finally {
      await stop(srv);
    }
  });

  it("delivers every session exactly once with many connections open and split writes", async () => {
    const rnd = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 3000 }), {
      numRuns: 300,
      seed: 3,
    });
    rnd.push(new Uint8Array(200_000).fill(0x41));
    const sessions = rnd.map((b, i) => ({ ...session(i, 1e15 + i, b), bytes: b }));
    const srv = await listen();
    try {
      const sum = await replay(sessions, {
        target: { host: "127.0.0.1", port: { kind: "fixed", port: srv.port } },
        concurrency: 16,
        proxyProtocol: true,
        timestamps: false,
        split: true,
      });
      await Promise.all(srv.conns.map((c) => c.done));
      expect(sum.sent).toBe(sessions.length);
      expect(sum.bytesSent).toBe(rnd.reduce((n, b) => n + b.length, 0));
      const got = new Map<number, Buffer>();
      for (const c of srv.conns) {
        const pre = parsePreamble(c.bytes, true);
        if (typeof pre !== "object") throw new Error("no preamble");
        expect(pre.ts).toBeUndefined();
        expect(got.has(pre.proxy.sport)).toBe(false);
        got.set(pre.proxy.sport, c.bytes.subarray(pre.length));
      }
      for (const s of sessions) {
        expect(got.get(s.sport)?.equals(Buffer.from(s.bytes))).toBe(true);
      }
    } finally {
      await stop(srv);
    }
  });

  it("sends the bare client bytes without --proxy-protocol", async () => {
    const srv = await listen();
    const s = { ...session(1, 1, Uint8Array.of(1, 2, 3)), bytes: Uint8Array.of(1, 2, 3) };
    try {
      await replay([s], { target: { host: "127.0.0.1", port: { kind: "fixed", port: srv.port } } });
      await Promise.all(srv.conns.map((c) => c.done));
      expect([...(srv.conns[0]?.bytes ?? [])]).toEqual([1, 2, 3]);
    } finally {
      await stop(srv);
    }
  });

  it("closes connections the server holds open after --wait-ms, counting them sent", async () => {
    const srv = await listen("hold");
    const sessions = [0, 1, 2].map((i) => ({
      ...session(i, i, Uint8Array.of(9)),
      bytes: Uint8Array.of(9),
    }));
    try {
      const sum = await replay(sessions, {
        target: { host: "127.0.0.1", port: { kind: "fixed", port: srv.port } },
        waitMs: 200,
      });
      expect(sum).toMatchObject({ sent: 3, idle: 3 });
    } finally {
      await stop(srv);
    }
  });

  it("counts resets", async () => {
    const srv = await listen("reset");
    const b = new Uint8Array(4096).fill(7);
    const sessions = [0, 1, 2, 3].map((i) => ({ ...session(i, i, b), bytes: b }));
    try {
      const sum = await replay(sessions, {
        target: { host: "127.0.0.1", port: { kind: "fixed", port: srv.port } },
      });
      expect(sum).toMatchObject({ sent: 0, reset: 4 });
    } finally {
      await stop(srv);
    }
  });

  it("counts refusals and stops when nothing is listening", async () => {
    const srv = await listen();
    const port = srv.port;
    await stop(srv);
    const sessions = Array.from({ length: MAX_CONSECUTIVE_FAILURES + 50 }, (_, i) => ({
      ...session(i, i, Uint8Array.of(1)),
      bytes: Uint8Array.of(1),
    }));
    const sum = await replay(sessions, {
      target: { host: "127.0.0.1", port: { kind: "fixed", port } },
      concurrency: 1,
    });
    expect(sum.refused).toBe(MAX_CONSECUTIVE_FAILURES);
    expect(sum.attempted).toBe(MAX_CONSECUTIVE_FAILURES);
    expect(sum.stopped).toMatch(/could not connect/);
  });
});

describe("replay --keep-time", () => {
  it("stops waiting for a session's time when interrupted", async () => {
    const srv = await listen();
    const ac = new AbortController();
    const b = Uint8Array.of(5);
    // the second session is due an hour after the first
    const sessions = [0, 3600e6].map((t, i) => ({ ...session(i, t, b), bytes: b }));
    try {
      const run = replay(sessions, {
        target: { host: "127.0.0.1", port: { kind: "fixed", port: srv.port } },
        keepTime: 1,
        signal: ac.signal,
        concurrency: 1,
        onProgress: () => ac.abort(),
      });
      const sum = await run;
      expect(sum).toMatchObject({ attempted: 1, sent: 1, stopped: "interrupted" });
    } finally {
      await stop(srv);
    }
  });
});
