/**
 * @module A memo of payload matching by session content. Botnets send the same bytes from
 * thousands of sources (one exploit, one loader, one telnet script), and what a rule's content,
 * pcre and byte keywords say about a session depends on its bytes alone. Sessions whose bytes
 * equal a recent session's reuse its prefilter candidates and match-list outcomes; the header,
 * flow, flowbits, xbits and threshold checks still run for every session.
 */

import type { Session } from "../../schema/session.js";

/** Sessions with more payload than this (both directions) are not memoised. */
export const MEMO_MAX_BYTES = 8192;
/** Payload bytes the memo keeps (for the exact comparison); the least recently used go first. */
export const MEMO_BUDGET = 16 << 20;

/** What one session content produced. */
export class MemoEntry {
  /** Prefilter candidates from the content (the always-evaluated rules excluded). */
  candidates: Int32Array = new Int32Array(0);
  /** (rule, transaction, direction) -> 0 when the match lists failed, else end of match + 1. */
  private readonly outcomes = new Map<number, number>();

  constructor(
    readonly hash: number,
    readonly proto: string,
    readonly client: Uint8Array,
    readonly server: Uint8Array,
    readonly clientTotal: number,
    readonly serverTotal: number,
  ) {}

  /** Bytes accounted to the entry (its payload plus a flat allowance for the outcomes). */
  get size(): number {
    return this.client.length + this.server.length + 512;
  }

  outcome(rule: number, tx: number, dir: number): number | undefined {
    return this.outcomes.get(key(rule, tx, dir));
  }

  record(rule: number, tx: number, dir: number, v: number): void {
    this.outcomes.set(key(rule, tx, dir), v);
  }
}

function key(rule: number, tx: number, dir: number): number {
  // tx is below 128 (the HTTP parser keeps at most 100 messages); -1 means no transaction.
  return (rule * 256 + (tx + 1)) * 4 + dir;
}

/** A 32-bit hash of bytes, four at a time (murmur-style mixing). */
function hashBytes(b: Uint8Array, h: number): number {
  const n = b.length;
  const end = n & ~3;
  let i = 0;
  for (; i < end; i += 4) {
    let k =
      (b[i] as number) |
      ((b[i + 1] as number) << 8) |
      ((b[i + 2] as number) << 16) |
      ((b[i + 3] as number) << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  for (; i < n; i++) h = Math.imul(h ^ (b[i] as number), 0x01000193);
  return h ^ n;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

export class MatchCache {
  /** Entries in least-recently-used order (a Map keeps insertion order). */
  private readonly lru = new Map<MemoEntry, true>();
  private readonly byHash = new Map<number, MemoEntry[]>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  /** The entry of a session with the same content, or a new one (undefined when too large). */
  entry(s: Session): { entry: MemoEntry; hit: boolean } | undefined {
    const c = s.clientBytes;
    const v = s.serverBytes;
    if (c.length + v.length > MEMO_MAX_BYTES) return undefined;
    const h = hashBytes(v, hashBytes(c, s.proto === "tcp" ? 0x811c9dc5 : 0x5bd1e995));
    const list = this.byHash.get(h);
    if (list !== undefined) {
      for (const e of list) {
        if (
          e.proto === s.proto &&
          e.clientTotal === s.clientBytesTotal &&
          e.serverTotal === s.serverBytesTotal &&
          same(e.client, c) &&
          same(e.server, v)
        ) {
          this.lru.delete(e);
          this.lru.set(e, true);
          this.hits++;
          return { entry: e, hit: true };
        }
      }
    }
    this.misses++;
    const e = new MemoEntry(h, s.proto, c, v, s.clientBytesTotal, s.serverBytesTotal);
    if (list === undefined) this.byHash.set(h, [e]);
    else list.push(e);
    this.lru.set(e, true);
    this.bytes += e.size;
    this.trim();
    return { entry: e, hit: false };
  }

  private trim(): void {
    while (this.bytes > MEMO_BUDGET) {
      const oldest = this.lru.keys().next();
      if (oldest.done === true) return;
      const e = oldest.value;
      this.lru.delete(e);
      this.bytes -= e.size;
      const list = this.byHash.get(e.hash);
      if (list !== undefined) {
        const rest = list.filter((x) => x !== e);
        if (rest.length === 0) this.byHash.delete(e.hash);
        else this.byHash.set(e.hash, rest);
      }
    }
  }
}
