/**
 * @module `portent rules draft`: proposes a Suricata rule for each campaign in the captures that no
 * loaded rule matched (docs/campaigns.md), checked to load in Portent's own rule engine.
 */

import { analyzeFiles } from "../aggregate/analyze-files.js";
import { defang } from "../detect/defang.js";
import { parseRules } from "../detect/rules/index.js";
import { Detection } from "../detect/setup.js";
import { UsageError } from "../schema/errors.js";
import type { ReportCampaign } from "../schema/report.js";
import { safeText } from "../serve/terminal.js";
import { flag, int, parse, strs } from "./args.js";

export const DRAFT_HELP = `Usage: portent rules draft [options] <capture|->...

Reads the captures like "portent analyze", groups sessions into campaigns by payload template,
and prints a draft Suricata rule for each campaign that no loaded rule matched: the stable
method, path, body and header contents of its requests, on the ports it was seen on, checked to
match all of its sampled sessions and none of the other campaigns' samples. Each draft follows
a comment with the campaign's size and a (defanged) sample. Review before deploying: a draft
knows only the traffic it was made from.

Options:
  --rules PATH         rule file or folder (repeatable): campaigns these match get no draft
  --no-default-rules   do not load Portent's IoT exploit pack
  --top N              drafts printed, largest campaigns first (default 50)
  -h, --help           this text

Examples:
  portent rules draft honeypot-2018-06-14.pcap > drafts.rules
  portent rules draft --rules emerging-exploit.rules day1.pcap day2.pcap`;

export async function draft(argv: string[]): Promise<number> {
  const p = parse(argv, {
    rules: { type: "string", multiple: true },
    "no-default-rules": { type: "boolean" },
    top: { type: "string" },
  });
  if (p.positionals.length === 0) {
    throw new UsageError("rules draft needs at least one capture file or -");
  }
  const top = int(p, "top", 50, 1, 100_000);
  const detection = new Detection({
    rules: strs(p, "rules"),
    defaultRules: !flag(p, "no-default-rules"),
    families: [],
    surges: false,
  });
  const { report } = await analyzeFiles(p.positionals, {
    detection,
    warn: (kind, f) =>
      process.stderr.write(`portent: warning: ${f.file}: ${kind} at byte ${f.offset}\n`),
  });
  const out: string[] = [];
  const drafted = report.campaigns.filter((c) => c.draftRule !== undefined).slice(0, top);
  const undrafted = report.campaigns.filter(
    (c) => c.alertedSessions === 0 && c.draftRule === undefined,
  );
  out.push(
    `# portent rules draft: ${report.campaigns.length} campaigns, ${report.campaigns.length - report.campaigns.filter((c) => c.alertedSessions === 0).length} matched by loaded rules, ` +
      `${drafted.length} drafted, ${undrafted.length} without a draft`,
  );
  for (const c of drafted) out.push("", ...draftBlock(c));
  for (const c of undrafted.slice(0, top)) {
    out.push("", `# ${c.id}: no draft: ${c.draftReason ?? "not drafted"}`);
  }
  process.stdout.write(`${out.join("\n")}\n`);
  return 0;
}

function draftBlock(c: ReportCampaign): string[] {
  const rule = c.draftRule ?? "";
  const lines = [
    `# campaign ${c.id} (${c.kind}): ${c.sessions} sessions from ${c.sources} sources, ports ${c.ports.join(",")}, ${c.first} .. ${c.last}`,
    `# sample: ${safeText(defang(c.sample)).slice(0, 200)}`,
  ];
  // The draft must load in Portent's own engine; one that does not is printed commented out.
  const check = parseRules(rule, `draft ${c.id}`);
  if (check.rules.length === 1) lines.push(rule);
  else {
    const why = check.problems[0]?.reason ?? "does not load";
    lines.push(`# does not load in Portent's engine (${why}):`, `# ${rule}`);
  }
  return lines;
}
