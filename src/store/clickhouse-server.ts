/**
 * @module A throwaway ClickHouse server for tests and benchmarks: the installed `clickhouse-server`
 * (Debian's 18.16, or a current `clickhouse` binary) run as a child process with its own config
 * and data in a temporary directory, on loopback and free ports.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/** How long the server may take to answer /ping after it starts. */
export const START_TIMEOUT_MS = 60_000;

export interface ClickHouseServer {
  url: string;
  /** The binary that runs, and the temporary directory holding config, data and logs. */
  binary: string;
  dir: string;
  stop(): Promise<void>;
}

/**
 * The server binary: $PORTENT_CLICKHOUSE_SERVER, else `clickhouse-server` or `clickhouse` on the
 * PATH or in /usr/sbin and /usr/bin (Debian installs the server in /usr/sbin, off a user's PATH).
 */
export function findServerBinary(): { file: string; args: string[] } | undefined {
  const env = process.env.PORTENT_CLICKHOUSE_SERVER;
  if (env !== undefined && env !== "") return { file: env, args: [] };
  const dirs = [
    ...(process.env.PATH ?? "").split(delimiter),
    "/usr/sbin",
    "/usr/bin",
    "/usr/local/bin",
  ];
  for (const [name, args] of [
    ["clickhouse-server", []],
    ["clickhouse", ["server"]],
  ] as const) {
    for (const d of dirs) {
      if (d === "") continue;
      const f = join(d, name);
      try {
        accessSync(f, constants.X_OK);
        return { file: f, args: [...args] };
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function config(dir: string, http: number, tcp: number): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/error.log</errorlog><console>0</console></logger>
  <http_port>${http}</http_port>
  <tcp_port>${tcp}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
</yandex>
`;
}

const USERS = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

async function ping(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
    return r.ok && (await r.text()).startsWith("Ok");
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

/** Starts a server and resolves once it answers; throws (never skips) when it cannot. */
export async function startClickHouse(): Promise<ClickHouseServer> {
  const bin = findServerBinary();
  if (bin === undefined) {
    throw new Error(
      "clickhouse-server not found: install it (apt-get install clickhouse-server; scripts/test-setup.sh does) or set PORTENT_CLICKHOUSE_SERVER",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "portent-clickhouse-"));
  const http = await freePort();
  const tcp = await freePort();
  writeFileSync(join(dir, "config.xml"), config(dir, http, tcp));
  writeFileSync(join(dir, "users.xml"), USERS);
  const child = spawn(bin.file, [...bin.args, `--config-file=${join(dir, "config.xml")}`], {
    cwd: dir,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.on("error", (e) => {
    stderr += e.message;
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${http}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited(child);
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await ping(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${bin.file} did not start (exit ${child.exitCode}): ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, binary: bin.file, dir, stop };
}
