/**
 * @module Research scanners: a few named masscan/ZMap hosts that sweep the whole /24 on a few
 * ports every few hours, each sweep spread evenly over tens of minutes (an Internet-wide scan
 * passes the /24 at its own pace).
 */

import { HOUR_US } from "./curves.js";
import { block, KERNEL_LINUX } from "./hosts.js";
import { hash2 } from "./prng.js";
import { synProbe } from "./probes.js";
import type { World } from "./world.js";

export interface ResearchScannerSpec {
  /** The scanner's address (a named actor in documentation space). */
  address: string;
  /** SCANNER_MASSCAN or SCANNER_ZMAP. */
  scanner: number;
  /** Hours between sweep starts (divided by the scale). */
  everyHours: number;
  /** Hours after the observation start of the first sweep. */
  firstHour: number;
  sweepMinutes: number;
  portsPerSweep: number;
  /** Ports it cycles through, `portsPerSweep` per sweep. */
  ports: readonly number[];
}

/** All research scanners of a scenario. */
export class ResearchScanners {
  private readonly used: boolean[];
  private readonly addrs: number[];

  constructor(
    private readonly specs: readonly ResearchScannerSpec[],
    private readonly w: World,
    private readonly start: number,
    /** Marks probed ports (the background's port bookkeeping). */
    private readonly ports: Uint8Array,
  ) {
    this.used = specs.map(() => false);
    this.addrs = specs.map((s) => block(`${s.address}/32`).base);
  }

  /** How many of the scanners sent at least one probe. */
  sources(): number {
    return this.used.filter(Boolean).length;
  }

  step(w0: number, w1: number, limit: number): void {
    this.specs.forEach((s, i) => {
      const every = (s.everyHours * HOUR_US) / this.w.scale;
      const dur = s.sweepMinutes * 60e6;
      const first = this.start + s.firstHour * HOUR_US;
      const kLo = Math.max(0, Math.floor((w0 - dur - first) / every));
      for (let k = kLo; first + k * every < w1; k++)
        this.sweep(i, s, k, first + k * every, dur, w0, w1, limit);
    });
  }

  private sweep(
    i: number,
    s: ResearchScannerSpec,
    k: number,
    at: number,
    dur: number,
    w0: number,
    w1: number,
    limit: number,
  ): void {
    const total = 256 * s.portsPerSweep;
    const gap = dur / total;
    const jLo = Math.max(0, Math.ceil((w0 - at) / gap));
    const jHi = Math.min(total, Math.ceil((w1 - at) / gap));
    if (jLo >= jHi) return;
    const w = this.w;
    const h = w.host;
    const addr = this.addrs[i] as number;
    const key = hash2(addr, k);
    const mult = (key | 1) & 255;
    for (let j = jLo; j < jHi; j++) {
      const t = Math.floor(at + j * gap);
      if (t < w0 || t >= limit) continue;
      const port = s.ports[(k * s.portsPerSweep + (j >>> 8)) % s.ports.length] as number;
      const dst = (Math.imul(j & 255, mult) + (key >>> 8)) & 255;
      h.fill(addr, null, KERNEL_LINUX, s.scanner, w.seed);
      synProbe(w, t, h, dst, port);
      this.ports[port] = 1;
      this.used[i] = true;
    }
  }
}
