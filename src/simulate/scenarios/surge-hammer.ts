/**
 * @module Scenario `surge-hammer` (decoy): one source sends >100k SYNs to 3389/tcp in two hours
 * (a misconfigured or brute-forcing host). Packets towards the port jump ~1000x, distinct
 * sources by one: a heavy hitter to report, never a surge.
 */

import type { Truth, TruthDecoy } from "../../schema/truth.js";
import { HOUR_US, iso, utc } from "../curves.js";
import { block, KERNEL_LINUX, SCANNER_ZMAP } from "../hosts.js";
import { Rng } from "../prng.js";
import { synProbe } from "../probes.js";
import type { Actor } from "../timeline.js";
import type { World } from "../world.js";
import { type DecoyActor, runSurgeScenario, SURGE_DAYS, SURGE_START } from "./surge-common.js";
import type { ScenarioContext, ScenarioDescriptor } from "./types.js";

export const HAMMER_ADDRESS = "192.0.2.66";
const PORT = 3389;
/** Day 5, 09:00-11:00Z. */
const FROM = iso(utc(SURGE_START) + (4 * 24 + 9) * HOUR_US);
const HOURS = 2;
/** SYNs in the two hours at scale 1 (each to a random sensor, from a random source port). */
const SYNS = 110_000;

/** Sends SYNS × scale SYNs evenly over the period, ZMap-style (ip id 54321). */
class Hammer implements Actor {
  syns = 0;
  readonly hourly: number[];
  private readonly rng: Rng;
  private readonly addr = block(`${HAMMER_ADDRESS}/32`).base;
  private readonly from = utc(FROM);
  private readonly to = this.from + HOURS * HOUR_US;
  private readonly gapUs: number;

  constructor(
    private readonly w: World,
    private readonly start: number,
    hours: number,
  ) {
    this.rng = new Rng(w.seed, 0x4201);
    this.gapUs = (HOURS * HOUR_US) / Math.max(1, Math.round(SYNS * w.scale));
    this.hourly = new Array<number>(hours).fill(0);
  }

  step(w0: number, w1: number, limit: number): void {
    const lo = Math.max(w0, this.from);
    const hi = Math.min(w1, this.to, limit);
    if (lo >= hi) return;
    const h = this.w.host;
    const k0 = Math.ceil((lo - this.from) / this.gapUs);
    for (let k = k0; this.from + k * this.gapUs < hi; k++) {
      const t = Math.floor(this.from + k * this.gapUs);
      h.fill(this.addr, null, KERNEL_LINUX, SCANNER_ZMAP, this.w.seed);
      synProbe(this.w, t, h, this.rng.int(256), PORT);
      this.syns++;
      this.hourly[Math.floor((t - this.start) / HOUR_US)] = 1;
    }
  }
}

function generate(ctx: ScenarioContext): Truth {
  const start = utc(SURGE_START);
  const hammer = new Hammer(ctx.w, start, SURGE_DAYS * 24);
  const decoy: DecoyActor = {
    actor: hammer,
    truth(): TruthDecoy {
      return {
        id: "rdp-hammer",
        name: "One source hammering 3389/tcp",
        description: `${HAMMER_ADDRESS} sends ${hammer.syns} SYNs to ${PORT}/tcp in ${HOURS} hours: a heavy hitter, one source`,
        proto: "tcp",
        ports: [PORT],
        from: FROM,
        to: iso(utc(FROM) + HOURS * HOUR_US),
        shouldAlert: false,
        sources: 1,
        syns: hammer.syns,
        hourlySources: hammer.hourly,
        sourceBlock: `${HAMMER_ADDRESS}/32`,
      };
    },
  };
  return runSurgeScenario(ctx, {
    name: "surge-hammer",
    campaigns: [],
    decoys: [decoy],
    description: `one source sending >100k SYNs to ${PORT}/tcp in two hours (decoy)`,
  });
}

export const surgeHammer: ScenarioDescriptor = {
  name: "surge-hammer",
  description: "8 days: one source sends 110k SYNs to 3389/tcp in two hours (decoy)",
  generate,
};
