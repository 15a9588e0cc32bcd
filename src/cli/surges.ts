/** @module `portent surges`: the surge detector over a store's history (DuckDB or ClickHouse). */

import { detectSurges } from "../analyse/detect-surges.js";
import { explainFromStore, seriesFromStore } from "../analyse/series-from-store.js";
import { renderSurges } from "../analyse/surges-text.js";
import { PortentError, UsageError } from "../schema/errors.js";
import { flag, int, parse, str } from "./args.js";
import type { Command } from "./command.js";
import { openStore } from "./db.js";

const RELATIVE = /^(\d+)([dhm])$/;
const UNIT_US: Record<string, number> = { d: 86_400e6, h: 3_600e6, m: 60e6 };

/** A time option: ISO-8601, or `7d` / `48h` / `90m` before `latest` (µs). */
export function parseTime(name: string, v: string, latest: number): number {
  const rel = RELATIVE.exec(v);
  if (rel !== null) return latest - Number(rel[1]) * (UNIT_US[rel[2] as string] as number);
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `--${name} takes an ISO time (2018-06-09T00:00Z) or 7d/48h/90m, not "${v}"`,
    );
  }
  return ms * 1000;
}

export const surgesCommand: Command = {
  name: "surges",
  summary: "run the surge detector over a store's history (after analyze --db)",
  help: `Usage: portent surges [--db FILE | --clickhouse URL [--database NAME]] [options]

Reads distinct sources per bucket per port, template and rule sid from a store that
"portent analyze --db" (or --clickhouse) filled, runs the surge detector over them (docs/surges.md)
and prints each surge with its onset, when a detector seeing only the past would have fired, and
why: the fingerprint mix and the templates of its sources, from the store.

Options:
  --db FILE           DuckDB store (default portent.duckdb)
  --clickhouse URL    ClickHouse HTTP interface instead; --database NAME (default portent)
  --since TIME        start of the history read: ISO-8601, or 7d / 48h / 90m before the newest
                      data in the store (default: all of it)
  --until TIME        end of the history read (same forms; default: the newest data)
  --bucket SECONDS    bucket width, a multiple of the store's (default: the store's, 3600)
  --top N             surges listed (default 10)
  --json              the surges as JSON (DESIGN.md section 4 "surges")
  -h, --help          this text

Examples:
  portent analyze --db june.duckdb day1.pcap day2.pcap && portent surges --db june.duckdb
  portent surges --db june.duckdb --since 7d --json

Exit codes: 0 success, 1 store missing or unreachable, 2 usage error.`,

  async run(argv) {
    const p = parse(argv, {
      db: { type: "string" },
      clickhouse: { type: "string" },
      database: { type: "string" },
      since: { type: "string" },
      until: { type: "string" },
      bucket: { type: "string" },
      top: { type: "string" },
      json: { type: "boolean" },
    });
    if (p.positionals.length > 0) throw new UsageError(`surges takes no file arguments`);
    const top = int(p, "top", 10, 1, 100_000);
    const { store, where } = await openStore(p);
    try {
      const st = await store.stats();
      if (st.first === null || st.last === null) {
        throw new PortentError("E_INPUT_UNREADABLE", `${where}: the store is empty`);
      }
      const bucket = int(p, "bucket", store.bucketSeconds, 300, 86400);
      if (bucket % store.bucketSeconds !== 0) {
        throw new UsageError(
          `--bucket must be a multiple of the store's ${store.bucketSeconds} s buckets, not ${bucket}`,
        );
      }
      const since = str(p, "since");
      const until = str(p, "until");
      const from = since === undefined ? st.first : parseTime("since", since, st.last);
      const to = until === undefined ? st.last : parseTime("until", until, st.last);
      if (to <= from) throw new UsageError("--since must come before --until");
      const set = await seriesFromStore(store, { from, to }, bucket);
      const [templates, rules] = await Promise.all([
        store.templates({ from, to }, 100_000),
        store.alertSummary({ from, to }),
      ]);
      const byTemplate = new Map(templates.map((t) => [t.template, { text: t.text }]));
      const bySid = new Map(rules.map((r) => [r.sid, { msg: r.msg, cve: r.cve }]));
      const surges = detectSurges(set, {
        explain: { rule: (sid) => bySid.get(sid), template: (id) => byTemplate.get(id) },
      });
      await explainFromStore(store, surges);
      if (flag(p, "json")) process.stdout.write(`${JSON.stringify(surges, null, 2)}\n`);
      else {
        const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
        const text = renderSurges(surges, { color, top, chartWidth: 72, chartHeight: 4 });
        process.stdout.write(text === "" ? `no surges in ${where}\n` : text);
      }
    } finally {
      await store.close();
    }
    return 0;
  },
};
