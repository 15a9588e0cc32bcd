/** @module `portent surges`: the surges of a store (DuckDB file or ClickHouse), explained. */

import { defaultStoreBucket } from "../analyse/store-series.js";
import { surgesFromStore } from "../analyse/store-surges.js";
import { WINDOW_HOURS } from "../analyse/surges.js";
import { renderSurges } from "../analyse/surges-text.js";
import { UsageError } from "../schema/errors.js";
import type { ReportSurge } from "../schema/surge.js";
import { flag, int, parse, str } from "./args.js";
import type { Command } from "./command.js";
import { DEFAULT_DB_FILE, openStore } from "./db.js";

const UNITS: Record<string, number> = { m: 60, h: 3600, d: 86400, w: 7 * 86400 };
const RELATIVE = /^(\d+(?:\.\d+)?)([mhdw])$/;

const iso = (us: number): string =>
  new Date(Math.floor(us / 1000)).toISOString().replace(".000Z", "Z");

/**
 * A time given on the command line, in µs: ISO-8601 (UTC unless it names a zone) or a span
 * back from `last` (the end of the store's data), like 7d, 48h, 90m or 2w.
 */
export function parseTime(flagName: string, text: string, last: number): number {
  const rel = RELATIVE.exec(text);
  if (rel !== null) return last - Number(rel[1]) * (UNITS[rel[2] as string] as number) * 1e6;
  let t = text.replace(/^(\d{4}-\d\d-\d\d) (?=\d)/, "$1T");
  // Date.parse reads a date-time without a zone as local time: times here are UTC.
  if (t.includes("T") && !/(Z|[+-]\d\d(:?\d\d)?)$/i.test(t)) t += "Z";
  const ms = /^\d{4}-\d\d-\d\d/.test(t) ? Date.parse(t) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new UsageError(
      `--${flagName} takes an ISO time (2018-06-14, 2018-06-14T03:00Z) or a span back from the store's last data (7d, 48h, 90m, 2w), not "${text}"`,
    );
  }
  return ms * 1000;
}

/** Keeps the surges detected from `since` on, or still going on then. */
export function surgesSince(surges: ReportSurge[], since: number): ReportSurge[] {
  const at = iso(since);
  return surges.filter((s) => s.detectedAt >= at || s.ended === undefined || s.ended > at);
}

function origins(surges: ReportSurge[]): string {
  const lines: string[] = [];
  for (const s of surges) {
    if (s.countries === undefined && s.asns === undefined) continue;
    const pct = (x: number) => `${Math.round(x * 100)}%`;
    const parts = [
      (s.countries ?? []).map((c) => `${c.code} ${pct(c.share)}`).join(", "),
      (s.asns ?? []).map((a) => `AS${a.asn} ${pct(a.share)}`).join(", "),
    ].filter((x) => x !== "");
    lines.push(`  ${s.port}/${s.proto} from ${s.onset.slice(0, 16)}Z: ${parts.join("; ")}`);
  }
  return lines.length === 0 ? "" : `Origins of the port surges' sources\n${lines.join("\n")}\n`;
}

export const surgesCommand: Command = {
  name: "surges",
  summary: "list the surges in a store (portent analyze --db), explained",
  help: `Usage: portent surges [--db FILE | --clickhouse URL [--database NAME]] [options]

Reads the series of distinct sources per port, payload template and rule sid from a store that
"portent analyze --db" (or a collector) filled, runs the surge detector over them as it would
have run online, and prints each surge: when it began, when it was detected, how far above its
baseline, and why (templates, rules and CVEs, scanner fingerprints, heavy hitters, countries and
ASNs when the store was enriched). The method is in docs/surges.md.

Options:
  --db FILE           DuckDB store (default ${DEFAULT_DB_FILE})
  --clickhouse URL    ClickHouse HTTP interface instead (e.g. http://127.0.0.1:8123)
  --database NAME     ClickHouse database (default portent)
  --since TIME        list the surges detected from TIME on (and those still going on then);
                      the ${WINDOW_HOURS / 24} days before TIME are read too, for the baselines.
                      TIME is ISO-8601 (2018-06-14, 2018-06-14T03:00Z; UTC unless a zone is
                      given) or a span back from the store's LAST DATA (not from now): 7d, 48h,
                      90m, 2w. Default: everything in the store
  --until TIME        stop reading at TIME (same forms), as a detector fed until then would
                      have seen it; rounded down to a whole bucket. Default: the end of the data
  --bucket SECONDS    series bucket: a multiple of the store's bucket that divides a day
                      (default 3600, or the store's bucket when it is coarser)
  --json              print the surges as JSON: the "surges" array of the analysis report
                      (DESIGN.md section 4), heavy hitters on each surge's port included
  --top N             surges shown on the terminal (default 10; JSON lists them all)
  --color, --no-color force colour on or off (default: on when stdout is a terminal)
  -h, --help          this text

Examples:
  portent analyze --db june.duckdb day1.pcap day2.pcap && portent surges --db june.duckdb
  portent surges --db june.duckdb --since 48h
  portent surges --db june.duckdb --since 2018-06-14 --until 2018-06-16T00:00Z --json
  portent surges --clickhouse http://127.0.0.1:8123 --since 7d

Exit codes: 0 success (also when there is no surge), 1 store missing or unreachable, 2 usage error.`,

  async run(argv) {
    const p = parse(argv, {
      db: { type: "string" },
      clickhouse: { type: "string" },
      database: { type: "string" },
      since: { type: "string" },
      until: { type: "string" },
      bucket: { type: "string" },
      json: { type: "boolean" },
      top: { type: "string" },
      color: { type: "boolean" },
      "no-color": { type: "boolean" },
    });
    if (p.positionals.length > 0) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
    const top = int(p, "top", 10, 1, 100_000);
    const bucket = str(p, "bucket") === undefined ? undefined : int(p, "bucket", 3600, 300, 86400);
    const color = flag(p, "no-color")
      ? false
      : flag(p, "color") || (process.stdout.isTTY === true && process.env.NO_COLOR === undefined);
    const { store, where } = await openStore(p);
    try {
      const b = bucket ?? defaultStoreBucket(store.bucketSeconds);
      if (b % store.bucketSeconds !== 0 || 86400 % b !== 0) {
        throw new UsageError(
          `--bucket must be a multiple of the store's ${store.bucketSeconds}s bucket that divides a day, not ${b}`,
        );
      }
      const stats = await store.stats();
      const last = stats.last ?? 0;
      const sinceArg = str(p, "since");
      const untilArg = str(p, "until");
      const since = sinceArg === undefined ? undefined : parseTime("since", sinceArg, last);
      const until =
        untilArg === undefined ? Number.MAX_SAFE_INTEGER : parseTime("until", untilArg, last);
      if (since !== undefined && since >= until) {
        throw new UsageError("--since must be before --until");
      }
      const from = since === undefined ? 0 : since - WINDOW_HOURS * 3600e6;
      const read = { from, to: until };
      const { set, surges: all } = await surgesFromStore(store, read, { bucketSeconds: b });
      const surges = since === undefined ? all : surgesSince(all, since);
      const bu = b * 1e6;
      const span =
        set.end > set.first ? { from: iso(set.first * bu), to: iso(set.end * bu) } : undefined;
      if (flag(p, "json")) {
        process.stdout.write(`${JSON.stringify(surges, null, 2)}\n`);
        return 0;
      }
      const head =
        span === undefined
          ? `${where}: ${stats.first === null ? "the store is empty" : "no data in that range"}`
          : `${where}: ${span.from} .. ${span.to}, ${b % 3600 === 0 ? `${b / 3600}h` : `${b / 60}min`} buckets` +
            (since !== undefined ? `, surges since ${iso(since)}` : "");
      process.stdout.write(`${head}\n\n`);
      if (surges.length === 0) {
        if (span !== undefined) process.stdout.write("No surges.\n");
        return 0;
      }
      process.stdout.write(renderSurges(surges, { color, top, chartWidth: 72, chartHeight: 4 }));
      const o = origins(surges.filter((s) => s.kind === "port").slice(0, top));
      if (o !== "") process.stdout.write(`\n${o}`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
