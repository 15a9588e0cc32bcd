/** @module Rule files to rule sets: parse text, load files and folders, merge sets. */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../../schema/errors.js";
import { compileRule } from "./compile.js";
import { splitRuleLines } from "./lexer.js";
import type { Rule } from "./types.js";
import { HONEYPOT_VARS } from "./vars.js";

export interface RuleOptions {
  /** Overrides of $HOME_NET, $HTTP_PORTS, ... (names without the $). */
  vars?: Record<string, string>;
}

export interface RuleProblem {
  file: string;
  line: number;
  sid?: number;
  kind: "unsupported" | "invalid";
  keyword?: string;
  reason: string;
}

export interface RuleFileSummary {
  file: string;
  loaded: number;
  unsupported: number;
  invalid: number;
  /** Rules whose gid:sid another rule of the set already had (the higher rev is kept). */
  duplicates?: number;
}

export interface RuleSet {
  rules: ReadonlyArray<Rule>;
  problems: RuleProblem[];
  files: RuleFileSummary[];
}

/** The variables in force: honeypot defaults overridden by the options. */
export function ruleVars(opts?: RuleOptions): Record<string, string> {
  return { ...HONEYPOT_VARS, ...(opts?.vars ?? {}) };
}

/** Parses the text of one rules file. Never throws: every bad rule becomes a problem. */
export function parseRules(text: string, file: string, opts?: RuleOptions): RuleSet {
  const vars = ruleVars(opts);
  const rules: Rule[] = [];
  const problems: RuleProblem[] = [];
  const summary: RuleFileSummary = { file, loaded: 0, unsupported: 0, invalid: 0 };
  for (const { line, text: t } of splitRuleLines(text)) {
    const r = compileRule(t, file, line, vars);
    if ("info" in r) {
      rules.push(r);
      continue;
    }
    problems.push({ file, line, ...r });
  }
  return dedupe({ rules, problems, files: [summary] });
}

function rulesFiles(path: string): string[] {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    throw new InputError(
      path,
      (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or folder" : String(e),
    );
  }
  if (!st.isDirectory()) return [path];
  let names: string[];
  try {
    names = readdirSync(path);
  } catch (e) {
    throw new InputError(path, `cannot list the folder: ${String(e)}`);
  }
  return names
    .filter((n) => n.endsWith(".rules"))
    .sort()
    .map((n) => join(path, n));
}

/**
 * Loads rule files and folders (every `*.rules` inside, sorted by name). Throws InputError for a
 * path that cannot be read; bad rules never throw.
 */
export function loadRules(paths: string[], opts?: RuleOptions): RuleSet {
  const sets: RuleSet[] = [];
  for (const p of paths) {
    for (const f of rulesFiles(p)) {
      let text: string;
      try {
        text = readFileSync(f, "latin1");
      } catch (e) {
        throw new InputError(f, `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
      sets.push(parseRules(text, f, opts));
    }
  }
  return mergeRuleSets(sets);
}

/** Concatenates rule sets; a sid seen twice keeps the higher rev (the other is reported). */
export function mergeRuleSets(sets: RuleSet[]): RuleSet {
  return dedupe({
    rules: sets.flatMap((s) => s.rules),
    problems: sets.flatMap((s) => s.problems),
    files: sets.flatMap((s) => s.files),
  });
}

/**
 * Keeps one rule per gid:sid, the highest rev (the first on a tie), and counts the others as
 * duplicates of their file: ET's files overlap, so a set loaded from several of them repeats
 * rules, which is no fault of the rules.
 */
function dedupe(set: RuleSet): RuleSet {
  const bySid = new Map<string, Rule>();
  const dropped = new Set<Rule>();
  for (const r of set.rules) {
    const key = `${r.info.gid}:${r.info.sid}`;
    const prev = bySid.get(key);
    if (prev === undefined) {
      bySid.set(key, r);
      continue;
    }
    const keep = r.info.rev > prev.info.rev ? r : prev;
    bySid.set(key, keep);
    dropped.add(keep === r ? prev : r);
  }
  const rules = dropped.size === 0 ? set.rules : set.rules.filter((r) => !dropped.has(r));
  // Summaries are recounted, so a merge shows duplicates dropped across files.
  const counts = new Map<string, RuleFileSummary>();
  const files = set.files.map((f) => {
    const c: RuleFileSummary = {
      file: f.file,
      loaded: 0,
      unsupported: 0,
      invalid: 0,
      duplicates: 0,
    };
    counts.set(f.file, c);
    return c;
  });
  const at = (file: string): RuleFileSummary => {
    let c = counts.get(file);
    if (c === undefined) {
      c = { file, loaded: 0, unsupported: 0, invalid: 0, duplicates: 0 };
      counts.set(file, c);
      files.push(c);
    }
    return c;
  };
  for (const r of rules) at(r.file).loaded++;
  for (const r of dropped) {
    const c = at(r.file);
    c.duplicates = (c.duplicates ?? 0) + 1;
  }
  for (const p of set.problems) at(p.file)[p.kind]++;
  return { rules, problems: set.problems, files };
}
