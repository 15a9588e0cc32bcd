import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EveFile } from "./eve-file.js";

describe("EveFile", () => {
  it("writes one JSON record per line, in order, across flushes", () => {
    const path = join(mkdtempSync(join(tmpdir(), "portent-eve-")), "eve.json");
    const eve = new EveFile(path);
    for (let i = 0; i < 5000; i++) eve.write({ event_type: "alert", n: i, pad: "x".repeat(40) });
    eve.close();
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(5000);
    expect(lines.map((l) => (JSON.parse(l) as { n: number }).n)).toEqual([...Array(5000).keys()]);
    expect(eve.records).toBe(5000);
  });
});
