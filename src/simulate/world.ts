/**
 * @module The simulated honeypot: a /24 where every address is a sensor (plus a /48 for IPv6),
 * which ports answer, how often an answer is lost, and the scratch objects exchanges share.
 */

import { block, Host } from "./hosts.js";
import type { PacketQueue } from "./packet-queue.js";
import { Rng } from "./prng.js";
import { TcpConn } from "./tcp-conn.js";

/** The sensors' IPv4 network: every address is a sensor. */
export const SENSOR_NET4 = "203.0.113.0/24";
/** The sensors' IPv6 network; sensor i answers at 2001:db8:ffff::i. */
export const SENSOR_NET6 = "2001:db8:ffff::/48";
/** TCP ports where the sensors accept connections (personas of DESIGN.md §7); others refuse. */
export const OPEN_TCP_PORTS = [80, 81, 8000, 8080, 23, 2323, 37215, 52869, 7547, 22];
/** Share of SYNs whose answer never shows up in the capture (loss, overload). */
export const SYN_LOSS = 0.03;

const SENSOR_BASE = block(SENSOR_NET4).base;

/** The honeypot and the scratch state every exchange of a scenario shares. */
export class World {
  /** Sensor-side decisions (ISNs, loss) draw from their own stream. */
  readonly rng: Rng;
  readonly conn = new TcpConn();
  /** A scratch host: exchanges fill it per event. */
  readonly host = new Host();
  private readonly open = new Uint8Array(65536);
  private readonly sensors6: Uint8Array[] = [];

  constructor(
    readonly q: PacketQueue,
    readonly seed: number,
    readonly scale: number,
  ) {
    this.rng = new Rng(seed, 0x5e45);
    for (const p of OPEN_TCP_PORTS) this.open[p] = 1;
    for (let i = 0; i < 256; i++) {
      const a = new Uint8Array(16);
      a.set([0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff]);
      a[15] = i;
      this.sensors6.push(a);
    }
  }

  /** IPv4 address of sensor `i` (0..255). */
  sensor4(i: number): number {
    return (SENSOR_BASE + (i & 255)) >>> 0;
  }

  /** IPv6 address bytes of sensor `i` (0..255). */
  sensor6(i: number): Uint8Array {
    return this.sensors6[i & 255] as Uint8Array;
  }

  isOpen(port: number): boolean {
    return this.open[port] === 1;
  }

  /** False when this SYN's answer is lost. */
  answered(): boolean {
    return !this.rng.chance(SYN_LOSS);
  }
}
