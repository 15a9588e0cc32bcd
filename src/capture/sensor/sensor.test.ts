import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Persona } from "../personas/persona.js";
import type { ConnectionRecord } from "./connection.js";
import { DEFAULT_LIMITS, type SensorLimits } from "./limits.js";
import { replayPreamble } from "./preamble.js";
import { Sensor } from "./sensor.js";

/** A test persona: greets with "hi\n" when asked to, answers each chunk with its length. */
const counting: Persona = {
  name: "counting",
  summary: "test persona",
  ports: [],
  open: (ctx) => ({
    greet: () => (ctx.options.greet === "yes" ? [{ data: "hi\n" }] : []),
    data: (b) => [{ data: `got ${b.length}\n` }],
  }),
};

const throwing: Persona = {
  name: "throwing",
  summary: "a buggy persona",
  ports: [],
  open: () => ({
    greet: () => [],
    data: () => {
      throw new Error("bug");
    },
  }),
};

let sensor: Sensor | undefined;
afterEach(async () => {
  await sensor?.stop();
  sensor = undefined;
});

async function start(
  limits: Partial<SensorLimits> = {},
  persona: Persona = counting,
  now?: () => number,
  withPreamble = false,
): Promise<{ port: number; records: ConnectionRecord[]; s: Sensor }> {
  const records: ConnectionRecord[] = [];
  const s = new Sensor({
    sensorId: "test",
    bind: "127.0.0.1",
    listeners: [{ port: 0, persona, options: { greet: "yes" } }],
    limits: { ...DEFAULT_LIMITS, ...limits },
    record: (r) => records.push(r),
    ...(now !== undefined ? { now } : {}),
    ...(withPreamble ? { preamble: replayPreamble } : {}),
  });
  await s.start();
  sensor = s;
  return { port: s.bound.get(0) as number, records, s };
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const c = connect({ port, host: "127.0.0.1" }, () => resolve(c));
    c.on("error", reject);
  });
}

/** Sends `data` (if any), reads until the server closes or `ms` passes, then closes. */
function exchange(port: number, data: string | Buffer | undefined, ms = 300): Promise<string> {
  return new Promise((resolve) => {
    let got = "";
    const c = connect({ port, host: "127.0.0.1" }, () => {
      if (data !== undefined) c.write(data);
      setTimeout(() => c.end(), ms);
    });
    c.on("data", (b) => {
      got += b.toString("latin1");
    });
    c.on("error", () => {});
    c.on("close", () => resolve(got));
  });
}

async function until(f: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!f()) {
    if (Date.now() - t0 > ms) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("Sensor", () => {
  it("records a connection that sent bytes as a session with both directions", async () => {
    const { port, records } = await start();
    const reply = await exchange(port, "GET / HTTP/1.0\r\n\r\n");
    expect(reply).toBe("hi\ngot 18\n");
    await until(() => records.length === 1);
    const s = records[0]?.session;
    expect(s).toBeDefined();
    expect(Buffer.from(s?.clientBytes ?? []).toString()).toBe("GET / HTTP/1.0\r\n\r\n");
    expect(Buffer.from(s?.serverBytes ?? []).toString()).toBe("hi\ngot 18\n");
    expect(s?.src).toBe("127.0.0.1");
    expect(s?.srcKey).toBe(0x7f000001);
    expect(s?.dport).toBe(port);
    expect(s?.fingerprint).toBe("");
    expect(records[0]?.persona).toBe("counting");
  });

  it("records a connection that sent nothing as a probe", async () => {
    const { port, records } = await start();
    await exchange(port, undefined, 50);
    await until(() => records.length === 1);
    expect(records[0]?.probe?.dport).toBe(port);
    expect(records[0]?.session).toBeUndefined();
  });

  it("closes a client past the byte limit, keeps the capped bytes and counts it", async () => {
    const { port, records, s } = await start({ maxSessionBytes: 1000 });
    const garbage = Buffer.alloc(10 * 1024 * 1024, 0x41);
    await exchange(port, garbage, 2000);
    await until(() => records.length === 1);
    const sess = records[0]?.session;
    expect(sess?.clientBytes.length).toBe(1000);
    expect(sess?.clientBytesTotal).toBeGreaterThan(1000);
    expect(sess?.truncated).toBe(true);
    expect(records[0]?.limit).toBe("session_bytes");
    expect(s.gate.refused.session_bytes).toBe(1);
  });

  it("refuses connections past the per-source limit and records them as probes", async () => {
    const { port, records, s } = await start({ maxConnectionsPerSource: 2 });
    const socks = await Promise.all([1, 2, 3, 4, 5].map(() => open(port)));
    await until(() => records.length === 3);
    expect(records.every((r) => r.limit === "per_source_connections")).toBe(true);
    expect(s.gate.refused.per_source_connections).toBe(3);
    expect(s.connections).toBe(2);
    for (const c of socks) c.destroy();
    await until(() => records.length === 5);
    expect(s.gate.open).toBe(0);
  });

  it("refuses a source's new connections past its rate in one second", async () => {
    const { port, records, s } = await start({ maxNewPerSourcePerSecond: 3 }, counting, () => 5000);
    const socks = await Promise.all(Array.from({ length: 8 }, () => open(port)));
    await until(() => records.length === 5);
    expect(s.gate.refused.per_source_rate).toBe(5);
    for (const c of socks) c.destroy();
  });

  it("closes an idle client and a slowloris at the session time limit", async () => {
    // Limits hold to within the one-second sweep; the margins leave room for a loaded CI machine.
    const { port, records, s } = await start({ idleSeconds: 2, sessionSeconds: 4 });
    const idle = await open(port);
    idle.on("error", () => {});
    const slow = await open(port);
    slow.on("error", () => {});
    const drip = setInterval(() => slow.write("A"), 200);
    await until(() => records.length === 2, 10_000);
    clearInterval(drip);
    expect(records.map((r) => r.limit).sort()).toEqual(["idle", "session_time"]);
    expect(s.gate.refused.idle).toBe(1);
    expect(s.gate.refused.session_time).toBe(1);
    const slowRec = records.find((r) => r.limit === "session_time");
    expect(slowRec?.session?.close).toBe("timeout");
    expect((slowRec?.session?.clientBytesTotal ?? 0) >= 5).toBe(true);
  }, 15_000);

  it("keeps serving when a persona throws, and counts it", async () => {
    const { port, records, s } = await start({}, throwing);
    await exchange(port, "x", 50);
    await exchange(port, "y", 50);
    await until(() => records.length === 2);
    expect(s.personaErrors).toBe(2);
    expect(records[1]?.session?.clientBytes.length).toBe(1);
  });

  it("stays up through a thousand connections from one source, tracking a bounded set", async () => {
    const { port, records, s } = await start({ maxConnectionsPerSource: 50 });
    const socks: Socket[] = [];
    for (let i = 0; i < 1000; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: 100 }, () => open(port).catch(() => undefined)),
      );
      for (const c of batch) if (c !== undefined) socks.push(c);
    }
    expect(s.connections).toBeLessThanOrEqual(50);
    for (const c of socks) {
      c.on("error", () => {});
      c.destroy();
    }
    await until(() => records.length === 1000 && s.connections === 0);
    expect(s.gate.tracked).toBeLessThanOrEqual(1);
    const refused = Object.values(s.gate.refused).reduce((t, n) => t + n, 0);
    expect(refused).toBeGreaterThanOrEqual(950);
  });

  it("stop closes open connections and records them", async () => {
    const { port, records, s } = await start();
    const c = await open(port);
    c.on("error", () => {});
    c.write("abc");
    await until(() => s.connections === 1);
    await new Promise((r) => setTimeout(r, 50));
    await s.stop();
    expect(records).toHaveLength(1);
    expect(records[0]?.session?.close).toBe("eof");
  });

  it("records a replayed connection under the endpoints and time of its PROXY preamble", async () => {
    const { port, records } = await start({}, counting, undefined, true);
    const pre = "PROXY TCP4 198.51.100.7 203.0.113.5 40000 8000\r\nPORTENT-TS 1528520400000000\r\n";
    const reply = await exchange(port, `${pre}hello`);
    expect(reply).toBe("hi\ngot 5\n");
    await until(() => records.length === 1);
    const sess = records[0]?.session;
    expect(sess?.src).toBe("198.51.100.7");
    expect(sess?.srcKey).toBe(0xc6336407);
    expect(sess?.sport).toBe(40000);
    expect(sess?.dst).toBe("203.0.113.5");
    expect(sess?.dport).toBe(8000);
    expect(sess?.start).toBe(1528520400000000);
    expect(Buffer.from(sess?.clientBytes ?? []).toString()).toBe("hello");
  });

  it("greets a replayed client that sends only its PROXY line, then waits for it", async () => {
    const { port, records } = await start({}, counting, undefined, true);
    const got = await new Promise<string>((resolve) => {
      let text = "";
      const c = connect({ port, host: "127.0.0.1" }, () => {
        c.write("PROXY TCP4 198.51.100.8 203.0.113.5 40001 2323\r\n");
      });
      c.on("data", (b) => {
        text += b.toString();
        if (text === "hi\n") c.write("root\r\n");
        else c.end();
      });
      c.on("close", () => resolve(text));
    });
    expect(got).toBe("hi\ngot 6\n");
    await until(() => records.length === 1);
    expect(records[0]?.session?.src).toBe("198.51.100.8");
    expect(records[0]?.session?.dport).toBe(2323);
  });

  it("takes bytes that are not a preamble as the client's own", async () => {
    const { port, records } = await start({}, counting, undefined, true);
    await exchange(port, "GET / HTTP/1.0\r\n\r\n");
    await until(() => records.length === 1);
    expect(records[0]?.session?.src).toBe("127.0.0.1");
    expect(Buffer.from(records[0]?.session?.clientBytes ?? []).toString()).toBe(
      "GET / HTTP/1.0\r\n\r\n",
    );
  });

  it("records a redirected listener's connections under its record port", async () => {
    const records: ConnectionRecord[] = [];
    const s = new Sensor({
      sensorId: "test",
      bind: "127.0.0.1",
      listeners: [{ port: 0, recordPort: 80, persona: counting }],
      limits: DEFAULT_LIMITS,
      record: (r) => records.push(r),
    });
    await s.start();
    sensor = s;
    await exchange(s.bound.get(0) as number, "GET / HTTP/1.0\r\n\r\n");
    await until(() => records.length === 1);
    expect(records[0]?.session?.dport).toBe(80);
  });
});
