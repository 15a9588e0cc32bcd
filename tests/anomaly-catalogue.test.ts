/** The anomaly catalogue in code and in docs/anomalies.md must list the same kinds. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ANOMALY_KINDS } from "../src/schema/anomalies.js";

describe("anomaly catalogue", () => {
  it("documents every kind in docs/anomalies.md, and nothing else", () => {
    const doc = readFileSync("docs/anomalies.md", "utf8");
    const documented = [...doc.matchAll(/^\| `([a-z0-9_]+)`\s*\|/gm)].map((m) => m[1]);
    expect([...documented].sort()).toEqual([...ANOMALY_KINDS].sort());
  });
});
