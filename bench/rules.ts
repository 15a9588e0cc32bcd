/**
 * @module Benchmark of the rule engine: sessions/s and MB/s of payload matched, and probes/s, with
 * no rules, with the default pack (rules/) and with the pack plus every ET Open file in
 * shared/data, on the sessions and probes of the benchmark capture. Also prints what the engine
 * adds to decoding that capture (decode + flow table time, measured in the same run).
 *
 * The capture is the one `bench/run.ts` generates (.bench/satori-2018-seed42-x10.pcap); set
 * BENCH_RULES_CAPTURE to use another. Runs are interleaved, three each; the median is reported.
 */

import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { readCaptures } from "../src/capture/read.js";
import { decodePacket } from "../src/decode/decode.js";
import { DecodedPacket } from "../src/decode/decoded.js";
import { DEFAULT_FLOW_CONFIG, FlowTable } from "../src/decode/flows.js";
import { fingerprintName, fingerprintSyn, isSyn } from "../src/detect/fingerprint.js";
import { loadRules, mergeRuleSets, RuleEngine, type RuleSet } from "../src/detect/rules/index.js";
import { Anomalies } from "../src/schema/anomalies.js";
import type { Probe, Session } from "../src/schema/session.js";

/** The repository root: the nearest folder above this file holding package.json. */
function findRoot(from: string): string {
  for (let d = from; ; d = dirname(d)) {
    if (existsSync(join(d, "package.json"))) return d;
    if (dirname(d) === d) return from;
  }
}

const ROOT = findRoot(import.meta.dirname);
const CAPTURE = process.env.BENCH_RULES_CAPTURE ?? join(ROOT, ".bench/satori-2018-seed42-x10.pcap");
const PACK = join(ROOT, "rules");
const ET_2019 = join(ROOT, "../shared/data/rules/et-open-2019-04_xisafe");
const ET_2025 = join(ROOT, "../shared/data/rules/et-open-2025_gokul/emerging-exploit.rules");
/** Probes timed (they are many and each costs little; a sample keeps memory small). */
const MAX_PROBES = 1_000_000;

interface Input {
  sessions: Session[];
  probes: Probe[];
  /** Probes in the whole capture (only the first MAX_PROBES are kept and timed). */
  probesTotal: number;
  packets: number;
  payloadBytes: number;
  /** Seconds spent reading, decoding and following flows. */
  pipelineSeconds: number;
}

async function collect(file: string): Promise<Input> {
  const anomalies = new Anomalies();
  const sessions: Session[] = [];
  const probes: Probe[] = [];
  let probesTotal = 0;
  let payloadBytes = 0;
  const flows = new FlowTable(
    DEFAULT_FLOW_CONFIG,
    {
      session(s) {
        sessions.push(s);
        payloadBytes += s.clientBytes.length + s.serverBytes.length;
      },
      probe(p) {
        probesTotal++;
        if (probes.length < MAX_PROBES) probes.push(p);
      },
    },
    anomalies,
    () => file,
  );
  const dp = new DecodedPacket();
  let packets = 0;
  const t0 = performance.now();
  await readCaptures(
    [file],
    (raw) => {
      packets++;
      if (!decodePacket(raw, dp, anomalies, file) || dp.fragment) return;
      if (dp.proto !== 6 && dp.proto !== 17) return;
      let fp = "";
      if (dp.proto === 6 && isSyn(dp)) {
        const f = fingerprintSyn(dp);
        if (f >= 0) fp = fingerprintName(f);
      }
      flows.packet(dp, fp);
    },
    { anomalies },
  );
  flows.finish();
  const pipelineSeconds = (performance.now() - t0) / 1000;
  return { sessions, probes, probesTotal, packets, payloadBytes, pipelineSeconds };
}

interface Config {
  name: string;
  set: RuleSet;
  /** Reuse match outcomes of sessions with identical bytes (the engine's default). */
  memo: boolean;
}

interface Timing {
  sessionSeconds: number;
  probeSeconds: number;
  alerts: number;
}

function time(c: Config, input: Input): Timing {
  const engine = new RuleEngine(c.set, { memo: c.memo });
  let alerts = 0;
  const t0 = performance.now();
  for (const s of input.sessions) alerts += engine.session(s).length;
  const t1 = performance.now();
  for (const p of input.probes) alerts += engine.probe(p).length;
  const t2 = performance.now();
  return { sessionSeconds: (t1 - t0) / 1000, probeSeconds: (t2 - t1) / 1000, alerts };
}

export interface RulesBenchRow {
  name: string;
  rules: number;
  sessionsPerSecond: number;
  payloadMBps: number;
  probesPerSecond: number;
  alerts: number;
  /** (decode + flows + engine) / (decode + flows + engine without rules). */
  pipelineRatio: number;
}

export async function runRulesBench(): Promise<RulesBenchRow[]> {
  if (!existsSync(CAPTURE)) {
    console.log(
      `rules bench: no capture at ${CAPTURE} (run npm run bench once, or set BENCH_RULES_CAPTURE)`,
    );
    return [];
  }
  const input = await collect(CAPTURE);
  console.log(
    `rules bench: ${input.packets.toLocaleString("en-US")} packets -> ${input.sessions.length.toLocaleString("en-US")} sessions ` +
      `(${(input.payloadBytes / 1e6).toFixed(1)} MB payload), ${input.probesTotal.toLocaleString("en-US")} probes ` +
      `(${input.probes.length.toLocaleString("en-US")} timed); ` +
      `decode + flows ${input.pipelineSeconds.toFixed(2)} s`,
  );
  const configs: Config[] = [
    { name: "no rules", set: { rules: [], problems: [], files: [] }, memo: true },
  ];
  if (existsSync(PACK)) configs.push({ name: "default pack", set: loadRules([PACK]), memo: true });
  if (existsSync(ET_2019) && existsSync(ET_2025)) {
    const et = loadRules([
      ...readdirSync(ET_2019)
        .filter((f) => f.endsWith(".rules"))
        .map((f) => join(ET_2019, f)),
      ET_2025,
    ]);
    const name = existsSync(PACK) ? "pack + ET Open" : "ET Open";
    const set = existsSync(PACK) ? mergeRuleSets([loadRules([PACK]), et]) : et;
    configs.push({ name, set, memo: true });
    // Every session matched afresh: the cost when no two sessions carry the same bytes.
    configs.push({ name: `${name}, no memo`, set, memo: false });
  }
  const runs: Timing[][] = configs.map(() => []);
  for (let r = 0; r < 3; r++) {
    for (let i = 0; i < configs.length; i++) runs[i]?.push(time(configs[i] as Config, input));
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  // Probe time is measured on a sample and scaled to every probe of the capture.
  const probeScale = input.probes.length === 0 ? 0 : input.probesTotal / input.probes.length;
  const base = runs[0] as Timing[];
  const baseSeconds =
    input.pipelineSeconds + med(base.map((t) => t.sessionSeconds + t.probeSeconds * probeScale));
  const rows: RulesBenchRow[] = configs.map((c, i) => {
    const ts = runs[i] as Timing[];
    const s = med(ts.map((t) => t.sessionSeconds));
    const p = med(ts.map((t) => t.probeSeconds));
    return {
      name: c.name,
      rules: c.set.rules.length,
      sessionsPerSecond: input.sessions.length / s,
      payloadMBps: input.payloadBytes / 1e6 / s,
      probesPerSecond: input.probes.length / p,
      alerts: (ts[0] as Timing).alerts,
      pipelineRatio: (input.pipelineSeconds + s + p * probeScale) / baseSeconds,
    };
  });
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(24)} ${String(r.rules).padStart(5)} rules: ${Math.round(r.sessionsPerSecond).toLocaleString("en-US")} sessions/s, ` +
        `${r.payloadMBps.toFixed(1)} MB/s payload, ${Math.round(r.probesPerSecond).toLocaleString("en-US")} probes/s, ` +
        `${r.alerts.toLocaleString("en-US")} alerts; pipeline x${r.pipelineRatio.toFixed(2)} of no rules`,
    );
  }
  return rows;
}

if (process.argv[1]?.endsWith("rules.js") || process.argv[1]?.endsWith("rules-bench.mjs"))
  await runRulesBench();
