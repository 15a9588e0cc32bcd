/** @module The flow table's storage: flows as rows of typed-array columns, an index and LRU lists. */

import type { StreamBuffer } from "./reassembly.js";

/** Activity lists; each has one timeout, so its head is always the next flow to expire. */
export const LIST_SYN = 0;
export const LIST_EST = 1;
export const LIST_UDP = 2;
export const LIST_CLOSING = 3;
const LISTS = 4;

/** Flow flag bits. */
export const F_CLIENT_A = 1 << 0; // the client is endpoint A (the lower of the two in key order)
export const F_HANDSHAKE = 1 << 1; // the client's SYN was seen
export const F_C_FIN = 1 << 2;
export const F_S_FIN = 1 << 3;
export const F_RST = 1 << 4;
export const F_DATA = 1 << 5; // payload seen in either direction
export const F_C_DATA = 1 << 6; // payload seen from the client
export const F_HDR = 1 << 7; // header fields recorded
export const F_HDR_CLIENT = 1 << 8; // ... from a client packet
export const F_HDR_SYN = 1 << 9; // ... from the client's SYN
export const F_C_ISN = 1 << 10;
export const F_S_ISN = 1 << 11;
/** An IPv6 flow (indexed by its text key); local `V6` is what this module reads (see below). */
export const F_V6 = 1 << 12;
// This module's own copy: V8 folds unexported constants into compiled code, and reads exported
// ones through a cell at every use.
const V6 = F_V6;
export const F_FIN_CLOSE = 1 << 13; // closed by FINs from both sides (before any RST)
export const F_S_DATA = 1 << 14; // payload seen from the server

const INITIAL_ROWS = 1024;

function grown<T extends Uint8Array | Uint16Array | Int32Array | Uint32Array | Float64Array>(
  old: T,
  make: (n: number) => T,
  n: number,
): T {
  const next = make(n);
  next.set(old);
  return next;
}

/** A slot table of `n` empty (hash, row = -1) pairs. */
function emptySlots(n: number): Int32Array {
  const t = new Int32Array(2 * n);
  for (let k = 1; k < t.length; k += 2) t[k] = -1;
  return t;
}

/** Per-flow data only data-carrying or IPv6 flows have. */
export class FlowExtra {
  cStream: StreamBuffer | undefined = undefined;
  sStream: StreamBuffer | undefined = undefined;
  /** IPv6 texts of endpoints A and B, and the flow's index key ("" for IPv4). */
  text6A = "";
  text6B = "";
  key6 = "";
}

/**
 * Flows live as rows (indices) of typed-array columns rather than as objects: a SYN-only flow
 * then allocates nothing, and a million live flows cost the garbage collector nothing to trace.
 * IPv4 flows are found through an open-addressing hash table (linear probing, backward-shift
 * deletion) keyed by the canonical 5-tuple; IPv6 flows, rare in scan traffic, through a Map keyed
 * by a string. Rows are kept in one of four doubly linked lists ordered by last activity.
 */
export class FlowStore {
  rows = INITIAL_ROWS;
  // Key: endpoint A is the lower (address, port) of the two.
  addrA = new Uint32Array(INITIAL_ROWS);
  addrB = new Uint32Array(INITIAL_ROWS);
  /** portA << 16 | portB, unsigned. */
  ports = new Uint32Array(INITIAL_ROWS);
  hash = new Int32Array(INITIAL_ROWS);
  proto = new Uint8Array(INITIAL_ROWS);
  // State.
  flags = new Int32Array(INITIAL_ROWS);
  start = new Float64Array(INITIAL_ROWS);
  end = new Float64Array(INITIAL_ROWS);
  last = new Float64Array(INITIAL_ROWS);
  fileIndex = new Int32Array(INITIAL_ROWS);
  offset = new Float64Array(INITIAL_ROWS);
  /** A value the table's user may attach to a flow (0 when the row is fresh). */
  tag = new Int32Array(INITIAL_ROWS);
  cPkts = new Uint32Array(INITIAL_ROWS);
  sPkts = new Uint32Array(INITIAL_ROWS);
  cIsn = new Uint32Array(INITIAL_ROWS);
  sIsn = new Uint32Array(INITIAL_ROWS);
  // Header fields of the first client packet (of the first SYN when one was seen).
  ttl = new Uint8Array(INITIAL_ROWS);
  window = new Uint16Array(INITIAL_ROWS);
  ipId = new Uint16Array(INITIAL_ROWS);
  seq = new Uint32Array(INITIAL_ROWS);
  optLen = new Uint8Array(INITIAL_ROWS);
  /** Fingerprint of the recorded packet, as an index into `fingerprints`. */
  fpId = new Uint16Array(INITIAL_ROWS);
  /**
   * What only some flows need (streams, IPv6 texts): `extraOf[row]` indexes `extras`, -1 when
   * none. Kept out of columns so a SYN-only IPv4 flow touches no JS object at all; the objects are
   * recycled through `freeExtras`.
   */
  extraOf = new Int32Array(INITIAL_ROWS);
  private readonly extras: FlowExtra[] = [];
  private readonly freeExtras: number[] = [];
  // Lists.
  prev = new Int32Array(INITIAL_ROWS);
  next = new Int32Array(INITIAL_ROWS);
  list = new Uint8Array(INITIAL_ROWS);
  readonly heads = new Int32Array(LISTS).fill(-1);
  readonly tails = new Int32Array(LISTS).fill(-1);

  /** Rows in use. */
  active = 0;
  private used = 0;
  private freeRows = new Int32Array(INITIAL_ROWS);
  private nFree = 0;

  /**
   * Open-addressing table of (hash, row) pairs side by side, so probing and deletion read one
   * cache line per slot instead of chasing rows: with a million flows the table is far larger
   * than the CPU caches, and a miss costs more than the rest of a SYN's handling.
   */
  private slots = emptySlots(1 << 12);
  private mask = (1 << 12) - 1;
  private v4Count = 0;
  /** Slot where the last missed `find4` would insert. */
  private missSlot = -1;
  private readonly v6 = new Map<string, number>();

  /** The row of an IPv4 flow, or -1 (then `insert4` may follow with the same key). */
  find4(a: number, b: number, ports: number, proto: number, h: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let j = h & mask;
    for (;;) {
      const f = slots[2 * j + 1] as number;
      if (f === -1) break;
      if (
        slots[2 * j] === h &&
        this.addrA[f] === a &&
        this.addrB[f] === b &&
        this.ports[f] === ports &&
        this.proto[f] === proto
      ) {
        return f;
      }
      j = (j + 1) & mask;
    }
    this.missSlot = j;
    return -1;
  }

  /** Indexes row `f` (its key columns set) right after a missed `find4` of the same key. */
  insert4(f: number): void {
    const j = this.missSlot;
    this.slots[2 * j] = this.hash[f] as number;
    this.slots[2 * j + 1] = f;
    if (++this.v4Count * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
  }

  find6(key: string): number {
    return this.v6.get(key) ?? -1;
  }

  /** Indexes IPv6 row `f` under `key` (its extra holds the key, for removal). */
  insert6(f: number, key: string): void {
    this.v6.set(key, f);
  }

  /** The extra data of row `f`, created on first use. */
  extra(f: number): FlowExtra {
    const x = this.extraOf[f] as number;
    if (x >= 0) return this.extras[x] as FlowExtra;
    let k = this.freeExtras.pop();
    if (k === undefined) {
      k = this.extras.length;
      this.extras.push(new FlowExtra());
    }
    this.extraOf[f] = k;
    return this.extras[k] as FlowExtra;
  }

  /** Removes row `f` from the index. */
  unindex(f: number): void {
    if ((this.flags[f] as number) & V6) {
      this.v6.delete(this.extra(f).key6);
      return;
    }
    const slots = this.slots;
    const mask = this.mask;
    let j = (this.hash[f] as number) & mask;
    while (slots[2 * j + 1] !== f) j = (j + 1) & mask;
    this.v4Count--;
    // Backward-shift deletion: pull later entries of the probe run into the hole when their home
    // slot is not cyclically inside (j, i].
    let i = j;
    for (;;) {
      i = (i + 1) & mask;
      const g = slots[2 * i + 1] as number;
      if (g === -1) break;
      const home = (slots[2 * i] as number) & mask;
      const stays = i > j ? home > j && home <= i : home > j || home <= i;
      if (!stays) {
        slots[2 * j] = slots[2 * i] as number;
        slots[2 * j + 1] = g;
        j = i;
      }
    }
    slots[2 * j + 1] = -1;
  }

  /** Empties the index (every row must be released too). */
  clearIndex(): void {
    this.slots = emptySlots(1 << 12);
    this.mask = (1 << 12) - 1;
    this.v4Count = 0;
    this.v6.clear();
  }

  private rehash(size: number): void {
    const slots = emptySlots(size);
    const mask = size - 1;
    const old = this.slots;
    for (let k = 1; k < old.length; k += 2) {
      const f = old[k] as number;
      if (f === -1) continue;
      const h = old[k - 1] as number;
      let j = h & mask;
      while (slots[2 * j + 1] !== -1) j = (j + 1) & mask;
      slots[2 * j] = h;
      slots[2 * j + 1] = f;
    }
    this.slots = slots;
    this.mask = mask;
  }

  /** A fresh row; the caller sets every column it reads. */
  alloc(): number {
    this.active++;
    let f: number;
    if (this.nFree > 0) f = this.freeRows[--this.nFree] as number;
    else {
      if (this.used === this.rows) this.growRows();
      f = this.used++;
    }
    this.extraOf[f] = -1;
    this.tag[f] = 0;
    return f;
  }

  /** Returns row `f` (already unindexed and unlinked) to the free list. */
  release(f: number): void {
    this.active--;
    const x = this.extraOf[f] as number;
    if (x >= 0) {
      const e = this.extras[x] as FlowExtra;
      e.cStream = undefined;
      e.sStream = undefined;
      e.text6A = "";
      e.text6B = "";
      e.key6 = "";
      this.freeExtras.push(x);
      this.extraOf[f] = -1;
    }
    this.freeRows[this.nFree++] = f;
  }

  private growRows(): void {
    const n = this.rows * 2;
    this.addrA = grown(this.addrA, (k) => new Uint32Array(k), n);
    this.addrB = grown(this.addrB, (k) => new Uint32Array(k), n);
    this.ports = grown(this.ports, (k) => new Uint32Array(k), n);
    this.hash = grown(this.hash, (k) => new Int32Array(k), n);
    this.proto = grown(this.proto, (k) => new Uint8Array(k), n);
    this.flags = grown(this.flags, (k) => new Int32Array(k), n);
    this.start = grown(this.start, (k) => new Float64Array(k), n);
    this.end = grown(this.end, (k) => new Float64Array(k), n);
    this.last = grown(this.last, (k) => new Float64Array(k), n);
    this.fileIndex = grown(this.fileIndex, (k) => new Int32Array(k), n);
    this.offset = grown(this.offset, (k) => new Float64Array(k), n);
    this.tag = grown(this.tag, (k) => new Int32Array(k), n);
    this.cPkts = grown(this.cPkts, (k) => new Uint32Array(k), n);
    this.sPkts = grown(this.sPkts, (k) => new Uint32Array(k), n);
    this.cIsn = grown(this.cIsn, (k) => new Uint32Array(k), n);
    this.sIsn = grown(this.sIsn, (k) => new Uint32Array(k), n);
    this.ttl = grown(this.ttl, (k) => new Uint8Array(k), n);
    this.window = grown(this.window, (k) => new Uint16Array(k), n);
    this.ipId = grown(this.ipId, (k) => new Uint16Array(k), n);
    this.seq = grown(this.seq, (k) => new Uint32Array(k), n);
    this.optLen = grown(this.optLen, (k) => new Uint8Array(k), n);
    this.prev = grown(this.prev, (k) => new Int32Array(k), n);
    this.next = grown(this.next, (k) => new Int32Array(k), n);
    this.list = grown(this.list, (k) => new Uint8Array(k), n);
    this.freeRows = grown(this.freeRows, (k) => new Int32Array(k), n);
    this.fpId = grown(this.fpId, (k) => new Uint16Array(k), n);
    this.extraOf = grown(this.extraOf, (k) => new Int32Array(k), n);
    this.rows = n;
  }

  /** Appends row `f` (not in any list) at the tail of list `l`. */
  push(f: number, l: number): void {
    const t = this.tails[l] as number;
    this.list[f] = l;
    this.prev[f] = t;
    this.next[f] = -1;
    if (t === -1) this.heads[l] = f;
    else this.next[t] = f;
    this.tails[l] = f;
  }

  /** Unlinks row `f` from its list. */
  unlink(f: number): void {
    const l = this.list[f] as number;
    const p = this.prev[f] as number;
    const n = this.next[f] as number;
    if (p === -1) this.heads[l] = n;
    else this.next[p] = n;
    if (n === -1) this.tails[l] = p;
    else this.prev[n] = p;
  }

  /** Moves row `f` to the tail of list `l` (most recently active). */
  touch(f: number, l: number): void {
    if (this.tails[l] === f) return;
    this.unlink(f);
    this.push(f, l);
  }

  /**
   * The least recently active row over all lists, or -1 when none. With `holdingOnly`, the list
   * of flows that never carried data (and so hold no buffer) is skipped.
   */
  oldest(holdingOnly = false): number {
    let best = -1;
    for (let l = holdingOnly ? LIST_SYN + 1 : 0; l < LISTS; l++) {
      const h = this.heads[l] as number;
      if (h !== -1 && (best === -1 || (this.last[h] as number) < (this.last[best] as number))) {
        best = h;
      }
    }
    return best;
  }
}
