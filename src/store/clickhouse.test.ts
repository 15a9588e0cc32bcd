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
