/**
 * @module Scenario `surge-new-port` (true): from day 4, 13:00Z, a small botnet starts scanning
 * 9530/tcp (the telnet backdoor port of some HiSilicon-based DVRs), a port the background
 * almost never touches: a few dozen sources an hour, Mirai-style SYNs. Small but real: the
 * detector must find it within hours although the port has no baseline at all.
 */

import type { Truth } from "../../schema/truth.js";
import { BotCampaign, type SessionFn } from "../campaign.js";
import { HOUR_US, iso, utc } from "../curves.js";
import { KERNEL_EMBEDDED, SCANNER_MIRAI } from "../hosts.js";
import { runSurgeScenario, SURGE_END, SURGE_START } from "./surge-common.js";
import type { ScenarioContext, ScenarioDescriptor } from "./types.js";

const PORT = 9530;
const ONSET = iso(utc(SURGE_START) + (3 * 24 + 13) * HOUR_US);
/** Active bots: ≈25-30 distinct sources an hour at scale 1. */
const BOTS = 40;

const noSession: SessionFn = () => {};

function generate(ctx: ScenarioContext): Truth {
  const start = utc(SURGE_START);
  const end = utc(SURGE_END);
  const campaign = new BotCampaign(
    {
      label: {
        id: "dvr-9530",
        name: "Small botnet scanning the DVR backdoor port 9530/tcp",
        family: "mirai",
        cve: [],
        payloadKind: "none",
        fingerprint: "mirai",
        surge: true,
      },
      stream: 0x4401,
      block: "198.19.192.0/19",
      active: [
        { at: ONSET, value: BOTS, label: "starts" },
        { at: SURGE_END, value: BOTS, label: "steady" },
      ],
      phased: true,
      synsPerBotHour: 1.2,
      dailyAmplitude: 0.2,
      dailyPeakHour: 20,
      churnPerHour: 0.05,
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
    name: "surge-new-port",
    campaigns: [campaign],
    decoys: [],
    description: `a small campaign on the brand-new port ${PORT}/tcp from ${ONSET} (true surge)`,
  });
}

export const surgeNewPort: ScenarioDescriptor = {
  name: "surge-new-port",
  description:
    "8 days: a small botnet starts scanning 9530/tcp, a port with no history (true surge)",
  generate,
};
