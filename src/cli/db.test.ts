import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { UsageError } from "../schema/errors.js";
import { openDuckDbStore } from "../store/duckdb.js";
import { HOUR, minutesOf, sourcesOf, T0 } from "../store/fixtures.js";
import { runIdOf } from "../store/records.js";
import { db } from "./db.js";

const dir = mkdtempSync(join(tmpdir(), "portent-db-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
});

async function output(argv: string[]): Promise<string> {
  let out = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    out += String(s);
    return true;
  });
  await db.run(argv);
  vi.restoreAllMocks();
  return out;
}

async function makeStore(file: string): Promise<void> {
  const s = await openDuckDbStore(file);
  await s.append({
    run: runIdOf("a"),
    minutes: minutesOf([
      { minute: T0, port: 8000 },
      { minute: T0 + 2 * HOUR, port: 8000 },
    ]),
    sources: sourcesOf([
      { bucket: T0, port: 8000, src: "192.0.2.1" },
      { bucket: T0 + 2 * HOUR, port: 8000, src: "192.0.2.2" },
    ]),
  });
  await s.close();
}

describe("portent db", () => {
  it("prints row counts and the time span", async () => {
    const file = join(dir, "a.duckdb");
    await makeStore(file);
    const text = await output(["stats", "--db", file]);
    expect(text).toContain(`store: ${file} (duckdb, 1h source buckets)`);
    expect(text).toContain("span:  2018-06-09T00:00:00Z .. 2018-06-09T02:01:00Z (1 run)");
    expect(text).toMatch(/minutes\s+2\n/);
    expect(text).toMatch(/sources\s+2\n/);
    const json = JSON.parse(await output(["stats", "--db", file, "--json"]));
    expect(json.rows.sources).toBe(2);
  });

  it("prunes by time or by days kept", async () => {
    const file = join(dir, "b.duckdb");
    await makeStore(file);
    expect(await output(["prune", "--db", file, "--keep-days", "0"])).toContain(
      "2018-06-09T02:01:00Z",
    );
    const s = await openDuckDbStore(file);
    expect((await s.stats()).rows.minutes).toBe(0);
    await s.close();
    await makeStore(file);
    await output(["prune", "--db", file, "--before", "2018-06-09T01:00Z"]);
    const t = await openDuckDbStore(file);
    expect((await t.stats()).rows.sources).toBe(1);
    await t.close();
  });

  it("refuses a missing store without creating it, and bad usage", async () => {
    const file = join(dir, "missing.duckdb");
    await expect(db.run(["stats", "--db", file])).rejects.toThrow(/no such store/);
    expect(existsSync(file)).toBe(false);
    await expect(db.run([])).rejects.toThrow(UsageError);
    await expect(db.run(["prune", "--db", file])).rejects.toThrow(/--before/);
    await expect(db.run(["prune", "--before", "yesterday"])).rejects.toThrow(/ISO/);
    await expect(db.run(["stats", "--db", file, "--clickhouse", "http://x"])).rejects.toThrow(
      /not both/,
    );
  });
});
