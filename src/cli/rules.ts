/** @module `portent rules check`: parse Suricata rule files and report what loads and what does not. */

import { loadRules, mergeRuleSets, type RuleOptions, type RuleSet } from "../detect/rules/index.js";
import { InputError, UsageError } from "../schema/errors.js";
import { flag, parse } from "./args.js";
import type { Command } from "./command.js";
import { DRAFT_HELP, draft } from "./rules-draft.js";

const HELP = `Usage: portent rules check [options] <file|folder>...

Parses Suricata rule files (a folder means every *.rules file in it) and prints, per file, how
many rules load, how many use a keyword Portent does not support (with a histogram of those
keywords) and how many are invalid (each with file:line and the reason). Unsupported and invalid
rules are skipped when analysing; nothing else is dropped.

Options:
  --var NAME=VALUE   set a rule variable (repeatable), e.g. --var HOME_NET=[192.0.2.0/24]
  --verbose          list every unsupported rule too, not only the histogram
  -h, --help         this text

Examples:
  portent rules check rules/
  portent rules check --verbose emerging-exploit.rules emerging-scan.rules
  portent rules check --var HTTP_PORTS=[80,8080] local.rules

Exit codes: 0 when every file was read (whatever the rules said), 1 when a file could not be
read, 2 usage error.`;

/** Rule variables from repeated `--var NAME=VALUE` flags (a leading `$` is dropped). */
export function varsOf(list: string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const v of list) {
    const eq = v.indexOf("=");
    if (eq <= 0) throw new UsageError(`--var takes NAME=VALUE, not "${v}"`);
    vars[v.slice(0, eq).replace(/^\$/, "")] = v.slice(eq + 1);
  }
  return vars;
}

/** The report `rules check` prints for a rule set. */
export function formatCheck(set: RuleSet, verbose: boolean): string {
  const lines: string[] = [];
  let loaded = 0;
  let bad = 0;
  let dup = 0;
  for (const f of set.files) {
    loaded += f.loaded;
    dup += f.duplicates ?? 0;
    bad += f.unsupported + f.invalid;
    const hist = new Map<string, number>();
    for (const p of set.problems) {
      if (p.file === f.file && p.kind === "unsupported") {
        const k = p.keyword ?? "?";
        hist.set(k, (hist.get(k) ?? 0) + 1);
      }
    }
    const h = [...hist].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const histText = h.length === 0 ? "" : ` (${h.map(([k, n]) => `${k} ${n}`).join(", ")})`;
    const dupText = f.duplicates ? `, ${f.duplicates} duplicate sids (higher rev kept)` : "";
    lines.push(
      `${f.file}: ${f.loaded} loaded, ${f.unsupported} unsupported${histText}, ${f.invalid} invalid${dupText}`,
    );
    for (const p of set.problems) {
      if (p.file !== f.file || (p.kind === "unsupported" && !verbose)) continue;
      const sid = p.sid === undefined ? "" : ` sid ${p.sid}`;
      const kw = p.keyword === undefined ? "" : ` [${p.keyword}]`;
      lines.push(`  ${p.kind}: ${p.file}:${p.line}${sid}${kw}: ${p.reason}`);
    }
  }
  const total = loaded + dup + bad;
  const pct = total === 0 ? 100 : ((loaded + dup) / total) * 100;
  lines.push(
    `total: ${total} rules in ${set.files.length} file${set.files.length === 1 ? "" : "s"}, ${pct.toFixed(1)}% supported (${bad} skipped)`,
  );
  return `${lines.join("\n")}\n`;
}

async function check(argv: string[]): Promise<number> {
  const p = parse(argv, {
    var: { type: "string", multiple: true },
    verbose: { type: "boolean" },
  });
  if (p.positionals.length === 0)
    throw new UsageError("rules check needs at least one rules file or folder");
  const vars = varsOf((p.values.var as string[] | undefined) ?? []);
  const opts: RuleOptions = Object.keys(vars).length > 0 ? { vars } : {};
  const sets: RuleSet[] = [];
  let failed = false;
  for (const path of p.positionals) {
    try {
      sets.push(loadRules([path], opts));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      process.stderr.write(`portent rules: ${e.message}\n`);
      failed = true;
    }
  }
  process.stdout.write(formatCheck(mergeRuleSets(sets), flag(p, "verbose")));
  return failed ? 1 : 0;
}

const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<number>> = { check, draft };

export const rulesCommand: Command = {
  name: "rules",
  summary: "Suricata rules: check what loads; draft rules for unmatched campaigns",
  help: `${HELP}

${DRAFT_HELP}`,
  async run(argv) {
    const [sub, ...rest] = argv;
    const fn = sub === undefined ? undefined : SUBCOMMANDS[sub];
    if (fn === undefined) {
      throw new UsageError(
        sub === undefined
          ? "rules needs a subcommand: check or draft"
          : `unknown rules subcommand "${sub}"`,
      );
    }
    return fn(rest);
  },
};
