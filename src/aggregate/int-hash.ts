/**
 * @module Open-addressing hash tables over typed arrays for the per-packet counters: IPv4
 * addresses are above 2^30 and would be boxed as keys of a Map, and a Set per port costs far
 * more memory than one shared table of (port, source) pairs.
 */

/**
 * An empty slot holds 0: what the tables store is one more than the value (U32Map) or the first
 * half of the pair (PairSet), so a fresh Int32Array, zeroed by the allocator, is an empty table
 * without a pass that fills it (that pass was about 1% of a large capture's analysis).
 */
const EMPTY = 0;
const MAX_LOAD = 0.5;

function hash32(x: number): number {
  let h = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Maps unsigned 32-bit keys to int32 values from 0 to 2^31 - 2. Keys and values sit side by side in one
 * array (`slots[2i]`, `slots[2i + 1]`), so a lookup reads one cache line, not one per array.
 */
export class U32Map {
  private slots: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.slots = new Int32Array(2 * n);
    this.mask = n - 1;
  }

  /** The value for `key`, or -1. */
  get(key: number): number {
    const k = key | 0;
    const slots = this.slots;
    const mask = this.mask;
    for (let i = hash32(k) & mask; ; i = (i + 1) & mask) {
      const v = slots[2 * i + 1] as number;
      if (v === EMPTY || slots[2 * i] === k) return v - 1;
    }
  }

  /** Sets `key` to `value` (value >= 0). */
  set(key: number, value: number): void {
    const k = key | 0;
    const slots = this.slots;
    const mask = this.mask;
    let i = hash32(k) & mask;
    for (;;) {
      const v = slots[2 * i + 1] as number;
      if (v === EMPTY) break;
      if (slots[2 * i] === k) {
        slots[2 * i + 1] = value + 1;
        return;
      }
      i = (i + 1) & mask;
    }
    slots[2 * i] = k;
    slots[2 * i + 1] = value + 1;
    if (++this.size > (this.mask + 1) * MAX_LOAD) this.grow();
  }

  private grow(): void {
    const old = this.slots;
    const n = (this.mask + 1) * 2;
    const slots = new Int32Array(2 * n);
    const mask = n - 1;
    for (let j = 0; j < old.length; j += 2) {
      const v = old[j + 1] as number;
      if (v === EMPTY) continue;
      const k = old[j] as number;
      let i = hash32(k) & mask;
      while (slots[2 * i + 1] !== EMPTY) i = (i + 1) & mask;
      slots[2 * i] = k;
      slots[2 * i + 1] = v;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/**
 * A set of pairs of non-negative int32 values (here: port key, source index). The two halves of a
 * pair sit side by side in one array, so a probe reads one cache line: the table holds about a
 * million pairs in a busy capture, far beyond the CPU caches.
 */
export class PairSet {
  private slots: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 4096) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.slots = new Int32Array(2 * n);
    this.mask = n - 1;
  }

  /** Adds (x, y); true when it was not there before. */
  add(x: number, y: number): boolean {
    const slots = this.slots;
    const mask = this.mask;
    const x1 = (x + 1) | 0;
    for (let i = pairHash(x, y) & mask; ; i = (i + 1) & mask) {
      const ax = slots[2 * i] as number;
      if (ax === EMPTY) {
        slots[2 * i] = x1;
        slots[2 * i + 1] = y;
        if (++this.size > (this.mask + 1) * MAX_LOAD) this.grow();
        return true;
      }
      if (ax === x1 && slots[2 * i + 1] === y) return false;
    }
  }

  has(x: number, y: number): boolean {
    const slots = this.slots;
    const mask = this.mask;
    const x1 = (x + 1) | 0;
    for (let i = pairHash(x, y) & mask; ; i = (i + 1) & mask) {
      const ax = slots[2 * i] as number;
      if (ax === EMPTY) return false;
      if (ax === x1 && slots[2 * i + 1] === y) return true;
    }
  }

  /** Calls `fn` for every pair. */
  forEach(fn: (x: number, y: number) => void): void {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i += 2) {
      const x1 = slots[i] as number;
      if (x1 !== EMPTY) fn((x1 - 1) | 0, slots[i + 1] as number);
    }
  }

  private grow(): void {
    const old = this.slots;
    const n = (this.mask + 1) * 2;
    const slots = new Int32Array(2 * n);
    const mask = n - 1;
    for (let j = 0; j < old.length; j += 2) {
      const x1 = old[j] as number;
      if (x1 === EMPTY) continue;
      const y = old[j + 1] as number;
      let i = pairHash((x1 - 1) | 0, y) & mask;
      while (slots[2 * i] !== EMPTY) i = (i + 1) & mask;
      slots[2 * i] = x1;
      slots[2 * i + 1] = y;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

function pairHash(x: number, y: number): number {
  return hash32(Math.imul(x, 0x9e3779b1) ^ y);
}
