/**
 * @module Sensor benchmark: requests/s of the `uc-httpd` persona under wrk on loopback, next to
 * nginx (one worker, a static page of the same size) and a bare Node `http` server measured in the
 * same run; one request per connection (`Connection: close`, as bots send) and keep-alive, at 100
 * and 1,000 connections; every sensor request is the CVE-2018-10088 exploit, and the run checks
 * that each one was recorded and matched. Then the sensor's RSS with 10,000 idle connections.
 *
 * Run: `npm run build && node dist/bench/sensor.js` (BENCH_SECONDS per wrk run, default 10).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openDuckDbStore } from "../src/store/duckdb.js";

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "dist/src/cli/main.js");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const IDLE_CONNECTIONS = 10_000;
const PORTS = { sensor: 18000, nginx: 18001, node: 18002, gpon: 18003 };
const dir = mkdtempSync(join(tmpdir(), "portent-bench-sensor-"));

const EXPLOIT_LUA = `wrk.method = "POST"
wrk.path = "/login.htm"
wrk.body = "command=login&username=${"A".repeat(90)}&password=PoC"
`;

interface WrkResult {
  requests: number;
  rps: number;
  p99ms: number;
  errors: number;
}

function wrk(port: number, connections: number, close: boolean, script?: string): WrkResult {
  const args = ["-t2", `-c${connections}`, `-d${SECONDS}s`, "--latency", "--timeout", "5s"];
  if (close) args.push("-H", "Connection: close");
  if (script !== undefined) args.push("-s", script);
  args.push(`http://127.0.0.1:${port}/`);
  const out = execFileSync("wrk", args, { encoding: "utf8" });
  const num = (re: RegExp): number => Number(re.exec(out)?.[1] ?? Number.NaN);
  const p99 = /99%\s+([\d.]+)(us|ms|s)\b/.exec(out);
  const scale = p99?.[2] === "us" ? 1e-3 : p99?.[2] === "s" ? 1e3 : 1;
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = num(/Non-2xx or 3xx responses: (\d+)/);
  return {
    requests: num(/(\d+) requests in/),
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p99ms: p99 !== null ? Number(p99[1]) * scale : Number.NaN,
    errors:
      (errs !== null ? errs.slice(1).reduce((t, x) => t + Number(x), 0) : 0) +
      (Number.isNaN(non2xx) ? 0 : non2xx),
  };
}

function waitFor(child: ChildProcess, text: string, what: string): Promise<void> {
  let seen = "";
  return new Promise((ok, fail) => {
    const t = setTimeout(() => fail(new Error(`${what} did not start: ${seen}`)), 30_000);
    const on = (b: Buffer) => {
      seen += b.toString();
      if (seen.includes(text)) {
        clearTimeout(t);
        ok();
      }
    };
    child.stderr?.on("data", on);
    child.stdout?.on("data", on);
    child.on("exit", (c) => fail(new Error(`${what} exited with ${c}: ${seen}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((ok) => {
    child.removeAllListeners("exit");
    child.on("exit", () => ok());
    child.kill("SIGTERM");
  });
}

function rssMiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0) / 1024;
}

async function startSensor(db: string): Promise<ChildProcess> {
  const cfg = join(dir, "sensor.toml");
  writeFileSync(
    cfg,
    `sensor-id = "bench"
bind = "127.0.0.1"
db = "${db}"
flush-seconds = 5

[[listen]]
port = ${PORTS.sensor}
persona = "uc-httpd"

[[listen]]
port = ${PORTS.gpon}
persona = "gpon"

[limits]
# One loopback client stands for every bot here: the per-source limits are opened up.
max-connections = 20000
max-connections-per-source = 20000
max-new-per-source-per-second = 100000
idle-seconds = 600
`,
  );
  const child = spawn(
    process.execPath,
    [BIN, "sensor", "--config", cfg, "--quiet", "--no-enrich"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  await waitFor(child, " listening on ", "portent sensor");
  return child;
}

async function startNginx(): Promise<ChildProcess> {
  const root = join(dir, "www");
  execFileSync("mkdir", ["-p", root, join(dir, "nginx-tmp")]);
  // nginx's worker runs as an unprivileged user when started as root: it must read the page.
  chmodSync(dir, 0o755);
  // The same page size as the persona's login page, so both send the same bytes.
  writeFileSync(join(root, "index.html"), `<html>${"x".repeat(600)}</html>\n`, { mode: 0o644 });
  const conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log;
events { worker_connections 20000; }
http {
  access_log off;
  client_body_temp_path ${dir}/nginx-tmp;
  proxy_temp_path ${dir}/nginx-tmp;
  fastcgi_temp_path ${dir}/nginx-tmp;
  uwsgi_temp_path ${dir}/nginx-tmp;
  scgi_temp_path ${dir}/nginx-tmp;
  server { listen 127.0.0.1:${PORTS.nginx} backlog=4096; root ${root}; }
}
`,
  );
  const nginx = spawn("nginx", ["-c", conf, "-p", dir], { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise((r) => setTimeout(r, 500));
  return nginx;
}

async function startNodeHttp(): Promise<ChildProcess> {
  const page = `<html>${"x".repeat(600)}</html>\n`;
  const code = `require("node:http").createServer((q, s) => { q.resume(); s.writeHead(200, {"Content-Type": "text/html", "Content-Length": ${page.length}}); s.end(${JSON.stringify(page)}); }).listen(${PORTS.node}, "127.0.0.1", () => console.log("ready"));`;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "pipe"] });
  await waitFor(child, "ready", "node http");
  return child;
}

async function idleConnections(port: number, n: number): Promise<Socket[]> {
  const out: Socket[] = [];
  for (let i = 0; i < n; i += 500) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(500, n - i) }, () => {
        return new Promise<Socket>((ok, fail) => {
          const s = connect({ port, host: "127.0.0.1" }, () => ok(s));
          s.on("error", fail);
        });
      }),
    );
    out.push(...batch);
  }
  return out;
}

const f0 = (x: number): string => Math.round(x).toLocaleString("en-US");

async function main(): Promise<void> {
  const script = join(dir, "exploit.lua");
  writeFileSync(script, EXPLOIT_LUA);
  const db = join(dir, "bench.duckdb");
  const nginx = await startNginx();
  const nodeHttp = await startNodeHttp();
  const sensor = await startSensor(db);
  const rows: Array<[string, string, WrkResult]> = [];
  let sensorRequests = 0;
  try {
    for (const close of [true, false]) {
      for (const c of [100, 1000]) {
        const mode = `${close ? "close" : "keep-alive"} c=${c}`;
        rows.push(["nginx (1 worker)", mode, wrk(PORTS.nginx, c, close)]);
        rows.push(["node http", mode, wrk(PORTS.node, c, close)]);
        const s = wrk(PORTS.sensor, c, close, script);
        sensorRequests += s.requests;
        rows.push(["portent uc-httpd", mode, s]);
        if (!close) rows.push(["portent gpon", mode, wrk(PORTS.gpon, c, false)]);
      }
    }
  } finally {
    await stop(nginx);
    await stop(nodeHttp);
  }
  for (const [name, mode, r] of rows) {
    // A reference that answers errors (e.g. 403 on an unreadable page) is no reference.
    if (r.errors > r.requests / 100) {
      throw new Error(
        `${name} ${mode}: ${r.errors} errors or non-2xx answers for ${r.requests} requests`,
      );
    }
  }
  const peakBefore = rssMiB(sensor.pid as number, "VmHWM");
  // The sensor's RSS with many idle connections, in a fresh process so the wrk runs' peak
  // does not count.
  await stop(sensor);
  const db2 = join(dir, "idle.duckdb");
  const idle = await startSensor(db2);
  const base = rssMiB(idle.pid as number, "VmRSS");
  const socks = await idleConnections(PORTS.sensor, IDLE_CONNECTIONS);
  await new Promise((r) => setTimeout(r, 2000));
  const withIdle = rssMiB(idle.pid as number, "VmRSS");
  const peakIdle = rssMiB(idle.pid as number, "VmHWM");
  for (const s of socks) s.destroy();
  await stop(idle);

  const store = await openDuckDbStore(db);
  const range = { from: 0, to: Date.now() * 1000 + 3600e6 };
  const ports = await store.topPorts(range, 10);
  const alerts = await store.alertSummary(range);
  await store.close();
  const recorded = ports.find((p) => p.port === PORTS.sensor)?.sessions ?? 0;
  const matched = alerts.find((a) => a.cve.includes("CVE-2018-10088"))?.count ?? 0;

  process.stdout.write(
    `wrk -t2, ${SECONDS} s per run, on loopback; the sensor's requests are the CVE-2018-10088 exploit\n\n` +
      "| server | mode | req/s | p99 ms | errors | ÷ nginx |\n|---|---|---:|---:|---:|---:|\n",
  );
  for (const [name, mode, r] of rows) {
    const ref =
      rows.find(([n, m]) => n === "nginx (1 worker)" && m === mode)?.[2].rps ?? Number.NaN;
    process.stdout.write(
      `| ${name} | ${mode} | ${f0(r.rps)} | ${r.p99ms.toFixed(1)} | ${f0(r.errors)} | ${(r.rps / ref).toFixed(2)}x |\n`,
    );
  }
  process.stdout.write(
    `\nrecorded: ${f0(recorded)} uc-httpd sessions for ${f0(sensorRequests)} requests wrk completed ` +
      `(wrk counts only whole responses); ${f0(matched)} matched CVE-2018-10088 (sid 9200001)\n` +
      `sensor peak RSS under wrk: ${f0(peakBefore)} MiB\n` +
      `sensor RSS: ${f0(base)} MiB idle, ${f0(withIdle)} MiB with ${f0(IDLE_CONNECTIONS)} idle connections (peak ${f0(peakIdle)} MiB)\n`,
  );
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  process.stderr.write(
    `bench/sensor: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exitCode = 1;
});
