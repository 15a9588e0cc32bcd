/**
 * @module The (key, source) pairs of one open bucket in an open-addressing table over typed
 * arrays, each with its packet count and fingerprint bits: distinct counting then allocates
 * nothing per record (a Map keyed by IPv4 addresses, most above 2^30, boxes every key).
 */

const MAX_LOAD = 0.5;

function hash(key: number, src: number): number {
  let h = Math.imul(key, 0x9e3779b1) ^ src;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

export class PairTable {
  /** Entries in insertion order: key, source, packets, fingerprint bits, and a tag of the caller's. */
  keys: Int32Array;
  srcs: Int32Array;
  packets: Float64Array;
  bits: Uint8Array;
  tags: Int32Array;
  n = 0;
  /** Entry index + 1 per slot, 0 when empty. */
  private slots: Int32Array;
  private mask: number;

  constructor(capacity = 64) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.slots = new Int32Array(n);
    this.mask = n - 1;
    this.keys = new Int32Array(n >> 1);
    this.srcs = new Int32Array(n >> 1);
    this.packets = new Float64Array(n >> 1);
    this.bits = new Uint8Array(n >> 1);
    this.tags = new Int32Array(n >> 1);
  }

  /** Empties the table, keeping its arrays (tables are reused bucket after bucket). */
  clear(): void {
    this.slots.fill(0);
    this.n = 0;
  }

  /** Entry of (key, src), or -1. */
  find(key: number, src: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = hash(key, src) & mask; ; i = (i + 1) & mask) {
      const e = (slots[i] as number) - 1;
      if (e < 0) return -1;
      if (this.keys[e] === key && this.srcs[e] === src) return e;
    }
  }

  /** Adds packets and fingerprint bits to (key, src), tagging a new pair; true when it is new. */
  add(key: number, src: number, packets: number, bits: number, tag: number): boolean {
    const slots = this.slots;
    const mask = this.mask;
    let i = hash(key, src) & mask;
    for (;;) {
      const e = (slots[i] as number) - 1;
      if (e < 0) break;
      if (this.keys[e] === key && this.srcs[e] === src) {
        this.packets[e] = (this.packets[e] as number) + packets;
        this.bits[e] = (this.bits[e] as number) | bits;
        return false;
      }
      i = (i + 1) & mask;
    }
    const e = this.n++;
    if (e === this.keys.length) this.growEntries();
    this.keys[e] = key;
    this.srcs[e] = src;
    this.packets[e] = packets;
    this.bits[e] = bits;
    this.tags[e] = tag;
    slots[i] = e + 1;
    if (this.n > (this.mask + 1) * MAX_LOAD) this.rehash();
    return true;
  }

  private growEntries(): void {
    const cap = this.keys.length * 2;
    const k = new Int32Array(cap);
    k.set(this.keys);
    this.keys = k;
    const s = new Int32Array(cap);
    s.set(this.srcs);
    this.srcs = s;
    const p = new Float64Array(cap);
    p.set(this.packets);
    this.packets = p;
    const b = new Uint8Array(cap);
    b.set(this.bits);
    this.bits = b;
    const g = new Int32Array(cap);
    g.set(this.tags);
    this.tags = g;
  }

  private rehash(): void {
    const n = (this.mask + 1) * 2;
    const slots = new Int32Array(n);
    const mask = n - 1;
    for (let e = 0; e < this.n; e++) {
      let i = hash(this.keys[e] as number, this.srcs[e] as number) & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = e + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
