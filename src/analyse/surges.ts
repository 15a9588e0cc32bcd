/**
 * @module The surge detector over one series of distinct sources per bucket: a robust baseline
 * from the series' own past (median and MAD of a trailing window, raised to the hour-of-day
 * profile once there is enough history), a rise ratio, an absolute floor (higher for a series
 * with no baseline), and a persistence requirement. It is a step function over the buckets in
 * time order, reading only buckets up to the one it steps on, so `detected` is by construction
 * the first bucket at which a detector fed only the past fires. See docs/surges.md.
 */

import {
  anscombe,
  SortedWindow,
  type SparseSeries,
  sortedMedian,
  unanscombe,
  valueAt,
} from "./surge-window.js";

/** Trailing window of the baseline: a week, so a weekly rhythm and a few bad days wash out. */
export const WINDOW_HOURS = 168;
/** Nothing fires before the observation holds a day: with no past, a daily peak looks new. */
export const WARMUP_HOURS = 24;
/** The hour-of-day profile replaces the window median once the window holds this many days. */
export const SEASONAL_MIN_DAYS = 1;
/** Sources must reach this multiple of the expected count... */
export const RISE_RATIO = 2;
/**
 * ...and lie this many robust standard deviations above it on the Anscombe scale
 * (√(x + 3/8), where Poisson counts have σ ≈ 1/2 whatever their mean).
 */
export const Z_SCORE = 3;
/** σ on the Anscombe scale is 1.4826 × MAD of the window there, and at least Poisson's 1/2. */
export const MIN_SIGMA = 0.5;
/** Absolute floor, sources per hour, for a series with a baseline (median > 0)... */
export const MIN_SOURCES = 8;
/** ...and for a series with none (new, or quiet more than half the window): the floor is its only guard. */
export const NEW_SERIES_MIN_SOURCES = 15;
/** Floors scale down with buckets shorter than an hour, never below this. */
export const FLOOR_MIN = 3;
/** Consecutive exceeding buckets needed to fire... */
export const PERSIST_BUCKETS = 2;
/** ...unless one bucket reaches this multiple of the expectation and twice the floor. */
export const STRONG_RATIO = 6;
export const STRONG_FLOOR_FACTOR = 2;
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
  riseRatio: number;
  zScore: number;
  minSigma: number;
  minSources: number;
  newSeriesMinSources: number;
  floorMin: number;
  persistBuckets: number;
  strongRatio: number;
  strongFloorFactor: number;
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
  riseRatio: RISE_RATIO,
  zScore: Z_SCORE,
  minSigma: MIN_SIGMA,
  minSources: MIN_SOURCES,
  newSeriesMinSources: NEW_SERIES_MIN_SOURCES,
  floorMin: FLOOR_MIN,
  persistBuckets: PERSIST_BUCKETS,
  strongRatio: STRONG_RATIO,
  strongFloorFactor: STRONG_FLOOR_FACTOR,
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
  /** Last bucket above the release level once the surge ended, else -1. */
  ended: number;
  escalations: Array<{ bucket: number; sources: number; median: number }>;
}

/** Values of one hour-of-day group in a window (a week of 5-minute buckets is 84). */
const GROUP_MAX = 1024;
/** Scratch for the seasonal medians, shared by all detectors (they run one at a time). */
const SCRATCH = new Float64Array(GROUP_MAX);
const UNION = new Float64Array(3 * GROUP_MAX);

/** The baseline frozen at detection: the expectation of any bucket, for onset and release. */
interface Model {
  median: number;
  sigma: number;
  /** Per hour-of-day group: the envelope and pooled expectations (see seasonalAt), or null. */
  envelope: Float64Array | null;
  pooled: Float64Array | null;
}

interface Evidence {
  history: number;
  median: number;
  /** What the rise ratio compares against, and what the significance test does. */
  expected: number;
  pooled: number;
  sigma: number;
  seasonal: boolean;
  newSeries: boolean;
  strong: boolean;
}

interface Active {
  raw: RawSurge;
  model: Model;
  below: number;
  lastAbove: number;
  /** Sources at the last detection or escalation: an escalation must rise escalationRatio× above it. */
  level: number;
}

/**
 * Steps over one series' buckets in time order. `advance(end)` processes every bucket before
 * `end`; rows for those buckets must be in the series by then (rows may be appended later for
 * later buckets, for online use). Buckets that cannot fire are skipped in O(1) each.
 */
export class SurgeDetector {
  readonly surges: RawSurge[] = [];
  private t: number;
  private row = 0;
  private run = 0;
  private active: Active | null = null;
  private lastEnded = Number.NEGATIVE_INFINITY;
  private readonly o: SurgeOptions;
  /** Created on first use: most series never reach the floor and need no window. */
  private winCache: SortedWindow | null = null;
  private readonly windowB: number;
  private readonly warmupEnd: number;
  private readonly floorHist: number;
  private readonly floorNew: number;
  private readonly perDay: number;
  /** Buckets per hour-of-day group (1 for hourly or longer buckets), and groups per day. */
  private readonly groupSize: number;
  private readonly groups: number;
  private readonly seasonalMin: number;

  constructor(
    private readonly s: SparseSeries,
    private readonly first: number,
    options: Partial<SurgeOptions> = {},
  ) {
    const o = { ...DEFAULT_SURGE_OPTIONS, ...options };
    this.o = o;
    const perHour = 3600 / o.bucketSeconds;
    this.windowB = Math.max(1, Math.round(o.windowHours * perHour));
    this.warmupEnd = first + Math.round(o.warmupHours * perHour);
    const scale = Math.min(1, o.bucketSeconds / 3600);
    this.floorHist = Math.max(o.floorMin, Math.round(o.minSources * scale));
    this.floorNew = Math.max(o.floorMin, Math.round(o.newSeriesMinSources * scale));
    this.perDay = Math.max(1, Math.round(86400 / o.bucketSeconds));
    this.groupSize = Math.max(1, Math.round(perHour));
    this.groups = Math.floor(this.perDay / this.groupSize);
    this.seasonalMin =
      this.groups >= 3 ? o.seasonalMinDays * this.perDay : Number.POSITIVE_INFINITY;
    this.t = first;
  }

  private get win(): SortedWindow {
    this.winCache ??= new SortedWindow(this.s, this.first, this.windowB);
    return this.winCache;
  }

  /** The surge still going on at the last processed bucket, if any. */
  get current(): RawSurge | null {
    return this.active?.raw ?? null;
  }

  /** Processes every bucket before `end`. */
  advance(end: number): void {
    const s = this.s;
    while (this.t < end) {
      if (this.active === null) {
        // Idle: only a bucket at or above the floor, after the warm-up, can fire.
        const minT = Math.max(this.t, this.warmupEnd);
        let r = this.row;
        while (
          r < s.n &&
          ((s.buckets[r] as number) < minT || (s.sources[r] as number) < this.floorHist)
        )
          r++;
        this.row = r;
        const next = r < s.n ? (s.buckets[r] as number) : end;
        if (next > this.t) this.run = 0;
        if (next >= end) {
          this.t = end;
          break;
        }
        this.t = next;
      }
      const t = this.t;
      this.step(t, this.valueHere(t));
      this.t = t + 1;
    }
  }

  /** Value of bucket `t`, reading forward from the row cursor (t never decreases). */
  private valueHere(t: number): number {
    const s = this.s;
    let r = this.row;
    while (r < s.n && (s.buckets[r] as number) < t) r++;
    this.row = r;
    return r < s.n && s.buckets[r] === t ? (s.sources[r] as number) : 0;
  }

  private step(t: number, x: number): void {
    const a = this.active;
    const o = this.o;
    if (a === null) {
      const ev = this.test(t, x);
      if (ev === null) {
        this.run = 0;
        return;
      }
      if (++this.run >= o.persistBuckets || ev.strong) this.fire(t, x, ev);
      return;
    }
    if (x > a.raw.peakSources) {
      a.raw.peak = t;
      a.raw.peakSources = x;
    }
    if (x < this.level(a.model, t, o.releaseRatio, o.releaseZ)) {
      if (++a.below >= o.endBuckets) {
        a.raw.ended = a.lastAbove;
        this.lastEnded = a.lastAbove;
        this.active = null;
        this.run = 0;
        return;
      }
    } else {
      a.below = 0;
      a.lastAbove = t;
    }
    const ev = x >= o.escalationRatio * a.level ? this.test(t, x) : null;
    if (ev === null) {
      this.run = 0;
    } else if (++this.run >= o.persistBuckets || ev.strong) {
      a.raw.escalations.push({ bucket: t, sources: x, median: ev.median });
      a.level = x;
      this.run = 0;
    }
  }

  /** Whether bucket t exceeds its baseline, read from buckets before t only. */
  private test(t: number, x: number): Evidence | null {
    const o = this.o;
    if (t < this.warmupEnd || x < this.floorHist) return null;
    this.win.moveTo(t);
    const median = this.win.median();
    const newSeries = median === 0;
    const floor = newSeries ? this.floorNew : this.floorHist;
    if (x < floor || x < o.riseRatio * median) return null;
    const seasonal = t - this.first >= this.seasonalMin;
    let expected = median;
    let pooled = median;
    if (seasonal) {
      this.seasonalAt(this.groupOf(t), t);
      expected = Math.max(median, this.envelope);
      pooled = this.pooled;
      if (x < o.riseRatio * expected) return null;
    }
    const sigma = Math.max(1.4826 * this.win.madAnscombe(), o.minSigma);
    if (anscombe(x) - anscombe(pooled) < o.zScore * sigma) return null;
    const strong = x >= o.strongRatio * Math.max(expected, 1) && x >= o.strongFloorFactor * floor;
    const history = this.win.len;
    return { history, median, expected, pooled, sigma, seasonal, newSeries, strong };
  }

  private fire(t: number, x: number, ev: Evidence): void {
    const o = this.o;
    this.run = 0;
    let envelope: Float64Array | null = null;
    let pooled: Float64Array | null = null;
    if (ev.seasonal) {
      envelope = new Float64Array(this.groups);
      pooled = new Float64Array(this.groups);
      for (let g = 0; g < this.groups; g++) {
        this.seasonalAt(g, t);
        envelope[g] = this.envelope;
        pooled[g] = this.pooled;
      }
    }
    const model: Model = { median: ev.median, sigma: ev.sigma, envelope, pooled };
    // Onset: walk back while buckets stay above the onset level (small gaps tolerated).
    const stop = Math.max(this.first, t - this.windowB, this.lastEnded + 1);
    let onset = t;
    let gap = 0;
    let peak = t;
    let peakSources = x;
    for (let b = t - 1; b >= stop; b--) {
      const v = valueAt(this.s, b);
      if (v > this.level(model, b, o.onsetRatio, o.onsetZ)) {
        onset = b;
        gap = 0;
        if (v > peakSources) {
          peak = b;
          peakSources = v;
        }
      } else if (++gap > o.onsetGapBuckets) break;
    }
    const raw: RawSurge = {
      onset,
      detected: t,
      peak,
      peakSources,
      detectedSources: x,
      expected: ev.expected,
      median: ev.median,
      sigma: ev.sigma,
      seasonal: ev.seasonal,
      newSeries: ev.newSeries,
      history: ev.history,
      ended: -1,
      escalations: [],
    };
    this.surges.push(raw);
    this.active = { raw, model, below: 0, lastAbove: t, level: x };
  }

  /** max(ratio × e, z σ above e on the Anscombe scale) for bucket b under a frozen model. */
  private level(m: Model, b: number, ratio: number, z: number): number {
    let e = m.median;
    let ez = m.median;
    if (m.envelope !== null && m.pooled !== null) {
      const g = this.groupOf(b);
      e = Math.max(e, m.envelope[g] as number);
      ez = m.pooled[g] as number;
    }
    return Math.max(ratio * e, unanscombe(anscombe(ez) + z * m.sigma));
  }

  private groupOf(b: number): number {
    const inDay = ((b % this.perDay) + this.perDay) % this.perDay;
    return Math.floor(inDay / this.groupSize);
  }

  /** Set by seasonalAt(). */
  private envelope = 0;
  private pooled = 0;

  /**
   * The hour-of-day expectations of group g from the window before t. `envelope`: the largest
   * of the medians (over the window's days) of hour g and its two neighbours, so a cycle whose
   * peak drifts by an hour from day to day is still expected; the rise ratio compares against
   * it. `pooled`: the median of the three hours' values together, an unbiased level for the
   * significance test (the envelope is biased upwards on a flat series).
   */
  private seasonalAt(g: number, t: number): void {
    const n = this.groups;
    const a = SCRATCH;
    const u = UNION;
    let total = 0;
    let env = 0;
    for (let d = -1; d <= 1; d++) {
      const k = this.groupValues((g + d + n) % n, t, a);
      u.set(a.subarray(0, k), total);
      total += k;
      env = Math.max(env, sortedMedian(a.subarray(0, k).sort(), k));
    }
    this.envelope = env;
    this.pooled = sortedMedian(u.subarray(0, total).sort(), total);
  }

  /** Copies the values of the window's buckets (before t) in hour-of-day group g into out. */
  private groupValues(g: number, t: number, out: Float64Array): number {
    const lo = Math.max(this.first, t - this.windowB);
    let n = 0;
    const day0 = Math.floor(lo / this.perDay) * this.perDay;
    for (let day = day0; day < t; day += this.perDay) {
      const b0 = day + g * this.groupSize;
      for (let j = 0; j < this.groupSize && n < GROUP_MAX; j++) {
        const b = b0 + j;
        if (b >= lo && b < t) out[n++] = valueAt(this.s, b);
      }
    }
    return n;
  }
}

/** Runs the detector over a whole series [first, end). */
export function detectSeries(
  s: SparseSeries,
  first: number,
  end: number,
  options: Partial<SurgeOptions> = {},
): RawSurge[] {
  const d = new SurgeDetector(s, first, options);
  d.advance(end);
  return d.surges;
}

/** Where a surge stands at bucket `last` (the last complete bucket of the data). */
export function surgeState(
  r: RawSurge,
  s: SparseSeries,
  last: number,
  options: Partial<SurgeOptions> = {},
): "rising" | "peaked" | "fading" {
  const o = { ...DEFAULT_SURGE_OPTIONS, ...options };
  if (r.ended >= 0) return "fading";
  let sum = 0;
  const k = Math.max(1, o.risingBuckets);
  for (let b = last - k + 1; b <= last; b++) sum += valueAt(s, b);
  if (r.peak > last - k) return "rising";
  if (sum / k <= o.fadingShare * r.peakSources) return "fading";
  return "peaked";
}
