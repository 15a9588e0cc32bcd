/**
 * @module Open-addressing hash tables over typed arrays for the per-packet counters: IPv4
 * addresses are above 2^30 and would be boxed as keys of a Map, and a Set per port costs far
 * more memory than one shared table of (port, source) pairs.
 */

const EMPTY = -1;
const MAX_LOAD = 0.5;

function hash32(x: number): number {
  let h = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Maps unsigned 32-bit keys to non-negative int32 values. */
export class U32Map {
  private keys: Int32Array;
  private vals: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.keys = new Int32Array(n);
    this.vals = new Int32Array(n).fill(EMPTY);
    this.mask = n - 1;
  }

  /** The value for `key`, or -1. */
  get(key: number): number {
    const k = key | 0;
    const mask = this.mask;
    for (let i = hash32(k) & mask; ; i = (i + 1) & mask) {
      const v = this.vals[i] as number;
      if (v === EMPTY || this.keys[i] === k) return v;
    }
  }

  /** Sets `key` to `value` (value >= 0). */
  set(key: number, value: number): void {
    const k = key | 0;
    const mask = this.mask;
    let i = hash32(k) & mask;
    for (;;) {
      const v = this.vals[i] as number;
      if (v === EMPTY) break;
      if (this.keys[i] === k) {
        this.vals[i] = value;
        return;
      }
      i = (i + 1) & mask;
    }
    this.keys[i] = k;
    this.vals[i] = value;
    if (++this.size > this.keys.length * MAX_LOAD) this.grow();
  }

  private grow(): void {
    const oldK = this.keys;
    const oldV = this.vals;
    const n = oldK.length * 2;
    this.keys = new Int32Array(n);
    this.vals = new Int32Array(n).fill(EMPTY);
    this.mask = n - 1;
    for (let j = 0; j < oldK.length; j++) {
      const v = oldV[j] as number;
      if (v === EMPTY) continue;
      const k = oldK[j] as number;
      let i = hash32(k) & this.mask;
      while (this.vals[i] !== EMPTY) i = (i + 1) & this.mask;
      this.keys[i] = k;
      this.vals[i] = v;
    }
  }
}

/** A set of pairs of non-negative int32 values (here: port key, source index). */
export class PairSet {
  private a: Int32Array;
  private b: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 4096) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.a = new Int32Array(n).fill(EMPTY);
    this.b = new Int32Array(n);
    this.mask = n - 1;
  }

  /** Adds (x, y); true when it was not there before. */
  add(x: number, y: number): boolean {
    const mask = this.mask;
    for (let i = hash32(Math.imul(x, 0x9e3779b1) ^ y) & mask; ; i = (i + 1) & mask) {
      const ax = this.a[i] as number;
      if (ax === EMPTY) {
        this.a[i] = x;
        this.b[i] = y;
        if (++this.size > this.a.length * MAX_LOAD) this.grow();
        return true;
      }
      if (ax === x && this.b[i] === y) return false;
    }
  }

  has(x: number, y: number): boolean {
    const mask = this.mask;
    for (let i = hash32(Math.imul(x, 0x9e3779b1) ^ y) & mask; ; i = (i + 1) & mask) {
      const ax = this.a[i] as number;
      if (ax === EMPTY) return false;
      if (ax === x && this.b[i] === y) return true;
    }
  }

  /** Calls `fn` for every pair. */
  forEach(fn: (x: number, y: number) => void): void {
    for (let i = 0; i < this.a.length; i++) {
      const x = this.a[i] as number;
      if (x !== EMPTY) fn(x, this.b[i] as number);
    }
  }

  private grow(): void {
    const oa = this.a;
    const ob = this.b;
    const n = oa.length * 2;
    this.a = new Int32Array(n).fill(EMPTY);
    this.b = new Int32Array(n);
    this.mask = n - 1;
    for (let j = 0; j < oa.length; j++) {
      const x = oa[j] as number;
      if (x === EMPTY) continue;
      const y = ob[j] as number;
      let i = hash32(Math.imul(x, 0x9e3779b1) ^ y) & this.mask;
      while (this.a[i] !== EMPTY) i = (i + 1) & this.mask;
      this.a[i] = x;
      this.b[i] = y;
    }
  }
}
