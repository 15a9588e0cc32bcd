/**
 * @module A bot campaign: a pool of stable bot addresses whose active share follows a phase
 * curve, each active bot probing the sensors at a steady rate, and accepted probes followed by
 * the campaign's payload connection.
 */

import type { PayloadKind, TruthCampaign } from "../schema/truth.js";
import { Curve, cumulative, daily, HOUR_US, iso, type Knot, pickWeighted } from "./curves.js";
import {
  type Block,
  block,
  type Host,
  poolAddress,
  SCANNER_KERNEL,
  SourceTracker,
} from "./hosts.js";
import { Rng } from "./prng.js";
import { PROBE_ACCEPTED, synProbe } from "./probes.js";
import type { World } from "./world.js";

/** The connection that follows an accepted probe (or replaces the probe, for kernel scanners). */
export type SessionFn = (w: World, t: number, h: Host, dst: number, dport: number) => void;

/** The truth-file description of a campaign (counts are filled from what was generated). */
export interface CampaignLabel {
  id: string;
  name: string;
  family: string;
  cve: string[];
  payloadKind: PayloadKind;
  fingerprint: TruthCampaign["fingerprint"];
  surge: boolean;
  downloader?: string;
  realDownloader?: string;
}

export interface BotCampaignSpec {
  label: CampaignLabel;
  /** Selects the campaign's own random stream. */
  stream: number;
  /** Where its bots' addresses come from (one stable address per bot). */
  block: string;
  /** Active bots over time; `phased` campaigns report these knots as phases. */
  active: readonly Knot[];
  phased: boolean;
  /** Probes per active bot per hour that reach the sensors (before the daily cycle and scale). */
  synsPerBotHour: number;
  dailyAmplitude: number;
  dailyPeakHour: number;
  /** Share of the active bots replaced by others per hour (infections end, addresses change). */
  churnPerHour: number;
  /** Target ports with weights. */
  ports: ReadonlyArray<readonly [number, number]>;
  /** How the bots build probe SYNs (SCANNER_*), and their kernel (KERNEL_*). */
  scanner: number;
  kernel: number;
  /** Share of probes that go to other ports the botnet also scans (no payload follows). */
  otherPortShare: number;
  otherPorts: readonly number[];
  /** Share of accepted probes (or of all events, for kernel scanners) that carry the payload. */
  followShare: number;
  /** Delay between the accepted probe and the payload connection. */
  followDelayUs: readonly [number, number];
  session: SessionFn;
}

/** Runs one campaign window by window and counts what it emitted. */
export class BotCampaign {
  syns = 0;
  sessions = 0;
  private readonly rng: Rng;
  private readonly curve: Curve;
  private readonly pool: Block;
  private readonly tracker: SourceTracker;
  private readonly weights: Float64Array;
  private offset = 0;

  constructor(
    private readonly spec: BotCampaignSpec,
    private readonly w: World,
    private readonly start: number,
    private readonly end: number,
  ) {
    this.rng = new Rng(w.seed, spec.stream);
    this.curve = new Curve(spec.active);
    this.pool = block(spec.block);
    this.tracker = new SourceTracker(this.pool.size, Math.ceil((end - start) / HOUR_US));
    this.weights = cumulative(spec.ports.map((p) => p[1]));
  }

  /** Emits the probes that start in [w0, w1) and before `limit`, with their follow-ups. */
  step(w0: number, w1: number, limit: number): void {
    const s = this.spec;
    const rng = this.rng;
    const mid = (w0 + w1) / 2;
    const active = this.curve.value(mid);
    const dur = w1 - w0;
    if (active > 0) {
      const rate = active * s.synsPerBotHour * daily(mid, s.dailyAmplitude, s.dailyPeakHour);
      const n = rng.poisson((rate * this.w.scale * dur) / HOUR_US);
      const count = Math.max(1, Math.round(active));
      const base = Math.floor(this.offset);
      for (let i = 0; i < n; i++) {
        const t = w0 + rng.int(dur);
        const idx = (base + rng.int(count)) % this.pool.size;
        if (t < limit) this.event(t, idx);
      }
    }
    this.offset += (s.churnPerHour * active * dur) / HOUR_US;
  }

  private event(t: number, idx: number): void {
    const s = this.spec;
    const rng = this.rng;
    const w = this.w;
    const h = w.host;
    h.fill(poolAddress(this.pool, idx, w.seed), null, s.kernel, s.scanner, w.seed);
    const dst = rng.int(256);
    if (s.otherPortShare > 0 && rng.chance(s.otherPortShare)) {
      synProbe(w, t, h, dst, rng.pick(s.otherPorts));
      return;
    }
    const dport = s.ports[pickWeighted(this.weights, rng.float())]?.[0] as number;
    this.mark(idx, t);
    if (s.scanner === SCANNER_KERNEL) {
      if (rng.chance(s.followShare)) {
        s.session(w, t, h, dst, dport);
        this.sessions++;
      } else {
        synProbe(w, t, h, dst, dport);
      }
      return;
    }
    if (synProbe(w, t, h, dst, dport) === PROBE_ACCEPTED && rng.chance(s.followShare)) {
      const [lo, hi] = s.followDelayUs;
      // the bot's kernel connects from its real stack: a new SYN with options, then the payload
      h.scanner = SCANNER_KERNEL;
      const ts = t + lo + rng.int(hi - lo);
      s.session(w, ts, h, dst, dport);
      this.mark(idx, ts);
      this.sessions++;
    }
  }

  /** Counts a campaign SYN of bot `idx` sent at `t` (its first copy, retransmits aside). */
  private mark(idx: number, t: number): void {
    this.tracker.mark(idx, Math.floor((t - this.start) / HOUR_US));
    this.syns++;
  }

  truth(): TruthCampaign {
    const s = this.spec;
    const out: TruthCampaign = {
      id: s.label.id,
      name: s.label.name,
      family: s.label.family,
      cve: s.label.cve,
      ports: [...new Set(s.ports.map((p) => p[0]))],
      proto: "tcp",
      onset: iso(Math.max(this.start, this.curve.onset())),
      payloadKind: s.label.payloadKind,
      sources: this.tracker.distinct,
      hourlySources: Array.from(this.tracker.hourly),
      syns: this.syns,
      sessions: this.sessions,
      fingerprint: s.label.fingerprint,
      surge: s.label.surge,
      sourceBlock: s.block,
    };
    if (s.phased) out.phases = this.curve.phases(this.end);
    if (s.label.downloader !== undefined) out.downloader = s.label.downloader;
    if (s.label.realDownloader !== undefined) out.realDownloader = s.label.realDownloader;
    return out;
  }
}
