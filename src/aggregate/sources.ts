/** @module Per-source totals in interleaved rows: the index of a source is what distinct counting stores. */

import { FINGERPRINTS } from "../detect/fingerprint.js";
import { U32Map } from "./int-hash.js";

const NFP = FINGERPRINTS.length;
const INITIAL_ROWS = 1024;

/**
 * Columns of a source's row in `SourceTable.rows`. A row is SOURCE_STRIDE consecutive numbers,
 * so one packet's update (packets, first, last, a fingerprint) touches one or two cache lines
 * rather than one line per column array.
 */
export const S_PACKETS = 0;
export const S_FIRST = 1;
export const S_LAST = 2;
/**
 * The port row the source was last counted towards (-1 at first): a scanner's run of packets to
 * one port then skips the (port, source) pair table.
 */
const S_LAST_PORT = 3;
/** SYNs per fingerprint, FINGERPRINTS.length columns; their sum is the source's SYNs. */
export const S_FP = 4;
// Rarely updated: after the columns every packet touches.
export const S_SESSIONS = S_FP + NFP;
/** Distinct ports the source sent towards. */
const S_PORTS = S_SESSIONS + 1;
export const SOURCE_STRIDE = S_PORTS + 1;

/**
 * Interns source addresses (IPv4 numbers, IPv6 text) to dense indexes and keeps per-source
 * totals, 80 bytes per source, so millions of sources stay cheap.
 */
export class SourceTable {
  /** IPv4 sources by address; IPv6 sources by text. */
  private readonly index4 = new U32Map(4096);
  private readonly index6 = new Map<string, number>();
  keys: Array<number | string> = [];
  /** Totals, SOURCE_STRIDE per source (see the S_* columns). */
  rows = new Float64Array(INITIAL_ROWS * SOURCE_STRIDE);

  get size(): number {
    return this.keys.length;
  }

  /** Index of `key`, creating a row at time `ts` when new. */
  intern(key: number | string, ts: number): number {
    let i = typeof key === "number" ? this.index4.get(key) : (this.index6.get(key) ?? -1);
    if (i < 0) {
      i = this.keys.length;
      if (typeof key === "number") this.index4.set(key, i);
      else this.index6.set(key, i);
      this.keys.push(key);
      if ((i + 1) * SOURCE_STRIDE > this.rows.length) this.grow();
      this.rows[i * SOURCE_STRIDE + S_FIRST] = ts;
      this.rows[i * SOURCE_STRIDE + S_LAST] = ts;
      this.rows[i * SOURCE_STRIDE + S_LAST_PORT] = -1;
    }
    return i;
  }

  /** `intern` for an IPv4 address (the hot path: no union-typed key). */
  intern4(addr: number, ts: number): number {
    const i = this.index4.get(addr);
    return i >= 0 ? i : this.intern(addr, ts);
  }

  lookup(key: number | string): number | undefined {
    const i = typeof key === "number" ? this.index4.get(key) : (this.index6.get(key) ?? -1);
    return i < 0 ? undefined : i;
  }

  /** Counts a packet of source `i` at time `ts`. */
  packet(i: number, ts: number): void {
    const rows = this.rows;
    const o = i * SOURCE_STRIDE;
    rows[o + S_PACKETS] = (rows[o + S_PACKETS] as number) + 1;
    if (ts > (rows[o + S_LAST] as number)) rows[o + S_LAST] = ts;
    if (ts < (rows[o + S_FIRST] as number)) rows[o + S_FIRST] = ts;
  }

  /** Counts a SYN of fingerprint `fp` (an index into FINGERPRINTS) from source `i`. */
  syn(i: number, fp: number): void {
    const k = i * SOURCE_STRIDE + S_FP + fp;
    this.rows[k] = (this.rows[k] as number) + 1;
  }

  session(i: number): void {
    const k = i * SOURCE_STRIDE + S_SESSIONS;
    this.rows[k] = (this.rows[k] as number) + 1;
  }

  /** Column `col` of source `i`. */
  get(i: number, col: number): number {
    return this.rows[i * SOURCE_STRIDE + col] as number;
  }

  /** SYNs of source `i`, over all fingerprints. */
  syns(i: number): number {
    let n = 0;
    for (let f = 0; f < NFP; f++) n += this.rows[i * SOURCE_STRIDE + S_FP + f] as number;
    return n;
  }

  /** Distinct ports source `i` sent towards. */
  ports(i: number): number {
    return this.rows[i * SOURCE_STRIDE + S_PORTS] as number;
  }

  /**
   * Whether port row `port` may be new for source `i`: false when it is the port the source was
   * last counted towards (so the pair is known), true otherwise, and it becomes that last port.
   */
  portChanged(i: number, port: number): boolean {
    const k = i * SOURCE_STRIDE + S_LAST_PORT;
    if (this.rows[k] === port) return false;
    this.rows[k] = port;
    return true;
  }

  /** Counts one more distinct port for source `i`. */
  addPort(i: number): void {
    const k = i * SOURCE_STRIDE + S_PORTS;
    this.rows[k] = (this.rows[k] as number) + 1;
  }

  private grow(): void {
    const rows = new Float64Array(this.rows.length * 2);
    rows.set(this.rows);
    this.rows = rows;
  }
}
