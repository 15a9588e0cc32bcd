/**
 * @module Who sends the traffic: address blocks, stable per-address traits (TTL, RTT, TCP stack)
 * and the distinct-source bookkeeping the truth file is filled from.
 *
 * Addresses are documentation or benchmarking space only, never routed: large bot and
 * background pools live in 198.18.0.0/15 (RFC 2544), a few named actors in 192.0.2.0/24 and
 * 198.51.100.0/24 (RFC 5737), IPv6 sources in 2001:db8::/32 (RFC 3849) outside the sensors' /48.
 */

import { hash2, mix32 } from "./prng.js";

/** An IPv4 block; `size` addresses from `base`. */
export interface Block {
  cidr: string;
  base: number;
  size: number;
}

/** Parses "a.b.c.d/len" into a Block. */
export function block(cidr: string): Block {
  const [ip, len] = cidr.split("/");
  const parts = (ip ?? "").split(".").map(Number);
  const base = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  return { cidr, base, size: 2 ** (32 - Number(len)) };
}

/**
 * The address of pool member `index` (0 <= index < size): an odd multiplier is a bijection
 * modulo a power of two, so members are distinct and scattered over the block.
 */
export function poolAddress(b: Block, index: number, seed: number): number {
  const mask = b.size - 1;
  const mult = (mix32(seed ^ b.base) | 1) & mask || 1;
  const add = mix32(seed + b.base) & mask;
  return (b.base + ((Math.imul(index, mult) + add) & mask)) >>> 0;
}

/** How a host's operating system shapes its SYNs and connections. */
export const KERNEL_LINUX = 0;
/** Older embedded Linux (IoT bots): small initial window, window scale 2. */
export const KERNEL_EMBEDDED = 1;
export const KERNEL_WINDOWS = 2;

/** How a host's scanner builds probe SYNs (kernel connect() or a raw-socket tool). */
export const SCANNER_KERNEL = 0;
export const SCANNER_MIRAI = 1;
export const SCANNER_MASSCAN = 2;
export const SCANNER_ZMAP = 3;

/**
 * One source's stable traits. Generators keep a scratch instance and refill it per event from
 * the address (traits are a hash of it, so a source looks the same every time it appears).
 */
export class Host {
  addr4 = 0;
  /** IPv6 address bytes, or null for an IPv4 host. */
  addr6: Uint8Array | null = null;
  kernel = KERNEL_LINUX;
  scanner = SCANNER_KERNEL;
  /** TTL as seen at the sensor (initial TTL minus hops). */
  ttl = 64;
  /** Round-trip time between the sensor and this host. */
  rttUs = 50_000;
  /** Offset of the host's TCP timestamp clock. */
  tsBase = 0;
  /** A per-host value for whatever else must be stable (e.g. the ip id counter start). */
  salt = 0;

  /** Fills the traits of `addr4` (or of the IPv6 address whose hash is `addr4`). */
  fill(
    addr4: number,
    addr6: Uint8Array | null,
    kernel: number,
    scanner: number,
    seed: number,
  ): void {
    const h = hash2(seed, addr4);
    this.addr4 = addr4;
    this.addr6 = addr6;
    this.kernel = kernel;
    this.scanner = scanner;
    const hops = 4 + (h % 21);
    const initial =
      scanner === SCANNER_MASSCAN || scanner === SCANNER_ZMAP
        ? 255
        : kernel === KERNEL_WINDOWS
          ? 128
          : 64;
    this.ttl = initial - hops;
    this.rttUs = 20_000 + ((h >>> 8) % 330) * 1000;
    this.tsBase = mix32(h);
    this.salt = mix32(h ^ 0x5bd1e995);
  }
}

/**
 * Distinct sources of one actor over the whole run and per hour, counted at the moment a
 * probe is emitted (the SYN itself is always captured, even when its answer is lost).
 */
export class SourceTracker {
  distinct = 0;
  readonly hourly: Int32Array;
  private readonly seen: Uint8Array;
  private readonly lastHour: Int32Array;

  constructor(poolSize: number, hours: number) {
    this.seen = new Uint8Array(poolSize);
    this.lastHour = new Int32Array(poolSize).fill(-1);
    this.hourly = new Int32Array(Math.max(1, hours));
  }

  mark(index: number, hour: number): void {
    if (this.seen[index] === 0) {
      this.seen[index] = 1;
      this.distinct++;
    }
    if (this.lastHour[index] !== hour && hour >= 0 && hour < this.hourly.length) {
      this.lastHour[index] = hour;
      this.hourly[hour]++;
    }
  }
}
