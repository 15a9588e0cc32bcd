/** @module The `portent sensor` config file: a validator that reports every issue with its line and column. */

import { readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
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
  defaultSensorConfig,
  finishIssues,
  LIMIT_KEYS,
  LIMIT_MAXIMA,
  type ListenEntry,
  MAX_FLUSH_SECONDS,
  MAX_LISTEN_PORTS,
  registryOptions,
  type SensorConfig,
} from "./config-schema.js";
import type { SensorLimits } from "./limits.js";
import {
  joinPath,
  MAX_TOML_CHARS,
  parseToml,
  type TomlEntry,
  type TomlNode,
  type TomlPos,
} from "./toml.js";

export * from "./config-flags.js";
export * from "./config-schema.js";

/** The keys a config file may have at its top level. */
export const TOP_LEVEL_KEYS: readonly string[] = [
  "sensor-id",
  "bind",
  "db",
  "clickhouse",
  "database",
  "nats",
  "events",
  "flush-seconds",
  "quiet",
  "rules",
  "default-rules",
  "listen",
  "limits",
  "persona",
];
/** The keys of a `[[listen]]` entry. */
export const LISTEN_KEYS: readonly string[] = ["port", "persona", "record-port"];

/** A hint for a known key written in the wrong table (the usual TOML slip), or null. */
function misplaced(key: string, path: string): string | null {
  if (path === joinPath("", key)) {
    if (Object.hasOwn(LIMIT_KEYS, key)) return ` (${key} belongs under [limits])`;
    if (LISTEN_KEYS.includes(key)) return ` (${key} belongs in a [[listen]] entry)`;
    return null;
  }
  if (!TOP_LEVEL_KEYS.includes(key)) return null;
  return ` (${key} is a top-level key: move it above the first [table] header)`;
}

const describe = (n: TomlNode): string =>
  n.kind === "string"
    ? `a string (${JSON.stringify(n.value.length > 30 ? `${n.value.slice(0, 30)}...` : n.value)})`
    : n.kind === "integer"
      ? `an integer (${n.value})`
      : n.kind === "boolean"
        ? `a boolean (${n.value})`
        : n.kind === "array"
          ? "an array"
          : n.kind === "table"
            ? "a table"
            : "an array of tables";

/** Collects issues of one file and reads typed values out of entries. */
class Checker {
  readonly issues: ConfigIssue[] = [];
  constructor(readonly file: string) {}

  add(at: TomlPos, path: string, code: ConfigIssueCode, message: string): void {
    this.issues.push({ file: this.file, line: at.line, column: at.column, path, code, message });
  }

  typed<K extends TomlNode["kind"]>(
    e: TomlEntry,
    path: string,
    kind: K,
    what: string,
  ): Extract<TomlNode, { kind: K }> | null {
    if (e.node.kind === kind) return e.node as Extract<TomlNode, { kind: K }>;
    this.add(e.node, path, "wrong-type", `expected ${what}, found ${describe(e.node)}`);
    return null;
  }

  string(e: TomlEntry, path: string, check?: (v: string) => string | null): string | null {
    const n = this.typed(e, path, "string", "a string");
    if (n === null) return null;
    const problem = n.value === "" ? "must not be empty" : (check?.(n.value) ?? null);
    if (problem === null) return n.value;
    this.add(n, path, "bad-value", problem);
    return null;
  }

  int(e: TomlEntry, path: string, min: number, max: number): number | null {
    const n = this.typed(e, path, "integer", "an integer");
    if (n === null) return null;
    if (n.value >= min && n.value <= max) return n.value;
    this.add(n, path, "out-of-range", `${n.value} is out of range: ${min} to ${max}`);
    return null;
  }

  bool(e: TomlEntry, path: string): boolean | null {
    return this.typed(e, path, "boolean", "true or false")?.value ?? null;
  }

  unknown(e: TomlEntry, path: string, known: readonly string[]): void {
    const hint = misplaced(e.key, path) ?? suggest(e.key, known);
    this.add(e.at, path, "unknown-key", `unknown key${hint}`);
  }

  persona(at: TomlPos, path: string, name: string, opts: ConfigOptions): boolean {
    if (opts.personas.has(name)) return true;
    const hint = suggest(name, [...opts.personas]);
    const known = [...opts.personas].sort().join(", ");
    this.add(
      at,
      path,
      "unknown-persona",
      `unknown persona ${JSON.stringify(name)}${hint} (known: ${known})`,
    );
    return false;
  }
}

/** Validates config text. Never throws: every problem is an issue, all of them at once. */
export function validateConfig(
  text: string,
  file: string,
  opts: ConfigOptions = registryOptions(),
): ConfigResult {
  const doc = parseToml(text);
  const c = new Checker(file);
  for (const i of doc.issues) c.add(i, i.path, i.code, i.message);
  const cfg = defaultSensorConfig(opts.hostname);
  const base = opts.baseDir ?? dirname(file);
  const resolve = (p: string): string => (isAbsolute(p) ? p : join(base, p));
  const at: Partial<Record<"db" | "clickhouse" | "database", TomlEntry>> = {};
  let database: string | undefined;
  for (const e of doc.root.entries.values()) {
    const path = joinPath("", e.key);
    switch (e.key) {
      case "sensor-id":
        cfg.sensorId = c.string(e, path, checkSensorId) ?? cfg.sensorId;
        break;
      case "bind":
        cfg.bind = c.string(e, path, checkBind) ?? cfg.bind;
        break;
      case "db": {
        const v = c.string(e, path);
        at.db = e;
        if (v !== null) cfg.store = { kind: "duckdb", file: resolve(v) };
        break;
      }
      case "clickhouse": {
        const v = c.string(e, path, checkClickHouseUrl);
        at.clickhouse = e;
        if (v !== null) cfg.store = { kind: "clickhouse", url: v, database: "" };
        break;
      }
      case "database":
        at.database = e;
        database = c.string(e, path, checkDatabase) ?? undefined;
        break;
      case "nats": {
        const v = c.string(e, path, checkNatsUrl);
        if (v !== null) cfg.nats = v;
        break;
      }
      case "events": {
        const v = c.string(e, path);
        if (v !== null) cfg.events = resolve(v);
        break;
      }
      case "flush-seconds":
        cfg.flushSeconds = c.int(e, path, 1, MAX_FLUSH_SECONDS) ?? cfg.flushSeconds;
        break;
      case "quiet":
        cfg.quiet = c.bool(e, path) ?? cfg.quiet;
        break;
      case "default-rules":
        cfg.defaultRules = c.bool(e, path) ?? cfg.defaultRules;
        break;
      case "rules": {
        const a = c.typed(e, path, "array", "an array of file names");
        if (a === null) break;
        cfg.rules = [];
        a.items.forEach((item, k) => {
          const p = c.string({ key: e.key, at: item, node: item }, `${path}[${k}]`);
          if (p !== null) cfg.rules.push(resolve(p));
        });
        break;
      }
      case "listen":
        readListen(c, e, opts, cfg);
        break;
      case "limits":
        readLimits(c, e, cfg.limits);
        break;
      case "persona":
        cfg.personaOptions = readPersonas(c, e, opts);
        break;
      default:
        c.unknown(e, path, TOP_LEVEL_KEYS);
    }
  }
  storeConflicts(c, at);
  if (cfg.store.kind === "clickhouse") cfg.store.database = database ?? DEFAULT_CLICKHOUSE_DATABASE;
  const errors = finishIssues(c.issues);
  return errors.length > 0 ? { errors } : { config: cfg, errors };
}

function storeConflicts(
  c: Checker,
  at: Partial<Record<"db" | "clickhouse" | "database", TomlEntry>>,
): void {
  if (at.db !== undefined && at.clickhouse !== undefined) {
    const [first, second] =
      at.db.at.line <= at.clickhouse.at.line ? [at.db, at.clickhouse] : [at.clickhouse, at.db];
    const msg = `db and clickhouse exclude each other (${first.key} is set at line ${first.at.line})`;
    c.add(second.at, second.key, "conflict", msg);
  } else if (at.database !== undefined && at.clickhouse === undefined) {
    c.add(at.database.at, "database", "conflict", "database applies only with clickhouse");
  }
}

function readListen(c: Checker, e: TomlEntry, opts: ConfigOptions, cfg: SensorConfig): void {
  const arr = c.typed(e, "listen", "table-array", "[[listen]] sections");
  if (arr === null) return;
  const seen = new Map<number, number>();
  const listen: ListenEntry[] = [];
  const personaFor = opts.personaForPort ?? defaultPersonaForPort;
  arr.tables.forEach((t, k) => {
    if (k === MAX_LISTEN_PORTS)
      c.add(t, t.path, "too-large", `more than ${MAX_LISTEN_PORTS} listeners`);
    let port: number | null = null;
    let persona: string | null = null;
    let recordPort: number | null = null;
    for (const f of t.entries.values()) {
      const path = joinPath(t.path, f.key);
      if (f.key === "port") {
        port = c.int(f, path, 1, 65_535);
        const first = port === null ? undefined : seen.get(port);
        if (port !== null && first !== undefined) {
          c.add(
            f.node,
            path,
            "duplicate-port",
            `port ${port} is already listened on (line ${first})`,
          );
        } else if (port !== null) seen.set(port, f.node.line);
      } else if (f.key === "persona") {
        persona = c.string(f, path);
        if (persona !== null && !c.persona(f.node, path, persona, opts)) persona = null;
      } else if (f.key === "record-port") {
        recordPort = c.int(f, path, 1, 65_535);
      } else c.unknown(f, path, LISTEN_KEYS);
    }
    if (!t.entries.has("port")) c.add(t, t.path, "missing-key", "a [[listen]] entry needs a port");
    if (port !== null) {
      // A redirected port (e.g. 80 -> 8080) is recorded as the port the scanner aimed at, and
      // answered by that port's device unless a persona is given.
      const entry: ListenEntry = { port, persona: persona ?? personaFor(recordPort ?? port) };
      if (recordPort !== null) entry.recordPort = recordPort;
      listen.push(entry);
    }
  });
  cfg.listen = listen;
}

function readLimits(c: Checker, e: TomlEntry, limits: SensorLimits): void {
  const t = c.typed(e, "limits", "table", "a [limits] table");
  if (t === null) return;
  for (const f of t.entries.values()) {
    const path = joinPath("limits", f.key);
    const name = LIMIT_KEYS[f.key];
    if (name === undefined || !Object.hasOwn(LIMIT_KEYS, f.key)) {
      c.unknown(f, path, Object.keys(LIMIT_KEYS));
      continue;
    }
    limits[name] = c.int(f, path, 1, LIMIT_MAXIMA[name]) ?? limits[name];
  }
}

function readPersonas(
  c: Checker,
  e: TomlEntry,
  opts: ConfigOptions,
): Record<string, Record<string, string>> {
  const out: Array<[string, Record<string, string>]> = [];
  const t = c.typed(e, "persona", "table", "[persona.NAME] tables");
  if (t === null) return {};
  for (const p of t.entries.values()) {
    const path = joinPath("persona", p.key);
    if (!c.persona(p.at, path, p.key, opts)) continue;
    const options = c.typed(p, path, "table", `a [${path}] table`);
    if (options === null) continue;
    const accepted =
      opts.personaOptions === undefined ? undefined : [...(opts.personaOptions.get(p.key) ?? [])];
    const values: Array<[string, string]> = [];
    for (const o of options.entries.values()) {
      const opath = joinPath(path, o.key);
      if (accepted !== undefined && !accepted.includes(o.key)) {
        const hint = misplaced(o.key, opath) ?? suggest(o.key, accepted);
        const takes =
          accepted.length === 0 ? "takes no options" : `takes ${accepted.sort().join(", ")}`;
        c.add(o.at, opath, "unknown-key", `unknown option${hint} (${p.key} ${takes})`);
        continue;
      }
      const n = o.node;
      if (n.kind === "string" || n.kind === "integer" || n.kind === "boolean")
        values.push([o.key, String(n.value)]);
      else
        c.add(
          n,
          opath,
          "wrong-type",
          `expected a string, integer or boolean, found ${describe(n)}`,
        );
    }
    out.push([p.key, Object.fromEntries(values)]);
  }
  // fromEntries defines own properties, so a key such as "__proto__" stays a plain key.
  return Object.fromEntries(out);
}

const fileIssue = (file: string, code: ConfigIssueCode, message: string): ConfigResult => ({
  errors: [{ file, line: 0, column: 0, path: "", code, message }],
});

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "is a folder, not a file",
};

/** Reads and validates a config file; an unreadable file is an issue too. */
export function loadConfig(file: string, opts: ConfigOptions = registryOptions()): ConfigResult {
  let text: string;
  try {
    // Bytes, not characters: a UTF-8 file of MAX_TOML_CHARS characters takes at most 4 bytes each.
    if (statSync(file).size > MAX_TOML_CHARS * 4)
      return fileIssue(file, "too-large", "too large for a config file");
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = String((e as NodeJS.ErrnoException).code);
    return fileIssue(
      file,
      "unreadable",
      READ_ERRORS[code] ?? (e instanceof Error ? e.message : String(e)),
    );
  }
  return validateConfig(text, file, opts);
}
