/**
 * @module Background radiation: a churning pool of scanners probing ports drawn from published
 * darknet shares (TCP SYN bursts, UDP probes, ICMP echoes, some IPv6), plus web crawlers that
 * fetch `/`. Research scanners are in research.ts.
 */

import { cumulative, daily, HOUR_US, pickWeighted } from "./curves.js";
import {
  type Block,
  block,
  KERNEL_LINUX,
  KERNEL_WINDOWS,
  poolAddress,
  SCANNER_KERNEL,
  SCANNER_MASSCAN,
  SCANNER_MIRAI,
  SCANNER_ZMAP,
  SourceTracker,
} from "./hosts.js";
import { HTTP_OK, httpGet, udpPayload } from "./payloads.js";
import { mix32, Rng } from "./prng.js";
import { icmpEcho, synProbe, udpProbe } from "./probes.js";
import { httpRequest } from "./sessions.js";
import type { World } from "./world.js";

export interface BackgroundSpec {
  stream: number;
  /** IPv4 pool of background scanners. */
  block: string;
  /** Number of distinct IPv6 background sources (2001:db8::/32 outside the sensors' /48). */
  v6Sources: number;
  /** Scanning events per hour (each a burst of SYNs, a UDP probe or an echo request). */
  eventsPerHour: number;
  dailyAmplitude: number;
  dailyPeakHour: number;
  /** Sources active at once, and the share of them replaced per hour. */
  activeSources: number;
  churnPerHour: number;
  /** TCP ports with their share (percent); `randomPortShare` percent go to uniform random ports. */
  tcpPorts: ReadonlyArray<readonly [number, number]>;
  randomPortShare: number;
  /** Mean number of extra sensors a TCP event hits (a scanner sweeping past the /24). */
  burstExtra: number;
  /** Shares of events that are UDP, ICMP or IPv6 TCP (the rest is IPv4 TCP). */
  udpShare: number;
  icmpShare: number;
  v6Share: number;
  udpPorts: ReadonlyArray<readonly [number, number]>;
  /** Share of UDP probes without payload. */
  udpEmptyShare: number;
  v6Ports: readonly number[];
  /** Shares of background sources by how they scan: kernel Linux, kernel Windows, masscan, ZMap, Mirai-like. */
  scannerMix: readonly [number, number, number, number, number];
  /** Share of kernel SYNs to open web ports that fetch `/`. */
  crawlShare: number;
  webPorts: readonly number[];
}

const SCANNERS = [SCANNER_KERNEL, SCANNER_KERNEL, SCANNER_MASSCAN, SCANNER_ZMAP, SCANNER_MIRAI];
const KERNELS = [KERNEL_LINUX, KERNEL_WINDOWS, KERNEL_LINUX, KERNEL_LINUX, KERNEL_LINUX];

/** The background generator and its distinct-source and port bookkeeping. */
export class Background {
  readonly ports = new Uint8Array(65536);
  private readonly rng: Rng;
  private readonly pool: Block;
  private readonly v4: SourceTracker;
  private readonly v6: SourceTracker;
  private readonly v6Addrs: Uint8Array[] = [];
  private readonly tcpWeights: Float64Array;
  private readonly udpWeights: Float64Array;
  private readonly mix: Float64Array;
  private readonly web = new Uint8Array(65536);
  private offset = 0;

  constructor(
    private readonly spec: BackgroundSpec,
    private readonly w: World,
  ) {
    this.rng = new Rng(w.seed, spec.stream);
    this.pool = block(spec.block);
    this.v4 = new SourceTracker(this.pool.size, 1);
    this.v6 = new SourceTracker(spec.v6Sources, 1);
    this.tcpWeights = cumulative([...spec.tcpPorts.map((p) => p[1]), spec.randomPortShare]);
    this.udpWeights = cumulative(spec.udpPorts.map((p) => p[1]));
    this.mix = cumulative(spec.scannerMix);
    for (const p of spec.webPorts) this.web[p] = 1;
    for (let i = 0; i < spec.v6Sources; i++) {
      const h = mix32(w.seed ^ (i * 0x9e3779b1));
      const a = new Uint8Array(16);
      a.set([0x20, 0x01, 0x0d, 0xb8]);
      // any 2001:db8:X::/48 except the sensors' ffff
      const net = (h >>> 16) % 0xffff;
      a[4] = net >>> 8;
      a[5] = net & 255;
      a[6] = h >>> 8;
      a[7] = h & 255;
      const iid = mix32(h);
      a[12] = iid >>> 24;
      a[13] = (iid >>> 16) & 255;
      a[14] = (iid >>> 8) & 255;
      a[15] = (iid & 255) | 1;
      this.v6Addrs.push(a);
    }
  }

  /** Distinct background sources so far (IPv4 and IPv6). */
  sources(): number {
    return this.v4.distinct + this.v6.distinct;
  }

  step(w0: number, w1: number, limit: number): void {
    const s = this.spec;
    const rng = this.rng;
    const mid = (w0 + w1) / 2;
    const dur = w1 - w0;
    const rate = s.eventsPerHour * daily(mid, s.dailyAmplitude, s.dailyPeakHour) * this.w.scale;
    const n = rng.poisson((rate * dur) / HOUR_US);
    const base = Math.floor(this.offset);
    for (let i = 0; i < n; i++) {
      const t = w0 + rng.int(dur);
      const idx = (base + rng.int(s.activeSources)) % this.pool.size;
      const kind = rng.float();
      if (t >= limit) continue;
      if (kind < s.v6Share) this.v6Event(t);
      else if (kind < s.v6Share + s.icmpShare) this.icmpEvent(t, idx);
      else if (kind < s.v6Share + s.icmpShare + s.udpShare) this.udpEvent(t, idx);
      else this.tcpEvent(t, idx);
    }
    this.offset += (s.churnPerHour * s.activeSources * dur) / HOUR_US;
  }

  private fillV4(idx: number): void {
    const w = this.w;
    const addr = poolAddress(this.pool, idx, w.seed);
    const kind = pickWeighted(this.mix, mix32(addr ^ w.seed) / 4294967296);
    w.host.fill(addr, null, KERNELS[kind] as number, SCANNERS[kind] as number, w.seed);
    this.v4.mark(idx, 0);
  }

  private tcpEvent(t: number, idx: number): void {
    const s = this.spec;
    const rng = this.rng;
    const w = this.w;
    this.fillV4(idx);
    const k = pickWeighted(this.tcpWeights, rng.float());
    const port = k < s.tcpPorts.length ? (s.tcpPorts[k]?.[0] as number) : 1 + rng.int(65535);
    this.ports[port] = 1;
    const hits = 1 + rng.poisson(s.burstExtra);
    for (let j = 0; j < hits; j++) {
      const tj = t + j * (2000 + rng.int(400_000));
      const dst = rng.int(256);
      const h = w.host;
      if (h.scanner === SCANNER_KERNEL && this.web[port] === 1 && rng.chance(s.crawlShare)) {
        const req = httpGet(w.sensor4(dst), port);
        httpRequest(w, tj, h, dst, port, req, 0, HTTP_OK);
      } else {
        synProbe(w, tj, h, dst, port);
      }
    }
  }

  private udpEvent(t: number, idx: number): void {
    const s = this.spec;
    const rng = this.rng;
    this.fillV4(idx);
    const port = s.udpPorts[pickWeighted(this.udpWeights, rng.float())]?.[0] as number;
    const p = port === 0 ? 1024 + rng.int(64512) : port;
    this.ports[p] = 1;
    const payload = rng.chance(s.udpEmptyShare)
      ? udpPayload(0, false)
      : udpPayload(p, rng.chance(0.3));
    udpProbe(this.w, t, this.w.host, rng.int(256), p, payload);
  }

  private icmpEvent(t: number, idx: number): void {
    this.fillV4(idx);
    icmpEcho(this.w, t, this.w.host, this.rng.int(256));
  }

  private v6Event(t: number): void {
    const rng = this.rng;
    const i = rng.int(this.spec.v6Sources);
    const addr = this.v6Addrs[i] as Uint8Array;
    this.w.host.fill(mix32(i ^ 0x66), addr, KERNEL_LINUX, SCANNER_KERNEL, this.w.seed);
    this.v6.mark(i, 0);
    const port = rng.pick(this.spec.v6Ports);
    this.ports[port] = 1;
    synProbe(this.w, t, this.w.host, rng.int(256), port);
  }
}
