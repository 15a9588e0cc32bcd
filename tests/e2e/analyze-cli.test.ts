/** End-to-end: the built `portent` binary on a simulated capture, checked against its truth file. */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import type { AnalysisReport } from "../../src/schema/report.js";
import type { Truth } from "../../src/schema/truth.js";

const BIN = resolve(process.cwd(), "dist/src/cli/main.js");

function portent(args: string[], input?: Buffer) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input,
    encoding: "buffer",
    maxBuffer: 1 << 28,
  });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function inCidr(addr: string, cidr: string): boolean {
  const [net, bits] = cidr.split("/") as [string, string];
  const n = (s: string) => s.split(".").reduce((t, x) => t * 256 + Number(x), 0);
  const size = 2 ** (32 - Number(bits));
  const base = Math.floor(n(net) / size) * size;
  const a = n(addr);
  return a >= base && a < base + size;
}

describe("portent analyze (built binary) on simulated satori-2018", () => {
  const dir = mkdtempSync(join(tmpdir(), "portent-e2e-"));
  const pcap = join(dir, "satori.pcap");
  const truthFile = join(dir, "truth.json");
  const reportFile = join(dir, "report.json");
  const eveFile = join(dir, "eve.json");
  let truth: Truth;
  let report: AnalysisReport;

  beforeAll(() => {
    expect(existsSync(BIN), "run npm run build first").toBe(true);
    const sim = portent([
      "simulate",
      "satori-2018",
      "--seed",
      "5",
      "--scale",
      "0.2",
      "-o",
      pcap,
      "--truth",
      truthFile,
    ]);
    expect(sim.code, sim.stderr).toBe(0);
    const an = portent([
      "analyze",
      pcap,
      "--json",
      reportFile,
      "--sources",
      "1000000",
      "--eve",
      eveFile,
    ]);
    expect(an.code, an.stderr).toBe(0);
    expect(an.stdout).toContain("PORTS");
    truth = JSON.parse(readFileSync(truthFile, "utf8")) as Truth;
    report = JSON.parse(readFileSync(reportFile, "utf8")) as AnalysisReport;
  });

  it("writes the report contract", () => {
    expect(report.version).toBe(1);
    expect(report.input.packets).toBe(truth.packets);
    expect(report.input.start?.startsWith("2018-06-07T00:")).toBe(true);
    expect(report.input.end?.startsWith("2018-06-16T23:")).toBe(true);
    for (const key of ["ports", "fingerprints", "alerts", "surges", "campaigns", "iocs"] as const) {
      expect(Array.isArray(report[key])).toBe(true);
    }
    const sources = report.ports.map((p) => p.sources);
    expect(sources).toEqual([...sources].sort((a, b) => b - a));
  });

  it("finds every campaign's ports, with all its sources and their Mirai share", () => {
    for (const c of truth.campaigns) {
      for (const port of c.ports) {
        const row = report.ports.find((p) => p.proto === "tcp" && p.port === port);
        expect(row, `${c.id} port ${port}`).toBeDefined();
        expect(row?.sessions ?? 0).toBeGreaterThan(0);
      }
      const mine = report.topSources.filter((s) => inCidr(s.address, c.sourceBlock));
      // truth counts the bots that hit the campaign's ports; a few more only probed other ports
      expect(mine.length, c.id).toBeGreaterThanOrEqual(c.sources);
      expect(mine.length, c.id).toBeLessThanOrEqual(Math.ceil(c.sources * 1.02) + 20);
      if (c.fingerprint === "mirai") {
        const mirai = mine.filter((s) => (s.fingerprints.mirai ?? 0) > 0).length;
        expect(mirai / mine.length, c.id).toBeGreaterThan(0.9);
      }
    }
  });

  it("reports each exploit campaign with its CVEs, its downloader URL and EVE alerts", () => {
    const eve = readFileSync(eveFile, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { event_type: string; alert: { signature_id: number } });
    expect(eve.length).toBe(report.alerts.reduce((t, a) => t + a.count, 0));
    for (const c of truth.campaigns.filter((x) => x.cve.length > 0)) {
      const found = report.campaigns.find(
        (k) =>
          c.cve.every((cve) => k.cve.includes(cve)) && k.ports.some((p) => c.ports.includes(p)),
      );
      expect(found, `${c.id}: a campaign with ${c.cve.join(", ")}`).toBeDefined();
      // Every session of the campaign carries the exploit: the template groups them all.
      expect(found?.sessions, c.id).toBe(c.sessions);
      if (c.downloader !== undefined) {
        expect(found?.iocs, c.id).toContain(c.downloader);
        expect(report.iocs.some((i) => i.type === "url" && i.value === c.downloader)).toBe(true);
      }
      for (const sid of found?.sids ?? []) {
        expect(eve.some((e) => e.event_type === "alert" && e.alert.signature_id === sid)).toBe(
          true,
        );
      }
    }
    for (const k of report.campaigns.filter((x) => x.alertedSessions === 0).slice(0, 50)) {
      expect(k.draftRule !== undefined || k.draftReason !== undefined, k.id).toBe(true);
    }
  });

  it("appends to a DuckDB store once: a second run over the same capture adds nothing", () => {
    const db = join(dir, "store.duckdb");
    const rows = () => {
      const st = portent(["db", "stats", "--db", db, "--json"]);
      expect(st.code, st.stderr).toBe(0);
      return (JSON.parse(st.stdout) as { rows: Record<string, number> }).rows;
    };
    const first = portent(["analyze", pcap, "--quiet", "--db", db]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/stored [\d,]+ rows/);
    const once = rows();
    expect(once.alerts).toBe(report.alerts.reduce((t, a) => t + a.count, 0));
    expect(once.templates).toBe(report.campaigns.length);
    expect(portent(["analyze", pcap, "--quiet", "--db", db]).code).toBe(0);
    expect(rows()).toEqual(once);

    // The store's history gives the same port surges as the analysis of the capture itself.
    const sg = portent(["surges", "--db", db, "--json"]);
    expect(sg.code, sg.stderr).toBe(0);
    const key = (x: {
      kind?: string;
      proto: string;
      port: number;
      onset: string;
      detectedAt: string;
    }) => `${x.proto}/${x.port} ${x.onset} ${x.detectedAt}`;
    const fromStore = (JSON.parse(sg.stdout) as Array<{ kind: string } & Parameters<typeof key>[0]>)
      .filter((x) => x.kind === "port")
      .map(key);
    const direct = (report.surges as Array<{ kind: string } & Parameters<typeof key>[0]>)
      .filter((x) => x.kind === "port")
      .map(key);
    expect(direct.length).toBeGreaterThan(0);
    expect(fromStore).toEqual(direct);
    const missing = portent(["surges", "--db", join(dir, "nope.duckdb")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no such store");
  });

  it("takes rule variables: a HOME_NET that is not the sensors' network silences the pack", () => {
    expect(report.alerts.length).toBeGreaterThan(0);
    const r = portent([
      "analyze",
      pcap,
      "--quiet",
      "--json",
      "-",
      "--var",
      "HOME_NET=[192.0.2.0/24]",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as AnalysisReport).alerts).toEqual([]);
  });

  it("reads the same capture gzipped from standard input", () => {
    const gz = gzipSync(readFileSync(pcap));
    const r = portent(["analyze", "-", "--json", "-", "--quiet"], gz);
    expect(r.code, r.stderr).toBe(0);
    const viaStdin = JSON.parse(r.stdout) as AnalysisReport;
    expect(viaStdin.input.files).toEqual(["<stdin>"]);
    expect(viaStdin.input.details[0]?.gzip).toBe(true);
    expect(viaStdin.ports).toEqual(report.ports);
    expect(viaStdin.fingerprints).toEqual(report.fingerprints);
  });
});

describe("portent command line errors", () => {
  const dir = mkdtempSync(join(tmpdir(), "portent-cli-"));

  it("exits 1 naming the file and its first bytes when the input is not a capture", () => {
    const f = join(dir, "notes.txt");
    writeFileSync(f, "hello, world\n");
    const r = portent(["analyze", f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${f}: not a pcap or pcapng file (first bytes: 68 65 6c 6c 6f 2c 20 77)`,
    );
  });

  it("exits 1 for a missing file", () => {
    const r = portent(["analyze", join(dir, "missing.pcap")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("missing.pcap");
  });

  it("exits 2 on usage errors and explains", () => {
    expect(portent(["analyze"]).code).toBe(2);
    const bad = portent(["analyze", "--frobnicate", "x.pcap"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--frobnicate");
    expect(portent(["analyze", "--top", "zero", "x.pcap"]).code).toBe(2);
    expect(portent(["no-such-command"]).code).toBe(2);
  });

  it("prints help with examples and exits 0", () => {
    const r = portent(["analyze", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Examples:");
    const top = execFileSync(process.execPath, [BIN, "--help"], { encoding: "utf8" });
    expect(top).toContain("analyze");
    expect(top).toContain("simulate");
  });
});
