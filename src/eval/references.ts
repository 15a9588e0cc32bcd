/**
 * @module Reference detectors for the evaluation, run on the same hourly series as Portent's:
 *
 * - `dshield`: the DShield/ISC port trend, sqrt((S−s)²/s + (T−t)²/t), with S the sources of the
 *   current period and s the average per period over the past 30 days (isc.sans.edu/trends.html;
 *   there it compares the last 24 hours to a 30-day daily average). Here at hourly periods and
 *   sources only (T/t, targets, left out), firing when the trend reaches DSHIELD_MIN_TREND.
 * - `greynoise`: GreyNoise's tag anomaly (docs.greynoise.io "Tag Trends - Anomalies"): a peak,
 *   confirmed by a change of slope from increasing to decreasing, scored
 *   (peak − long-term average) / long-term average; fires at the bucket that confirms a peak
 *   whose score reaches GREYNOISE_MIN_SCORE, the average taken over the past 10 days.
 *
 * Neither publishes an alert threshold (both rank); ours are stated below. Both get Portent's
 * absolute floor and warm-up, so they are not drowned in one-source blips. These are sketches of
 * the published methods for comparison, not their production code.
 */

import type { Series, SeriesSet } from "../analyse/series.js";
import { valueAt } from "../analyse/surge-window.js";
import { MIN_SOURCES, WARMUP_HOURS } from "../analyse/surges.js";

export const DSHIELD_WINDOW_HOURS = 30 * 24;
export const DSHIELD_MIN_TREND = 3;
export const GREYNOISE_WINDOW_HOURS = 10 * 24;
export const GREYNOISE_MIN_SCORE = 1;

export type ReferenceName = "dshield" | "greynoise";

/** One firing of a reference detector: at the end of `bucket`. */
export interface ReferenceDetection {
  detector: ReferenceName;
  series: Series;
  bucket: number;
  value: number;
  score: number;
}

/** Mean of buckets [lo, hi) of a series. */
function mean(s: Series, lo: number, hi: number): number {
  if (hi <= lo) return 0;
  let sum = 0;
  for (let r = s.lowerBound(lo); r < s.n && (s.buckets[r] as number) < hi; r++)
    sum += s.sources[r] as number;
  return sum / (hi - lo);
}

/** Runs both reference detectors over every port series; one detection per episode of firing. */
export function referenceDetections(set: SeriesSet): ReferenceDetection[] {
  const out: ReferenceDetection[] = [];
  const warm = set.first + WARMUP_HOURS;
  for (const s of set.ports) {
    let max = 0;
    for (let r = 0; r < s.n; r++) max = Math.max(max, s.sources[r] as number);
    if (max < MIN_SOURCES) continue;
    let dFiring = false;
    for (let t = warm; t < set.end; t++) {
      const x = valueAt(s, t);
      // dshield: a Poisson-style z of the period against the 30-day average, either direction
      const avg = mean(s, Math.max(set.first, t - DSHIELD_WINDOW_HOURS), t);
      const trend = Math.sqrt((x - avg) ** 2 / Math.max(avg, 1 / 24));
      const fires = trend >= DSHIELD_MIN_TREND && Math.max(x, avg) >= MIN_SOURCES;
      if (fires && !dFiring)
        out.push({ detector: "dshield", series: s, bucket: t, value: x, score: trend });
      dFiring = fires;
      // greynoise: bucket t confirms a peak at t - 1 when the slope turns from up to down
      const p = valueAt(s, t - 1);
      if (p >= MIN_SOURCES && p > valueAt(s, t - 2) && x < p) {
        const lt = mean(s, Math.max(set.first, t - 1 - GREYNOISE_WINDOW_HOURS), t - 1);
        const score = (p - lt) / Math.max(lt, 1 / 24);
        if (score >= GREYNOISE_MIN_SCORE)
          out.push({ detector: "greynoise", series: s, bucket: t, value: p, score });
      }
    }
  }
  return out.sort((a, b) => a.bucket - b.bucket);
}
