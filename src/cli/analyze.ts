/** @module `portent analyze`: offline analysis of captures, printed and optionally written as JSON. */

import { writeFileSync } from "node:fs";
import { analyzeFiles } from "../aggregate/analyze-files.js";
import { Rollup } from "../aggregate/rollup.js";
import { DEFAULT_FLOW_CONFIG } from "../decode/flows.js";
import type { SurgeSetup } from "../detect/setup.js";
import { UsageError } from "../schema/errors.js";
import type { AnalysisReport } from "../schema/report.js";
import { reportJson } from "../serve/report-json.js";
import { flag, int, type Parsed, parse, str, strs } from "./args.js";
import type { Command } from "./command.js";
import { Progress } from "./progress.js";

export const analyze: Command = {
  name: "analyze",
  summary: "analyse captures (files, .gz, or -): ports, scanners, alerts, campaigns, IoCs, surges",
  help: `Usage: portent analyze [options] <capture|->...

Reads pcap or pcapng captures (gzip-compressed or not, detected from the content) and reports the
ports being scanned, by how many distinct sources, and by which scanner families; runs Suricata
rules (Portent's IoT exploit pack by default) over every session, groups payloads into campaigns
by template, extracts IoCs and drafts a rule for each campaign no rule matched. Several files
are read in the order of their first packet; "-" reads standard input.

Options:
  --json FILE          write the report (DESIGN.md section 4 contract) as JSON; "-" for stdout
  --rules PATH         Suricata rule file or folder of *.rules (repeatable), added to the pack
  --no-default-rules   do not load Portent's IoT exploit pack (rules/portent-iot.rules)
  --var NAME=VALUE     set a rule variable (repeatable), e.g. --var HOME_NET=[192.0.2.0/24];
                       defaults suit a honeypot: HOME_NET and EXTERNAL_NET are "any"
  --eve FILE           write Suricata-style EVE JSON alert records; "-" for stdout
  --families FILE      extra family-marker file (repeatable; format in docs/iot-pack.md)
  --no-defang          print IoCs as they are (default: hxxp://198.51.100[.]7/ on the terminal)
  --bucket SECONDS     surge series bucket width: 3600 (default) down to 300, dividing a day
  --exclude-research   leave sources in known research-scanner networks out of surges
                       (data/research-scanners.json; add your own with --research FILE)
  --research FILE      extra research-scanner network list (repeatable; implies the above)
  --no-surges          skip surge detection
  --counts-only        ports, sources and scanner fingerprints only: no rules, templates,
                       campaigns, IoCs or surges (the fastest pass over a very large capture)
  --db FILE            append what analysis needs to a DuckDB file (created when missing);
                       runs over consecutive captures build one history (docs/storage.md)
  --clickhouse URL     append to a ClickHouse server instead (--database NAME, default portent)
  --no-enrich          do not add country and ASN to stored sources (offline databases from
                       @ip-location-db packages; docs/storage.md)
  --top N              ports and sources shown in the terminal report (default 15)
  --sources N          sources listed in the JSON report's topSources (default 20)
  --client-cap BYTES   client bytes kept per connection (default ${DEFAULT_FLOW_CONFIG.clientCap})
  --server-cap BYTES   server bytes kept per connection (default ${DEFAULT_FLOW_CONFIG.serverCap})
  --memory-cap MIB     stream buffer memory before the oldest flows are evicted (default ${DEFAULT_FLOW_CONFIG.memoryCap / 2 ** 20})
  --quiet              no terminal report (use with --json)
  --color, --no-color  force colour on or off (default: on when stdout is a terminal)
  -h, --help           this text

Examples:
  portent analyze honeypot-2018-06-14.pcap.gz
  portent analyze --json report.json day1.pcapng day2.pcapng
  portent analyze --rules /etc/suricata/rules --eve eve.json honeypot.pcap
  tcpdump -i eth0 -w - 'tcp or udp' | portent analyze -
  portent simulate satori-2018 -o satori.pcap && portent analyze satori.pcap

Exit codes: 0 success, 1 unreadable or non-capture input, 2 usage error.`,

  async run(argv) {
    const p = parse(argv, {
      json: { type: "string" },
      rules: { type: "string", multiple: true },
      var: { type: "string", multiple: true },
      "no-default-rules": { type: "boolean" },
      eve: { type: "string" },
      families: { type: "string", multiple: true },
      "no-defang": { type: "boolean" },
      bucket: { type: "string" },
      "exclude-research": { type: "boolean" },
      research: { type: "string", multiple: true },
      "no-surges": { type: "boolean" },
      "counts-only": { type: "boolean" },
      db: { type: "string" },
      clickhouse: { type: "string" },
      database: { type: "string" },
      "no-enrich": { type: "boolean" },
      top: { type: "string" },
      sources: { type: "string" },
      "client-cap": { type: "string" },
      "server-cap": { type: "string" },
      "memory-cap": { type: "string" },
      quiet: { type: "boolean" },
      color: { type: "boolean" },
      "no-color": { type: "boolean" },
    });
    if (p.positionals.length === 0)
      throw new UsageError("analyze needs at least one capture file or -");
    if (p.positionals.filter((f) => f === "-").length > 1) {
      throw new UsageError("standard input (-) can be given only once");
    }
    const top = int(p, "top", 15, 1, 10_000);
    const flow = {
      clientCap: int(p, "client-cap", DEFAULT_FLOW_CONFIG.clientCap, 0, 2 ** 30),
      serverCap: int(p, "server-cap", DEFAULT_FLOW_CONFIG.serverCap, 0, 2 ** 30),
      memoryCap:
        int(p, "memory-cap", DEFAULT_FLOW_CONFIG.memoryCap / 2 ** 20, 1, 1 << 20) * 2 ** 20,
    };
    const json = str(p, "json");
    const color = flag(p, "no-color")
      ? false
      : flag(p, "color") || (process.stdout.isTTY === true && process.env.NO_COLOR === undefined);

    const eve = str(p, "eve");
    if (eve === "-" && json === "-")
      throw new UsageError("--eve and --json cannot both write to stdout");
    const toStore = str(p, "db") !== undefined || str(p, "clickhouse") !== undefined;
    // Detection, stores and the terminal renderer load on demand: `--counts-only --quiet` on a
    // large capture should not pay a tenth of a second for the rule engine and the rest.
    const opened = toStore ? await (await import("./db.js")).openStore(p, true) : undefined;
    const rollup =
      opened !== undefined ? new Rollup({ bucketSeconds: opened.store.bucketSeconds }) : undefined;
    const records =
      opened !== undefined
        ? new (await import("../store/detections.js")).DetectionRollup(opened.store.bucketSeconds)
        : undefined;
    const countsOnly = flag(p, "counts-only");
    if (countsOnly) {
      for (const f of ["rules", "eve", "db", "clickhouse"]) {
        if (p.values[f] !== undefined)
          throw new UsageError(`--counts-only cannot be combined with --${f}`);
      }
    }
    const { Detection } = countsOnly
      ? { Detection: undefined }
      : await import("../detect/setup.js");
    const { varsOf } = await import("./rules.js");
    const detection =
      Detection === undefined
        ? undefined
        : new Detection({
            ...(records !== undefined ? { store: records } : {}),
            rules: strs(p, "rules"),
            defaultRules: !flag(p, "no-default-rules"),
            families: strs(p, "families"),
            vars: varsOf(strs(p, "var")),
            ...(eve !== undefined ? { eve } : {}),
            surges: flag(p, "no-surges") ? false : surgeSetup(p),
          });
    const rs = detection?.ruleSet;
    if (
      rs !== undefined &&
      rs.problems.length > 0 &&
      (rs.files.length > 1 || !flag(p, "no-default-rules"))
    ) {
      process.stderr.write(
        `portent: rules: ${rs.rules.length} loaded, ${rs.problems.length} skipped (run "portent rules check" for the list)\n`,
      );
    }

    const progress = new Progress("reading");
    const { report } = await analyzeFiles(p.positionals, {
      flow,
      topSources: int(p, "sources", 20, 0, 100_000_000),
      ...(detection !== undefined ? { detection } : {}),
      ...(rollup !== undefined ? { rollup } : {}),
      warn: (kind, f) => {
        progress.done();
        process.stderr.write(
          `portent: warning: ${f.file}: ${kind} at byte ${f.offset}${f.detail ? `: ${f.detail}` : ""}\n`,
        );
      },
      onProgress: (c, t, n) => progress.update(c, t, n),
    });
    progress.done();
    if (opened !== undefined && rollup !== undefined) {
      try {
        // Country and ASN per stored source row, from the offline databases shipped as packages.
        const { loadEnricher } = await import("../store/enrich.js");
        const { captureRunId, ingestAnalysis } = await import("../store/ingest.js");
        const geo = flag(p, "no-enrich") ? undefined : await loadEnricher({ required: false });
        const r = await ingestAnalysis(opened.store, rollup, {
          runId: captureRunId(report.input),
          ...(geo !== undefined ? { enrich: geo.lookup } : {}),
          ...(records !== undefined ? { detections: records } : {}),
        });
        const rows = Object.values(r.rows).reduce((t, n) => t + n, 0);
        process.stderr.write(
          `portent: stored ${rows.toLocaleString("en-US")} rows in ${opened.where} (run ${r.run}, ${r.seconds.toFixed(1)} s; rows already there are skipped)\n`,
        );
      } finally {
        await opened.store.close();
      }
    }
    writeReport(report, json);
    if (!flag(p, "quiet")) {
      const { renderReport } = await import("../serve/terminal.js");
      process.stdout.write(
        renderReport(report, { color, top, sparkWidth: 36, defang: !flag(p, "no-defang") }),
      );
    }
    return 0;
  },
};

function surgeSetup(p: Parsed): SurgeSetup {
  const bucket = int(p, "bucket", 3600, 300, 86400);
  if (86400 % bucket !== 0) {
    throw new UsageError(
      `--bucket must divide a day (e.g. 300, 600, 900, 1800, 3600), not ${bucket}`,
    );
  }
  const research = strs(p, "research");
  return {
    bucketSeconds: bucket,
    excludeResearch: flag(p, "exclude-research") || research.length > 0,
    researchFiles: research,
  };
}

/** Writes the JSON report to a file or stdout ("-"). */
export function writeReport(report: AnalysisReport, json: string | undefined): void {
  if (json === undefined) return;
  const text = reportJson(report);
  if (json === "-") process.stdout.write(text);
  else writeFileSync(json, text);
}
