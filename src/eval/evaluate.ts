/**
 * @module Evaluates the surge detector on one simulated scenario: simulate, run the offline
 * pipeline into the series builder, detect, and match each detection against the truth file
 * (true campaigns found and how late, decoys that fired, false surges, misses).
 */

import { rmSync } from "node:fs";
import { join } from "node:path";
import { analyzeFiles } from "../aggregate/analyze-files.js";
import { type DetectSurgesOptions, detectSurges } from "../analyse/detect-surges.js";
import { NetworkList, readNetworkFile, researchScannersPath } from "../analyse/networks.js";
import { SeriesBuilder, type SeriesSet } from "../analyse/series.js";
import { valueAt } from "../analyse/surge-window.js";
import type { ReportHeavyHitter, ReportSurge } from "../schema/surge.js";
import type { Truth } from "../schema/truth.js";
import { simulate } from "../simulate/scenarios.js";
import { Attribution, type Owner } from "./attribution.js";
import { type ReferenceName, referenceDetections } from "./references.js";

/**
 * The research scanners the simulator plays (satori-2018.ts RESEARCH, surge-common.ts
 * SURGE_RESEARCH): documentation addresses, added to the shipped list as a user list would be.
 */
export const SIMULATED_RESEARCH = {
  name: "simulator research scanners",
  networks: ["192.0.2.10/31", "192.0.2.12/32", "198.51.100.20/31", "198.51.100.22/32"],
};

/** The scenarios `npm run eval` runs by default. */
export const EVAL_SCENARIOS = [
  "satori-2018",
  "surge-daily-cycle",
  "surge-hammer",
  "surge-fading",
  "surge-new-port",
  "surge-slow-growth",
];

export interface EvalOptions {
  seed: number;
  scale: number;
  /** Directory for the capture (deleted afterwards). */
  dir: string;
  bucketSeconds?: number;
  /** Leave research scanners out of the series (default true). */
  excludeResearch?: boolean;
  surge?: DetectSurgesOptions;
}

/** One true campaign and when it was found. */
export interface CampaignResult {
  id: string;
  ports: number[];
  onset: string;
  /** The first detection attributed to it, or null when missed. */
  surge: ReportSurge | null;
  /** Every detection attributed to it on its ports, in order. */
  hits: ReportSurge[];
  delayHours: number | null;
}

export interface ScenarioResult {
  scenario: string;
  seed: number;
  scale: number;
  packets: number;
  analyseSeconds: number;
  surgeSeconds: number;
  /** Records left out as research scanners. */
  excluded: number;
  truth: Truth;
  campaigns: CampaignResult[];
  /** Detections on a decoy's ports during its period, by decoy id. */
  decoysFired: Array<{ decoy: string; surge: ReportSurge }>;
  /** Detections driven by a true campaign's bots on ports outside its list. */
  related: Array<{ campaign: string; surge: ReportSurge }>;
  /** Detections no true campaign explains (background, steady campaigns). */
  falseSurges: ReportSurge[];
  heavyHitters: ReportHeavyHitter[];
  surges: ReportSurge[];
  /** The reference detectors on the same series (see references.ts). */
  references: Record<ReferenceName, ReferenceResult>;
}

/** How a reference detector did on the scenario. */
export interface ReferenceResult {
  /** Delay (hours from the truth onset) per true campaign, null when missed. */
  delays: Record<string, number | null>;
  /** Firings on a decoy's ports during its period. */
  decoyFires: number;
  /** Firings no true campaign explains. */
  falseFires: number;
}

function seriesLookup(set: SeriesSet, s: ReportSurge): (bucket: number) => number {
  const series = set.ports.find((p) => p.proto === s.proto && p.port === s.port);
  return (b) => {
    const r = series?.row(b) ?? -1;
    return r < 0 || series === undefined ? 0 : (series.sources[r] as number);
  };
}

/** Simulates `scenario`, analyses it and matches the detections to its truth. */
export async function evaluateScenario(scenario: string, o: EvalOptions): Promise<ScenarioResult> {
  const out = join(o.dir, `${scenario}-${o.seed}-${o.scale}.pcap`);
  const sim = simulate(scenario, { seed: o.seed, scale: o.scale, out });
  const truth = sim.truth;
  const bucketSeconds = o.bucketSeconds ?? 3600;
  const exclude =
    o.excludeResearch === false
      ? undefined
      : new NetworkList([...readNetworkFile(researchScannersPath()), SIMULATED_RESEARCH]);
  const builder = new SeriesBuilder({ bucketSeconds, ...(exclude ? { exclude } : {}) });
  builder.observe(Date.parse(truth.start) * 1000, Date.parse(truth.end) * 1000 - 1);
  const attribution = new Attribution(truth, bucketSeconds);
  const t0 = performance.now();
  try {
    await analyzeFiles([out], {
      onProbe: (p) => {
        builder.onProbe(p);
        attribution.onProbe(p);
      },
      onSession: (s) => {
        builder.onSession(s);
        attribution.onSession(s);
      },
    });
  } finally {
    rmSync(out, { force: true });
  }
  const set = builder.finish();
  const t1 = performance.now();
  const surges = detectSurges(set, { kinds: ["port"], ...o.surge });
  const t2 = performance.now();

  const campaigns: CampaignResult[] = truth.campaigns
    .filter((c) => c.surge)
    .map((c) => ({
      id: c.id,
      ports: c.ports,
      onset: c.onset,
      surge: null,
      hits: [],
      delayHours: null,
    }));
  const decoysFired: ScenarioResult["decoysFired"] = [];
  const related: ScenarioResult["related"] = [];
  const falseSurges: ReportSurge[] = [];
  for (const s of surges) {
    const decoy = (truth.decoys ?? []).find(
      (d) => d.ports.includes(s.port) && s.detectedAt > d.from && s.onset < d.to,
    );
    if (decoy !== undefined) {
      decoysFired.push({ decoy: decoy.id, surge: s });
      continue;
    }
    const owner: Owner | null = attribution.ownerOf(s, seriesLookup(set, s));
    const c = owner?.surge ? campaigns.find((x) => x.id === owner.id) : undefined;
    if (c === undefined) falseSurges.push(s);
    else if (!c.ports.includes(s.port)) related.push({ campaign: c.id, surge: s });
    else if (c.hits.push(s) === 1) {
      c.surge = s;
      c.delayHours = (Date.parse(s.detectedAt) - Date.parse(c.onset)) / 3.6e6;
    }
  }
  const references = scoreReferences(set, truth, attribution, campaigns);
  return {
    scenario,
    seed: o.seed,
    scale: o.scale,
    packets: sim.packets,
    analyseSeconds: (t1 - t0) / 1000,
    surgeSeconds: (t2 - t1) / 1000,
    excluded: set.stats.excluded,
    truth,
    campaigns,
    decoysFired,
    related,
    falseSurges,
    heavyHitters: set.heavyHitters,
    surges,
    references,
  };
}

/** Runs the reference detectors and matches their firings like Portent's detections. */
function scoreReferences(
  set: SeriesSet,
  truth: Truth,
  attribution: Attribution,
  campaigns: readonly CampaignResult[],
): Record<ReferenceName, ReferenceResult> {
  const out: Record<ReferenceName, ReferenceResult> = {
    dshield: { delays: {}, decoyFires: 0, falseFires: 0 },
    greynoise: { delays: {}, decoyFires: 0, falseFires: 0 },
  };
  for (const r of Object.values(out)) for (const c of campaigns) r.delays[c.id] = null;
  const iso = (b: number) =>
    new Date(b * set.bucketSeconds * 1000).toISOString().replace(".000Z", "Z");
  for (const d of referenceDetections(set)) {
    const r = out[d.detector];
    const s = d.series;
    const at = iso(d.bucket + 1);
    const decoy = (truth.decoys ?? []).find(
      (x) => x.ports.includes(s.port) && at > x.from && at <= x.to,
    );
    if (decoy !== undefined) {
      r.decoyFires++;
      continue;
    }
    const probe = {
      kind: "port",
      proto: s.proto,
      port: s.port,
      onset: iso(d.bucket - 1),
      detectedAt: at,
    };
    const owner = attribution.ownerOf(probe as ReportSurge, (b) => valueAt(s, b));
    const c = owner?.surge ? campaigns.find((x) => x.id === owner.id) : undefined;
    if (c === undefined) r.falseFires++;
    else if (c.ports.includes(s.port)) {
      const delay = (Date.parse(at) - Date.parse(c.onset)) / 3.6e6;
      const prev = r.delays[c.id];
      if (delay >= 0 && (prev === null || prev === undefined || delay < prev))
        r.delays[c.id] = delay;
    }
  }
  return out;
}

/** Median of the delays of the campaigns found (null when none was found). */
export function medianDelay(results: readonly ScenarioResult[]): number | null {
  const d = results
    .flatMap((r) => r.campaigns.map((c) => c.delayHours))
    .filter((x): x is number => x !== null)
    .sort((a, b) => a - b);
  if (d.length === 0) return null;
  return ((d[(d.length - 1) >> 1] as number) + (d[d.length >> 1] as number)) / 2;
}
