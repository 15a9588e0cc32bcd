/** @module One direction of a TCP connection (or UDP exchange): bytes in sequence order, capped. */

const EMPTY = new Uint8Array(0);
/** Smallest buffer allocated once a direction carries data; most scan payloads fit in it. */
const MIN_ALLOC = 256;
/** Buffers up to this size are carved from shared slabs; bigger ones get their own memory. */
const SLAB_MAX = 4096;
const SLAB_SIZE = 16384;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabUsed = 0;

/**
 * A zeroed byte buffer. Small ones are views into a 16 KiB slab: creating a typed array with its
 * own memory costs several times more than a view, and most streams are a few hundred bytes. A
 * slab lives as long as any view into it, so a record kept downstream pins at most 16 KiB.
 */
function allocBytes(n: number): Uint8Array {
  if (n > SLAB_MAX) return new Uint8Array(n);
  if (slabUsed + n > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabUsed = 0;
  }
  const b = new Uint8Array(slab, slabUsed, n);
  slabUsed += n;
  return b;
}

/**
 * Most disjoint byte ranges one direction may hold. A segment that would open one more range is
 * dropped (counted in `dropped`): a sender cannot make us keep an unbounded list of islands.
 */
export const MAX_RANGES = 256;

/** What one direction amounted to when its connection closed. */
export interface StreamResult {
  /** Kept bytes in stream order; bytes after a hole follow the hole directly. */
  bytes: Uint8Array;
  /** Unique bytes sent (retransmissions counted once), including bytes beyond the cap. */
  total: number;
  /** Bytes of sequence space never received before the last byte seen. */
  gaps: number;
  /** Number of such holes; `holeOffsets` says where each one sits in `bytes`. */
  holes: number;
  holeOffsets: number[];
  /** True when bytes were sent beyond what is kept. */
  truncated: boolean;
}

/**
 * Reassembles one direction. Bytes are kept by their offset from the stream start (the byte after
 * the ISN, or the first sequence number seen when the connection was picked up mid-stream), so an
 * out-of-order segment is written where it belongs and the hole before it fills when the missing
 * segment arrives. Only offsets below `cap` are kept; beyond it only the covered ranges are
 * tracked, so `total` stays exact. Overlaps follow the "first" policy: bytes already received win,
 * and a later copy that differs is reported as a mismatch. 32-bit sequence numbers are unwrapped
 * against the highest end seen, so a stream may cross the wrap point (or exceed 4 GiB).
 */
export class StreamBuffer {
  private buf: Uint8Array = EMPTY;
  /** Covered ranges [start0, end0, start1, end1, ...], sorted, disjoint and not touching. */
  private readonly ranges: number[] = [];
  /** A (sequence number, stream offset) pair that later sequence numbers are unwrapped against. */
  private refSeq: number;
  private refOff = 0;
  /** Sequence space skipped when the stream was rebased onto its first segment. */
  private lead = 0;
  /** Unique bytes received, beyond the cap included. */
  total = 0;
  /** Segments dropped because `MAX_RANGES` ranges were already held. */
  dropped = 0;

  /** `firstSeq` is the sequence number of the stream's first byte. */
  constructor(
    readonly cap: number,
    firstSeq: number,
  ) {
    this.refSeq = firstSeq >>> 0;
  }

  /** Bytes of memory this direction holds (the buffer's length, out-of-order bytes included). */
  get allocated(): number {
    return this.buf.length;
  }

  /** Offset just past the highest byte received. */
  get end(): number {
    const r = this.ranges;
    return r.length === 0 ? 0 : (r[r.length - 1] as number);
  }

  /**
   * Adds a TCP segment whose first byte has sequence number `seq`. Returns true when part of it
   * overlapped bytes already held and differed from them (first copy kept).
   */
  add(seq: number, data: Uint8Array, start: number, len: number): boolean {
    if (len <= 0) return false;
    let s = this.refOff + ((seq - this.refSeq) | 0);
    if (this.ranges.length === 0 && (s < 0 || s >= this.cap)) {
      // Nothing received yet and the segment lies before the ISN (seq = ISN instead of ISN+1, as
      // some crafted scanners send) or beyond the cap (a wrong ISN): start the stream here rather
      // than lose every byte of it.
      if (s > 0) this.lead += s;
      this.refSeq = seq >>> 0;
      this.refOff = 0;
      s = 0;
    }
    const e = s + len;
    if (e > this.refOff) {
      this.refOff = e;
      this.refSeq = (seq + len) >>> 0;
    }
    if (s < 0) {
      // Bytes before the stream start: a retransmission from before what we track.
      if (e <= 0) return false;
      start -= s;
      s = 0;
    }
    return this.insert(s, e, data, start);
  }

  /** Appends bytes at the end of the stream (UDP datagrams, which carry no sequence number). */
  append(data: Uint8Array, start: number, len: number): void {
    if (len <= 0) return;
    const s = this.end;
    this.insert(s, s + len, data, start);
  }

  private insert(s: number, e: number, data: Uint8Array, start: number): boolean {
    const r = this.ranges;
    // Fast path: the segment starts inside or right at the end of the only range (in order).
    if (r.length === 2 && s >= (r[0] as number) && s <= (r[1] as number)) {
      const r1 = r[1] as number;
      const mismatch = s < r1 && this.differs(s, Math.min(e, r1), data, start - s);
      if (e > r1) {
        this.write(r1, e, data, start - s);
        this.total += e - r1;
        r[1] = e;
      }
      return mismatch;
    }
    // Ranges i .. j-2 overlap or touch [s, e).
    let i = 0;
    while (i < r.length && (r[i + 1] as number) < s) i += 2;
    let j = i;
    while (j < r.length && (r[j] as number) <= e) j += 2;
    if (i === j && r.length >= MAX_RANGES * 2) {
      this.dropped++;
      return false;
    }
    let mismatch = false;
    let cur = s;
    for (let k = i; k < j; k += 2) {
      const a = r[k] as number;
      const b = r[k + 1] as number;
      if (cur < a) {
        this.write(cur, a, data, start - s);
        this.total += a - cur;
      }
      const os = Math.max(s, a);
      const oe = Math.min(e, b);
      if (oe > os && this.differs(os, oe, data, start - s)) mismatch = true;
      if (b > cur) cur = b;
    }
    if (cur < e) {
      this.write(cur, e, data, start - s);
      this.total += e - cur;
    }
    if (i === r.length) {
      // A range after every other one (the first segment, in particular): no splice needed.
      r.push(s, e);
    } else if (i === j) {
      r.splice(i, 0, s, e);
    } else {
      const ns = Math.min(s, r[i] as number);
      const ne = Math.max(e, r[j - 1] as number);
      r.splice(i, j - i, ns, ne);
    }
    return mismatch;
  }

  /** Copies stream offsets [a, b) from `data` (offset o in data = stream offset o - delta). */
  private write(a: number, b: number, data: Uint8Array, delta: number): void {
    if (a >= this.cap) return;
    if (b > this.cap) b = this.cap;
    if (b > this.buf.length) this.grow(b);
    this.buf.set(data.subarray(a + delta, b + delta), a);
  }

  /** True when held bytes [a, b) differ from the new copy (compares only what is kept). */
  private differs(a: number, b: number, data: Uint8Array, delta: number): boolean {
    if (b > this.cap) b = this.cap;
    const buf = this.buf;
    for (let k = a; k < b; k++) if (buf[k] !== data[k + delta]) return true;
    return false;
  }

  private grow(need: number): void {
    let n = this.buf.length === 0 ? MIN_ALLOC : this.buf.length * 2;
    while (n < need) n *= 2;
    if (n > this.cap) n = this.cap;
    const next = allocBytes(n);
    next.set(this.buf);
    this.buf = next;
  }

  /** The kept bytes, holes closed up, and what was lost. Call once, at close. */
  finish(): StreamResult {
    const r = this.ranges;
    const cap = this.cap;
    let kept = 0;
    let gaps = this.lead;
    let holes = this.lead > 0 ? 1 : 0;
    const holeOffsets: number[] = this.lead > 0 ? [0] : [];
    let prevEnd = 0;
    for (let k = 0; k < r.length; k += 2) {
      const a = r[k] as number;
      const b = r[k + 1] as number;
      if (a > prevEnd) {
        // After a rebase the first range starts at 0, so the lead is never counted twice.
        gaps += a - prevEnd;
        holes++;
        holeOffsets.push(kept);
      }
      if (a < cap) kept += Math.min(b, cap) - a;
      prevEnd = b;
    }
    let bytes: Uint8Array;
    if (kept === 0) bytes = EMPTY;
    else if (r[0] === 0 && (r.length === 2 || (r[2] as number) >= cap)) {
      bytes = this.buf.subarray(0, kept);
    } else {
      bytes = allocBytes(kept);
      let at = 0;
      for (let k = 0; k < r.length && (r[k] as number) < cap; k += 2) {
        const a = r[k] as number;
        const b = Math.min(r[k + 1] as number, cap);
        bytes.set(this.buf.subarray(a, b), at);
        at += b - a;
      }
    }
    return { bytes, total: this.total, gaps, holes, holeOffsets, truncated: kept < this.total };
  }
}
