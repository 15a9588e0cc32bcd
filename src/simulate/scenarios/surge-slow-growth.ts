/**
 * @module Scenario `surge-slow-growth` (true): an ADB.Miner-like worm on 5555/tcp (Android
 * debug bridge; the 2018 worm reused Mirai's SYN scanner) whose active bots grow linearly from
 * none to ~250 over three days from day 3, then hold. No single hour jumps: the detector must
 * see the rise against the port's own week while it is still growing.
 */

import type { Truth } from "../../schema/truth.js";
import { BotCampaign, type SessionFn } from "../campaign.js";
import { HOUR_US, iso, utc } from "../curves.js";
import { KERNEL_EMBEDDED, SCANNER_MIRAI } from "../hosts.js";
import { runSurgeScenario, SURGE_END, SURGE_START } from "./surge-common.js";
import type { ScenarioContext, ScenarioDescriptor } from "./types.js";

const PORT = 5555;
const ONSET = iso(utc(SURGE_START) + 2 * 24 * HOUR_US);
const GROWN = iso(utc(ONSET) + 72 * HOUR_US);
const BOTS = 250;

const noSession: SessionFn = () => {};

function generate(ctx: ScenarioContext): Truth {
  const start = utc(SURGE_START);
  const end = utc(SURGE_END);
  const campaign = new BotCampaign(
    {
      label: {
        id: "adb-worm",
        name: "ADB worm growing over three days",
        family: "adb.miner",
        cve: [],
        payloadKind: "none",
        fingerprint: "mirai",
        surge: true,
      },
      stream: 0x4501,
      block: "198.19.160.0/19",
      active: [
        { at: ONSET, value: 0, label: "first infections" },
        { at: GROWN, value: BOTS, label: "linear growth over three days" },
        { at: SURGE_END, value: BOTS, label: "holding" },
      ],
      phased: true,
      synsPerBotHour: 1.0,
      dailyAmplitude: 0.2,
      dailyPeakHour: 6,
      churnPerHour: 0.02,
      ports: [[PORT, 1]],
      scanner: SCANNER_MIRAI,
      kernel: KERNEL_EMBEDDED,
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
    name: "surge-slow-growth",
    campaigns: [campaign],
    decoys: [],
    description: `a worm on ${PORT}/tcp growing linearly for three days from ${ONSET} (true surge)`,
  });
}

export const surgeSlowGrowth: ScenarioDescriptor = {
  name: "surge-slow-growth",
  description: "8 days: a worm on 5555/tcp grows slowly over three days (true surge)",
  generate,
};
