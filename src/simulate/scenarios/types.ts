/** @module The shape of a scenario descriptor and what the runner hands to it. */

import type { Truth } from "../../schema/truth.js";
import type { PacketQueue } from "../packet-queue.js";
import type { World } from "../world.js";

export interface ScenarioContext {
  seed: number;
  scale: number;
  /** The honeypot and its shared scratch state; `w.q` is the same queue as `q`. */
  w: World;
  q: PacketQueue;
  onProgress?: (packetsWritten: number, simTimeUs: number) => void;
}

/** One entry of the scenario registry: adding a scenario is adding a file with one of these. */
export interface ScenarioDescriptor {
  name: string;
  description: string;
  /** Emits every packet into `ctx.q` (flushed) and returns the truth of what it emitted. */
  generate(ctx: ScenarioContext): Truth;
}
