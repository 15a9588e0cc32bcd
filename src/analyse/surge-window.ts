/**
 * @module The trailing window of a sparse series, kept sorted so the detector reads its median
 * in O(1) and its MAD in O(window) at any bucket; it moves one bucket at a time or rebuilds
 * after a jump, so mostly-empty series cost nearly nothing.
 */

/** The part of a series the detector reads: non-empty buckets ascending, and their values. */
export interface SparseSeries {
  buckets: ArrayLike<number>;
  sources: ArrayLike<number>;
  /** Rows in use; may grow between calls (online use). */
  n: number;
}

/** Steps at most this many buckets one by one; a longer jump rebuilds (O(W log W)). */
const MAX_STEPS = 8;

/** Value of `bucket` in `s` (0 when empty). */
export function valueAt(s: SparseSeries, bucket: number): number {
  let lo = 0;
  let hi = s.n - 1;
  const b = s.buckets;
  while (lo <= hi) {
    const m = (lo + hi) >>> 1;
    const v = b[m] as number;
    if (v === bucket) return s.sources[m] as number;
    if (v < bucket) lo = m + 1;
    else hi = m - 1;
  }
  return 0;
}

/** First row of `s` whose bucket is >= `bucket`. */
export function lowerRow(s: SparseSeries, bucket: number): number {
  let lo = 0;
  let hi = s.n;
  const b = s.buckets;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if ((b[m] as number) < bucket) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** Median of the first `n` entries of an ascending array (mean of the two middle ones). */
export function sortedMedian(a: Float64Array, n: number): number {
  if (n === 0) return 0;
  return ((a[(n - 1) >> 1] as number) + (a[n >> 1] as number)) / 2;
}

/** Median absolute deviation from `m` of the first `n` entries of an ascending array. */
export function sortedMad(a: Float64Array, n: number, m: number): number {
  if (n === 0) return 0;
  // Deviations grow leftwards from the last entry <= m and rightwards from the next one: merge.
  let i = upper(a, n, m) - 1;
  let j = i + 1;
  const want = n >> 1;
  let prev = 0;
  let cur = 0;
  for (let k = 0; k <= want; k++) {
    const dl = i >= 0 ? m - (a[i] as number) : Number.POSITIVE_INFINITY;
    const dr = j < n ? (a[j] as number) - m : Number.POSITIVE_INFINITY;
    prev = cur;
    if (dl <= dr) {
      cur = dl;
      i--;
    } else {
      cur = dr;
      j++;
    }
  }
  return n % 2 === 1 ? cur : (prev + cur) / 2;
}

/** Anscombe's transform: Poisson counts become roughly normal with variance 1/4. */
export function anscombe(x: number): number {
  return Math.sqrt(x + 0.375);
}

/** The inverse of anscombe(). */
export function unanscombe(y: number): number {
  return Math.max(0, y * y - 0.375);
}

/**
 * Median absolute deviation, on the Anscombe scale, of the first `n` entries of an ascending
 * array (raw counts) from their median on that scale.
 */
export function sortedMadAnscombe(a: Float64Array, n: number): number {
  if (n === 0) return 0;
  const lo = a[(n - 1) >> 1] as number;
  const hi = a[n >> 1] as number;
  const m = (anscombe(lo) + anscombe(hi)) / 2;
  let i = upper(a, n, unanscombe(m)) - 1;
  while (i >= 0 && anscombe(a[i] as number) > m) i--;
  let j = i + 1;
  const want = n >> 1;
  let prev = 0;
  let cur = 0;
  for (let k = 0; k <= want; k++) {
    const dl = i >= 0 ? m - anscombe(a[i] as number) : Number.POSITIVE_INFINITY;
    const dr = j < n ? anscombe(a[j] as number) - m : Number.POSITIVE_INFINITY;
    prev = cur;
    if (dl <= dr) {
      cur = dl;
      i--;
    } else {
      cur = dr;
      j++;
    }
  }
  return n % 2 === 1 ? cur : (prev + cur) / 2;
}

/** Index of the first entry > v among the first n of an ascending array. */
function upper(a: Float64Array, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if ((a[m] as number) <= v) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** The sorted values of buckets [max(first, t - size), t - 1] of a series. */
export class SortedWindow {
  readonly sorted: Float64Array;
  len = 0;
  /** The bucket the window is valid for (its values precede it). */
  at = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly s: SparseSeries,
    private readonly first: number,
    readonly size: number,
  ) {
    // One spare slot: a step inserts the entering value before removing the leaving one.
    this.sorted = new Float64Array(size + 1);
  }

  /** Makes the window valid for bucket `t` (t never decreases). */
  moveTo(t: number): void {
    if (t === this.at) return;
    if (t > this.at && t - this.at <= MAX_STEPS) {
      while (this.at < t) this.step();
    } else {
      this.rebuild(t);
    }
  }

  median(): number {
    return sortedMedian(this.sorted, this.len);
  }

  mad(m: number): number {
    return sortedMad(this.sorted, this.len, m);
  }

  /** MAD on the Anscombe scale (see sortedMadAnscombe). */
  madAnscombe(): number {
    return sortedMadAnscombe(this.sorted, this.len);
  }

  /** Largest value in the window. */
  max(): number {
    return this.len === 0 ? 0 : (this.sorted[this.len - 1] as number);
  }

  private step(): void {
    const at = this.at;
    this.insert(valueAt(this.s, at));
    const leaving = at - this.size;
    if (leaving >= this.first) this.remove(valueAt(this.s, leaving));
    this.at = at + 1;
  }

  private rebuild(t: number): void {
    const lo = Math.max(this.first, t - this.size);
    const len = Math.max(0, t - lo);
    const r0 = lowerRow(this.s, lo);
    const r1 = lowerRow(this.s, t);
    const k = r1 - r0;
    const zeros = len - k;
    const a = this.sorted;
    a.fill(0, 0, zeros);
    for (let r = r0; r < r1; r++) a[zeros + r - r0] = this.s.sources[r] as number;
    a.subarray(zeros, len).sort();
    this.len = len;
    this.at = t;
  }

  private insert(v: number): void {
    const a = this.sorted;
    const p = upper(a, this.len, v);
    a.copyWithin(p + 1, p, this.len);
    a[p] = v;
    this.len++;
  }

  private remove(v: number): void {
    const a = this.sorted;
    const p = upper(a, this.len, v) - 1;
    if (p < 0 || a[p] !== v) return;
    a.copyWithin(p, p + 1, this.len);
    this.len--;
  }
}
