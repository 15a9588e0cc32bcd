import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeFiles } from "../aggregate/analyze-files.js";
import { Rollup } from "../aggregate/rollup.js";
import { Detection } from "../detect/setup.js";
import type { AnalysisReport } from "../schema/report.js";
import type { ReportSurge } from "../schema/surge.js";
import { simulate } from "../simulate/scenarios.js";
import { DetectionRollup } from "../store/detections.js";
import { type DuckDbStore, openDuckDbStore } from "../store/duckdb.js";
import { captureRunId, ingestAnalysis } from "../store/ingest.js";
import { detectSurges } from "./detect-surges.js";
import { defaultStoreBucket, lowestFloor, seriesFromStore } from "./store-series.js";
import { surgesFromStore } from "./store-surges.js";

const dir = mkdtempSync(join(tmpdir(), "portent-store-series-"));
const ALL = { from: 0, to: 4e15 };
const stores: DuckDbStore[] = [];
let report: AnalysisReport;
let store: DuckDbStore;

const brief = (s: ReportSurge) => ({
  proto: s.proto,
  port: s.port,
  onset: s.onset,
  detectedAt: s.detectedAt,
});

/**
 * Analyses a simulated capture in one pass, as `analyze --db` runs: the in-memory surges land in
 * the report, the DuckDB store gets the rollup and the detections.
 */
async function analyseBoth(
  scenario: string,
  seed: number,
  scale: number,
): Promise<{ report: AnalysisReport; store: DuckDbStore }> {
  const pcap = join(dir, `${scenario}.pcap`);
  simulate(scenario, { seed, scale, out: pcap });
  const store = await openDuckDbStore(join(dir, `${scenario}.duckdb`));
  stores.push(store);
  const rollup = new Rollup({ bucketSeconds: store.bucketSeconds });
  const records = new DetectionRollup(store.bucketSeconds);
  const detection = new Detection({ rules: [], defaultRules: true, families: [], store: records });
  const { report } = await analyzeFiles([pcap], { detection, rollup });
  await ingestAnalysis(store, rollup, { runId: captureRunId(report.input), detections: records });
  return { report, store };
}

beforeAll(async () => {
  ({ report, store } = await analyseBoth("satori-2018", 5, 0.2));
}, 240_000);

afterAll(async () => {
  for (const s of stores) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("seriesFromStore on simulated satori-2018", () => {
  it("finds the same port surges as the in-memory series", async () => {
    const set = await seriesFromStore(store, ALL);
    const fromStore = detectSurges(set, { kinds: ["port"] });
    const inMemory = report.surges.filter((s) => s.kind === "port");
    expect(inMemory.length).toBeGreaterThan(0);
    expect(fromStore.map(brief)).toEqual(inMemory.map(brief));
    expect(inMemory.some((s) => s.port === 8000)).toBe(true);
  });

  it("explains every surge (port, template, rule) exactly as the in-memory path does", async () => {
    const { surges } = await surgesFromStore(store, ALL);
    expect(report.surges.some((s) => s.kind === "template")).toBe(true);
    expect(report.surges.some((s) => s.kind === "sid")).toBe(true);
    // Every field: times, baseline, state, templates and rules with shares and CVEs, the
    // fingerprint mix, heavy hitters, the chart's series and the sentence.
    expect(surges).toEqual(report.surges);
  });

  it("leaves out only ports too quiet to fire, keeps the ports labels went to", async () => {
    const all = await seriesFromStore(store, ALL, { minPeakSources: 0 });
    const some = await seriesFromStore(store, ALL);
    expect(some.ports.length).toBeLessThan(all.ports.length);
    const floor = lowestFloor(3600);
    for (const s of all.ports) {
      const peak = Math.max(...s.sources.subarray(0, s.n));
      if (peak >= floor)
        expect(
          some.ports.some((p) => p.key === s.key),
          s.key,
        ).toBe(true);
    }
    expect(detectSurges(all, { kinds: ["port"] }).map(brief)).toEqual(
      detectSurges(some, { kinds: ["port"] }).map(brief),
    );
  });

  it("reads a range up to a time as a detector fed until then would have", async () => {
    const until = Date.parse("2018-06-12T00:00:00Z") * 1000;
    const set = await seriesFromStore(store, { from: 0, to: until });
    expect(set.end * 3600e6).toBe(until);
    expect(set.lastPartial).toBe(false);
    const early = detectSurges(set, { kinds: ["port"] }).map(brief);
    const full = report.surges.filter((s) => s.kind === "port" && s.detectedAt <= "2018-06-12");
    expect(early.map((s) => s.detectedAt)).toEqual(full.map((s) => s.detectedAt));
  });

  it("takes the store's bucket or a multiple of it, and refuses others", async () => {
    expect(defaultStoreBucket(300)).toBe(3600);
    expect(defaultStoreBucket(7200)).toBe(7200);
    const two = await seriesFromStore(store, ALL, { bucketSeconds: 7200 });
    expect(two.bucketSeconds).toBe(7200);
    await expect(seriesFromStore(store, ALL, { bucketSeconds: 1800 })).rejects.toThrow(/bucket/);
    await expect(seriesFromStore(store, ALL, { bucketSeconds: 3600 * 5 })).rejects.toThrow(
      /divides a day/,
    );
  });
});

describe("seriesFromStore on a single source hammering one port", () => {
  it("reports the same heavy hitter, and no surge, both ways", async () => {
    const h = await analyseBoth("surge-hammer", 1, 0.3);
    const set = await seriesFromStore(h.store, ALL);
    expect(h.report.heavyHitters?.length).toBeGreaterThan(0);
    expect(set.heavyHitters).toEqual(h.report.heavyHitters);
    const ports = (l: ReportSurge[]) => l.filter((s) => s.kind === "port").map(brief);
    expect(ports(detectSurges(set, { kinds: ["port"] }))).toEqual(ports(h.report.surges));
  }, 120_000);
});
