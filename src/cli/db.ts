/** @module `portent db`: what a store holds (stats) and retention (prune). */

import { existsSync } from "node:fs";
import { PortentError, UsageError } from "../schema/errors.js";
import type { Store, StoreStats } from "../store/store.js";
import { flag, int, parse, str } from "./args.js";
import type { Command } from "./command.js";

/** The DuckDB file used when neither --db nor --clickhouse is given. */
export const DEFAULT_DB_FILE = "portent.duckdb";

const iso = (us: number | null): string =>
  us === null ? "-" : new Date(Math.floor(us / 1000)).toISOString().replace(".000Z", "Z");

/** The terminal rendering of a store's stats. */
export function renderStats(where: string, s: StoreStats): string {
  const bucket =
    s.bucketSeconds % 3600 === 0 ? `${s.bucketSeconds / 3600}h` : `${s.bucketSeconds / 60}min`;
  const lines = [
    `store: ${where} (${s.kind}, ${bucket} source buckets)`,
    `span:  ${iso(s.first)} .. ${iso(s.last)} (${s.runs} run${s.runs === 1 ? "" : "s"})`,
    "",
    `${"table".padEnd(18)}${"rows".padStart(14)}`,
  ];
  for (const [t, n] of Object.entries(s.rows)) {
    lines.push(`${t.padEnd(18)}${n.toLocaleString("en-US").padStart(14)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Opens the store --db or --clickhouse name; `create` lets a new DuckDB file be made. */
export async function openStore(
  p: ReturnType<typeof parse>,
  create = false,
): Promise<{ store: Store; where: string }> {
  const ch = str(p, "clickhouse");
  if (ch !== undefined) {
    if (str(p, "db") !== undefined) throw new UsageError("give --db or --clickhouse, not both");
    const database = str(p, "database");
    // Store drivers load on demand: DuckDB's native module alone costs a quarter second at start.
    const { openClickHouseStore } = await import("../store/clickhouse.js");
    const store = await openClickHouseStore({
      url: ch,
      ...(database !== undefined ? { database } : {}),
    });
    return { store, where: `${ch} database ${database ?? "portent"}` };
  }
  const file = str(p, "db") ?? DEFAULT_DB_FILE;
  // Opening a DuckDB file creates it: a typo must not leave an empty store behind.
  if (!create && !existsSync(file)) {
    throw new PortentError(
      "E_INPUT_UNREADABLE",
      `${file}: no such store (create one with "portent analyze --db ${file}")`,
    );
  }
  const { openDuckDbStore } = await import("../store/duckdb.js");
  return { store: await openDuckDbStore(file), where: file };
}

const OPTIONS = {
  db: { type: "string" },
  clickhouse: { type: "string" },
  database: { type: "string" },
  json: { type: "boolean" },
  before: { type: "string" },
  "keep-days": { type: "string" },
} as const;

export const db: Command = {
  name: "db",
  summary: "inspect and prune a store: row counts, time span, retention",
  help: `Usage: portent db stats [--db FILE | --clickhouse URL [--database NAME]] [--json]
       portent db prune (--before TIME | --keep-days N) [--db FILE | --clickhouse URL]

stats   prints the rows of each table (minute aggregates, per-source rows, templates, template
        sources, alerts, IoCs, sensors), the time span covered and the number of runs.
prune   deletes what is older than TIME (ISO-8601, e.g. 2018-06-01T00:00Z), or than the newest
        data in the store minus N days. Run it from cron for retention (docs/storage.md).

Options:
  --db FILE           DuckDB store (default ${DEFAULT_DB_FILE})
  --clickhouse URL    ClickHouse HTTP interface instead (e.g. http://127.0.0.1:8123)
  --database NAME     ClickHouse database (default portent)
  --json              stats as JSON
  -h, --help          this text

Examples:
  portent analyze --db june.duckdb day1.pcap && portent db stats --db june.duckdb
  portent db prune --keep-days 30 --db june.duckdb
  portent db stats --clickhouse http://127.0.0.1:8123

Exit codes: 0 success, 1 store missing or unreachable, 2 usage error.`,

  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub !== "stats" && sub !== "prune") {
      throw new UsageError(
        `db needs a subcommand: stats or prune${sub === undefined ? "" : `, not "${sub}"`}`,
      );
    }
    const p = parse(rest, OPTIONS);
    if (p.positionals.length > 0) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
    if (sub === "stats") {
      const { store, where } = await openStore(p);
      try {
        const s = await store.stats();
        process.stdout.write(
          flag(p, "json") ? `${JSON.stringify(s, null, 2)}\n` : renderStats(where, s),
        );
      } finally {
        await store.close();
      }
      return 0;
    }
    const before = str(p, "before");
    const hasDays = str(p, "keep-days") !== undefined;
    if ((before === undefined) === !hasDays)
      throw new UsageError("prune needs --before TIME or --keep-days N");
    let cutoff: number | undefined;
    if (before !== undefined) {
      const ms = Date.parse(before);
      if (!Number.isFinite(ms))
        throw new UsageError(`--before takes an ISO-8601 time, not "${before}"`);
      cutoff = ms * 1000;
    }
    const days = hasDays ? int(p, "keep-days", 0, 0, 100_000) : 0;
    const { store, where } = await openStore(p);
    try {
      if (cutoff === undefined) {
        const last = (await store.stats()).last;
        if (last === null) {
          process.stdout.write(`${where}: empty, nothing to prune\n`);
          return 0;
        }
        cutoff = last - days * 86_400e6;
      }
      await store.prune(cutoff);
      process.stdout.write(`${where}: pruned everything before ${iso(cutoff)}\n`);
    } finally {
      await store.close();
    }
    return 0;
  },
};
