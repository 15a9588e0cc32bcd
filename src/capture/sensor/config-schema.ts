/** @module The `portent sensor` config: its types, defaults and limits, and how an issue is shown. */

import { hostname } from "node:os";
import { DEFAULT_LISTENERS, defaultPersonaFor, PERSONAS } from "../personas/registry.js";
import { DEFAULT_LIMITS, type SensorLimits } from "./limits.js";
import { MAX_TOML_ISSUES } from "./toml.js";

export type { SensorLimits } from "./limits.js";

/** The listen address when the config names none (all IPv4 interfaces). */
export const DEFAULT_BIND = "0.0.0.0";
/** The DuckDB file when neither `db` nor `clickhouse` is given. */
export const DEFAULT_SENSOR_DB = "portent-sensor.duckdb";
/** The ClickHouse database when `database` is not given. */
export const DEFAULT_CLICKHOUSE_DATABASE = "portent";
/** Seconds between writes of records to the store. */
export const DEFAULT_FLUSH_SECONDS = 60;
export const MAX_FLUSH_SECONDS = 3600;
/** At most this many listening ports (past it, redirect a port range to one listener instead). */
export const MAX_LISTEN_PORTS = 4096;
/** At most this many issues are reported; one more says how many were left out. */
export const MAX_CONFIG_ISSUES = MAX_TOML_ISSUES;

/** The largest value each limit accepts. */
export const LIMIT_MAXIMA: Readonly<SensorLimits> = {
  maxConnections: 1_048_576,
  maxConnectionsPerSource: 65_536,
  maxNewPerSourcePerSecond: 100_000,
  maxSessionBytes: 64 * 1024 * 1024,
  maxServerBytes: 64 * 1024 * 1024,
  sessionSeconds: 86_400,
  idleSeconds: 86_400,
};

/** The config key of each limit under `[limits]`. */
export const LIMIT_KEYS: Readonly<Record<string, keyof SensorLimits>> = {
  "max-connections": "maxConnections",
  "max-connections-per-source": "maxConnectionsPerSource",
  "max-new-per-source-per-second": "maxNewPerSourcePerSecond",
  "max-session-bytes": "maxSessionBytes",
  "max-server-bytes": "maxServerBytes",
  "session-seconds": "sessionSeconds",
  "idle-seconds": "idleSeconds",
};

/** One listening port and the device persona that answers on it. */
export interface ListenEntry {
  port: number;
  persona: string;
  /**
   * The port sessions are recorded under, when it differs from the one listened on: the port a
   * firewall REDIRECT rule took connections from (docs/sensor.md, "Low ports").
   */
  recordPort?: number;
}

/** The listeners of a sensor with no `[[listen]]` (and no --ports): unprivileged ports only. */
export const DEFAULT_LISTEN: readonly Readonly<ListenEntry>[] = DEFAULT_LISTENERS;

/** The persona of a port that a `[[listen]]` entry or --ports names none for (the registry's). */
export const defaultPersonaForPort = (port: number): string => defaultPersonaFor(port).name;

/** Where records go: a DuckDB file or a ClickHouse server. */
export type SensorStore =
  | { kind: "duckdb"; file: string }
  | { kind: "clickhouse"; url: string; database: string };

/** A validated sensor configuration. */
export interface SensorConfig {
  sensorId: string;
  bind: string;
  store: SensorStore;
  nats?: string;
  /** JSON-lines log of every session. */
  events?: string;
  flushSeconds: number;
  quiet: boolean;
  /** Extra Suricata rule files (resolved against the config file's folder). */
  rules: string[];
  defaultRules: boolean;
  listen: ListenEntry[];
  limits: SensorLimits;
  /** `[persona.NAME]` options, as strings. */
  personaOptions: Record<string, Record<string, string>>;
}

/** Every issue code (stable: tools may branch on them); docs/sensor-config.md explains each. */
export const CONFIG_ISSUE_CODES = [
  "syntax",
  "unsupported",
  "duplicate",
  "too-large",
  "unknown-key",
  "wrong-type",
  "out-of-range",
  "bad-value",
  "conflict",
  "duplicate-port",
  "unknown-persona",
  "missing-key",
  "unreadable",
] as const;

export type ConfigIssueCode = (typeof CONFIG_ISSUE_CODES)[number];

/** One problem; `line` 0 means no place in a file (command-line flags, unreadable file). */
export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  /** The key concerned: "limits.idle-seconds", "listen[1].port", "--persona". */
  path: string;
  code: ConfigIssueCode;
  message: string;
}

/** A config when there is no issue, and all the issues otherwise. */
export interface ConfigResult {
  config?: SensorConfig;
  errors: ConfigIssue[];
}

/** What the validator needs to know from elsewhere. */
export interface ConfigOptions {
  /** The registered persona names. */
  personas: ReadonlySet<string>;
  /** Options each persona accepts; when given, a persona missing here accepts none. */
  personaOptions?: ReadonlyMap<string, ReadonlySet<string>>;
  /** The persona of a port an entry names none for (default: the registry's defaultPersonaFor). */
  personaForPort?: (port: number) => string;
  /** The default sensor id (default: this host's name). */
  hostname?: string;
  /** Folder relative paths are resolved against (default: the config file's folder). */
  baseDir?: string;
}

/** The validator's knowledge from the persona registry: names, each one's options, port defaults. */
export function registryOptions(): ConfigOptions {
  const personaOptions = new Map<string, ReadonlySet<string>>();
  for (const p of PERSONAS.values())
    personaOptions.set(p.name, new Set(Object.keys(p.options ?? {})));
  return {
    personas: new Set(PERSONAS.keys()),
    personaOptions,
    personaForPort: defaultPersonaForPort,
  };
}

/** A host name made into a valid sensor id. */
export function sensorIdFromHost(host: string): string {
  const id = host.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 64);
  return id === "" ? "sensor" : id;
}

/** The config of a sensor run with no file and no flags. */
export function defaultSensorConfig(host: string = hostname()): SensorConfig {
  return {
    sensorId: sensorIdFromHost(host),
    bind: DEFAULT_BIND,
    store: { kind: "duckdb", file: DEFAULT_SENSOR_DB },
    flushSeconds: DEFAULT_FLUSH_SECONDS,
    quiet: false,
    rules: [],
    defaultRules: true,
    listen: DEFAULT_LISTEN.map((l) => ({ ...l })),
    limits: { ...DEFAULT_LIMITS },
    personaOptions: {},
  };
}

/** `FILE:LINE:COL: PATH: MESSAGE`; the parts a flag or an unreadable file lacks are left out. */
export function formatIssue(i: ConfigIssue): string {
  const where = i.line > 0 ? `${i.file}:${i.line}:${i.column}` : i.file;
  return [where, i.path, i.message].filter((p) => p !== "").join(": ");
}

/** Sorts issues by place and keeps at most MAX_CONFIG_ISSUES (plus one that counts the rest). */
export function finishIssues(issues: ConfigIssue[]): ConfigIssue[] {
  const sorted = [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
  if (sorted.length <= MAX_CONFIG_ISSUES) return sorted;
  const rest = sorted.length - MAX_CONFIG_ISSUES;
  const last = sorted[MAX_CONFIG_ISSUES] as ConfigIssue;
  return [
    ...sorted.slice(0, MAX_CONFIG_ISSUES),
    { ...last, path: "", code: "too-large", message: `${rest} more issues not shown` },
  ];
}
