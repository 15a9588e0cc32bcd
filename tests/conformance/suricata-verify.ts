/**
 * @module Runs one suricata-verify case (pcap + rules + test.yaml) through Portent's rule engine
 * and evaluates its alert checks, as the suricata-verify runner would against Suricata's eve.json.
 */

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  eveAlert,
  mergeRuleSets,
  parseRules,
  SURICATA_VARS,
} from "../../src/detect/rules/index.js";
import { matchCaptures } from "../../src/detect/rules/pcap-driver.js";
import { parseYaml, type Yaml } from "./yaml.js";

/** The Suricata version whose expectations are used where checks depend on one. */
export const EMULATED_VERSION = [8, 0, 0];

/**
 * EVE fields compared when a check names them. Others (pcap_cnt, vlan, flow.*, tx_id, http.*,
 * app_proto, ...) describe things Portent does not log per alert and are not compared.
 */
const COMPARED = new Set([
  "event_type",
  "src_ip",
  "src_port",
  "dest_ip",
  "dest_port",
  "proto",
  "alert.signature_id",
  "alert.signature",
  "alert.gid",
  "alert.rev",
  "alert.category",
  "alert.severity",
  "alert.action",
]);

export interface CheckResult {
  want: number;
  got: number;
  match: Record<string, Yaml>;
}

export interface CaseResult {
  name: string;
  pass: boolean;
  checks: CheckResult[];
  /** Alerts Portent produced, by sid. */
  alerts: Record<number, number>;
}

type Obj = { [k: string]: Yaml };

function isObj(y: Yaml | undefined): y is Obj {
  return typeof y === "object" && y !== null && !Array.isArray(y);
}

function versionOk(req: Yaml | undefined): boolean {
  if (!isObj(req)) return true;
  const cmp = (v: Yaml | undefined): number => {
    const parts = String(v).split(".").map(Number);
    for (let i = 0; i < 3; i++) {
      const d = (EMULATED_VERSION[i] ?? 0) - (parts[i] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  };
  if (req["min-version"] !== undefined && cmp(req["min-version"]) < 0) return false;
  if (req["lt-version"] !== undefined && cmp(req["lt-version"]) >= 0) return false;
  if (req["gt-version"] !== undefined && cmp(req["gt-version"]) <= 0) return false;
  return true;
}

/** Flattens nested match objects into dotted keys ("alert": {"gid": 1} -> "alert.gid"). */
function flatten(o: Obj, prefix = ""): Record<string, Yaml> {
  const out: Record<string, Yaml> = {};
  for (const [k, v] of Object.entries(o)) {
    const key = prefix === "" ? k : `${prefix}.${k}`;
    if (isObj(v)) Object.assign(out, flatten(v, key));
    else out[key] = v;
  }
  return out;
}

function get(rec: Record<string, unknown>, path: string): unknown {
  let cur: unknown = rec;
  for (const p of path.split(".")) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** Whether a filter check is about alerts (the only event type Portent writes). */
function isAlertCheck(match: Record<string, Yaml>): boolean {
  if (match.event_type !== undefined) return match.event_type === "alert";
  return Object.keys(match).some((k) => k.startsWith("alert."));
}

function parseArgs(args: Yaml | undefined): { midstream: boolean; asyncOneside: boolean } {
  const text = Array.isArray(args) ? args.map(String).join(" ") : String(args ?? "");
  return {
    midstream: /stream\.midstream=true/.test(text),
    asyncOneside: /stream\.async-oneside=true/.test(text),
  };
}

/** Runs one case folder. */
export async function runCase(dir: string, name: string): Promise<CaseResult> {
  const y = parseYaml(readFileSync(join(dir, "test.yaml"), "utf8"));
  if (!isObj(y)) throw new Error(`${name}: test.yaml is not a map`);
  const files = readdirSync(dir);
  const rulesFiles = typeof y.rules === "string" ? [] : files.filter((f) => f.endsWith(".rules"));
  const sets = rulesFiles.map((f) =>
    parseRules(readFileSync(join(dir, f), "latin1"), join(dir, f), { vars: { ...SURICATA_VARS } }),
  );
  if (typeof y.rules === "string")
    sets.push(parseRules(y.rules, join(dir, "test.yaml"), { vars: { ...SURICATA_VARS } }));
  const pcap = typeof y.pcap === "string" ? y.pcap : files.find((f) => f.endsWith(".pcap"));
  if (pcap === undefined) throw new Error(`${name}: no pcap`);
  const run = await matchCaptures([join(dir, pcap)], mergeRuleSets(sets), parseArgs(y.args));
  const records = run.alerts.map((a) => eveAlert(a, run.sessions.get(a.sessionId)));
  const alerts: Record<number, number> = {};
  for (const a of run.alerts) alerts[a.rule.sid] = (alerts[a.rule.sid] ?? 0) + 1;
  const checks: CheckResult[] = [];
  for (const c of Array.isArray(y.checks) ? y.checks : []) {
    const f = isObj(c) ? c.filter : undefined;
    if (!isObj(f) || !isObj(f.match) || !versionOk(f.requires)) continue;
    if (f.filename !== undefined && f.filename !== "eve.json") continue;
    const match = flatten(f.match);
    if (!isAlertCheck(match)) continue;
    const keys = Object.keys(match).filter((k) => COMPARED.has(k) && k !== "event_type");
    const got = records.filter((r) =>
      keys.every((k) => String(get(r, k)) === String(match[k])),
    ).length;
    checks.push({ want: Number(f.count), got, match });
  }
  // A case without alert checks (flow or log checks only) passes when nothing alerts.
  const pass = checks.length > 0 ? checks.every((c) => c.want === c.got) : run.alerts.length === 0;
  return { name, pass, checks, alerts };
}
