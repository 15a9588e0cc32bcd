/** @module Checks of single sensor config values, shared by the config file and the flags. */

import { isIP } from "node:net";

/** A sensor id: letters, digits, ".", "_" and "-", 1 to 64 of them. */
export const SENSOR_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/** A ClickHouse database name that needs no quoting. */
export const DATABASE_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** A name this many edits away (or fewer) from a known one is offered as "did you mean". */
export const SUGGEST_MAX_DISTANCE = 2;
/** URL schemes a NATS server address may use. */
export const NATS_SCHEMES: readonly string[] = ["nats:", "tls:", "ws:", "wss:"];

const quote = (v: string): string => JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}...` : v);

/** A problem with a sensor id, or null. */
export function checkSensorId(v: string): string | null {
  return SENSOR_ID_PATTERN.test(v)
    ? null
    : `${quote(v)} is not a sensor id: 1 to 64 of A-Z a-z 0-9 . _ -`;
}

/** A problem with a listen address (an IP literal), or null. */
export function checkBind(v: string): string | null {
  return isIP(v) !== 0 ? null : `${quote(v)} is not an IP address (e.g. "0.0.0.0" or "::")`;
}

const parseUrl = (v: string): URL | null => {
  try {
    return new URL(v);
  } catch {
    return null;
  }
};

/** A problem with a ClickHouse HTTP URL, or null. */
export function checkClickHouseUrl(v: string): string | null {
  const u = parseUrl(v);
  return u !== null && (u.protocol === "http:" || u.protocol === "https:")
    ? null
    : `${quote(v)} is not an http:// or https:// URL (e.g. "http://127.0.0.1:8123")`;
}

/** A problem with NATS server URLs (one, or several separated by commas), or null. */
export function checkNatsUrl(v: string): string | null {
  for (const part of v.split(",")) {
    const u = parseUrl(part.trim());
    if (u === null || !NATS_SCHEMES.includes(u.protocol)) {
      return `${quote(part.trim())} is not a NATS URL (e.g. "nats://127.0.0.1:4222")`;
    }
  }
  return null;
}

/** A problem with a ClickHouse database name, or null. */
export function checkDatabase(v: string): string | null {
  return DATABASE_PATTERN.test(v)
    ? null
    : `${quote(v)} is not a database name: a letter or "_", then letters, digits or "_"`;
}

/** Levenshtein distance, or `max + 1` as soon as it must exceed `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const d = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost,
      );
      row.push(d);
      best = Math.min(best, d);
    }
    if (best > max) return max + 1;
    prev = row;
  }
  return prev[b.length] as number;
}

/** ` (did you mean "x"?)` for the known name closest to `word`, or "" when none is close. */
export function suggest(word: string, known: Iterable<string>): string {
  const norm = (s: string): string => s.toLowerCase().replaceAll("_", "-");
  let best: string | undefined;
  let bestD = SUGGEST_MAX_DISTANCE + 1;
  for (const k of known) {
    const d = norm(k) === norm(word) ? 0 : editDistance(word, k, SUGGEST_MAX_DISTANCE);
    if (d < bestD && d < word.length) {
      best = k;
      bestD = d;
    }
  }
  return best === undefined ? "" : ` (did you mean ${JSON.stringify(best)}?)`;
}
