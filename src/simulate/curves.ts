/** @module Time helpers for scenarios: UTC instants in microseconds, phase curves, daily cycles. */

import type { TruthPhase } from "../schema/truth.js";

export const HOUR_US = 3_600_000_000;
export const DAY_US = 24 * HOUR_US;

/** Microseconds since the epoch of an ISO-8601 UTC instant (scenario constants are ISO text). */
export function utc(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not an ISO instant: ${iso}`);
  return ms * 1000;
}

/** ISO-8601 UTC text (second precision) of an instant in microseconds. */
export function iso(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString().replace(".000Z", "Z");
}

/** One corner of a phase curve: from `at` on the value moves linearly towards the next knot. */
export interface Knot {
  at: string;
  value: number;
  /** Names the phase that starts at this knot. */
  label: string;
}

/**
 * A piecewise-linear level over time (e.g. a campaign's active bots): 0 before the first knot,
 * the last value after the last one.
 */
export class Curve {
  private readonly at: number[];
  private readonly values: number[];

  constructor(private readonly knots: readonly Knot[]) {
    this.at = knots.map((k) => utc(k.at));
    this.values = knots.map((k) => k.value);
  }

  value(t: number): number {
    const at = this.at;
    const n = at.length;
    if (n === 0 || t < (at[0] as number)) return 0;
    for (let i = 1; i < n; i++) {
      const b = at[i] as number;
      if (t < b) {
        const a = at[i - 1] as number;
        const va = this.values[i - 1] as number;
        return va + ((this.values[i] as number) - va) * ((t - a) / (b - a));
      }
    }
    return this.values[n - 1] as number;
  }

  /** When the curve first rises above zero. */
  onset(): number {
    for (let i = 0; i < this.at.length; i++) {
      if ((this.values[i] as number) > 0 || (this.values[i + 1] ?? 0) > 0)
        return this.at[i] as number;
    }
    return this.at[0] ?? 0;
  }

  /** The phases between consecutive knots, for the truth file; the last one ends at `end`. */
  phases(end: number): TruthPhase[] {
    const knots = this.knots.filter((k) => utc(k.at) < end);
    return knots.map((k, i) => {
      const next = this.knots[i + 1];
      const to = next && utc(next.at) < end ? utc(next.at) : end;
      return {
        from: iso(utc(k.at)),
        to: iso(to),
        label: k.label,
        startSourcesPerHour: k.value,
        sourcesPerHour: !next ? k.value : utc(next.at) <= end ? next.value : this.value(end),
      };
    });
  }
}

/** A daily cycle: 1 ± amplitude, highest at `peakHourUtc`. */
export function daily(t: number, amplitude: number, peakHourUtc: number): number {
  const hourOfDay = (t % DAY_US) / HOUR_US;
  return 1 + amplitude * Math.cos((2 * Math.PI * (hourOfDay - peakHourUtc)) / 24);
}

/** Picks an index from cumulative weights (last entry is the total). */
export function pickWeighted(cumulative: Float64Array, u: number): number {
  const x = u * (cumulative[cumulative.length - 1] as number);
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cumulative[mid] as number) > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Running sums of `weights`. */
export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let s = 0;
  weights.forEach((w, i) => {
    s += w;
    out[i] = s;
  });
  return out;
}
