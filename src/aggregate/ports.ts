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

/** Port keys: proto * 65536 + port (ICMP message types take the port's place). */
const KEYS = PROTO_NAMES.length * 65536;
const INITIAL_ROWS = 1024;

/**
 * Columns of a port's row. A row is STRIDE consecutive numbers of `PortTable.rows`, so what one
 * packet updates (packets, fingerprint counts, the current hour) shares a cache line or two: a
 * darknet sees tens of thousands of ports, and one object per port scattered its counters over
 * several lines. The column numbers are this module's own: V8 folds unexported constants into
 * compiled code, and reads exported ones through a cell at every use.
 */
const PACKETS = 0;
const PROBES = 1;
const SESSIONS = 2;
/** Distinct sources (kept exact by PortTable.pairs). */
const SOURCES = 3;
/** SYNs per fingerprint, FINGERPRINTS.length columns. */
const FP = 4;
/**
 * The packets per hour, in three tiers. The hour of the row's latest packet and its count so far
 * (CUR_HOUR, CUR_COUNT) take every packet while the hour lasts: captures are in time order, so a
 * busy port's packets touch nothing but its row. Earlier hours go to up to INLINE_HOURS (hour,
 * count) pairs in the row itself (NHOURS says how many are used), and past those to a
 * HourlyCounts object (NHOURS is then -1): most ports of a darknet see a packet now and then, and
 * never need the object.
 */
const CUR_HOUR = FP + FINGERPRINTS.length;
const CUR_COUNT = CUR_HOUR + 1;
const NHOURS = CUR_COUNT + 1;
const HOURS = NHOURS + 1;
const INLINE_HOURS = 3;
const HOUR_COUNTS = HOURS + INLINE_HOURS;
const STRIDE = HOUR_COUNTS + INLINE_HOURS;

/** All ports seen, as rows of counters, and the (port, source) pairs seen. */
export class PortTable {
  /** Row of each port key, -1 until seen: a direct index is cheaper than any hash lookup. */
  private readonly rowOf = new Int32Array(KEYS).fill(-1);
  /** Port key of each row. */
  private keys = new Int32Array(INITIAL_ROWS);
  /** Counters, STRIDE per row (see the columns above). */
  private rows = new Float64Array(INITIAL_ROWS * STRIDE);
  /** Packets per hour of rows with more than INLINE_HOURS distinct hours. */
  private readonly hourly: Array<HourlyCounts | undefined> = [];
  /** (port row, source index) pairs: one shared table instead of a Set per port. */
  readonly pairs = new PairSet(1 << 16);
  /** Rows in use. */
  size = 0;

  /** The row of (proto, port), created when new. */
  row(proto: number, port: number): number {
    const key = proto * 65536 + port;
    const r = this.rowOf[key] as number;
    return r >= 0 ? r : this.create(key);
  }

  /** Protocol index (P_TCP...) of row `r`. */
  proto(r: number): number {
    return (this.keys[r] as number) >>> 16;
  }

  /** Port (or ICMP type) of row `r`. */
  port(r: number): number {
    return (this.keys[r] as number) & 0xffff;
  }

  /** Counts a packet towards row `r` in hour `hour` (absolute: floor(ts / 1h)). */
  countPacket(r: number, hour: number): void {
    this.inc(r, PACKETS);
    this.addHour(r, hour);
  }

  /** Counts a SYN of fingerprint `fp` (an index into FINGERPRINTS) towards row `r`. */
  countSyn(r: number, fp: number): void {
    this.inc(r, FP + fp);
  }

  countProbe(r: number): void {
    this.inc(r, PROBES);
  }

  countSession(r: number): void {
    this.inc(r, SESSIONS);
  }

  packets(r: number): number {
    return this.rows[r * STRIDE + PACKETS] as number;
  }

  probes(r: number): number {
    return this.rows[r * STRIDE + PROBES] as number;
  }

  sessions(r: number): number {
    return this.rows[r * STRIDE + SESSIONS] as number;
  }

  /** Distinct sources that sent towards row `r`. */
  sources(r: number): number {
    return this.rows[r * STRIDE + SOURCES] as number;
  }

  /** SYNs of fingerprint `fp` towards row `r`. */
  syns(r: number, fp: number): number {
    return this.rows[r * STRIDE + FP + fp] as number;
  }

  private inc(r: number, col: number): void {
    const i = r * STRIDE + col;
    this.rows[i] = (this.rows[i] as number) + 1;
  }

  private addHour(r: number, hour: number): void {
    const rows = this.rows;
    const o = r * STRIDE;
    // A fresh row holds (hour 0, count 0): adding to it is right even for hour 0.
    if (rows[o + CUR_HOUR] === hour) {
      rows[o + CUR_COUNT] = (rows[o + CUR_COUNT] as number) + 1;
      return;
    }
    const pending = rows[o + CUR_COUNT] as number;
    if (pending > 0) this.addEarlier(r, rows[o + CUR_HOUR] as number, pending);
    rows[o + CUR_HOUR] = hour;
    rows[o + CUR_COUNT] = 1;
  }

  /** Adds `n` packets of hour `hour` to row `r`'s inline pairs or its HourlyCounts. */
  private addEarlier(r: number, hour: number, n: number): void {
    const rows = this.rows;
    const o = r * STRIDE;
    const used = rows[o + NHOURS] as number;
    if (used >= 0) {
      for (let j = 0; j < used; j++) {
        if (rows[o + HOURS + j] === hour) {
          rows[o + HOUR_COUNTS + j] = (rows[o + HOUR_COUNTS + j] as number) + n;
          return;
        }
      }
      if (used < INLINE_HOURS) {
        rows[o + HOURS + used] = hour;
        rows[o + HOUR_COUNTS + used] = n;
        rows[o + NHOURS] = used + 1;
        return;
      }
      const h = new HourlyCounts();
      for (let j = 0; j < used; j++) {
        h.add(rows[o + HOURS + j] as number, rows[o + HOUR_COUNTS + j] as number);
      }
      this.hourly[r] = h;
      rows[o + NHOURS] = -1;
    }
    (this.hourly[r] as HourlyCounts).add(hour, n);
  }

  /** Row `r`'s counts for hours [from, to), zeros where nothing was counted. */
  hourRange(r: number, from: number, to: number): number[] {
    const rows = this.rows;
    const o = r * STRIDE;
    const h = this.hourly[r];
    let out: number[];
    if (h !== undefined) {
      out = h.range(from, to);
    } else {
      out = new Array<number>(Math.max(0, to - from)).fill(0);
      const used = rows[o + NHOURS] as number;
      for (let j = 0; j < used; j++) {
        const hour = rows[o + HOURS + j] as number;
        if (hour >= from && hour < to) out[hour - from] = rows[o + HOUR_COUNTS + j] as number;
      }
    }
    const cur = rows[o + CUR_HOUR] as number;
    if (cur >= from && cur < to)
      out[cur - from] = (out[cur - from] as number) + (rows[o + CUR_COUNT] as number);
    return out;
  }

  /** Records that source `si` sent towards row `r`; true the first time. */
  addSource(r: number, si: number): boolean {
    if (!this.pairs.add(r, si)) return false;
    this.inc(r, SOURCES);
    return true;
  }

  private create(key: number): number {
    const r = this.size++;
    if (r === this.keys.length) {
      const keys = new Int32Array(r * 2);
      keys.set(this.keys);
      this.keys = keys;
      const rows = new Float64Array(r * 2 * STRIDE);
      rows.set(this.rows);
      this.rows = rows;
    }
    this.keys[r] = key;
    this.rowOf[key] = r;
    this.hourly.push(undefined);
    return r;
  }
}
