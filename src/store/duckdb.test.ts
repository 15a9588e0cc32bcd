import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { storeConformance } from "./conformance.js";
import { openDuckDbStore } from "./duckdb.js";
import { sourcesOf, T0 } from "./fixtures.js";
import { runIdOf } from "./records.js";

storeConformance("duckdb", (opts) => openDuckDbStore(":memory:", opts ?? {}));

describe("duckdb: a store file", () => {
  const dir = mkdtempSync(join(tmpdir(), "portent-duckdb-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps rows and its bucket across reopening, and refuses another bucket", async () => {
    const file = join(dir, "a.duckdb");
    const a = await openDuckDbStore(file, { bucketSeconds: 900 });
    await a.append({
      run: runIdOf("x"),
      sources: sourcesOf([{ bucket: T0, port: 80, src: "192.0.2.1" }]),
    });
    await a.close();
    const b = await openDuckDbStore(file);
    expect(b.bucketSeconds).toBe(900);
    expect((await b.stats()).rows.sources).toBe(1);
    await b.close();
    await expect(openDuckDbStore(file, { bucketSeconds: 3600 })).rejects.toThrow(/900s/);
  });

  it("names the file when it cannot be opened", async () => {
    await expect(openDuckDbStore(join(dir, "missing", "x.duckdb"))).rejects.toThrow(/missing/);
  });
});
