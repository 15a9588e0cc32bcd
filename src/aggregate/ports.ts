/** @module Per-(proto, port) counters of the traffic towards each port, with distinct sources. */

import { FINGERPRINTS } from "../detect/fingerprint.js";
import { HourlyCounts } from "./hourly.js";
import { PairSet } from "./int-hash.js";

export const PROTO_NAMES = ["tcp", "udp", "icmp", "icmpv6"] as const;
export type ProtoName = (typeof PROTO_NAMES)[number];
export const P_TCP = 0;
export const P_UDP = 1;
export const P_ICMP = 2;
export const P_ICMPV6 = 3;

export class PortStats {
  packets = 0;
  probes = 0;
  sessions = 0;
  /** Distinct sources (kept exact by PortTable.pairs). */
  sources = 0;
  readonly hourly = new HourlyCounts();
  readonly fp = new Float64Array(FINGERPRINTS.length);

  constructor(
    readonly proto: number,
    readonly port: number,
  ) {}
}

/** All ports seen, keyed by proto * 65536 + port, and the (port, source) pairs seen. */
export class PortTable {
  readonly map = new Map<number, PortStats>();
  /** (port key, source index) pairs: one shared table instead of a Set per port. */
  readonly pairs = new PairSet(1 << 16);

  get(proto: number, port: number): PortStats {
    const key = proto * 65536 + port;
    let s = this.map.get(key);
    if (s === undefined) {
      s = new PortStats(proto, port);
      this.map.set(key, s);
    }
    return s;
  }

  /** Records that source `si` sent towards `ps`; true the first time. */
  addSource(ps: PortStats, si: number): boolean {
    if (!this.pairs.add(ps.proto * 65536 + ps.port, si)) return false;
    ps.sources++;
    return true;
  }
}
