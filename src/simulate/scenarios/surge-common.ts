/**
 * @module What the surge-evaluation scenarios share: an eight-day observation of the honeypot
 * /24, a light darknet-style background (so every port has its ordinary noise and daily cycle),
 * two research scanners, and the assembly of the truth file. Each scenario adds one hard case:
 * a true campaign a detector must find early, or a decoy it must stay silent on.
 *
 * Volumes are ours, kept small (≈150–400k packets at scale 1) so `npm run eval` stays quick;
 * the port shares follow satori-2018.ts (NICTER 2018 darknet shares, see its header).
 */

import type { Truth, TruthDecoy } from "../../schema/truth.js";
import { Background, type BackgroundSpec } from "../background.js";
import type { BotCampaign } from "../campaign.js";
import { HOUR_US, iso, type Knot, utc } from "../curves.js";
import { SCANNER_MASSCAN, SCANNER_ZMAP } from "../hosts.js";
import type { Rng } from "../prng.js";
import { type ResearchScannerSpec, ResearchScanners } from "../research.js";
import { type Actor, runTimeline } from "../timeline.js";
import { SENSOR_NET4, SENSOR_NET6 } from "../world.js";
import type { ScenarioContext } from "./types.js";

export const SURGE_START = "2018-09-03T00:00:00Z";
export const SURGE_DAYS = 8;
export const SURGE_END = iso(utc(SURGE_START) + SURGE_DAYS * 24 * HOUR_US);

const WINDOW_US = 60e6;
const GUARD_US = 60e6;

/** Background TCP port shares (percent), the top of satori-2018.ts's list; the rest is random ports. */
// biome-ignore format: table
const BG_TCP_PORTS = [
  [23, 20], [445, 4.8], [80, 3.9], [22, 3.8], [1433, 2.4], [3389, 2.2], [8080, 2.0], [5555, 1.6],
  [37215, 1.4], [52869, 1.2], [81, 1.2], [443, 1.2], [7547, 1.0], [21, 0.8], [3306, 0.8],
  [2323, 2.0], [8000, 0.5], [6379, 0.5], [8443, 0.4], [9200, 0.3], [5900, 0.6], [139, 0.6],
] as const;
const BG_RANDOM_SHARE = 100 - BG_TCP_PORTS.reduce((s, p) => s + p[1], 0);

const BACKGROUND: BackgroundSpec = {
  stream: 0x2101,
  block: "198.18.0.0/16",
  v6Sources: 200,
  eventsPerHour: 260,
  dailyAmplitude: 0.35,
  dailyPeakHour: 14,
  activeSources: 400,
  churnPerHour: 0.3,
  tcpPorts: BG_TCP_PORTS,
  randomPortShare: BG_RANDOM_SHARE,
  burstExtra: 0.6,
  udpShare: 0.08,
  icmpShare: 0.01,
  v6Share: 0.03,
  // biome-ignore format: table
  udpPorts: [[53, 25], [123, 20], [161, 15], [1900, 15], [5060, 15], [0, 10]],
  udpEmptyShare: 0.12,
  v6Ports: [22, 80, 443, 23, 8080],
  scannerMix: [0.55, 0.2, 0.12, 0.05, 0.08],
  crawlShare: 0.15,
  webPorts: [80, 81, 8000, 8080],
};

/** The research scanners of these scenarios (documentation addresses; see docs/surges.md). */
// biome-ignore format: table
export const SURGE_RESEARCH: ResearchScannerSpec[] = [
  { address: "192.0.2.12", scanner: SCANNER_MASSCAN, everyHours: 6, firstHour: 2, sweepMinutes: 40, portsPerSweep: 2,
    ports: [22, 80, 443, 445, 3389, 8080, 23, 5555, 9530, 37215, 7547, 1433] },
  { address: "198.51.100.22", scanner: SCANNER_ZMAP, everyHours: 12, firstHour: 7, sweepMinutes: 50, portsPerSweep: 1,
    ports: [443, 80, 7547, 9530, 5555, 23, 2323, 37215] },
];

/** One decoy of a scenario: the actor that emits it and its truth entry once the run is over. */
export interface DecoyActor {
  actor: Actor;
  truth(): TruthDecoy;
}

/** A decoy's truth entry from a BotCampaign that plays it. */
export function campaignDecoy(
  c: BotCampaign,
  description: string,
  from: string,
  to: string,
): DecoyActor {
  return {
    actor: c,
    truth() {
      const t = c.truth();
      return {
        id: t.id,
        name: t.name,
        description,
        proto: "tcp",
        ports: t.ports,
        from,
        to,
        shouldAlert: false,
        sources: t.sources,
        syns: t.syns,
        hourlySources: t.hourlySources,
        sourceBlock: t.sourceBlock,
      };
    },
  };
}

/**
 * Knots of a level that sits at `low` and climbs to `high` once a day around `peakHour`
 * (plateau `width` hours, ramps of `ramp` hours), the peak hour and height jittered per day.
 */
export function dailyPeakKnots(
  rng: Rng,
  o: {
    low: number;
    high: number;
    peakHour: number;
    width: number;
    ramp: number;
    jitterHours: number;
  },
): Knot[] {
  const knots: Knot[] = [{ at: SURGE_START, value: o.low, label: "quiet" }];
  const start = utc(SURGE_START);
  for (let d = 0; d < SURGE_DAYS; d++) {
    const shift = (rng.float() * 2 - 1) * o.jitterHours;
    const high = o.high * (0.8 + 0.4 * rng.float());
    const up = start + (d * 24 + o.peakHour - o.width / 2 + shift - o.ramp) * HOUR_US;
    const at = (h: number) => iso(Math.max(start, up + h * HOUR_US));
    knots.push(
      { at: at(0), value: o.low, label: "ramp up" },
      { at: at(o.ramp), value: high, label: "daily peak" },
      { at: at(o.ramp + o.width), value: high, label: "ramp down" },
      { at: at(2 * o.ramp + o.width), value: o.low, label: "quiet" },
    );
  }
  return knots;
}

export interface SurgeScenarioParts {
  name: string;
  /** True campaigns: surges a detector must find. */
  campaigns: BotCampaign[];
  decoys: DecoyActor[];
  description: string;
}

/** Runs background, research scanners, campaigns and decoys over the observation; returns the truth. */
export function runSurgeScenario(ctx: ScenarioContext, parts: SurgeScenarioParts): Truth {
  const { w, q } = ctx;
  const start = utc(SURGE_START);
  const end = utc(SURGE_END);
  const bg = new Background(BACKGROUND, w);
  const research = new ResearchScanners(SURGE_RESEARCH, w, start, bg.ports);
  const actors: Actor[] = [bg, research, ...parts.campaigns, ...parts.decoys.map((d) => d.actor)];
  runTimeline(q, actors, {
    start,
    end,
    windowUs: WINDOW_US,
    guardUs: GUARD_US,
    progressEvery: 60,
    ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
  });
  return {
    version: 1,
    scenario: parts.name,
    seed: ctx.seed,
    scale: ctx.scale,
    network: SENSOR_NET4,
    network6: SENSOR_NET6,
    start: SURGE_START,
    end: SURGE_END,
    packets: q.written,
    campaigns: parts.campaigns.map((c) => c.truth()),
    background: {
      sources: bg.sources() + research.sources(),
      ports: bg.ports.reduce((n, v) => n + v, 0),
      description:
        "light darknet-style scanning from 198.18.0.0/16 (NICTER-2018-like port shares, ±35% daily " +
        "cycle), UDP and ICMP probes, IPv6 SYNs, and research scanners 192.0.2.12 (masscan) and " +
        `198.51.100.22 (ZMap); ${parts.description}`,
    },
    decoys: parts.decoys.map((d) => d.truth()),
  };
}
