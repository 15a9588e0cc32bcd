import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../schema/errors.js";
import type { AnalysisReport } from "../schema/report.js";
import type { ReportSurge } from "../schema/surge.js";
import { parseTime, surgesSince } from "./surges.js";

describe("parseTime", () => {
  const latest = Date.parse("2018-06-16T00:00:00Z") * 1000;
  it("reads ISO times and spans before the newest data", () => {
    expect(parseTime("since", "2018-06-09T00:00Z", latest)).toBe(
      Date.parse("2018-06-09T00:00Z") * 1000,
    );
    expect(parseTime("since", "7d", latest)).toBe(latest - 7 * 86_400e6);
    expect(parseTime("since", "48h", latest)).toBe(latest - 48 * 3_600e6);
    expect(parseTime("since", "90m", latest)).toBe(latest - 90 * 60e6);
    expect(parseTime("since", "2w", latest)).toBe(latest - 14 * 86_400e6);
  });
  it("reads times without a zone as UTC", () => {
    const at = Date.parse("2018-06-14T03:00:00Z") * 1000;
    expect(parseTime("since", "2018-06-14T03:00", latest)).toBe(at);
    expect(parseTime("since", "2018-06-14 03:00", latest)).toBe(at);
    expect(parseTime("since", "2018-06-14", latest)).toBe(at - 3 * 3_600e6);
    expect(parseTime("since", "2018-06-14T05:00+02:00", latest)).toBe(at);
  });
  it("names the option and the forms it takes on anything else", () => {
    expect(() => parseTime("until", "last week", latest)).toThrow(UsageError);
    expect(() => parseTime("until", "last week", latest)).toThrow(/--until takes an ISO time/);
    expect(() => parseTime("since", "1528502400", latest)).toThrow(/7d, 48h/);
  });
});

describe("surgesSince", () => {
  const s = (detectedAt: string, ended?: string) =>
    ({ detectedAt, ...(ended !== undefined ? { ended } : {}) }) as ReportSurge;
  it("keeps surges detected from then on, or still going on then", () => {
    const since = Date.parse("2018-06-14T00:00:00Z") * 1000;
    const list = [
      s("2018-06-10T05:00:00Z", "2018-06-11T00:00:00Z"),
      s("2018-06-10T05:00:00Z", "2018-06-14T02:00:00Z"),
      s("2018-06-12T05:00:00Z"),
      s("2018-06-14T05:00:00Z", "2018-06-14T09:00:00Z"),
    ];
    expect(surgesSince(list, since)).toEqual(list.slice(1));
  });
});

const BIN = resolve(process.cwd(), "dist/src/cli/main.js");

function portent(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("portent surges (built binary) over a store of simulated satori-2018", () => {
  const dir = mkdtempSync(join(tmpdir(), "portent-surges-"));
  const db = join(dir, "satori.duckdb");
  let report: AnalysisReport;
  const brief = (x: ReportSurge) => `${x.kind} ${x.key} ${x.onset} ${x.detectedAt}`;

  beforeAll(() => {
    expect(existsSync(BIN), "run npm run build first").toBe(true);
    const pcap = join(dir, "satori.pcap");
    const sim = portent(["simulate", "satori-2018", "--seed", "5", "--scale", "0.2", "-o", pcap]);
    expect(sim.code, sim.stderr).toBe(0);
    const json = join(dir, "report.json");
    const an = portent(["analyze", pcap, "--quiet", "--db", db, "--json", json]);
    expect(an.code, an.stderr).toBe(0);
    report = JSON.parse(readFileSync(json, "utf8")) as AnalysisReport;
  }, 180_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("prints the surges section, with charts and explanations", () => {
    const r = portent(["surges", "--db", db, "--no-color"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^.*satori\.duckdb: 2018-06-07T00:00:00Z \.\. 2018-06-17T00:00:00Z, 1h buckets\n/,
    );
    expect(r.stdout).toContain(`Surges (${report.surges.length})`);
    expect(r.stdout).toMatch(/8000\/tcp +\w+ +\d+ sources at peak/);
    expect(r.stdout).toContain("matching CVE-2018-10088");
    expect(r.stdout).toContain("(o onset, d detected");
  });

  it("gives, as JSON, the surges analyze found on the capture, explained alike", () => {
    const r = portent(["surges", "--db", db, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const surges = JSON.parse(r.stdout) as ReportSurge[];
    expect(surges.map(brief)).toEqual(report.surges.map(brief));
    expect(surges).toEqual(report.surges);
  });

  it("lists surges since a time, and reads only up to another", () => {
    const since = portent(["surges", "--db", db, "--json", "--since", "2018-06-15T12:00Z"]);
    expect(since.code, since.stderr).toBe(0);
    const later = JSON.parse(since.stdout) as ReportSurge[];
    expect(later.length).toBeGreaterThan(0);
    for (const s of later) {
      const going = s.ended === undefined || s.ended > "2018-06-15T12:00:00Z";
      expect(s.detectedAt >= "2018-06-15T12:00:00Z" || going, s.id).toBe(true);
    }
    expect(later.some((s) => s.port === 8080)).toBe(true);
    const before = portent(["surges", "--db", db, "--until", "2018-06-14T04:30Z", "--no-color"]);
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toContain(".. 2018-06-14T04:00:00Z, 1h buckets");
    // What a detector fed until then would have said: the surges analyze detected by then, no more.
    const cut = portent(["surges", "--db", db, "--until", "2018-06-14T04:30Z", "--json"]);
    expect(cut.code, cut.stderr).toBe(0);
    const early = (JSON.parse(cut.stdout) as ReportSurge[]).map(brief);
    const want = report.surges.filter((x) => x.detectedAt <= "2018-06-14T04:00:00Z").map(brief);
    expect(early).toEqual(want);
    expect(report.surges.some((x) => x.detectedAt > "2018-06-14T04:00:00Z")).toBe(true);
    const rel = portent(["surges", "--db", db, "--since", "2d", "--top", "1", "--no-color"]);
    expect(rel.code, rel.stderr).toBe(0);
    expect(rel.stdout).toMatch(/surges since 2018-06-14T23:5\d:00Z/);
    expect(rel.stdout).toMatch(/\.\.\. \d+ more in the JSON report/);
  });

  it("says what is wrong: a missing store (1), bad times and buckets (2)", () => {
    const missing = portent(["surges", "--db", join(dir, "nope.duckdb")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("nope.duckdb: no such store");
    expect(existsSync(join(dir, "nope.duckdb"))).toBe(false);
    const time = portent(["surges", "--db", db, "--since", "yesterday"]);
    expect(time.code).toBe(2);
    expect(time.stderr).toContain("--since takes an ISO time");
    const bucket = portent(["surges", "--db", db, "--bucket", "1800"]);
    expect(bucket.code).toBe(2);
    expect(bucket.stderr).toContain("multiple of the store's 3600s bucket");
    const order = portent(["surges", "--db", db, "--since", "1d", "--until", "2d"]);
    expect(order.code).toBe(2);
    expect(portent(["surges", "--help"]).stdout).toContain("store's LAST DATA");
  });
});
