/**
 * @module Scenario `surge-daily-cycle` (decoy): SMB scanning on 445/tcp that sits at a few dozen
 * sources most of the day and jumps ~12x for three hours every afternoon (a scheduled scanning
 * job), the peak hour and height drifting a little from day to day. Against its 7-day median
 * each afternoon is a "surge"; against the hour-of-day profile it is just the afternoon.
 */

import type { Truth } from "../../schema/truth.js";
import { BotCampaign, type SessionFn } from "../campaign.js";
import { KERNEL_WINDOWS, SCANNER_KERNEL } from "../hosts.js";
import { Rng } from "../prng.js";
import {
  campaignDecoy,
  dailyPeakKnots,
  runSurgeScenario,
  SURGE_END,
  SURGE_START,
} from "./surge-common.js";
import type { ScenarioContext, ScenarioDescriptor } from "./types.js";

const PORT = 445;
/** Active scanners off-peak and at the daily peak (sources per hour are ≈75% of these). */
const LOW = 25;
const HIGH = 300;
const PEAK_HOUR = 15;
const PEAK_WIDTH_HOURS = 3;
const RAMP_HOURS = 1;
const JITTER_HOURS = 1;
const SYNS_PER_BOT_HOUR = 1.5;

const noSession: SessionFn = () => {};

function generate(ctx: ScenarioContext): Truth {
  const rng = new Rng(ctx.seed, 0x4101);
  const active = dailyPeakKnots(rng, {
    low: LOW,
    high: HIGH,
    peakHour: PEAK_HOUR,
    width: PEAK_WIDTH_HOURS,
    ramp: RAMP_HOURS,
    jitterHours: JITTER_HOURS,
  });
  const start = Date.parse(SURGE_START) * 1000;
  const end = Date.parse(SURGE_END) * 1000;
  const cycle = new BotCampaign(
    {
      label: {
        id: "smb-daily-cycle",
        name: "Scheduled SMB scanning with a strong daily cycle",
        family: "unknown",
        cve: [],
        payloadKind: "none",
        fingerprint: "none",
        surge: false,
      },
      stream: 0x4102,
      block: "198.19.0.0/17",
      active,
      phased: false,
      synsPerBotHour: SYNS_PER_BOT_HOUR,
      dailyAmplitude: 0,
      dailyPeakHour: 0,
      churnPerHour: 0.01,
      ports: [[PORT, 1]],
      scanner: SCANNER_KERNEL,
      kernel: KERNEL_WINDOWS,
      otherPortShare: 0,
      otherPorts: [],
      followShare: 0,
      followDelayUs: [0, 1],
      session: noSession,
    },
    ctx.w,
    start,
    end,
  );
  return runSurgeScenario(ctx, {
    name: "surge-daily-cycle",
    campaigns: [],
    decoys: [
      campaignDecoy(
        cycle,
        `${PORT}/tcp jumps from ~${LOW} to ~${HIGH} active scanners for ${PEAK_WIDTH_HOURS} hours ` +
          `around ${PEAK_HOUR}:00Z every day (±${JITTER_HOURS} h, ±20% height): a cycle, not a surge`,
        SURGE_START,
        SURGE_END,
      ),
    ],
    description: `a strong daily cycle on ${PORT}/tcp (decoy)`,
  });
}

export const surgeDailyCycle: ScenarioDescriptor = {
  name: "surge-daily-cycle",
  description: "8 days: 445/tcp jumps ~12x every afternoon (decoy for surge detection)",
  generate,
};
