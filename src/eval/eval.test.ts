import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVAL_SCENARIOS, evaluateScenario, medianDelay, type ScenarioResult } from "./evaluate.js";
import { TARGET_MEDIAN_DELAY_HOURS } from "./report.js";

/**
 * The surge targets of issue 4, held on every scenario of `npm run eval` (seed 1, scale 1, ≈2.5M
 * packets in all). Delay ceilings guard against regressions at the measured values (seed 1: the
 * sharp onsets 1 h, DSL-2750B 2 h, the worm 5 h; 1, 2–5 and 4–7 h over seeds 1–24); see
 * docs/surges.md for why the gradual campaigns take longer.
 */
const SHARP_ONSET_MAX_HOURS = 1;
const GRADUAL_MAX_HOURS = 6;
const GRADUAL = new Set(["satori-dlink", "adb-worm"]);

const dir = mkdtempSync(join(tmpdir(), "portent-eval-"));
const results: ScenarioResult[] = [];

beforeAll(async () => {
  for (const name of EVAL_SCENARIOS)
    results.push(await evaluateScenario(name, { seed: 1, scale: 1, dir }));
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const byName = (n: string) => results.find((r) => r.scenario === n) as ScenarioResult;

describe("surge evaluation", () => {
  it("detects every true campaign", () => {
    const missed = results.flatMap((r) =>
      r.campaigns.filter((c) => c.surge === null).map((c) => c.id),
    );
    expect(missed).toEqual([]);
    expect(results.flatMap((r) => r.campaigns).length).toBe(4);
  });

  it("stays silent on every decoy and reports no false surge", () => {
    expect(
      results.flatMap((r) => r.decoysFired.map((f) => `${r.scenario}: ${f.surge.id}`)),
    ).toEqual([]);
    expect(results.flatMap((r) => r.falseSurges.map((s) => `${r.scenario}: ${s.id}`))).toEqual([]);
    expect(results.reduce((n, r) => n + (r.truth.decoys?.length ?? 0), 0)).toBe(3);
  });

  it("detects sharp onsets in their first hour, gradual ones within hours, median ≤ 2 h", () => {
    for (const c of results.flatMap((r) => r.campaigns)) {
      const max = GRADUAL.has(c.id) ? GRADUAL_MAX_HOURS : SHARP_ONSET_MAX_HOURS;
      expect(c.delayHours, c.id).toBeLessThanOrEqual(max);
    }
    expect(medianDelay(results)).toBeLessThanOrEqual(TARGET_MEDIAN_DELAY_HOURS);
  });

  it("detects Satori's port-8000 wave on its first day and the 80/8080 rise on June 15", () => {
    const satori = byName("satori-2018");
    const uc = satori.campaigns.find((c) => c.id === "satori-uc-httpd")?.surge;
    expect(uc?.port).toBe(8000);
    expect(uc?.detectedAt.slice(0, 10)).toBe("2018-06-09");
    expect(uc?.onset).toBe("2018-06-09T04:00:00Z");
    expect(uc?.fingerprints.mirai).toBeGreaterThan(0.9);
    expect(uc?.escalations[0]?.detectedAt.slice(0, 10)).toBe("2018-06-14");
    const dl = satori.campaigns.find((c) => c.id === "satori-dlink")?.surge;
    expect([80, 8080]).toContain(dl?.port);
    expect(dl?.detectedAt.slice(0, 10)).toBe("2018-06-15");
  });

  it("reports the hammering source as a heavy hitter, not a surge", () => {
    const h = byName("surge-hammer").heavyHitters[0];
    expect(h).toMatchObject({ address: "192.0.2.66", port: 3389, proto: "tcp" });
    expect(h?.packets).toBeGreaterThan(100_000);
  });

  it("leaves the simulated research scanners out", () => {
    for (const r of results) expect(r.excluded, r.scenario).toBeGreaterThan(0);
  });
});
