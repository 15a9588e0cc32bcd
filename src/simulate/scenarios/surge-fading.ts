/**
 * @module Scenario `surge-fading` (decoy): a Satori-era wave on 37215/tcp (Huawei HG532) that
 * is already large when the observation starts and fades slowly over the eight days. A detector
 * that flags any large change (DShield's trend formula squares the difference) alarms on the
 * fall; a surge is a rise above the series' own past, and this series only falls.
 */

import type { Truth } from "../../schema/truth.js";
import { BotCampaign, type SessionFn } from "../campaign.js";
import { KERNEL_EMBEDDED, SCANNER_MIRAI } from "../hosts.js";
import { campaignDecoy, runSurgeScenario, SURGE_END, SURGE_START } from "./surge-common.js";
import type { ScenarioContext, ScenarioDescriptor } from "./types.js";

const PORT = 37215;
/** Active bots at the start and at the end of the observation. */
const FROM_BOTS = 400;
const TO_BOTS = 30;

const noSession: SessionFn = () => {};

function generate(ctx: ScenarioContext): Truth {
  const start = Date.parse(SURGE_START) * 1000;
  const end = Date.parse(SURGE_END) * 1000;
  const fading = new BotCampaign(
    {
      label: {
        id: "hg532-fading",
        name: "HG532 wave fading out",
        family: "satori",
        cve: ["CVE-2017-17215"],
        payloadKind: "none",
        fingerprint: "mirai",
        surge: false,
      },
      stream: 0x4301,
      block: "198.19.128.0/18",
      active: [
        { at: SURGE_START, value: FROM_BOTS, label: "already large" },
        { at: SURGE_END, value: TO_BOTS, label: "fading" },
      ],
      phased: true,
      synsPerBotHour: 1.2,
      dailyAmplitude: 0.3,
      dailyPeakHour: 2,
      churnPerHour: 0.03,
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
    name: "surge-fading",
    campaigns: [],
    decoys: [
      campaignDecoy(
        fading,
        `${PORT}/tcp falls from ~${FROM_BOTS} to ~${TO_BOTS} active bots over 8 days: a fade, not a surge`,
        SURGE_START,
        SURGE_END,
      ),
    ],
    description: `a slowly fading wave on ${PORT}/tcp (decoy)`,
  });
}

export const surgeFading: ScenarioDescriptor = {
  name: "surge-fading",
  description: "8 days: a large wave on 37215/tcp fades slowly (decoy for surge detection)",
  generate,
};
