/** @module The scenario registry and `simulate`: runs a scenario into a pcap file and returns its truth. */

import { PcapFileWriter } from "../capture/pcap-writer.js";
import { PortentError } from "../schema/errors.js";
import { LinkType } from "../schema/raw-packet.js";
import type { Truth } from "../schema/truth.js";
import { PacketQueue } from "./packet-queue.js";
import { satori2018 } from "./scenarios/satori-2018.js";
import { smoke } from "./scenarios/smoke.js";
import { surgeDailyCycle } from "./scenarios/surge-daily-cycle.js";
import { surgeFading } from "./scenarios/surge-fading.js";
import { surgeHammer } from "./scenarios/surge-hammer.js";
import { surgeNewPort } from "./scenarios/surge-new-port.js";
import { surgeSlowGrowth } from "./scenarios/surge-slow-growth.js";
import type { ScenarioDescriptor } from "./scenarios/types.js";
import { World } from "./world.js";

/** Every scenario; adding one is adding a file under scenarios/ and a line here. */
const SCENARIOS: readonly ScenarioDescriptor[] = [
  satori2018,
  smoke,
  surgeDailyCycle,
  surgeHammer,
  surgeFading,
  surgeNewPort,
  surgeSlowGrowth,
];

export interface SimulateOptions {
  /** Seed of every random choice: the same seed and scale give byte-identical files. */
  seed: number;
  /** The pcap to write (Ethernet, microsecond timestamps, in timestamp order). */
  out: string;
  /** Multiplies traffic volumes (event rates); default 1. */
  scale?: number;
  onProgress?: (packetsWritten: number, simTimeUs: number) => void;
}

export interface SimulateResult {
  packets: number;
  /** Size of the written file, headers included. */
  bytes: number;
  truth: Truth;
}

export function listScenarios(): Array<{ name: string; description: string }> {
  return SCENARIOS.map((s) => ({ name: s.name, description: s.description }));
}

/** Writes scenario `name` to `opts.out`; throws PortentError E_UNKNOWN_SCENARIO for unknown names. */
export function simulate(name: string, opts: SimulateOptions): SimulateResult {
  const sc = SCENARIOS.find((s) => s.name === name);
  if (!sc) {
    const known = SCENARIOS.map((s) => s.name).join(", ");
    throw new PortentError("E_UNKNOWN_SCENARIO", `unknown scenario "${name}" (known: ${known})`);
  }
  const scale = opts.scale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new PortentError("E_USAGE", `scale must be a positive number, not ${scale}`);
  }
  const seed = opts.seed >>> 0;
  let writer: PcapFileWriter;
  try {
    writer = new PcapFileWriter(opts.out, LinkType.ETHERNET);
  } catch (e) {
    throw new PortentError("E_OUTPUT_UNWRITABLE", `${opts.out}: ${(e as Error).message}`);
  }
  try {
    const q = new PacketQueue(writer, 0);
    const w = new World(q, seed, scale);
    const truth = sc.generate({
      seed,
      scale,
      w,
      q,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    truth.packets = writer.packets;
    return { packets: writer.packets, bytes: 24 + writer.bytes, truth };
  } finally {
    writer.close();
  }
}
