/**
 * @module What the store keeps of a run, collected while it is analysed: per (minute, port)
 * packets, connection attempts and sessions, and per (bucket, port, source) the same with SYN
 * fingerprints, so distinct sources over any range of buckets are exact.
 */

import { FINGERPRINTS } from "../detect/fingerprint.js";
import type { PortTable } from "./ports.js";
import type { SourceTable } from "./sources.js";

const NFP = FINGERPRINTS.length;
const MINUTE_US = 60_000_000;
/** Port rows the analyzer can create (4 protocols × 65536): the per-port caches' size. */
const MAX_PORT_ROWS = 4 * 65536;

/**
 * Columns of a minute row (a stretch of `MSTRIDE` numbers) and of a source row. Rows keep
 * connection attempts (`STARTS`: the first counted packet of a flow, or an ICMP message) rather
 * than probes; probes are attempts minus sessions, computed on export, because the flow table
 * reports a probe's port but not its source.
 */
const M_MINUTE = 0;
const M_PORT = 1;
const M_PACKETS = 2;
const M_STARTS = 3;
const M_SESSIONS = 4;
const MSTRIDE = 5;
const S_BUCKET = 0;
const S_PORT = 1;
const S_SRC = 2;
const S_PACKETS = 3;
const S_STARTS = 4;
const S_SESSIONS = 5;
const S_FP = 6;
const SSTRIDE = S_FP + NFP;

export const DEFAULT_ROLLUP_BUCKET_SECONDS = 3600;

export interface RollupOptions {
  /** Bucket of per-source rows, seconds (default 3600; the store's bucket must be a multiple). */
  bucketSeconds?: number;
}

function mix(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h ^= Math.imul(b ^ (h >>> 15), 0xc2b2ae35);
  h ^= Math.imul(c ^ (h >>> 13), 0x27d4eb2f);
  h ^= h >>> 16;
  return Math.imul(h, 0x7feb352d) ^ (h >>> 15);
}

/**
 * Rows keyed by up to three integers, in one interleaved Uint32Array, found through an open
 * addressing index of row numbers.
 */
class Rows {
  data: Uint32Array;
  size = 0;
  private index: Int32Array;
  private mask: number;

  constructor(private readonly stride: number) {
    this.data = new Uint32Array(1024 * stride);
    this.index = new Int32Array(2048).fill(-1);
    this.mask = 2047;
  }

  /** The row with keys (a, b, c) in its first three columns (c unused when stride has none). */
  find(a: number, b: number, c: number): number {
    const d = this.data;
    const s = this.stride;
    const mask = this.mask;
    for (let i = mix(a, b, c) & mask; ; i = (i + 1) & mask) {
      const r = this.index[i] as number;
      if (r < 0) return this.add(i, a, b, c);
      const o = r * s;
      if (d[o] === a && d[o + 1] === b && (s === MSTRIDE || d[o + 2] === c)) return r;
    }
  }

  private add(slot: number, a: number, b: number, c: number): number {
    const r = this.size++;
    const s = this.stride;
    if ((r + 1) * s > this.data.length) {
      const grown = new Uint32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const o = r * s;
    this.data[o] = a;
    this.data[o + 1] = b;
    if (s !== MSTRIDE) this.data[o + 2] = c;
    this.index[slot] = r;
    if (this.size * 2 > this.mask + 1) this.rehash();
    return r;
  }

  private rehash(): void {
    const n = (this.mask + 1) * 2;
    const index = new Int32Array(n).fill(-1);
    const mask = n - 1;
    const d = this.data;
    const s = this.stride;
    for (let r = 0; r < this.size; r++) {
      const o = r * s;
      let i =
        mix(d[o] as number, d[o + 1] as number, s === MSTRIDE ? 0 : (d[o + 2] as number)) & mask;
      while (index[i] !== -1) i = (i + 1) & mask;
      index[i] = r;
    }
    this.index = index;
    this.mask = mask;
  }
}

/** One exported row of per-source counts (see Rollup.forEachSource). */
export interface RollupSourceRow {
  /** Bucket start, seconds. */
  bucket: number;
  /** Port row and source index of the analyzer's PortTable and SourceTable. */
  portRow: number;
  source: number;
  packets: number;
  probes: number;
  sessions: number;
  /** SYNs per fingerprint, FINGERPRINTS order (a reused array: copy what you keep). */
  syns: Uint32Array;
}

/**
 * Collects minute and per-source rows. The analyzer calls `start` for the first counted packet of
 * each flow (and each ICMP message), `packet` for every counted packet, `session` for every
 * session. Packets come in time order, so each port remembers its current minute row and each
 * source its current bucket row: most packets touch no hash index.
 */
export class Rollup {
  readonly bucketSeconds: number;
  private readonly bucketUs: number;
  private readonly minutes = new Rows(MSTRIDE);
  private readonly sources = new Rows(SSTRIDE);
  /** Per port row: the minute of its current minute row, and that row. */
  private readonly curMinute = new Int32Array(MAX_PORT_ROWS).fill(-1);
  private readonly curMinuteRow = new Int32Array(MAX_PORT_ROWS);
  /** Per source index: its current source row (-1 none). */
  private lastRow = new Int32Array(4096).fill(-1);

  /** The analyzer's tables, which name the port rows and source indexes (set by `bind`). */
  ports: PortTable | undefined;
  sourceTable: SourceTable | undefined;

  constructor(opts: RollupOptions = {}) {
    this.bucketSeconds = opts.bucketSeconds ?? DEFAULT_ROLLUP_BUCKET_SECONDS;
    if (!Number.isInteger(this.bucketSeconds) || this.bucketSeconds < 60) {
      throw new RangeError(
        `rollup bucket of ${this.bucketSeconds}s: use whole seconds, at least 60`,
      );
    }
    this.bucketUs = this.bucketSeconds * 1e6;
  }

  /** Called by the Analyzer the rollup is attached to; one rollup serves one analyzer. */
  bind(ports: PortTable, sources: SourceTable): void {
    if (this.ports !== undefined && this.ports !== ports) {
      throw new Error("a Rollup collects for one Analyzer only");
    }
    this.ports = ports;
    this.sourceTable = sources;
  }

  /** Minute rows and source rows collected. */
  get minuteRows(): number {
    return this.minutes.size;
  }

  get sourceRows(): number {
    return this.sources.size;
  }

  /** A connection attempt of source `si` towards port row `pr` at `ts` (µs). */
  start(si: number, pr: number, ts: number): void {
    if (si >= this.lastRow.length) this.growSources(si);
    // Rows first (from the caches when they match): finding one may replace the data array.
    const minute = Math.floor(ts / MINUTE_US);
    const mr =
      this.curMinute[pr] === minute ? (this.curMinuteRow[pr] as number) : this.minuteRow(pr, ts);
    this.minutes.data[mr * MSTRIDE + M_STARTS]++;
    const sr = this.cachedSourceRow(si, pr, ts);
    this.sources.data[sr * SSTRIDE + S_STARTS]++;
  }

  /** A counted packet; `fp` is the SYN's fingerprint index, or -1. */
  packet(si: number, pr: number, ts: number, fp: number): void {
    const minute = Math.floor(ts / MINUTE_US);
    const mr =
      this.curMinute[pr] === minute ? (this.curMinuteRow[pr] as number) : this.minuteRow(pr, ts);
    this.minutes.data[mr * MSTRIDE + M_PACKETS]++;
    const sr = this.cachedSourceRow(si, pr, ts);
    const d = this.sources.data;
    const o = sr * SSTRIDE;
    d[o + S_PACKETS]++;
    if (fp >= 0) d[o + S_FP + fp]++;
  }

  /** A session of source `si` towards port row `pr` that started at `ts`. */
  session(si: number, pr: number, ts: number): void {
    if (si >= this.lastRow.length) this.growSources(si);
    const mr = this.minuteRow(pr, ts);
    this.minutes.data[mr * MSTRIDE + M_SESSIONS]++;
    const sr = this.sourceRow(si, pr, ts);
    this.sources.data[sr * SSTRIDE + S_SESSIONS]++;
  }

  /** The source's row for (bucket of ts, pr): its last row when that matches, else found. */
  private cachedSourceRow(si: number, pr: number, ts: number): number {
    const d = this.sources.data;
    const b = Math.floor(ts / this.bucketUs);
    const sr = this.lastRow[si] as number;
    if (sr >= 0 && d[sr * SSTRIDE + S_BUCKET] === b && d[sr * SSTRIDE + S_PORT] === pr) return sr;
    return this.sourceRow(si, pr, ts);
  }

  private minuteRow(pr: number, ts: number): number {
    const minute = Math.floor(ts / MINUTE_US);
    const r = this.minutes.find(minute, pr, 0);
    this.curMinute[pr] = minute;
    this.curMinuteRow[pr] = r;
    return r;
  }

  private sourceRow(si: number, pr: number, ts: number): number {
    const r = this.sources.find(Math.floor(ts / this.bucketUs), pr, si);
    this.lastRow[si] = r;
    return r;
  }

  private growSources(si: number): void {
    const grown = new Int32Array(Math.max(si + 1, this.lastRow.length * 2)).fill(-1);
    grown.set(this.lastRow);
    this.lastRow = grown;
  }

  /** Calls `fn` for each minute row: start (seconds), port row and counts. */
  forEachMinute(
    fn: (
      minute: number,
      portRow: number,
      packets: number,
      probes: number,
      sessions: number,
    ) => void,
  ): void {
    const d = this.minutes.data;
    for (let r = 0; r < this.minutes.size; r++) {
      const o = r * MSTRIDE;
      const sessions = d[o + M_SESSIONS] as number;
      const probes = Math.max(0, (d[o + M_STARTS] as number) - sessions);
      fn(
        (d[o + M_MINUTE] as number) * 60,
        d[o + M_PORT] as number,
        d[o + M_PACKETS] as number,
        probes,
        sessions,
      );
    }
  }

  /** Calls `fn` for each source row (the row object is reused between calls). */
  forEachSource(fn: (row: RollupSourceRow) => void): void {
    const d = this.sources.data;
    const row: RollupSourceRow = {
      bucket: 0,
      portRow: 0,
      source: 0,
      packets: 0,
      probes: 0,
      sessions: 0,
      syns: new Uint32Array(NFP),
    };
    for (let r = 0; r < this.sources.size; r++) {
      const o = r * SSTRIDE;
      row.bucket = (d[o + S_BUCKET] as number) * this.bucketSeconds;
      row.portRow = d[o + S_PORT] as number;
      row.source = d[o + S_SRC] as number;
      row.packets = d[o + S_PACKETS] as number;
      row.sessions = d[o + S_SESSIONS] as number;
      row.probes = Math.max(0, (d[o + S_STARTS] as number) - row.sessions);
      for (let f = 0; f < NFP; f++) row.syns[f] = d[o + S_FP + f] as number;
      fn(row);
    }
  }
}
