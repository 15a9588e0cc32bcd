import { createClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openClickHouseStore } from "./clickhouse.js";
import { type ClickHouseServer, startClickHouse } from "./clickhouse-server.js";
import { storeConformance } from "./conformance.js";
import { sourcesOf, T0 } from "./fixtures.js";
import { runIdOf } from "./records.js";

// A real server: Debian's clickhouse-server started here, or the one at PORTENT_CLICKHOUSE_URL
// (to run the suite against a current release). A missing server fails the file; it never skips.
const external = process.env.PORTENT_CLICKHOUSE_URL;
let server: ClickHouseServer | undefined;
let url = external ?? "";
const databases: string[] = [];

beforeAll(async () => {
  if (external === undefined) {
    server = await startClickHouse();
    url = server.url;
  }
}, 90_000);

afterAll(async () => {
  if (server !== undefined) {
    await server.stop();
    return;
  }
  if (url === "") return;
  const c = createClient({ url });
  for (const db of databases) await c.command({ query: `DROP DATABASE IF EXISTS ${db}` });
  await c.close();
});

function database(): string {
  const db = `portent_test_${process.pid}_${databases.length}`;
  databases.push(db);
  return db;
}

storeConformance("clickhouse", (opts) =>
  openClickHouseStore({ url, database: database(), ...(opts ?? {}) }),
);

describe("clickhouse: a database", () => {
  it("keeps rows and its bucket across reconnecting, and refuses another bucket", async () => {
    const db = database();
    const a = await openClickHouseStore({ url, database: db, bucketSeconds: 900 });
    await a.append({
      run: runIdOf("x"),
      sources: sourcesOf([{ bucket: T0, port: 80, src: "192.0.2.1" }]),
    });
    await a.close();
    const b = await openClickHouseStore({ url, database: db });
    expect(b.bucketSeconds).toBe(900);
    expect((await b.stats()).rows.sources).toBe(1);
    await b.close();
    await expect(openClickHouseStore({ url, database: db, bucketSeconds: 3600 })).rejects.toThrow(
      /900s/,
    );
  });

  it("refuses a TTL on servers without one, and bad database names", async () => {
    const s = await openClickHouseStore({ url, database: database() });
    const [major = 0, minor = 0] = s.serverVersion;
    await s.close();
    if (major < 19 || (major === 19 && minor < 6)) {
      await expect(
        openClickHouseStore({ url, database: database(), retentionDays: 30 }),
      ).rejects.toThrow(/prune/);
    }
    await expect(openClickHouseStore({ url, database: "x; DROP" })).rejects.toThrow(/database/);
  });

  it("names the server when it cannot be reached", async () => {
    await expect(openClickHouseStore({ url: "http://127.0.0.1:1" })).rejects.toThrow(/127.0.0.1:1/);
  });
});

describe("clickhouse: the sensor's store", () => {
  it("receives what a sensor recorded: sessions, probes and alerts, flushed at shutdown", async () => {
    const { SensorService } = await import("../capture/sensor/service.js");
    const { getPersona } = await import("../capture/personas/registry.js");
    const { DEFAULT_LIMITS } = await import("../capture/sensor/limits.js");
    const { connect } = await import("node:net");
    const persona = getPersona("uc-httpd");
    if (persona === undefined) throw new Error("uc-httpd persona missing from the registry");
    const store = await openClickHouseStore({ url, database: database() });
    const service = new SensorService({
      sensorId: "ch-sensor",
      bind: "127.0.0.1",
      listeners: [{ port: 0, recordPort: 8000, persona }],
      limits: DEFAULT_LIMITS,
      store,
      flushSeconds: 3600,
      rules: [],
      defaultRules: true,
      replay: false,
    });
    await service.start();
    const port = service.sensor.boundPorts[0] as number;
    const send = (text: string) =>
      new Promise<void>((resolve) => {
        const c = connect({ port, host: "127.0.0.1" }, () => c.end(text));
        c.on("data", () => {});
        c.on("error", () => {});
        c.on("close", () => resolve());
      });
    await send(
      `POST /login.htm HTTP/1.1\r\ncommand=login&username=${"A".repeat(90)}&password=PoC\r\n\r\n`,
    );
    await send("");
    await service.stop();
    const now = Date.now() * 1000;
    const range = { from: now - 3600e6, to: now + 3600e6 };
    const top = await store.topPorts(range, 5);
    expect(top).toEqual([
      expect.objectContaining({ proto: "tcp", port: 8000, sources: 1, sessions: 1, probes: 1 }),
    ]);
    const alerts = await store.alertSummary(range);
    expect(alerts.map((a) => [a.sid, a.cve, a.sources])).toEqual([
      [9200001, ["CVE-2018-10088"], 1],
    ]);
    expect((await store.sensors()).map((s) => s.sensor)).toEqual(["ch-sensor"]);
    await store.close();
  }, 30_000);
});
