/** @module Time formatting shared by the report builders. */

/** ISO-8601 UTC text of a time in microseconds since the epoch. */
export function isoTime(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}
