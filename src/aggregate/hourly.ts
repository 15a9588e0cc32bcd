/** @module Per-hour counters that accept hours in any order and stay small for quiet series. */

export const HOUR_US = 3_600_000_000;

/** Distinct hours a series keeps as a short list before it switches to a dense array. */
export const SPARSE_HOURS = 8;

/**
 * Counts per hour for one series. Hours are absolute (floor(ts / 1h)). A series starts as a short
 * list of (hour, count) pairs, because most ports of a darknet see a handful of packets; after
 * SPARSE_HOURS distinct hours it becomes a dense array that re-bases itself when an earlier hour
 * arrives, so inputs need not be sorted.
 */
export class HourlyCounts {
  private base = 0;
  private counts: Float64Array | undefined;
  private sparseHours: number[] = [];
  private sparseCounts: number[] = [];

  add(hour: number, n = 1): void {
    const c = this.counts;
    if (c !== undefined) {
      const i = hour - this.base;
      if (i >= 0 && i < c.length) {
        c[i] = (c[i] as number) + n;
        return;
      }
      this.addDense(hour, n);
      return;
    }
    const hs = this.sparseHours;
    for (let j = hs.length - 1; j >= 0; j--) {
      if (hs[j] === hour) {
        this.sparseCounts[j] = (this.sparseCounts[j] as number) + n;
        return;
      }
    }
    if (hs.length < SPARSE_HOURS) {
      hs.push(hour);
      this.sparseCounts.push(n);
      return;
    }
    // Switch to dense: seed it with the list, then add.
    const hours = hs;
    const counts = this.sparseCounts;
    this.sparseHours = [];
    this.sparseCounts = [];
    this.base = Math.min(hour, ...hours);
    this.counts = new Float64Array(Math.max(hour, ...hours) - this.base + 16);
    for (let j = 0; j < hours.length; j++) this.addDense(hours[j] as number, counts[j] as number);
    this.addDense(hour, n);
  }

  private addDense(hour: number, n: number): void {
    let c = this.counts as Float64Array;
    let i = hour - this.base;
    if (i < 0) {
      const grown = new Float64Array(c.length - i + 16);
      grown.set(c, -i + 16);
      this.base = hour - 16;
      this.counts = c = grown;
      i = 16;
    } else if (i >= c.length) {
      const grown = new Float64Array(Math.max(i + 1, c.length * 2));
      grown.set(c);
      this.counts = c = grown;
    }
    c[i] = (c[i] as number) + n;
  }

  /** Counts for hours [from, to) as a plain array (zeros where nothing was counted). */
  range(from: number, to: number): number[] {
    const out = new Array<number>(Math.max(0, to - from)).fill(0);
    const c = this.counts;
    if (c === undefined) {
      this.sparseHours.forEach((h, j) => {
        if (h >= from && h < to) out[h - from] = this.sparseCounts[j] as number;
      });
      return out;
    }
    for (let h = from; h < to; h++) {
      const i = h - this.base;
      if (i >= 0 && i < c.length) out[h - from] = c[i] as number;
    }
    return out;
  }
}
