/**
 * @module Collects generated frames, then writes them in timestamp order: generators emit whole
 * exchanges at once (replies land in the future), so each time window is sorted before it is
 * written and what lies beyond the window edge is carried to the next one.
 */

import { encodeFrame, FrameFields, MAX_HEADERS } from "./frame-encoder.js";

/** Where ordered frames go (PcapFileWriter fits; tests may collect in memory). */
export interface FrameSink {
  write(tsMicros: number, frame: Uint8Array): void;
}

/** Index bits of a sort key; a window may hold up to 2^21 frames before the slow path. */
const INDEX_BITS = 2 ** 21;
/** Timestamps relative to the flushed horizon must fit 32 bits to share a key with the index. */
const REL_LIMIT = 2 ** 32;

/** A time-ordering buffer of encoded frames in front of a FrameSink. */
export class PacketQueue {
  /** Fill these fields, then call push(ts). */
  readonly f = new FrameFields();
  /** Frames written to the sink so far. */
  written = 0;
  private buf: Uint8Array = new Uint8Array(1 << 20);
  private spare: Uint8Array = new Uint8Array(1 << 20);
  private used = 0;
  private ts = new Float64Array(4096);
  private off = new Uint32Array(4096);
  private len = new Uint32Array(4096);
  private n = 0;
  private keys = new Float64Array(4096);
  /** Every frame before this time has been written; pushing earlier frames is a generator bug. */
  private flushed: number;

  constructor(
    private readonly sink: FrameSink,
    startUs: number,
  ) {
    this.flushed = startUs;
  }

  /** Encodes the current fields as a frame captured at `tsUs` (integer microseconds). */
  push(tsUs: number): void {
    if (tsUs < this.flushed) {
      throw new Error(`frame at ${tsUs} is before the written horizon ${this.flushed}`);
    }
    const need = MAX_HEADERS + (this.f.payEnd - this.f.payStart);
    if (this.used + need > this.buf.length) this.growBytes(this.used + need);
    if (this.n === this.ts.length) this.growEntries();
    const o = this.used;
    const l = encodeFrame(this.f, this.buf, o);
    this.used = o + l;
    this.ts[this.n] = Math.floor(tsUs);
    this.off[this.n] = o;
    this.len[this.n] = l;
    this.n++;
  }

  /** Writes, in time order, every queued frame before `horizonUs`; keeps the rest. */
  flushUntil(horizonUs: number): void {
    const base = this.flushed;
    let k = 0;
    let fast = this.n < INDEX_BITS && horizonUs - base < REL_LIMIT;
    if (this.keys.length < this.n) this.keys = new Float64Array(this.ts.length);
    const keys = this.keys;
    for (let i = 0; i < this.n; i++) {
      const t = this.ts[i];
      if (t < horizonUs) keys[k++] = (t - base) * INDEX_BITS + i;
    }
    let order: ArrayLike<number>;
    if (fast) {
      const view = keys.subarray(0, k);
      view.sort();
      for (let j = 0; j < k; j++) view[j] = view[j] % INDEX_BITS;
      order = view;
    } else {
      const idx: number[] = [];
      for (let i = 0; i < this.n; i++) if (this.ts[i] < horizonUs) idx.push(i);
      idx.sort((a, b) => this.ts[a] - this.ts[b] || a - b);
      order = idx;
      fast = false;
    }
    for (let j = 0; j < order.length; j++) {
      const i = order[j];
      const o = this.off[i];
      this.sink.write(this.ts[i], this.buf.subarray(o, o + this.len[i]));
    }
    this.written += order.length;
    this.compact(horizonUs);
    this.flushed = horizonUs;
  }

  /** Writes everything still queued. */
  finish(): void {
    let last = this.flushed;
    for (let i = 0; i < this.n; i++) if (this.ts[i] >= last) last = this.ts[i] + 1;
    this.flushUntil(last);
  }

  /** Moves the frames at or after `horizonUs` to the front of the spare buffer and swaps. */
  private compact(horizonUs: number): void {
    let m = 0;
    let used = 0;
    for (let i = 0; i < this.n; i++) {
      if (this.ts[i] < horizonUs) continue;
      const o = this.off[i];
      const l = this.len[i];
      if (used + l > this.spare.length) this.spare = grow(this.spare, used + l, used);
      this.spare.set(this.buf.subarray(o, o + l), used);
      this.ts[m] = this.ts[i];
      this.off[m] = used;
      this.len[m] = l;
      used += l;
      m++;
    }
    const old = this.buf;
    this.buf = this.spare;
    this.spare = old;
    this.used = used;
    this.n = m;
  }

  private growBytes(min: number): void {
    this.buf = grow(this.buf, min, this.used);
  }

  private growEntries(): void {
    const size = this.ts.length * 2;
    const ts = new Float64Array(size);
    ts.set(this.ts);
    const off = new Uint32Array(size);
    off.set(this.off);
    const len = new Uint32Array(size);
    len.set(this.len);
    this.ts = ts;
    this.off = off;
    this.len = len;
  }
}

function grow(b: Uint8Array, min: number, keep: number): Uint8Array {
  let size = b.length * 2;
  while (size < min) size *= 2;
  const out = new Uint8Array(size);
  out.set(b.subarray(0, keep));
  return out;
}
