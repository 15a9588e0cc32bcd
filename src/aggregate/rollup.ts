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
/** Minutes whose rows stay indexed: past the flow table's idle timeouts (5 minutes by default). */
const MINUTE_RING = 8;

/**
 * Columns of a minute row (a stretch of MSTRIDE numbers of an interleaved Uint32Array) and of a
 * source row. Rows keep connection attempts (STARTS: the first counted packet of a flow, or an
 * ICMP message) rather than probes; probes are attempts minus sessions, computed on export,
 * because the flow table reports a probe's port but not its source.
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

/** Rows appended to one interleaved Uint32Array, `stride` numbers each. */
class RowLog {
  data: Uint32Array;
  size = 0;

  constructor(readonly stride: number) {
    this.data = new Uint32Array(4096 * stride);
  }

  /** A new zeroed row with keys (a, b, c) in its first columns (c only when stride allows). */
  add(a: number, b: number, c: number): number {
    const r = this.size++;
    const s = this.stride;
    if (this.size * s > this.data.length) {
      const grown = new Uint32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const o = r * s;
    this.data[o] = a;
    this.data[o + 1] = b;
    if (s > MSTRIDE) this.data[o + 2] = c;
    return r;
  }

  /**
   * Merges rows with equal keys (the first `keys` columns), adding up the other columns, and
   * keeps the first row of each key in place of the group. With `only`, just the rows whose
   * first column (minute or bucket) is in it can share keys: the others are kept as they are.
   */
  compact(keys: number, only?: Set<number>): void {
    const d = this.data;
    const s = this.stride;
    let candidates = this.size;
    if (only !== undefined) {
      candidates = 0;
      for (let r = 0; r < this.size; r++) if (only.has(d[r * s] as number)) candidates++;
    }
    let cap = 16;
    while (cap < candidates * 2) cap *= 2;
    const index = new Int32Array(cap).fill(-1);
    const mask = cap - 1;
    let out = 0;
    for (let r = 0; r < this.size; r++) {
      const o = r * s;
      let merged = false;
      if (only === undefined || only.has(d[o] as number)) {
        const c = keys > 2 ? (d[o + 2] as number) : 0;
        let i = mix(d[o] as number, d[o + 1] as number, c) & mask;
        for (;;) {
          const t = index[i] as number;
          if (t < 0) {
            index[i] = out;
            break;
          }
          const p = t * s;
          if (d[p] === d[o] && d[p + 1] === d[o + 1] && (keys < 3 || d[p + 2] === c)) {
            for (let k = keys; k < s; k++) d[p + k] = (d[p + k] as number) + (d[o + k] as number);
            merged = true;
            break;
          }
          i = (i + 1) & mask;
        }
      }
      if (merged) continue;
      if (out !== r) for (let k = 0; k < s; k++) d[out * s + k] = d[o + k] as number;
      out++;
    }
    // `add` counts on rows past `size` being zero: clear what the merge freed.
    d.fill(0, out * s, this.size * s);
    this.size = out;
  }
}

/**
 * An open-addressing index of rows by key columns (`ca`, `cb`, and `cc` unless it is -1) of rows
 * `stride` numbers long, holding row numbers.
 */
class KeyIndex {
  private slots = new Int32Array(256).fill(-1);
  private mask = 255;
  private used = 0;
  /** Where `find` stopped on a miss: the slot `insert` fills. */
  private slot = 0;

  constructor(
    private readonly stride: number,
    private readonly ca: number,
    private readonly cb: number,
    private readonly cc: number,
    /** True when row r is inserted as the r-th row (an index of every row, in order). */
    private readonly everyRow = false,
  ) {}

  /** The row whose key columns hold (a, b, c) in `d`, or -1. */
  find(a: number, b: number, c: number, d: Uint32Array): number {
    const slots = this.slots;
    const mask = this.mask;
    const cc = this.cc;
    for (let i = mix(a, b, c) & mask; ; i = (i + 1) & mask) {
      const r = slots[i] as number;
      if (r < 0) {
        this.slot = i;
        return -1;
      }
      const o = r * this.stride;
      if (d[o + this.ca] === a && d[o + this.cb] === b && (cc < 0 || d[o + cc] === c)) return r;
    }
  }

  /** Indexes row `r` at the slot of the last missed `find`. */
  insert(r: number, d: Uint32Array): void {
    this.slots[this.slot] = r;
    if (++this.used * 2 > this.mask + 1) this.rehash(d);
  }

  clear(): void {
    if (this.used === 0) return;
    this.slots.fill(-1);
    this.used = 0;
  }

  /**
   * Doubles the slots. An index of every row (rows 0 to used - 1) re-reads the rows in order,
   * a sequential pass, rather than in slot order, a random one over a large array.
   */
  private rehash(d: Uint32Array): void {
    const old = this.slots;
    const n = old.length * 2;
    this.slots = new Int32Array(n).fill(-1);
    this.mask = n - 1;
    if (this.everyRow) {
      for (let r = 0; r < this.used; r++) this.place(r, d);
      return;
    }
    for (const r of old) if (r >= 0) this.place(r, d);
  }

  private place(r: number, d: Uint32Array): void {
    const o = r * this.stride;
    const c = this.cc < 0 ? 0 : (d[o + this.cc] as number);
    let i = mix(d[o + this.ca] as number, d[o + this.cb] as number, c) & this.mask;
    while ((this.slots[i] as number) >= 0) i = (i + 1) & this.mask;
    this.slots[i] = r;
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
 * session. Captures come in time order, so updates go to accumulators, one per port (its current
 * minute) and one per source (its current bucket and port), each a few numbers next to each
 * other: a packet touches two short records, never a hash index. An accumulator becomes a row
 * when its key changes (a source's row is looked up then, in case the source came back to a port;
 * a port's minutes only grow). An update older than an accumulator (a session, counted when it
 * closes in the minute it began; a capture out of order) goes to its row directly: for minutes,
 * through an index of the last few minutes, else to a row of its own merged on export.
 */
export class Rollup {
  readonly bucketSeconds: number;
  private readonly bucketUs: number;
  private readonly minutes = new RowLog(MSTRIDE);
  private readonly sources = new RowLog(SSTRIDE);
  /** Per port row: minute, packets, attempts, sessions (a minute row not yet written). */
  private readonly portAcc = new Uint32Array(MAX_PORT_ROWS * MSTRIDE);
  private maxPortRow = -1;
  /** Per source index: its accumulator, the columns of a source row (S_SRC flags it in use). */
  private srcAcc = new Uint32Array(4096 * SSTRIDE);
  /**
   * Every source row by (bucket, port row, source). Only written accumulators (a source moving
   * to another port or bucket) and out-of-order updates look it up, never a packet that matches
   * its source's accumulator.
   */
  private readonly sourceIndex = new KeyIndex(SSTRIDE, S_BUCKET, S_PORT, S_SRC, true);
  /**
   * The minute rows of the last MINUTE_RING minutes, by minute modulo MINUTE_RING, so a session
   * (counted when it closes, in the minute it began) finds its row instead of adding one.
   */
  private readonly minuteIndex = Array.from(
    { length: MINUTE_RING },
    () => new KeyIndex(MSTRIDE, M_PORT, M_MINUTE, -1),
  );
  private readonly ringMinute = new Float64Array(MINUTE_RING).fill(-1);
  /** Minutes whose rows may repeat a key (an update older than the ring), merged by `settle`. */
  private readonly minuteSuspects = new Set<number>();
  /** Whether `settle` ran: an accumulator may then repeat a minute already written. */
  private settledOnce = false;
  /**
   * The newest minute written when `settle` last emptied the ring: a row added later for a
   * minute up to it may repeat one the emptied ring no longer finds, so it is a suspect.
   */
  private clearedThrough = -1;
  /** An attempt whose first packet is still to come (see `start`). */
  private pending = false;
  private pendingSi = 0;
  private pendingPr = 0;
  private pendingTs = 0;
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

  /** Minute rows and source rows (writing the accumulators and merging rows first). */
  get minuteRows(): number {
    this.settle();
    return this.minutes.size;
  }

  get sourceRows(): number {
    this.settle();
    return this.sources.size;
  }

  /**
   * A connection attempt of source `si` towards port row `pr` at `ts` (µs). The analyzer calls
   * `packet` for the attempt's first packet right after, which counts the attempt with it.
   */
  start(si: number, pr: number, ts: number): void {
    if (si * SSTRIDE >= this.srcAcc.length) this.growSources(si);
    if (this.pending) this.count(this.pendingSi, this.pendingPr, this.pendingTs, -1, -1, 1);
    this.pending = true;
    this.pendingSi = si;
    this.pendingPr = pr;
    this.pendingTs = ts;
  }

  /** A counted packet; `fp` is the SYN's fingerprint index, or -1. */
  packet(si: number, pr: number, ts: number, fp: number): void {
    let starts = 0;
    if (this.pending) {
      this.pending = false;
      if (si === this.pendingSi && pr === this.pendingPr && ts === this.pendingTs) starts = 1;
      else this.count(this.pendingSi, this.pendingPr, this.pendingTs, -1, -1, 1);
    }
    const so = this.count(si, pr, ts, M_PACKETS, S_PACKETS, starts);
    if (fp >= 0) {
      if (so >= 0) this.srcAcc[so + S_FP + fp]++;
      else this.lateSource(si, pr, ts, S_FP + fp);
    }
  }

  /** A session of source `si` towards port row `pr` that started at `ts`. */
  session(si: number, pr: number, ts: number): void {
    if (si * SSTRIDE >= this.srcAcc.length) this.growSources(si);
    this.count(si, pr, ts, M_SESSIONS, S_SESSIONS, 0);
  }

  /**
   * Adds one to column `mc` of the port's minute and `sc` of the source's row (none when -1),
   * and `starts` attempts to both; returns the offset of the source's accumulator, or -1 when
   * the update went to a row of its own.
   */
  private count(
    si: number,
    pr: number,
    ts: number,
    mc: number,
    sc: number,
    starts: number,
  ): number {
    const minute = Math.floor(ts / MINUTE_US);
    const pa = this.portAcc;
    const po = pr * MSTRIDE;
    const curMinute = pa[po + M_MINUTE] as number;
    if (curMinute === minute && pa[po + M_PORT] === 1) {
      if (mc >= 0) pa[po + mc]++;
      pa[po + M_STARTS] = (pa[po + M_STARTS] as number) + starts;
    } else if (minute > curMinute || pa[po + M_PORT] === 0) {
      if (pa[po + M_PORT] === 1) this.writeMinute(pr);
      else if (pr > this.maxPortRow) this.maxPortRow = pr;
      pa[po + M_MINUTE] = minute;
      pa[po + M_PORT] = 1;
      if (mc >= 0) pa[po + mc] = 1;
      pa[po + M_STARTS] = starts;
    } else {
      const r = this.lateMinuteRow(pr, minute);
      const d = this.minutes.data;
      if (mc >= 0) d[r * MSTRIDE + mc]++;
      d[r * MSTRIDE + M_STARTS] = (d[r * MSTRIDE + M_STARTS] as number) + starts;
    }
    const b = Math.floor(ts / this.bucketUs);
    const sa = this.srcAcc;
    const so = si * SSTRIDE;
    if (sa[so + S_BUCKET] === b && sa[so + S_PORT] === pr && sa[so + S_SRC] === 1) {
      if (sc >= 0) sa[so + sc]++;
      sa[so + S_STARTS] = (sa[so + S_STARTS] as number) + starts;
      return so;
    }
    if (sa[so + S_SRC] === 1) {
      if (b < (sa[so + S_BUCKET] as number)) {
        if (sc >= 0) this.lateSource(si, pr, ts, sc);
        if (starts > 0) this.lateSource(si, pr, ts, S_STARTS);
        return -1;
      }
      this.writeSource(si);
    }
    sa[so + S_BUCKET] = b;
    sa[so + S_PORT] = pr;
    sa[so + S_SRC] = 1;
    if (sc >= 0) sa[so + sc] = 1;
    sa[so + S_STARTS] = starts;
    return so;
  }

  /** Writes port row `pr`'s accumulated minute as a row and empties the accumulator. */
  private writeMinute(pr: number): void {
    const pa = this.portAcc;
    const po = pr * MSTRIDE;
    const minute = pa[po + M_MINUTE] as number;
    // After a settle, an accumulator may hold a minute already written: add to that row.
    const index = this.ringIndex(minute, true);
    let r = index === undefined ? -1 : index.find(pr, minute, 0, this.minutes.data);
    if (r < 0) {
      r = this.minutes.add(minute, pr, 0);
      if (index !== undefined) index.insert(r, this.minutes.data);
      if ((index === undefined && this.settledOnce) || minute <= this.clearedThrough) {
        this.minuteSuspects.add(minute);
      }
    }
    const o = r * MSTRIDE;
    const d = this.minutes.data;
    d[o + M_PACKETS] = (d[o + M_PACKETS] as number) + (pa[po + M_PACKETS] as number);
    d[o + M_STARTS] = (d[o + M_STARTS] as number) + (pa[po + M_STARTS] as number);
    d[o + M_SESSIONS] = (d[o + M_SESSIONS] as number) + (pa[po + M_SESSIONS] as number);
    // Four stores: cheaper than a fill() call, which happens once per port and minute.
    pa[po + M_PORT] = 0;
    pa[po + M_PACKETS] = 0;
    pa[po + M_STARTS] = 0;
    pa[po + M_SESSIONS] = 0;
  }

  /** The index of `minute`'s rows, claiming its slot for a newer minute when `claim`. */
  private ringIndex(minute: number, claim: boolean): KeyIndex | undefined {
    const k = minute % MINUTE_RING;
    const tag = this.ringMinute[k] as number;
    if (tag === minute) return this.minuteIndex[k];
    if (!claim || minute < tag) return undefined;
    const index = this.minuteIndex[k] as KeyIndex;
    index.clear();
    this.ringMinute[k] = minute;
    return index;
  }

  /** The row of (minute, pr) for an update older than the port's accumulator. */
  private lateMinuteRow(pr: number, minute: number): number {
    const index = this.ringIndex(minute, false);
    const found = index === undefined ? -1 : index.find(pr, minute, 0, this.minutes.data);
    if (found >= 0) return found;
    const r = this.minutes.add(minute, pr, 0);
    if (index !== undefined) index.insert(r, this.minutes.data);
    if (index === undefined || minute <= this.clearedThrough) this.minuteSuspects.add(minute);
    return r;
  }

  /** Adds source `si`'s accumulator to its row (found, or a new one) and empties it. */
  private writeSource(si: number): void {
    const sa = this.srcAcc;
    const so = si * SSTRIDE;
    const r = this.sourceRow(sa[so + S_BUCKET] as number, sa[so + S_PORT] as number, si);
    const d = this.sources.data;
    const o = r * SSTRIDE;
    for (let k = S_PACKETS; k < SSTRIDE; k++) {
      d[o + k] = (d[o + k] as number) + (sa[so + k] as number);
      sa[so + k] = 0;
    }
    sa[so + S_SRC] = 0;
  }

  /** An update older than the source's accumulator: one to column `col` of its row. */
  private lateSource(si: number, pr: number, ts: number, col: number): void {
    const r = this.sourceRow(Math.floor(ts / this.bucketUs), pr, si);
    this.sources.data[r * SSTRIDE + col]++;
  }

  /** The row of (b, pr, si), added when new. */
  private sourceRow(b: number, pr: number, si: number): number {
    const found = this.sourceIndex.find(b, pr, si, this.sources.data);
    if (found >= 0) return found;
    const r = this.sources.add(b, pr, si);
    this.sourceIndex.insert(r, this.sources.data);
    return r;
  }

  private growSources(si: number): void {
    const grown = new Uint32Array(Math.max(si + 1, (this.srcAcc.length / SSTRIDE) * 2) * SSTRIDE);
    grown.set(this.srcAcc);
    this.srcAcc = grown;
  }

  /**
   * Writes every accumulator as a row and merges rows that share a key. Later updates start new
   * accumulators, so the rows they write are merged by the next call.
   */
  private settle(): void {
    if (this.pending) {
      this.pending = false;
      this.count(this.pendingSi, this.pendingPr, this.pendingTs, -1, -1, 1);
    }
    for (let pr = 0; pr <= this.maxPortRow; pr++) {
      if (this.portAcc[pr * MSTRIDE + M_PORT] === 1) this.writeMinute(pr);
    }
    const n = this.srcAcc.length / SSTRIDE;
    for (let si = 0; si < n; si++) {
      if (this.srcAcc[si * SSTRIDE + S_SRC] === 1) this.writeSource(si);
    }
    if (this.minuteSuspects.size > 0) {
      this.minutes.compact(2, this.minuteSuspects);
      for (const index of this.minuteIndex) index.clear();
      this.ringMinute.fill(-1);
      const d = this.minutes.data;
      for (let r = 0; r < this.minutes.size; r++) {
        const m = d[r * MSTRIDE + M_MINUTE] as number;
        if (m > this.clearedThrough) this.clearedThrough = m;
      }
      this.minuteSuspects.clear();
    }
    this.settledOnce = true;
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
    this.settle();
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
    this.settle();
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
