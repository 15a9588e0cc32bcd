/** @module `portent sensor` flags laid over its config: --ports, --persona, --sensor-id, the store, --quiet. */

import {
  checkBind,
  checkClickHouseUrl,
  checkDatabase,
  checkNatsUrl,
  checkSensorId,
  suggest,
} from "./config-checks.js";
import {
  type ConfigIssue,
  type ConfigIssueCode,
  type ConfigOptions,
  type ConfigResult,
  DEFAULT_CLICKHOUSE_DATABASE,
  defaultPersonaForPort,
  MAX_LISTEN_PORTS,
  registryOptions,
  type SensorConfig,
} from "./config-schema.js";

/** The flags that override the config file; absent ones leave it as it is. */
export interface SensorFlags {
  /** `--ports LIST`: "8000,8080,2323" or ranges "8000-8009"; replaces the configured ports. */
  ports?: string;
  /** `--persona PORT=NAME`, repeatable: the persona of a port (added if not listened on yet). */
  persona?: readonly string[];
  sensorId?: string;
  bind?: string;
  /** A DuckDB file (relative to the working folder); replaces a configured ClickHouse. */
  db?: string;
  /** A ClickHouse URL; replaces a configured DuckDB file. */
  clickhouse?: string;
  database?: string;
  nats?: string;
  events?: string;
  quiet?: boolean;
}

/** The ports of a `--ports` list, and what was wrong with it. */
export interface PortList {
  ports: number[];
  errors: string[];
}

const quote = (v: string): string => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);

/** Reads "8000,8080-8082" into ports, in order; every bad item is an error, nothing throws. */
export function parsePortList(text: string): PortList {
  const ports: number[] = [];
  const errors: string[] = [];
  if (text.trim() === "") return { ports, errors: ["no ports given"] };
  const seen = new Set<number>();
  for (const raw of text.split(",")) {
    const item = raw.trim();
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(item);
    if (m === null) {
      errors.push(
        item === ""
          ? `empty item in ${quote(text)}`
          : `${quote(item)} is not a port or a range like 8000-8009`,
      );
      continue;
    }
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    const bad = [m[1] as string, m[2]].find(
      (p) => p !== undefined && !(Number(p) >= 1 && Number(p) <= 65_535),
    );
    if (bad !== undefined) {
      errors.push(`${quote(bad)} is not a port (1 to 65535)`);
      continue;
    }
    if (hi < lo) {
      errors.push(`${quote(item)}: a range goes up (${hi}-${lo}?)`);
      continue;
    }
    if (seen.size + (hi - lo + 1) > MAX_LISTEN_PORTS) {
      errors.push(`more than ${MAX_LISTEN_PORTS} ports`);
      break;
    }
    const twice: number[] = [];
    for (let p = lo; p <= hi; p++) {
      if (seen.has(p)) twice.push(p);
      else {
        seen.add(p);
        ports.push(p);
      }
    }
    if (twice.length === 1) errors.push(`port ${twice[0]} is listed twice`);
    else if (twice.length > 1)
      errors.push(`ports ${twice[0]} and ${twice.length - 1} more are listed twice`);
  }
  return { ports, errors };
}

/**
 * Lays flags over a config (a copy; `config` is not changed). Never throws: each bad flag is an
 * issue located as the flag ("--persona"), with line 0, all of them at once.
 */
export function applyFlags(
  config: SensorConfig,
  flags: SensorFlags,
  opts: ConfigOptions = registryOptions(),
): ConfigResult {
  const issues: ConfigIssue[] = [];
  const bad = (path: string, code: ConfigIssueCode, message: string): void => {
    issues.push({ file: "", line: 0, column: 0, path, code, message });
  };
  const cfg = structuredClone(config);
  const take = (
    flag: string,
    v: string | undefined,
    check: (v: string) => string | null,
  ): string | undefined => {
    if (v === undefined) return undefined;
    const problem = v === "" ? "must not be empty" : check(v);
    if (problem === null) return v;
    bad(flag, "bad-value", problem);
    return undefined;
  };
  const any = (): null => null;

  cfg.sensorId = take("--sensor-id", flags.sensorId, checkSensorId) ?? cfg.sensorId;
  cfg.bind = take("--bind", flags.bind, checkBind) ?? cfg.bind;
  const nats = take("--nats", flags.nats, checkNatsUrl);
  if (nats !== undefined) cfg.nats = nats;
  const events = take("--events", flags.events, any);
  if (events !== undefined) cfg.events = events;
  if (flags.quiet !== undefined) cfg.quiet = flags.quiet;

  if (flags.db !== undefined && flags.clickhouse !== undefined) {
    bad("--clickhouse", "conflict", "give --db or --clickhouse, not both");
  } else {
    const db = take("--db", flags.db, any);
    const ch = take("--clickhouse", flags.clickhouse, checkClickHouseUrl);
    if (db !== undefined) cfg.store = { kind: "duckdb", file: db };
    if (ch !== undefined) {
      const database =
        cfg.store.kind === "clickhouse" ? cfg.store.database : DEFAULT_CLICKHOUSE_DATABASE;
      cfg.store = { kind: "clickhouse", url: ch, database };
    }
  }
  const database = take("--database", flags.database, checkDatabase);
  if (database !== undefined) {
    if (cfg.store.kind === "clickhouse") cfg.store.database = database;
    else bad("--database", "conflict", "--database applies only with clickhouse");
  }

  const chosen = personaFlags(flags.persona ?? [], opts, bad);
  if (flags.ports !== undefined) {
    const { ports, errors } = parsePortList(flags.ports);
    for (const e of errors) bad("--ports", "bad-value", e);
    if (errors.length === 0) {
      const before = new Map(cfg.listen.map((l) => [l.port, l.persona]));
      const personaFor = opts.personaForPort ?? defaultPersonaForPort;
      cfg.listen = ports.map((port) => ({
        port,
        persona: before.get(port) ?? personaFor(port),
      }));
    }
  }
  for (const [port, persona] of chosen) {
    const entry = cfg.listen.find((l) => l.port === port);
    if (entry !== undefined) entry.persona = persona;
    else cfg.listen.push({ port, persona });
  }
  if (cfg.listen.length > MAX_LISTEN_PORTS)
    bad("--persona", "too-large", `more than ${MAX_LISTEN_PORTS} ports`);
  return issues.length > 0 ? { errors: issues } : { config: cfg, errors: [] };
}

/** Reads the `--persona PORT=NAME` flags into port → persona, reporting each bad one. */
function personaFlags(
  values: readonly string[],
  opts: ConfigOptions,
  bad: (path: string, code: ConfigIssueCode, message: string) => void,
): Map<number, string> {
  const out = new Map<number, string>();
  for (const v of values) {
    const m = /^\s*(\d+)\s*=\s*(\S+)\s*$/.exec(v);
    if (m === null) {
      bad("--persona", "bad-value", `${quote(v)} is not PORT=NAME (e.g. 2323=telnet)`);
      continue;
    }
    const port = Number(m[1]);
    const name = m[2] as string;
    if (!(port >= 1 && port <= 65_535)) {
      bad("--persona", "out-of-range", `${quote(m[1] as string)} is not a port (1 to 65535)`);
    } else if (!opts.personas.has(name)) {
      const known = [...opts.personas].sort().join(", ");
      const msg = `unknown persona ${quote(name)}${suggest(name, opts.personas)} (known: ${known})`;
      bad("--persona", "unknown-persona", msg);
    } else if (out.has(port)) {
      bad("--persona", "duplicate-port", `port ${port} is given twice`);
    } else out.set(port, name);
  }
  return out;
}
