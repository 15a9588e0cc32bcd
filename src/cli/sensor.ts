/** @module `portent sensor`: the honeypot listeners, recorded into a store, with a live view. */

import { getPersona, PERSONAS } from "../capture/personas/registry.js";
import { applyFlags, formatIssue, loadConfig } from "../capture/sensor/config.js";
import {
  defaultSensorConfig,
  LIMIT_KEYS,
  type SensorConfig,
} from "../capture/sensor/config-schema.js";
import { DEFAULT_LIMITS, LIMIT_KINDS } from "../capture/sensor/limits.js";
import { SensorService } from "../capture/sensor/service.js";
import { PortentError, UsageError } from "../schema/errors.js";
import { counterLine, liveLine } from "../serve/sensor-live.js";
import { loadEnricher } from "../store/enrich.js";
import type { Store } from "../store/store.js";
import { flag, int, parse, str, strs } from "./args.js";
import type { Command } from "./command.js";
import { varsOf } from "./rules.js";

/** Seconds between the counter lines. */
export const COUNTER_SECONDS = 60;

/** `text` in lines of at most `width` columns, each indented by `indent` spaces. */
function wrap(text: string, indent = 2, width = 98): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines.map((l) => " ".repeat(indent) + l).join("\n");
}

const personaList = (): string =>
  [...PERSONAS.values()]
    .map((p) => {
      const ports = p.ports.length > 0 ? ` (ports ${p.ports.join(", ")})` : "";
      return `  ${p.name.padEnd(10)} ${wrap(`${p.summary}${ports}`, 13).trimStart()}`;
    })
    .join("\n");

export const sensorCommand: Command = {
  name: "sensor",
  summary: "run the honeypot: device personas on the ports botnets scan, recorded to a store",
  get help() {
    return `Usage: portent sensor [--config FILE] [--ports LIST] [--persona PORT=NAME]...
                      [--sensor-id ID] [--db FILE | --clickhouse URL] [options]

Listens on the ports IoT botnets scan and answers like the devices they hunt, so that bots
that check before exploiting go on to send the exploit. Every connection is recorded as a
probe (no bytes) or a session (with the client's bytes), run through the same rules,
templates and IoC extraction as "portent analyze", and appended to a store every
--flush seconds; "portent surges --db FILE" then finds surges in what the sensor saw. It never
executes, fetches or forwards anything a client sends. Without a config it listens on
unprivileged ports:
${wrap(
  `${defaultSensorConfig("x")
    .listen.map((l) => `${l.port} ${l.persona}`)
    .join(", ")}.`,
)}

Options:
  --config FILE        sensor config (TOML subset, docs/sensor-config.md); errors exit 2
  --ports LIST         ports to listen on, e.g. 8000,8080,2323 or 8000-8009 (persona: the
                       device usually found there, else generic)
  --persona PORT=NAME  the persona answering on PORT (repeatable; adds the port)
  --sensor-id ID       name of this sensor in the store (default: the host name)
  --bind ADDR          listen address (default 0.0.0.0; "::" for IPv6 too)
  --db FILE            DuckDB file to append to (default portent-sensor.duckdb)
  --clickhouse URL     append to ClickHouse instead (--database NAME, default portent)
  --events FILE        also write every connection as a JSON line (docs/sensor.md)
  --flush SECONDS      how often records go to the store (default 60)
  --rules PATH         extra Suricata rules (repeatable); --no-default-rules drops the IoT pack
  --var NAME=VALUE     rule variable (repeatable)
  --no-enrich          no country/ASN on stored sources
  --accept-replay      honour "portent replay --proxy-protocol" preambles on loopback
                       connections (records the capture's endpoints and times)
  --duration SECONDS   stop by itself after this long (demos, tests)
  --quiet              no live lines or counters (for services); errors still go to stderr
  --no-defang          show URLs in live lines as they are
  --list-personas      print the personas and exit
  -h, --help           this text

Personas:
${personaList()}

Limits (config [limits], docs/sensor-config.md), with their defaults:
${wrap(
  Object.entries(LIMIT_KEYS)
    .map(([key, field]) => `${key} ${DEFAULT_LIMITS[field]}`)
    .join(", "),
)}
Ports below 1024 need CAP_NET_BIND_SERVICE or a redirect from a high port; never run as root
(docs/sensor.md, "Low ports").

Examples:
  portent sensor
  portent sensor --ports 8000,8080,2323 --db honeypot.duckdb
  portent sensor --config /etc/portent/sensor.toml --quiet
  portent sensor --persona 8000=uc-httpd --persona 8081=gpon --events events.jsonl
  sudo setcap cap_net_bind_service=+ep "$(command -v node)"   # then ports 23, 80 work

Exit codes: 0 stopped cleanly (SIGINT/SIGTERM or --duration), 1 failure (a port in use, a
store that cannot be opened), 2 usage or config error.`;
  },

  async run(argv) {
    const p = parse(argv, {
      config: { type: "string" },
      ports: { type: "string" },
      persona: { type: "string", multiple: true },
      "sensor-id": { type: "string" },
      bind: { type: "string" },
      db: { type: "string" },
      clickhouse: { type: "string" },
      database: { type: "string" },
      nats: { type: "string" },
      events: { type: "string" },
      flush: { type: "string" },
      rules: { type: "string", multiple: true },
      "no-default-rules": { type: "boolean" },
      var: { type: "string", multiple: true },
      "no-enrich": { type: "boolean" },
      "accept-replay": { type: "boolean" },
      duration: { type: "string" },
      quiet: { type: "boolean" },
      "no-defang": { type: "boolean" },
      "list-personas": { type: "boolean" },
    });
    if (flag(p, "list-personas")) {
      process.stdout.write(`${personaList()}\n`);
      return 0;
    }
    if (p.positionals.length > 0) {
      throw new UsageError(`sensor takes no file arguments (got "${p.positionals[0]}")`);
    }
    const config = configOf(p);
    if (config === undefined) return 2;
    if (config.nats !== undefined) {
      throw new UsageError(
        "--nats: publishing to NATS JetStream is not built yet; record to --db or --clickhouse",
      );
    }
    const flushSeconds = int(p, "flush", config.flushSeconds, 1, 3600);
    const duration = int(p, "duration", 0, 0, 366 * 86400);
    const defang = !flag(p, "no-defang");
    const listeners = config.listen.map((l) => {
      const persona = getPersona(l.persona);
      if (persona === undefined) throw new UsageError(`unknown persona "${l.persona}"`);
      return {
        port: l.port,
        ...(l.recordPort !== undefined ? { recordPort: l.recordPort } : {}),
        persona,
        options: config.personaOptions[l.persona] ?? {},
      };
    });

    let store: { store: Store; where: string };
    try {
      store = await openSensorStore(config);
    } catch (e) {
      const where =
        config.store.kind === "duckdb" ? config.store.file : `${config.store.url} (ClickHouse)`;
      throw new PortentError(
        "E_OUTPUT_UNWRITABLE",
        `cannot open the store ${where}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    const stderr = (line: string): void => {
      process.stderr.write(`${line}\n`);
    };
    const live = !config.quiet && process.stdout.isTTY === true;
    const geo = flag(p, "no-enrich") ? undefined : await loadEnricher({ required: false });
    const service = new SensorService({
      sensorId: config.sensorId,
      bind: config.bind,
      listeners,
      limits: config.limits,
      store: store.store,
      ...(geo !== undefined ? { enrich: geo.lookup } : {}),
      ...(config.events !== undefined ? { events: config.events } : {}),
      flushSeconds,
      rules: [...config.rules, ...strs(p, "rules")],
      defaultRules: config.defaultRules && !flag(p, "no-default-rules"),
      vars: varsOf(strs(p, "var")),
      replay: flag(p, "accept-replay"),
      ...(live
        ? {
            onRecord: (r) => {
              const line = liveLine(r, { defang });
              if (line !== undefined) process.stdout.write(`${line}\n`);
            },
          }
        : {}),
      onError: (what, e) =>
        stderr(`portent sensor: ${what}: ${e instanceof Error ? e.message : String(e)}`),
    });
    try {
      await service.start();
    } catch (e) {
      await store.store.close();
      const err = e as NodeJS.ErrnoException;
      const hint =
        err.code === "EACCES"
          ? " (ports below 1024 need CAP_NET_BIND_SERVICE or a redirect: docs/sensor.md)"
          : err.code === "EADDRINUSE"
            ? " (another program listens there; choose other ports with --ports)"
            : "";
      stderr(`portent sensor: cannot listen: ${err.message}${hint}`);
      return 1;
    }
    const ports = listeners
      .map(
        (l) =>
          `${l.port}${l.recordPort !== undefined ? `(as ${l.recordPort})` : ""}/${l.persona.name}`,
      )
      .join(" ");
    stderr(
      `portent sensor: ${config.sensorId} listening on ${config.bind}: ${ports}; storing to ${store.where} every ${flushSeconds}s${config.events !== undefined ? `; events to ${config.events}` : ""}`,
    );

    const counters = (): void => {
      const t = service.recorder.totals;
      stderr(
        counterLine(new Date(), {
          connections: t.connections,
          sessions: t.sessions,
          probes: t.probes,
          alerts: t.alerts,
          open: service.sensor.connections,
          refused: Object.fromEntries(LIMIT_KINDS.map((k) => [k, service.sensor.gate.refused[k]])),
          storedRows: t.storedRows,
          pendingBatches: service.recorder.pendingBatches,
          rssBytes: process.memoryUsage.rss(),
        }),
      );
    };
    const ticker = config.quiet ? undefined : setInterval(counters, COUNTER_SECONDS * 1000);

    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        // A second signal while flushing ends the process at once.
        process.once("SIGINT", () => process.exit(1));
        resolve();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
      if (duration > 0) setTimeout(stop, duration * 1000).unref();
    });
    if (ticker !== undefined) clearInterval(ticker);
    stderr("portent sensor: stopping: closing connections and flushing to the store");
    await service.stop();
    await store.store.close();
    if (!config.quiet) counters();
    const t = service.recorder.totals;
    stderr(
      `portent sensor: stopped; ${t.connections} connections (${t.sessions} sessions, ${t.probes} probes), ${t.storedRows} rows stored${t.storeErrors > 0 ? `, ${t.storeErrors} store errors, ${service.recorder.pendingBatches} batches not stored` : ""}`,
    );
    return service.recorder.pendingBatches > 0 ? 1 : 0;
  },
};

/** The config file (or the defaults) with the flags laid over; undefined after printing issues. */
function configOf(p: ReturnType<typeof parse>): SensorConfig | undefined {
  const file = str(p, "config");
  let base = defaultSensorConfig();
  if (file !== undefined) {
    const r = loadConfig(file);
    if (r.config === undefined) {
      for (const i of r.errors) process.stderr.write(`${formatIssue(i)}\n`);
      return undefined;
    }
    base = r.config;
  }
  const quiet = flag(p, "quiet") ? true : undefined;
  const flags = {
    ...(str(p, "ports") !== undefined ? { ports: str(p, "ports") as string } : {}),
    persona: strs(p, "persona"),
    ...(str(p, "sensor-id") !== undefined ? { sensorId: str(p, "sensor-id") as string } : {}),
    ...(str(p, "bind") !== undefined ? { bind: str(p, "bind") as string } : {}),
    ...(str(p, "db") !== undefined ? { db: str(p, "db") as string } : {}),
    ...(str(p, "clickhouse") !== undefined ? { clickhouse: str(p, "clickhouse") as string } : {}),
    ...(str(p, "database") !== undefined ? { database: str(p, "database") as string } : {}),
    ...(str(p, "nats") !== undefined ? { nats: str(p, "nats") as string } : {}),
    ...(str(p, "events") !== undefined ? { events: str(p, "events") as string } : {}),
    ...(quiet !== undefined ? { quiet } : {}),
  };
  const r = applyFlags(base, flags);
  if (r.config === undefined) {
    for (const i of r.errors) process.stderr.write(`portent sensor: ${formatIssue(i)}\n`);
    return undefined;
  }
  return r.config;
}

async function openSensorStore(c: SensorConfig): Promise<{ store: Store; where: string }> {
  if (c.store.kind === "clickhouse") {
    const { openClickHouseStore } = await import("../store/clickhouse.js");
    const store = await openClickHouseStore({ url: c.store.url, database: c.store.database });
    return { store, where: `${c.store.url} database ${c.store.database}` };
  }
  const { openDuckDbStore } = await import("../store/duckdb.js");
  return { store: await openDuckDbStore(c.store.file), where: c.store.file };
}
