/**
 * @module ET Open load check: every rule of the ET files in shared/data is either loaded or
 * reported with file:line and a reason, and at least the measured share loads.
 */

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadRules } from "../../src/detect/rules/index.js";

const ET_2019 = "../shared/data/rules/et-open-2019-04_xisafe";
const ET_2025 = "../shared/data/rules/et-open-2025_gokul/emerging-exploit.rules";
const FILES = [
  ...readdirSync(ET_2019)
    .filter((f) => f.endsWith(".rules"))
    .map((f) => join(ET_2019, f)),
  ET_2025,
];

/** Share of rules supported, as measured when this test was written (the issue asks >= 0.95). */
const MEASURED_SUPPORTED = 0.997;

function ruleLines(file: string): number {
  return readFileSync(file, "latin1")
    .split("\n")
    .filter((l) => /^\s*(alert|drop|reject|pass)\s/.test(l)).length;
}

describe("ET Open rules load", () => {
  const set = loadRules(FILES);
  const total = FILES.reduce((n, f) => n + ruleLines(f), 0);

  it("accounts for every rule: loaded, duplicate, unsupported or invalid", () => {
    expect(total).toBe(2735);
    const counted = set.files.reduce(
      (n, f) => n + f.loaded + (f.duplicates ?? 0) + f.unsupported + f.invalid,
      0,
    );
    expect(counted).toBe(total);
    expect(set.problems.length).toBe(set.files.reduce((n, f) => n + f.unsupported + f.invalid, 0));
  });

  it(`supports at least ${MEASURED_SUPPORTED * 100}% of them`, () => {
    const supported = set.files.reduce((n, f) => n + f.loaded + (f.duplicates ?? 0), 0);
    expect(supported / total).toBeGreaterThanOrEqual(MEASURED_SUPPORTED);
    expect(supported / total).toBeGreaterThanOrEqual(0.95);
  });

  it("reports each skipped rule with file:line, sid and a reason", () => {
    for (const p of set.problems) {
      expect(FILES).toContain(p.file);
      expect(p.line).toBeGreaterThan(0);
      expect(p.reason).not.toBe("");
      expect(p.sid).toBeGreaterThan(0);
      if (p.kind === "unsupported") expect(p.keyword).toBeTruthy();
      const line = readFileSync(p.file, "latin1").split("\n")[p.line - 1] ?? "";
      expect(line).toContain(`sid:${p.sid}`);
    }
  });
});
