/**
 * @module What both stores do around their SQL: checking arguments before they become SQL
 * literals, turning µs ranges into bucket bounds, and filling dense series from sparse rows.
 */

import { PortentError } from "../schema/errors.js";
import { MIN_BUCKET_SECONDS, PROTOS, type Proto, protoCode } from "./records.js";
import type { PortKey, TimeRange } from "./store.js";

/** Raised for a store argument that cannot be honoured (a bucket finer than stored, a bad id). */
export class StoreArgumentError extends PortentError {
  constructor(message: string) {
    super("E_USAGE", message);
    this.name = "StoreArgumentError";
  }
}

/** An integer literal for SQL; anything else throws (values are never spliced in as text). */
export function int(n: number | bigint): string {
  if (typeof n === "bigint") return n.toString();
  if (!Number.isSafeInteger(n)) throw new StoreArgumentError(`not an integer: ${n}`);
  return String(n);
}

const HEX_ID = /^[0-9a-f]{1,64}$/;

/** A hex id (template id) as a SQL string literal; anything else throws. */
export function hexLiteral(id: string): string {
  if (!HEX_ID.test(id)) throw new StoreArgumentError(`not a hex id: ${JSON.stringify(id)}`);
  return `'${id}'`;
}

/** The bucket of a series: the store's, or a multiple of it. */
export function seriesBucket(stored: number, asked: number | undefined): number {
  const b = asked ?? stored;
  if (!Number.isInteger(b) || b < stored || b % stored !== 0) {
    throw new StoreArgumentError(
      `bucket of ${b}s: the store keeps ${stored}s buckets; ask for a multiple of ${stored}s`,
    );
  }
  return b;
}

/** A bucket size for a new store: whole minutes, from MIN_BUCKET_SECONDS to a day, dividing a day. */
export function checkBucket(b: number): number {
  if (!Number.isInteger(b) || b < MIN_BUCKET_SECONDS || b > 86400 || 86400 % b !== 0) {
    throw new StoreArgumentError(
      `bucket of ${b}s: use ${MIN_BUCKET_SECONDS}s to 86400s, a divisor of a day`,
    );
  }
  return b;
}

/** Refuses a range whose ends are not numbers, so no NaN ever reaches SQL text. */
function finiteRange(range: TimeRange): void {
  if (!Number.isFinite(range.from) || !Number.isFinite(range.to)) {
    throw new StoreArgumentError(
      `time range ${String(range.from)}..${String(range.to)} is not a pair of times`,
    );
  }
}

/** Range bounds in whole seconds, widened to whole buckets of `b` seconds. */
export function bucketBounds(range: TimeRange, b: number): { from: number; to: number; n: number } {
  finiteRange(range);
  const from = Math.floor(Math.floor(range.from / 1e6) / b) * b;
  const to = Math.max(from, Math.ceil(Math.ceil(range.to / 1e6) / b) * b);
  return { from, to, n: (to - from) / b };
}

/** Range bounds in whole seconds: rows whose start s satisfies from <= s < to. */
export function secondBounds(range: TimeRange): { from: number; to: number } {
  finiteRange(range);
  return { from: Math.ceil(range.from / 1e6), to: Math.ceil(range.to / 1e6) };
}

/** A SQL condition selecting the listed ports (by proto code and port), "1 = 1" when none listed. */
export function portFilter(ports: PortKey[] | undefined): string {
  if (ports === undefined) return "1 = 1";
  if (ports.length === 0) return "1 = 0";
  const parts = ports.map((p) => `(proto = ${int(code(p.proto))} AND port = ${int(p.port)})`);
  return `(${parts.join(" OR ")})`;
}

export function code(p: Proto): number {
  const c = protoCode(p);
  if (c < 0) throw new StoreArgumentError(`unknown protocol: ${JSON.stringify(p)}`);
  return c;
}

export function protoName(c: number): Proto {
  return PROTOS[c] ?? "tcp";
}

/** Splits a comma-joined list column ("" is an empty list). */
export function splitList(s: string): string[] {
  return s === "" ? [] : s.split(",");
}

/** Groups sparse (key, bucket index, values) rows into dense arrays of `n` buckets per key. */
export function densify<K>(
  rows: Iterable<{ key: string; keyValue: K; i: number; values: number[] }>,
  n: number,
  width: number,
): Map<string, { keyValue: K; columns: Uint32Array[] }> {
  const out = new Map<string, { keyValue: K; columns: Uint32Array[] }>();
  for (const r of rows) {
    let e = out.get(r.key);
    if (e === undefined) {
      e = {
        keyValue: r.keyValue,
        columns: Array.from({ length: width }, () => new Uint32Array(n)),
      };
      out.set(r.key, e);
    }
    if (r.i < 0 || r.i >= n) continue;
    for (let w = 0; w < width; w++) (e.columns[w] as Uint32Array)[r.i] = r.values[w] as number;
  }
  return out;
}
