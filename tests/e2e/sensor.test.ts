/**
 * End-to-end: the built `portent sensor` with no config serves its personas, a bad config exits 2
 * with located errors, and a simulated capture replayed to a sensor on loopback leaves the same
 * campaigns in the sensor's store as analysing the capture directly.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { AnalysisReport } from "../../src/schema/report.js";
import { openDuckDbStore } from "../../src/store/duckdb.js";

const BIN = resolve(process.cwd(), "dist/src/cli/main.js");
const dir = mkdtempSync(join(tmpdir(), "portent-sensor-e2e-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function portent(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `portent sensor ARGS`; resolves once it says it listens. */
function startSensor(args: string[]): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [BIN, "sensor", ...args], { cwd: dir });
  let err = "";
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`sensor did not start: ${err}`)), 30_000);
    child.stderr?.on("data", (b: Buffer) => {
      err += b.toString();
      if (err.includes(" listening on ")) {
        clearTimeout(timer);
        resolvePromise({ child, stderr: () => err });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`sensor exited with ${code}: ${err}`));
    });
  });
}

function stopSensor(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => {
    child.removeAllListeners("exit");
    child.on("exit", (code) => r(code));
    child.kill("SIGTERM");
  });
}

/** Sends `data` to 127.0.0.1:port and collects the answer until the sensor closes or `ms`. */
function talk(port: number, data: string | Buffer, ms = 1500): Promise<Buffer> {
  return new Promise((r) => {
    const parts: Buffer[] = [];
    const c = connect({ port, host: "127.0.0.1" }, () => {
      c.write(data);
    });
    const t = setTimeout(() => c.destroy(), ms);
    c.on("data", (b) => parts.push(b));
    c.on("error", () => {});
    c.on("close", () => {
      clearTimeout(t);
      r(Buffer.concat(parts));
    });
  });
}

describe("portent sensor (built binary)", () => {
  it("exists", () => expect(existsSync(BIN), "run npm run build first").toBe(true));

  it("serves the default personas on unprivileged ports with no config, and records to DuckDB", async () => {
    const { child } = await startSensor(["--duration", "60", "--flush", "1", "--no-enrich"]);
    try {
      const uc = (await talk(8000, "GET / HTTP/1.0\r\n\r\n")).toString("latin1");
      expect(uc).toMatch(/^HTTP\/1\.0 200 OK\r\n/);
      expect(uc).toContain("Server: uc-httpd 1.0.0\r\n");
      const dsl = (
        await talk(
          8080,
          "GET /ayefeaturesconvert.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
      ).toString("latin1");
      expect(dsl).toContain("DSL-2750");
      const hg = (
        await talk(
          37215,
          "POST /ctrlt/DeviceUpgrade_1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )
      ).toString("latin1");
      expect(hg).toMatch(/^HTTP\/1\.1 401/);
      expect(hg).toContain('realm="HuaweiHomeGateway"');
      const telnet = await talk(2323, "", 800);
      expect(telnet[0]).toBe(0xff);
      expect(telnet.toString("latin1")).toContain("login: ");
    } finally {
      expect(await stopSensor(child)).toBe(0);
    }
    const store = await openDuckDbStore(join(dir, "portent-sensor.duckdb"));
    try {
      const top = await store.topPorts(
        { from: Date.now() * 1000 - 3600e6, to: Date.now() * 1000 + 60e6 },
        20,
      );
      expect(top.map((p) => p.port).sort((a, b) => a - b)).toEqual([2323, 8000, 8080, 37215]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it("exits 2 on a bad config, naming each problem's file, line and key", () => {
    const cfg = join(dir, "bad.toml");
    writeFileSync(cfg, 'sensor-id = "hp 1"\n\n[[listen]]\nport = 70000\npersona = "uc-htpd"\n');
    const r = portent(["sensor", "--config", cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${cfg}:1:`);
    expect(r.stderr).toContain(`${cfg}:4:`);
    expect(r.stderr).toContain(`${cfg}:5:`);
    expect(r.stderr).toContain("uc-httpd");
  });

  it("exits 1 naming the store when it cannot be opened", () => {
    const r = portent([
      "sensor",
      "--db",
      join(dir, "no", "such", "dir", "s.duckdb"),
      "--duration",
      "1",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/portent sensor: cannot open the store .*s\.duckdb/);
  });

  it("records a replayed satori-2018 capture as the same campaigns as analysing it", async () => {
    const pcap = join(dir, "satori.pcap");
    expect(
      portent(["simulate", "satori-2018", "--seed", "3", "--scale", "0.2", "-o", pcap]).code,
    ).toBe(0);
    const reportFile = join(dir, "direct.json");
    expect(portent(["analyze", pcap, "--json", reportFile, "--quiet", "--no-surges"]).code).toBe(0);
    const direct = JSON.parse(readFileSync(reportFile, "utf8")) as AnalysisReport;
    const tcp = direct.campaigns.filter((c) =>
      c.ports.some((p) => [23, 80, 81, 2323, 8000, 8080].includes(p)),
    );
    expect(tcp.length).toBeGreaterThanOrEqual(5);

    const db = join(dir, "replayed.duckdb");
    const personas = [
      [80, "uc-httpd"],
      [81, "uc-httpd"],
      [8000, "uc-httpd"],
      [8080, "dlink-dsl"],
      [23, "telnet"],
      [2323, "telnet"],
    ] as const;
    const { child } = await startSensor([
      "--bind",
      "127.0.0.1",
      ...personas.flatMap(([p, n]) => ["--persona", `${p + 10000}=${n}`]),
      "--ports",
      personas.map(([p]) => p + 10000).join(","),
      "--accept-replay",
      "--db",
      db,
      "--quiet",
      "--no-enrich",
      "--duration",
      "300",
    ]);
    let replay: ReturnType<typeof portent>;
    try {
      replay = portent(["replay", pcap, "--to", "127.0.0.1:+10000", "--proxy-protocol"]);
    } finally {
      expect(await stopSensor(child)).toBe(0);
    }
    expect(replay.code, replay.stderr).toBe(0);

    const store = await openDuckDbStore(db);
    try {
      const stored = new Map(
        (await store.templates(undefined, 10_000)).map((t) => [t.template, t]),
      );
      for (const c of tcp) {
        expect(
          stored.get(c.template)?.count,
          `campaign ${c.template} ${c.sample.slice(0, 40)}`,
        ).toBe(c.sessions);
      }
      const range = { from: Date.UTC(2018, 5, 1) * 1000, to: Date.UTC(2018, 5, 30) * 1000 };
      const alerts = await store.alertSummary(range);
      const uc = alerts.find((a) => a.cve.includes("CVE-2018-10088"));
      const direct10088 = direct.alerts.find((a) => a.cve.includes("CVE-2018-10088"));
      expect(uc?.sources).toBe(direct10088?.sources);
      const ports = await store.topPorts(range, 50);
      const directSessions = new Map(
        direct.ports.filter((p) => p.proto === "tcp").map((p) => [p.port, p.sessions]),
      );
      for (const p of ports) expect(p.sessions, `port ${p.port}`).toBe(directSessions.get(p.port));
    } finally {
      await store.close();
    }
  }, 240_000);
});
