/**
 * @module The surge detector's thresholds (each a named constant with the measurement behind its
 * value), the options that override them, and the detection it reports. See docs/surges.md.
 */

/** Trailing window of the baseline: a week, so a weekly rhythm and a few bad days wash out. */
export const WINDOW_HOURS = 168;
/** Nothing fires before the observation holds a day: with no past, a daily peak looks new. */
export const WARMUP_HOURS = 24;
/** The hour-of-day profile replaces the window median once the window holds this many days. */
export const SEASONAL_MIN_DAYS = 1;
/**
 * A level the series already reached in its window (a daily peak, say) must also reach the rise
 * ratio against the envelope of this many hours either side, not just one: a daily peak that
 * comes two hours early is still the series' own peak. Measured: the daily-cycle decoy's peak
 * moves up to 2 hours from one day to the next (±1 h each); on seed 20 it came 2 hours early on
 * day 3, after two late days, and fired the detector (the ±1 h envelope alone; before this
 * change too).
 */
export const FAMILIAR_ENVELOPE_HOURS = 2;
/** Sources must reach this multiple of the expected count... */
export const RISE_RATIO = 2;
/**
 * ...or only this multiple when they also top the largest count of the whole window (as it
 * stood before the run of exceeding buckets began): a level the series has not reached in a
 * week, daily peaks included, cannot be its daily cycle. Measured: at 1.5 without that
 * condition the daily-cycle decoy fired (its ramp hour drifts early and reaches 1.8–1.95 × the
 * hour-of-day envelope); with it, no firing over 29 runs (seeds 1–24 at scale 1, 1–5 at 0.5),
 * and the DSL-2750B wave (1.5–1.9 × in its first hours) is found up to 4 hours sooner. At 1.4
 * still silent; at 1.3 the decoy's ±20% daily peaks top the window.
 */
export const NOVEL_RISE_RATIO = 1.5;
/**
 * ...and lie this many robust standard deviations above it on the Anscombe scale
 * (√(x + 3/8), where Poisson counts have σ ≈ 1/2 whatever their mean).
 */
export const Z_SCORE = 3;
/** σ on the Anscombe scale is 1.4826 × MAD of the window there, and at least Poisson's 1/2. */
export const MIN_SIGMA = 0.5;
/**
 * Accumulated evidence, for rises that creep up: a one-sided CUSUM of the z-scores of the last
 * CUSUM_BUCKETS buckets, S = max(0, S + min(z, CUSUM_CAP) − CUSUM_SLACK), each against the
 * expectation of its own hour of day. A bucket that passes the test fires without a second one
 * when S reaches CUSUM_LIMIT: it alone brings at most CUSUM_CAP − CUSUM_SLACK = 2.25, so the
 * hours before it must add 2.75 more (one at 3.5σ; two at ≈2.1σ; three at ≈1.7σ). Measured on
 * 5.5M hours of Poisson noise (levels 0.3–400, with and without a ±35% daily cycle): 3 false
 * firings by this rule (slack 0.5: 22), next to 5 by the others; none on 29 runs of the six
 * scenarios, and an hour off some gradual detections.
 */
export const CUSUM_BUCKETS = 6;
export const CUSUM_SLACK = 0.75;
export const CUSUM_CAP = 3;
export const CUSUM_LIMIT = 5;
/**
 * The CUSUM path opens once the window holds this much history: with one day, each hour's
 * expectation is a single value, too uncertain to add small excesses against (measured: the
 * false surges of a lower limit came on the second day).
 */
export const CUSUM_MIN_HOURS = 48;
/** Absolute floor, sources per hour, for a series with a baseline (median > 0)... */
export const MIN_SOURCES = 8;
/** ...and for a series with none (new, or quiet more than half the window): the floor is its only guard. */
export const NEW_SERIES_MIN_SOURCES = 15;
/** Floors scale down with buckets shorter than an hour, never below this. */
export const FLOOR_MIN = 3;
/** Consecutive exceeding buckets needed to fire... */
export const PERSIST_BUCKETS = 2;
/** ...unless one bucket reaches this multiple of the expectation and twice the floor... */
export const STRONG_RATIO = 6;
export const STRONG_FLOOR_FACTOR = 2;
/**
 * ...or the series has no baseline (median 0) and the bucket reaches the new-series floor and
 * STRONG_RATIO × the window's largest count: then this many buckets suffice. 15 sources in an
 * hour on a port that saw at most 2 in any hour of the week is no blip; waiting for a second
 * hour only delays it (the 9530/tcp botnet: 2 hours → 1).
 */
export const NEW_SERIES_PERSIST_BUCKETS = 1;
/** Walking back from detection, a bucket is still in the rise above max(ratio × e, e + z × σ). */
export const ONSET_RATIO = 1.5;
export const ONSET_Z = 2;
/** Buckets below that level tolerated inside the rise while walking back. */
export const ONSET_GAP_BUCKETS = 1;
/** A surge ends after END_BUCKETS buckets below max(ratio × e, e + z × σ) of its detection baseline. */
export const RELEASE_RATIO = 1.5;
export const RELEASE_Z = 2;
export const END_BUCKETS = 3;
/** While a surge lasts, a jump to this multiple of the level that fired it is an escalation. */
export const ESCALATION_RATIO = 4;
/** State at the end of the data: `rising` when the peak is among the last RISING_BUCKETS... */
export const RISING_BUCKETS = 3;
/** ...`fading` when the last buckets average at most this share of the peak (or it ended). */
export const FADING_SHARE = 0.5;

/** Every threshold, overridable (flags or config); counts are sources per hour-long bucket. */
export interface SurgeOptions {
  bucketSeconds: number;
  windowHours: number;
  warmupHours: number;
  seasonalMinDays: number;
  familiarEnvelopeHours: number;
  riseRatio: number;
  novelRiseRatio: number;
  zScore: number;
  minSigma: number;
  cusumBuckets: number;
  cusumSlack: number;
  cusumCap: number;
  cusumLimit: number;
  cusumMinHours: number;
  minSources: number;
  newSeriesMinSources: number;
  floorMin: number;
  persistBuckets: number;
  strongRatio: number;
  strongFloorFactor: number;
  newSeriesPersistBuckets: number;
  onsetRatio: number;
  onsetZ: number;
  onsetGapBuckets: number;
  releaseRatio: number;
  releaseZ: number;
  endBuckets: number;
  escalationRatio: number;
  risingBuckets: number;
  fadingShare: number;
}

export const DEFAULT_SURGE_OPTIONS: Readonly<SurgeOptions> = Object.freeze({
  bucketSeconds: 3600,
  windowHours: WINDOW_HOURS,
  warmupHours: WARMUP_HOURS,
  seasonalMinDays: SEASONAL_MIN_DAYS,
  familiarEnvelopeHours: FAMILIAR_ENVELOPE_HOURS,
  riseRatio: RISE_RATIO,
  novelRiseRatio: NOVEL_RISE_RATIO,
  zScore: Z_SCORE,
  minSigma: MIN_SIGMA,
  cusumBuckets: CUSUM_BUCKETS,
  cusumSlack: CUSUM_SLACK,
  cusumCap: CUSUM_CAP,
  cusumLimit: CUSUM_LIMIT,
  cusumMinHours: CUSUM_MIN_HOURS,
  minSources: MIN_SOURCES,
  newSeriesMinSources: NEW_SERIES_MIN_SOURCES,
  floorMin: FLOOR_MIN,
  persistBuckets: PERSIST_BUCKETS,
  strongRatio: STRONG_RATIO,
  strongFloorFactor: STRONG_FLOOR_FACTOR,
  newSeriesPersistBuckets: NEW_SERIES_PERSIST_BUCKETS,
  onsetRatio: ONSET_RATIO,
  onsetZ: ONSET_Z,
  onsetGapBuckets: ONSET_GAP_BUCKETS,
  releaseRatio: RELEASE_RATIO,
  releaseZ: RELEASE_Z,
  endBuckets: END_BUCKETS,
  escalationRatio: ESCALATION_RATIO,
  risingBuckets: RISING_BUCKETS,
  fadingShare: FADING_SHARE,
});

/**
 * Why a detector fired: `persistent`, PERSIST_BUCKETS buckets in a row passed the test;
 * `strong`, one bucket was overwhelming; `new`, a series with no baseline reached its floor and
 * STRONG_RATIO × the window's maximum; `accumulated`, the CUSUM of the last buckets reached
 * CUSUM_LIMIT.
 */
export type SurgeTrigger = "persistent" | "strong" | "new" | "accumulated";

/** A detection, in bucket indices; times and explanations are added by detect-surges.ts. */
export interface RawSurge {
  onset: number;
  /** The bucket at whose end the detector fired. */
  detected: number;
  peak: number;
  peakSources: number;
  detectedSources: number;
  /** What the detector expected at `detected`, the window median, and σ (Anscombe scale). */
  expected: number;
  median: number;
  sigma: number;
  seasonal: boolean;
  newSeries: boolean;
  /** Buckets of history the baseline window held at detection (less than the window early on). */
  history: number;
  /** Which rule fired it (see SurgeTrigger). */
  trigger: SurgeTrigger;
  /** Fired below riseRatio × expected, on a level above every bucket of its window (novelRiseRatio). */
  novel: boolean;
  /** The largest count of the window before the run of exceeding buckets that fired. */
  windowMax: number;
  /** Last bucket above the release level once the surge ended, else -1. */
  ended: number;
  escalations: Array<{ bucket: number; sources: number; median: number }>;
}
