import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_LISTENERS } from "../personas/registry.js";
import {
  applyFlags,
  CONFIG_ISSUE_CODES,
  type ConfigOptions,
  DEFAULT_BIND,
  DEFAULT_CLICKHOUSE_DATABASE,
  DEFAULT_FLUSH_SECONDS,
  DEFAULT_LISTEN,
  DEFAULT_SENSOR_DB,
  defaultSensorConfig,
  formatIssue,
  LIMIT_KEYS,
  LIMIT_MAXIMA,
  LISTEN_KEYS,
  loadConfig,
  MAX_CONFIG_ISSUES,
  MAX_FLUSH_SECONDS,
  MAX_LISTEN_PORTS,
  parsePortList,
  registryOptions,
  type SensorConfig,
  sensorIdFromHost,
  TOP_LEVEL_KEYS,
  validateConfig,
} from "./config.js";
import { DEFAULT_LIMITS } from "./limits.js";

const FILE = "/etc/portent/sensor.toml";
const PERSONAS = [
  "uc-httpd",
  "dlink-dsl",
  "gpon",
  "hg532",
  "realtek",
  "tr069",
  "telnet",
  "generic",
];
const OPTS: ConfigOptions = { personas: new Set(PERSONAS), hostname: "test-host" };
const EXAMPLE_FILE = new URL("../../../examples/sensor.toml", import.meta.url).pathname;
const DOC_FILE = new URL("../../../docs/sensor-config.md", import.meta.url).pathname;

const validate = (text: string, opts: ConfigOptions = OPTS) => validateConfig(text, FILE, opts);
/** The issues as "LINE:COL code path" strings. */
const issues = (text: string, opts: ConfigOptions = OPTS): string[] =>
  validate(text, opts).errors.map((i) => `${i.line}:${i.column} ${i.code} ${i.path}`.trimEnd());
const messages = (text: string, opts: ConfigOptions = OPTS): string[] =>
  validate(text, opts).errors.map((i) => i.message);
const config = (text: string, opts: ConfigOptions = OPTS): SensorConfig => {
  const r = validate(text, opts);
  expect(r.errors).toEqual([]);
  return r.config as SensorConfig;
};

/** The example of the issue that asked for this format, verbatim. */
const BRIEF_EXAMPLE = `sensor-id = "hp-01"          # default: the host name; [A-Za-z0-9._-]{1,64}
bind = "0.0.0.0"             # listen address, default "0.0.0.0"; "::" allowed; must be an IP literal
db = "sensor.duckdb"         # DuckDB file (default "portent-sensor.duckdb"); or:
clickhouse = "http://127.0.0.1:8123"   # mutually exclusive with db
database = "portent"         # ClickHouse database, default "portent"
nats = "nats://127.0.0.1:4222"         # optional
events = "events.jsonl"      # optional JSON-lines log of every session
flush-seconds = 60           # how often records go to the store, 1..3600
quiet = false
rules = ["extra.rules"]      # extra Suricata rule files (paths relative to the config file's folder)
default-rules = true

[[listen]]                   # zero or more; none = the built-in defaults
port = 8000                  # 1..65535, unique (across listen entries)
persona = "uc-httpd"         # must be a known persona name

[limits]                     # all optional, positive integers with sane maxima
max-connections = 4096
max-connections-per-source = 32
max-new-per-source-per-second = 20
max-session-bytes = 65536    # client bytes read per session before the connection is closed
max-server-bytes = 16384     # server bytes kept per session
session-seconds = 120        # hard limit on a connection's life
idle-seconds = 30            # no bytes for this long -> close

[persona.telnet]             # per-persona options: string values (ints/bools converted to strings)
accept-after = "2"
`;

describe("defaults", () => {
  it("give a sensor on unprivileged ports with no config at all", () => {
    const d = defaultSensorConfig("test-host");
    expect(d).toEqual({
      sensorId: "test-host",
      bind: DEFAULT_BIND,
      store: { kind: "duckdb", file: DEFAULT_SENSOR_DB },
      flushSeconds: DEFAULT_FLUSH_SECONDS,
      quiet: false,
      rules: [],
      defaultRules: true,
      listen: DEFAULT_LISTEN.map((l) => ({ ...l })),
      limits: { ...DEFAULT_LIMITS },
      personaOptions: {},
    });
    expect([DEFAULT_BIND, DEFAULT_SENSOR_DB, DEFAULT_FLUSH_SECONDS]).toEqual([
      "0.0.0.0",
      "portent-sensor.duckdb",
      60,
    ]);
    expect(d.nats).toBeUndefined();
    expect(d.events).toBeUndefined();
    expect(DEFAULT_LISTEN).toEqual(DEFAULT_LISTENERS);
    expect(d.listen.length).toBeGreaterThan(0);
    for (const l of d.listen) {
      expect(l.port).toBeGreaterThanOrEqual(1024);
      expect(registryOptions().personas.has(l.persona)).toBe(true);
    }
    expect(new Set(d.listen.map((l) => l.port)).size).toBe(d.listen.length);
  });

  it("are what an empty file or a file of comments gives", () => {
    expect(config("")).toEqual(defaultSensorConfig("test-host"));
    expect(config("# nothing\n\n   # here\n")).toEqual(defaultSensorConfig("test-host"));
  });

  it("return fresh objects that callers may change", () => {
    const a = defaultSensorConfig("h");
    a.listen.push({ port: 1, persona: "generic" });
    a.limits.idleSeconds = 1;
    expect(defaultSensorConfig("h").listen).toHaveLength(DEFAULT_LISTEN.length);
    expect(defaultSensorConfig("h").limits.idleSeconds).toBe(DEFAULT_LIMITS.idleSeconds);
  });

  it("turn the host name into a valid sensor id", () => {
    expect(sensorIdFromHost("hp-01.example.org")).toBe("hp-01.example.org");
    expect(sensorIdFromHost("my host!")).toBe("my-host-");
    expect(sensorIdFromHost("h".repeat(100))).toBe("h".repeat(64));
    expect(sensorIdFromHost("")).toBe("sensor");
    expect(defaultSensorConfig().sensorId).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
  });

  it("have a positive default below the maximum for every limit", () => {
    for (const name of Object.values(LIMIT_KEYS)) {
      expect(DEFAULT_LIMITS[name]).toBeGreaterThan(0);
      expect(DEFAULT_LIMITS[name]).toBeLessThanOrEqual(LIMIT_MAXIMA[name]);
    }
    expect(Object.values(LIMIT_KEYS).sort()).toEqual(Object.keys(DEFAULT_LIMITS).sort());
  });
});

describe("the documented example", () => {
  it("as written sets both db and clickhouse: one conflict, at the second", () => {
    const r = validate(BRIEF_EXAMPLE);
    expect(r.config).toBeUndefined();
    expect(r.errors.map(formatIssue)).toEqual([
      `${FILE}:4:1: clickhouse: db and clickhouse exclude each other (db is set at line 3)`,
    ]);
  });

  it("with DuckDB parses to the expected config", () => {
    const text = BRIEF_EXAMPLE.replace("clickhouse =", "# clickhouse =").replace(
      "database =",
      "# database =",
    );
    expect(config(text)).toEqual({
      sensorId: "hp-01",
      bind: "0.0.0.0",
      store: { kind: "duckdb", file: "/etc/portent/sensor.duckdb" },
      nats: "nats://127.0.0.1:4222",
      events: "/etc/portent/events.jsonl",
      flushSeconds: 60,
      quiet: false,
      rules: ["/etc/portent/extra.rules"],
      defaultRules: true,
      listen: [{ port: 8000, persona: "uc-httpd" }],
      limits: {
        maxConnections: 4096,
        maxConnectionsPerSource: 32,
        maxNewPerSourcePerSecond: 20,
        maxSessionBytes: 65536,
        maxServerBytes: 16384,
        sessionSeconds: 120,
        idleSeconds: 30,
      },
      personaOptions: { telnet: { "accept-after": "2" } },
    } satisfies SensorConfig);
  });

  it("with ClickHouse uses the database, default portent", () => {
    const ch = BRIEF_EXAMPLE.replace("db =", "# db =");
    expect(config(ch).store).toEqual({
      kind: "clickhouse",
      url: "http://127.0.0.1:8123",
      database: "portent",
    });
    expect(config(ch.replace('database = "portent"', 'database = "honey"')).store).toMatchObject({
      database: "honey",
    });
    expect(config(ch.replace("database =", "# database =")).store).toMatchObject({
      database: DEFAULT_CLICKHOUSE_DATABASE,
    });
  });

  it("examples/sensor.toml loads without issues against the persona registry", () => {
    const r = loadConfig(EXAMPLE_FILE);
    expect(r.errors.map(formatIssue)).toEqual([]);
    const c = r.config as SensorConfig;
    expect(c.sensorId).toBe("hp-01");
    expect(c.store).toEqual({
      kind: "duckdb",
      file: join(EXAMPLE_FILE, "..", "portent-sensor.duckdb"),
    });
    expect(c.listen).toContainEqual({ port: 2323, persona: "telnet" });
    expect(c.listen).toContainEqual({ port: 5555, persona: "generic" });
    expect(c.personaOptions.telnet).toEqual({
      accept: "any",
      "accept-after": "2",
      "max-attempts": "3",
    });
    expect(c.limits).toEqual(DEFAULT_LIMITS);
  });
});

describe("docs/sensor-config.md", () => {
  const doc = readFileSync(DOC_FILE, "utf8");

  it("documents every key, every issue code and every default listener", () => {
    const tables = ["listen", "limits", "persona"];
    const values = TOP_LEVEL_KEYS.filter((k) => !tables.includes(k));
    for (const k of [...values, ...LISTEN_KEYS, ...Object.keys(LIMIT_KEYS)]) {
      expect(doc, k).toContain(`| \`${k}\` |`);
    }
    for (const h of ["## `[[listen]]`", "## `[limits]`", "## `[persona.NAME]`"])
      expect(doc).toContain(h);
    for (const code of CONFIG_ISSUE_CODES) expect(doc, code).toContain(`| \`${code}\` |`);
    for (const l of DEFAULT_LISTEN) expect(doc).toContain(`| ${l.port} | \`${l.persona}\` |`);
    for (const [k, name] of Object.entries(LIMIT_KEYS)) {
      expect(doc).toContain(`| \`${k}\` | ${DEFAULT_LIMITS[name]} | ${LIMIT_MAXIMA[name]} |`);
    }
  });

  it("has a full example that parses to the same config as the documented one", () => {
    const example = /## Full example\n\n```toml\n([\s\S]*?)```/.exec(doc)?.[1] ?? "";
    const c = config(example);
    expect(c.sensorId).toBe("hp-01");
    expect(c.listen).toEqual([
      { port: 8000, persona: "uc-httpd" },
      { port: 2323, persona: "telnet" },
    ]);
    expect(c.limits).toEqual(DEFAULT_LIMITS);
  });
});

describe("values", () => {
  it("may be set with dotted keys as well as under a [table]", () => {
    expect(config("limits.idle-seconds = 5\npersona.telnet.accept = 'any'")).toMatchObject({
      limits: { idleSeconds: 5 },
      personaOptions: { telnet: { accept: "any" } },
    });
    expect(issues("limits.idle-seconds = 5\n[limits]")).toEqual(["2:1 duplicate limits"]);
  });

  it("resolve relative paths against the config's folder, or baseDir", () => {
    const text = 'db = "a.duckdb"\nevents = "e.jsonl"\nrules = ["r.rules", "/abs/x.rules"]';
    const c = config(text);
    expect(c.store).toEqual({ kind: "duckdb", file: "/etc/portent/a.duckdb" });
    expect(c.events).toBe("/etc/portent/e.jsonl");
    expect(c.rules).toEqual(["/etc/portent/r.rules", "/abs/x.rules"]);
    expect(config(text, { ...OPTS, baseDir: "/srv" }).rules[0]).toBe("/srv/r.rules");
    expect(validateConfig('rules = ["r.rules"]', "sensor.toml", OPTS).config?.rules).toEqual([
      "r.rules",
    ]);
  });

  it("give a [[listen]] without persona the port's default persona", () => {
    const c = config("[[listen]]\nport = 2323\n[[listen]]\nport = 5555");
    expect(c.listen).toEqual([
      { port: 2323, persona: "telnet" },
      { port: 5555, persona: "generic" },
    ]);
    const custom = { ...OPTS, personaForPort: (p: number) => (p === 5555 ? "gpon" : "generic") };
    expect(config("[[listen]]\nport = 5555", custom).listen[0]?.persona).toBe("gpon");
  });

  it("read persona options as strings; any option goes when no option list is given", () => {
    const c = config('[persona.telnet]\naccept-after = 2\nx = true\n"__proto__" = "y"\ns = "z"');
    expect(c.personaOptions.telnet).toEqual({
      "accept-after": "2",
      x: "true",
      s: "z",
      ["__proto__"]: "y",
    });
    expect(Object.getPrototypeOf(c.personaOptions.telnet)).toBe(Object.prototype);
  });

  it("accept IPv6 listen addresses, ranges' edges and several NATS servers", () => {
    expect(config('bind = "::"').bind).toBe("::");
    expect(config('bind = "192.0.2.1"').bind).toBe("192.0.2.1");
    expect(config(`flush-seconds = ${MAX_FLUSH_SECONDS}`).flushSeconds).toBe(MAX_FLUSH_SECONDS);
    expect(config("flush-seconds = 1").flushSeconds).toBe(1);
    expect(config("[[listen]]\nport = 65535\npersona = 'generic'").listen[0]?.port).toBe(65535);
    expect(config('nats = "nats://192.0.2.1:4222, tls://192.0.2.2:4222"').nats).toBeDefined();
    const max = `[limits]\nmax-connections = ${LIMIT_MAXIMA.maxConnections}`;
    expect(config(max).limits.maxConnections).toBe(LIMIT_MAXIMA.maxConnections);
  });
});

describe("issues", () => {
  it("unknown-key, with a suggestion when one is close", () => {
    expect(issues("flush-second = 5")).toEqual(["1:1 unknown-key flush-second"]);
    expect(messages("flush-second = 5")).toEqual(['unknown key (did you mean "flush-seconds"?)']);
    expect(messages("sensor_id = 'x'")).toEqual(['unknown key (did you mean "sensor-id"?)']);
    expect(messages("colour = 1")).toEqual(["unknown key"]);
    expect(issues("[limits]\nmax-conections = 5")).toEqual([
      "2:1 unknown-key limits.max-conections",
    ]);
    expect(messages("[limits]\nmax-conections = 5")[0]).toContain('"max-connections"');
    expect(issues('[[listen]]\nport = 1\n  protocol = "tcp"')).toEqual([
      "3:3 unknown-key listen[0].protocol",
    ]);
  });

  it("unknown-key explains a key written in the wrong table", () => {
    expect(issues("[limits]\nquiet = true")).toEqual(["2:1 unknown-key limits.quiet"]);
    expect(messages("[limits]\nquiet = true")[0]).toContain("top-level key");
    expect(messages("idle-seconds = 3")[0]).toContain("belongs under [limits]");
    expect(messages("port = 8000")[0]).toContain("[[listen]]");
  });

  it("wrong-type, at the value", () => {
    const cases: Array<[string, string]> = [
      ['quiet = "yes"', "1:9 wrong-type quiet"],
      ["default-rules = 1", "1:17 wrong-type default-rules"],
      ['flush-seconds = "60"', "1:17 wrong-type flush-seconds"],
      ["sensor-id = 5", "1:13 wrong-type sensor-id"],
      ['rules = "a.rules"', "1:9 wrong-type rules"],
      ['rules = ["a", 1]', "1:15 wrong-type rules[1]"],
      ["listen = [1]", "1:10 wrong-type listen"],
      ["limits = 5", "1:10 wrong-type limits"],
      ["persona = 1", "1:11 wrong-type persona"],
      ["[persona]\ntelnet = 1", "2:10 wrong-type persona.telnet"],
      ["[persona.telnet]\naccept = [1]", "2:10 wrong-type persona.telnet.accept"],
      ['[[listen]]\nport = "80"', "2:8 wrong-type listen[0].port"],
      ["[[listen]]\nport = 80\npersona = 1", "3:11 wrong-type listen[0].persona"],
      ["[limits]\nidle-seconds = true", "2:16 wrong-type limits.idle-seconds"],
    ];
    for (const [text, want] of cases) expect(issues(text), text).toEqual([want]);
    expect(messages('quiet = "yes"')).toEqual(['expected true or false, found a string ("yes")']);
  });

  it("out-of-range, naming the range", () => {
    const cases: Array<[string, string]> = [
      ["flush-seconds = 0", "1:17 out-of-range flush-seconds"],
      [`flush-seconds = ${MAX_FLUSH_SECONDS + 1}`, "1:17 out-of-range flush-seconds"],
      ["[[listen]]\nport = 0", "2:8 out-of-range listen[0].port"],
      ["[[listen]]\nport = 65536", "2:8 out-of-range listen[0].port"],
      ["[limits]\nmax-connections = 0", "2:19 out-of-range limits.max-connections"],
      [
        `[limits]\nmax-session-bytes = ${LIMIT_MAXIMA.maxSessionBytes + 1}`,
        "2:21 out-of-range limits.max-session-bytes",
      ],
      ["[limits]\nidle-seconds = -5", "2:16 out-of-range limits.idle-seconds"],
    ];
    for (const [text, want] of cases) expect(issues(text), text).toEqual([want]);
    expect(messages("flush-seconds = 0")).toEqual(["0 is out of range: 1 to 3600"]);
  });

  it("bad-value, for values of the right type that mean nothing", () => {
    const cases: Array<[string, string]> = [
      ['sensor-id = "bad id!"', "1:13 bad-value sensor-id"],
      [`sensor-id = "${"x".repeat(65)}"`, "1:13 bad-value sensor-id"],
      ['sensor-id = ""', "1:13 bad-value sensor-id"],
      ['bind = "localhost"', "1:8 bad-value bind"],
      ['bind = "0.0.0.0:80"', "1:8 bad-value bind"],
      ['db = ""', "1:6 bad-value db"],
      ['clickhouse = "ftp://192.0.2.1"', "1:14 bad-value clickhouse"],
      ['clickhouse = "not a url"', "1:14 bad-value clickhouse"],
      ['nats = "http://192.0.2.1"', "1:8 bad-value nats"],
      ['clickhouse = "http://h:8123"\ndatabase = "1bad"', "2:12 bad-value database"],
      ['clickhouse = "http://h:8123"\ndatabase = "a;drop"', "2:12 bad-value database"],
      ['events = ""', "1:10 bad-value events"],
      ['rules = [""]', "1:10 bad-value rules[0]"],
    ];
    for (const [text, want] of cases) expect(issues(text), text).toEqual([want]);
    expect(messages('bind = "localhost"')[0]).toContain("not an IP address");
  });

  it("conflict: db with clickhouse, database without clickhouse", () => {
    expect(issues('clickhouse = "http://h:8123"\n\ndb = "x"')).toEqual(["3:1 conflict db"]);
    expect(messages('clickhouse = "http://h:8123"\n\ndb = "x"')[0]).toContain("line 1");
    expect(issues('database = "x"')).toEqual(["1:1 conflict database"]);
    expect(issues('db = "a"\ndatabase = "x"')).toEqual(["2:1 conflict database"]);
  });

  it("duplicate-port, at the second, naming the first", () => {
    const text = "[[listen]]\nport = 8000\n[[listen]]\nport = 9000\n[[listen]]\nport = 8000";
    expect(issues(text)).toEqual(["6:8 duplicate-port listen[2].port"]);
    expect(messages(text)).toEqual(["port 8000 is already listened on (line 2)"]);
  });

  it("unknown-persona, in [[listen]] and [persona.NAME]", () => {
    expect(issues('[[listen]]\nport = 23\npersona = "telent"')).toEqual([
      "3:11 unknown-persona listen[0].persona",
    ]);
    expect(messages('[[listen]]\nport = 23\npersona = "telent"')[0]).toContain(
      'unknown persona "telent" (did you mean "telnet"?)',
    );
    expect(issues("[persona.foo]\nx = 1")).toEqual(["1:10 unknown-persona persona.foo"]);
  });

  it("missing-key: a [[listen]] without a port, at its header", () => {
    expect(issues('[[listen]]\npersona = "telnet"')).toEqual(["1:1 missing-key listen[0]"]);
  });

  it("unknown persona options, when the registry's options are known", () => {
    const opts: ConfigOptions = {
      ...OPTS,
      personaOptions: new Map([["telnet", new Set(["accept", "accept-after"])]]),
    };
    expect(issues('[persona.telnet]\nacept = "any"', opts)).toEqual([
      "2:1 unknown-key persona.telnet.acept",
    ]);
    expect(messages('[persona.telnet]\nacept = "any"', opts)[0]).toBe(
      'unknown option (did you mean "accept"?) (telnet takes accept, accept-after)',
    );
    expect(messages('[persona.gpon]\nx = "1"', opts)[0]).toContain("gpon takes no options");
    expect(messages("[persona.telnet]\nquiet = true", opts)[0]).toContain("top-level key");
    // The real registry knows telnet's options.
    expect(issues("[persona.telnet]\nacept = 'any'", registryOptions())).toEqual([
      "2:1 unknown-key persona.telnet.acept",
    ]);
  });

  it("syntax issues come through with the file and the key", () => {
    const r = validate("quiet = yes\nport 8000\nflush-seconds = 1.5");
    expect(r.errors.map((i) => `${i.line}:${i.column} ${i.code} ${i.path}`)).toEqual([
      "1:9 syntax quiet",
      "2:6 syntax port",
      "3:17 unsupported flush-seconds",
    ]);
    expect(r.errors.every((i) => i.file === FILE)).toBe(true);
  });

  it("too-large: more listeners than MAX_LISTEN_PORTS", () => {
    const text = Array.from(
      { length: MAX_LISTEN_PORTS + 1 },
      (_, k) => `[[listen]]\nport = ${k + 1}\npersona = "generic"`,
    ).join("\n");
    expect(issues(text)).toEqual([
      `${MAX_LISTEN_PORTS * 3 + 1}:1 too-large listen[${MAX_LISTEN_PORTS}]`,
    ]);
  });

  it("unreadable and oversized files are issues too", () => {
    const missing = loadConfig("/nonexistent/sensor.toml", OPTS);
    expect(missing.errors.map(formatIssue)).toEqual(["/nonexistent/sensor.toml: no such file"]);
    expect(loadConfig(tmpdir(), OPTS).errors[0]?.code).toBe("unreadable");
    const dir = mkdtempSync(join(tmpdir(), "portent-config-"));
    const big = join(dir, "big.toml");
    writeFileSync(big, "#".repeat(5 * 1024 * 1024));
    expect(loadConfig(big, OPTS).errors[0]?.code).toBe("too-large");
  });
});

describe("several issues at once", () => {
  it("are all reported, in file order, each with its place", () => {
    const text = [
      'sensor-id = "no spaces allowed"',
      "flush-seconds = 0",
      'bind = "localhost"',
      "colour = 'red'",
      "quiet = maybe",
      "",
      "[[listen]]",
      "port = 8000",
      'persona = "uc-httpd"',
      "",
      "[[listen]]",
      "port = 8000",
      'persona = "telnett"',
      "",
      "[limits]",
      "idle-seconds = 0",
      "max-conections = 10",
    ].join("\n");
    expect(validate(text).errors.map(formatIssue)).toEqual([
      `${FILE}:1:13: sensor-id: "no spaces allowed" is not a sensor id: 1 to 64 of A-Z a-z 0-9 . _ -`,
      `${FILE}:2:17: flush-seconds: 0 is out of range: 1 to 3600`,
      `${FILE}:3:8: bind: "localhost" is not an IP address (e.g. "0.0.0.0" or "::")`,
      `${FILE}:4:1: colour: unknown key`,
      `${FILE}:5:9: quiet: expected a value, found "maybe"; strings are quoted: "maybe"`,
      `${FILE}:12:8: listen[1].port: port 8000 is already listened on (line 8)`,
      `${FILE}:13:11: listen[1].persona: unknown persona "telnett" (did you mean "telnet"?) (known: dlink-dsl, generic, gpon, hg532, realtek, telnet, tr069, uc-httpd)`,
      `${FILE}:16:16: limits.idle-seconds: 0 is out of range: 1 to 86400`,
      `${FILE}:17:1: limits.max-conections: unknown key (did you mean "max-connections"?)`,
    ]);
  });

  it("are capped, with one last issue saying how many were left out", () => {
    const text = Array.from({ length: MAX_CONFIG_ISSUES + 50 }, (_, k) => `k${k} = 1`).join("\n");
    const errors = validate(text).errors;
    expect(errors).toHaveLength(MAX_CONFIG_ISSUES + 1);
    expect(errors.at(-1)?.message).toBe("50 more issues not shown");
  });
});

describe("formatIssue", () => {
  it("writes FILE:LINE:COL: PATH: MESSAGE, leaving out what is not known", () => {
    const base = {
      file: "s.toml",
      line: 3,
      column: 7,
      path: "limits.x",
      code: "unknown-key",
    } as const;
    expect(formatIssue({ ...base, message: "m" })).toBe("s.toml:3:7: limits.x: m");
    expect(formatIssue({ ...base, path: "", message: "m" })).toBe("s.toml:3:7: m");
    expect(
      formatIssue({ ...base, file: "", line: 0, column: 0, path: "--ports", message: "m" }),
    ).toBe("--ports: m");
  });
});

describe("parsePortList", () => {
  it("reads ports and ranges in order", () => {
    expect(parsePortList("8000,8080-8082")).toEqual({
      ports: [8000, 8080, 8081, 8082],
      errors: [],
    });
    expect(parsePortList(" 2323 , 80 - 81 ")).toEqual({ ports: [2323, 80, 81], errors: [] });
    expect(parsePortList("1,65535").ports).toEqual([1, 65535]);
  });

  it("explains every bad item", () => {
    const errors = (s: string) => parsePortList(s).errors;
    expect(errors("")).toEqual(["no ports given"]);
    expect(errors("8000,,8080")).toEqual(['empty item in "8000,,8080"']);
    expect(errors("0")).toEqual(['"0" is not a port (1 to 65535)']);
    expect(errors("65536")).toEqual(['"65536" is not a port (1 to 65535)']);
    expect(errors("80-70")).toEqual(['"80-70": a range goes up (70-80?)']);
    expect(errors("http")).toEqual(['"http" is not a port or a range like 8000-8009']);
    expect(errors("8000,8000")).toEqual(["port 8000 is listed twice"]);
    expect(errors("8000-8010,8005-8020")).toEqual(["ports 8005 and 5 more are listed twice"]);
    expect(errors("1-65535")).toEqual([`more than ${MAX_LISTEN_PORTS} ports`]);
    expect(errors("x,0,9-8")).toHaveLength(3);
  });
});

describe("applyFlags", () => {
  const base = (): SensorConfig =>
    validate(
      'sensor-id = "hp-01"\nclickhouse = "http://192.0.2.1:8123"\ndatabase = "honey"\n[[listen]]\nport = 8000\npersona = "gpon"',
    ).config as SensorConfig;

  it("changes nothing without flags, and never the config it is given", () => {
    const c = base();
    const copy = structuredClone(c);
    expect(applyFlags(c, {}, OPTS)).toEqual({ config: copy, errors: [] });
    applyFlags(c, { ports: "1,2", sensorId: "x", db: "y", persona: ["8000=telnet"] }, OPTS);
    expect(c).toEqual(copy);
  });

  it("--ports replaces the listeners, keeping configured personas and else the port's default", () => {
    const r = applyFlags(base(), { ports: "8000,2323,5555" }, OPTS);
    expect(r.config?.listen).toEqual([
      { port: 8000, persona: "gpon" },
      { port: 2323, persona: "telnet" },
      { port: 5555, persona: "generic" },
    ]);
  });

  it("--persona sets a port's persona, adding the port when needed", () => {
    const r = applyFlags(
      base(),
      { ports: "8000,2323", persona: ["2323=generic", "9000=tr069"] },
      OPTS,
    );
    expect(r.config?.listen).toEqual([
      { port: 8000, persona: "gpon" },
      { port: 2323, persona: "generic" },
      { port: 9000, persona: "tr069" },
    ]);
    expect(applyFlags(base(), { persona: ["8000=telnet"] }, OPTS).config?.listen).toEqual([
      { port: 8000, persona: "telnet" },
    ]);
  });

  it("overrides the sensor id, address, store, NATS, events and quiet", () => {
    const r = applyFlags(
      base(),
      {
        sensorId: "hp-02",
        bind: "::",
        nats: "nats://192.0.2.9:4222",
        events: "e.jsonl",
        quiet: true,
      },
      OPTS,
    );
    expect(r.config).toMatchObject({
      sensorId: "hp-02",
      bind: "::",
      nats: "nats://192.0.2.9:4222",
      events: "e.jsonl",
      quiet: true,
      store: { kind: "clickhouse", url: "http://192.0.2.1:8123", database: "honey" },
    });
    expect(applyFlags(base(), { db: "local.duckdb" }, OPTS).config?.store).toEqual({
      kind: "duckdb",
      file: "local.duckdb",
    });
    const duck = defaultSensorConfig("h");
    expect(applyFlags(duck, { clickhouse: "https://192.0.2.2" }, OPTS).config?.store).toEqual({
      kind: "clickhouse",
      url: "https://192.0.2.2",
      database: "portent",
    });
    expect(
      applyFlags(duck, { clickhouse: "http://192.0.2.2:8123", database: "d2" }, OPTS).config?.store,
    ).toMatchObject({ database: "d2" });
  });

  it("reports every bad flag at once, located as the flag", () => {
    const r = applyFlags(
      base(),
      {
        ports: "8000,99999",
        persona: ["2323=telnt", "x", "70000=generic", "1=generic", "1=telnet"],
        sensorId: "bad id",
        bind: "localhost",
        nats: "http://x",
        db: "a",
        clickhouse: "http://b",
      },
      OPTS,
    );
    expect(r.config).toBeUndefined();
    expect(r.errors.map((i) => `${i.path} ${i.code}`)).toEqual([
      "--sensor-id bad-value",
      "--bind bad-value",
      "--nats bad-value",
      "--clickhouse conflict",
      "--persona unknown-persona",
      "--persona bad-value",
      "--persona out-of-range",
      "--persona duplicate-port",
      "--ports bad-value",
    ]);
    expect(r.errors.every((i) => i.line === 0 && i.file === "")).toBe(true);
    expect(formatIssue(r.errors[4] as (typeof r.errors)[number])).toBe(
      '--persona: unknown persona "telnt" (did you mean "telnet"?) (known: dlink-dsl, generic, gpon, hg532, realtek, telnet, tr069, uc-httpd)',
    );
    expect(
      applyFlags(defaultSensorConfig("h"), { database: "x" }, OPTS).errors.map(formatIssue),
    ).toEqual(["--database: --database applies only with clickhouse"]);
  });
});

describe("never throws", () => {
  const example = BRIEF_EXAMPLE.replace("clickhouse =", "# clickhouse =");

  it("on random text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        const r = validate(text);
        expect(r.config === undefined).toBe(r.errors.length > 0);
      }),
      { numRuns: 300 },
    );
  });

  it("on mutations of a valid file", () => {
    const edit = fc.record({
      at: fc.nat({ max: example.length }),
      cut: fc.nat({ max: 12 }),
      put: fc.oneof(
        fc.string({ maxLength: 8 }),
        fc.constantFrom(
          "[",
          "]",
          "[[",
          '"',
          "'",
          "=",
          "\n",
          "#",
          "-1",
          "0",
          "99999999",
          "true",
          ".",
          "x",
        ),
      ),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), (edits) => {
        let text = example;
        for (const e of edits) {
          const at = Math.min(e.at, text.length);
          text = text.slice(0, at) + e.put + text.slice(at + e.cut);
        }
        const r = validate(text);
        expect(r.config === undefined).toBe(r.errors.length > 0);
        for (const i of r.errors) {
          expect(i.line).toBeGreaterThanOrEqual(1);
          expect(formatIssue(i)).toContain(FILE);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("on mutations by whole lines (dropped, doubled, swapped)", () => {
    const lines = example.split("\n");
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: lines.length - 1 }), { maxLength: lines.length }),
        (picks) => {
          const r = validate(picks.map((k) => lines[k]).join("\n"));
          expect(r.config === undefined).toBe(r.errors.length > 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("on random flags", () => {
    const s = fc.option(fc.string({ maxLength: 20 }), { nil: undefined });
    fc.assert(
      fc.property(
        fc.record({ ports: s, sensorId: s, db: s, clickhouse: s, nats: s, database: s, bind: s }),
        fc.array(fc.string({ maxLength: 12 }), { maxLength: 4 }),
        (flags, persona) => {
          const clean = Object.fromEntries(
            Object.entries(flags).filter(([, v]) => v !== undefined),
          );
          const r = applyFlags(defaultSensorConfig("h"), { ...clean, persona }, OPTS);
          expect(r.config === undefined).toBe(r.errors.length > 0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("record-port", () => {
  it("records a redirected listener under the port scanners aimed at, with that port's persona", () => {
    const r = validateConfig("[[listen]]\nport = 18080\nrecord-port = 80\n", "r.toml");
    expect(r.errors).toEqual([]);
    expect(r.config?.listen).toEqual([{ port: 18080, persona: "uc-httpd", recordPort: 80 }]);
  });

  it("rejects a record-port out of range at its line", () => {
    const r = validateConfig("[[listen]]\nport = 18080\nrecord-port = 0\n", "r.toml");
    expect(r.errors.map((i) => [i.line, i.path])).toEqual([[3, "listen[0].record-port"]]);
  });
});
