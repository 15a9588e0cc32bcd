/**
 * @module The surge detector over one series of distinct sources per bucket: a robust baseline
 * from the series' own past (median and MAD of a trailing window, raised to the hour-of-day
 * profile once there is enough history), a rise ratio (lower for a level above the whole
 * window), an absolute floor (higher for a series with no baseline), and a persistence
 * requirement (two buckets; one when overwhelming or on a quiet new series; or evidence
 * accumulated over a slow rise). It is a step function over the buckets in time order, reading
 * only buckets up to the one it steps on, so `detected` is by construction the first bucket at
 * which a detector fed only the past fires. Thresholds: surge-options.ts; see docs/surges.md.
 */

import {
  DEFAULT_SURGE_OPTIONS,
  type RawSurge,
  type SurgeOptions,
  type SurgeTrigger,
} from "./surge-options.js";
import {
  anscombe,
  SortedWindow,
  type SparseSeries,
  sortedMedian,
  unanscombe,
  valueAt,
} from "./surge-window.js";

export * from "./surge-options.js";

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
  /** Passes the full rise ratio (else only the novel one, which needs a level above windowMax). */
  full: boolean;
  /** The largest count of the window before t. */
  windowMax: number;
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
  /** The window's maximum before the current run of exceeding buckets began. */
  private runRef = 0;
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
  private readonly cusumMinB: number;

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
    this.cusumMinB = Math.round(o.cusumMinHours * perHour);
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
      const ev = this.test(t, x, this.run > 0 ? this.runRef : -1);
      if (ev !== null && this.run === 0) this.runRef = ev.windowMax;
      if (ev === null || (!ev.full && x <= this.runRef)) {
        this.run = 0;
        return;
      }
      const trigger = this.trigger(t, x, ev, ++this.run);
      if (trigger !== null) this.fire(t, x, ev, trigger);
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
    const ev = x >= o.escalationRatio * a.level ? this.test(t, x, -1) : null;
    if (ev === null || !ev.full) {
      this.run = 0;
    } else if (++this.run >= o.persistBuckets || ev.strong) {
      a.raw.escalations.push({ bucket: t, sources: x, median: ev.median });
      a.level = x;
      this.run = 0;
    }
  }

  /**
   * Whether bucket t exceeds its baseline, read from buckets before t only. `ref` is the largest
   * count the series had reached before the current run of exceeding buckets (-1: the window's).
   */
  private test(t: number, x: number, ref: number): Evidence | null {
    const o = this.o;
    if (t < this.warmupEnd || x < this.floorHist) return null;
    this.win.moveTo(t);
    const median = this.win.median();
    const newSeries = median === 0;
    const floor = newSeries ? this.floorNew : this.floorHist;
    const lowRatio = Math.min(o.riseRatio, o.novelRiseRatio);
    if (x < floor || x < lowRatio * median) return null;
    const seasonal = t - this.first >= this.seasonalMin;
    let expected = median;
    let pooled = median;
    const windowMax = this.win.max();
    const familiar = x <= (ref < 0 ? windowMax : ref);
    if (seasonal) {
      this.seasonalAt(this.groupOf(t), t, familiar ? o.familiarEnvelopeHours : 1);
      expected = Math.max(median, this.envelope);
      pooled = this.pooled;
      if (x < lowRatio * expected) return null;
      if (familiar && x < o.riseRatio * this.wideEnvelope) return null;
    }
    const full = x >= o.riseRatio * expected;
    const sigma = Math.max(1.4826 * this.win.madAnscombe(), o.minSigma);
    if (anscombe(x) - anscombe(pooled) < o.zScore * sigma) return null;
    const strong = x >= o.strongRatio * Math.max(expected, 1) && x >= o.strongFloorFactor * floor;
    const history = this.win.len;
    return {
      history,
      median,
      expected,
      pooled,
      sigma,
      seasonal,
      newSeries,
      strong,
      full,
      windowMax,
    };
  }

  /** Whether bucket t, which passed the test as the run-th in a row, fires, and by which rule. */
  private trigger(t: number, x: number, ev: Evidence, run: number): SurgeTrigger | null {
    const o = this.o;
    if (ev.strong) return "strong";
    if (run >= o.persistBuckets) return "persistent";
    if (ev.newSeries && run >= o.newSeriesPersistBuckets && x >= o.strongRatio * this.runRef)
      return "new";
    // Against a zero baseline every elevated hour is "significant": the floor is the guard there.
    if (!ev.newSeries && this.cusum(t, x, ev) >= o.cusumLimit) return "accumulated";
    return null;
  }

  /**
   * The CUSUM of the last cusumBuckets buckets up to t, each bucket's z taken against the
   * expectation of its hour from the window before t (so it reads only the past).
   */
  private cusum(t: number, x: number, ev: Evidence): number {
    const o = this.o;
    if (ev.history < this.cusumMinB) return 0;
    let sum = 0;
    for (let b = Math.max(this.first, t - o.cusumBuckets + 1); b <= t; b++) {
      let pooled = ev.pooled;
      if (b !== t && ev.seasonal) {
        this.seasonalAt(this.groupOf(b), t);
        pooled = this.pooled;
      }
      const v = b === t ? x : valueAt(this.s, b);
      const z = (anscombe(v) - anscombe(pooled)) / ev.sigma;
      sum = Math.max(0, sum + Math.min(z, o.cusumCap) - o.cusumSlack);
    }
    return sum;
  }

  private fire(t: number, x: number, ev: Evidence, trigger: SurgeTrigger): void {
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
      trigger,
      novel: !ev.full,
      windowMax: this.runRef,
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
  /** The envelope over `reach` hours either side (= envelope for reach 1). */
  private wideEnvelope = 0;

  /**
   * The hour-of-day expectations of group g from the window before t. `envelope`: the largest
   * of the medians (over the window's days) of hour g and its two neighbours, so a cycle whose
   * peak drifts by an hour from day to day is still expected; the rise ratio compares against
   * it. `pooled`: the median of the three hours' values together, an unbiased level for the
   * significance test (the envelope is biased upwards on a flat series). `wideEnvelope`: the
   * largest median of `reach` hours either side (familiarEnvelopeHours, for a familiar level).
   */
  private seasonalAt(g: number, t: number, reach = 1): void {
    const n = this.groups;
    const a = SCRATCH;
    const u = UNION;
    let total = 0;
    let env = 0;
    let wide = 0;
    for (let d = -reach; d <= reach; d++) {
      const k = this.groupValues((((g + d) % n) + n) % n, t, a);
      const m = sortedMedian(a.subarray(0, k).sort(), k);
      wide = Math.max(wide, m);
      if (d < -1 || d > 1) continue;
      env = Math.max(env, m);
      u.set(a.subarray(0, k), total);
      total += k;
    }
    this.envelope = env;
    this.wideEnvelope = wide;
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
