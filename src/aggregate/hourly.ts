/** @module A growable per-hour counter array that accepts hours in any order. */

export const HOUR_US = 3_600_000_000;

/**
 * Counts per hour for one series. Hours are absolute (floor(ts / 1h)); the array re-bases itself
 * when an earlier hour arrives, so inputs need not be sorted. Memory is 8 bytes per hour of span.
 */
export class HourlyCounts {
  private base = 0;
  private counts: Float64Array = new Float64Array(0);

  add(hour: number, n = 1): void {
    let i = hour - this.base;
    if (this.counts.length === 0) {
      this.base = hour;
      this.counts = new Float64Array(16);
      i = 0;
    } else if (i < 0) {
      const grown = new Float64Array(this.counts.length - i + 16);
      grown.set(this.counts, -i + 16);
      this.base = hour - 16;
      this.counts = grown;
      i = 16;
    } else if (i >= this.counts.length) {
      const grown = new Float64Array(Math.max(i + 1, this.counts.length * 2));
      grown.set(this.counts);
      this.counts = grown;
    }
    this.counts[i] = (this.counts[i] as number) + n;
  }

  /** Counts for hours [from, to) as a plain array (zeros where nothing was counted). */
  range(from: number, to: number): number[] {
    const out = new Array<number>(Math.max(0, to - from)).fill(0);
    for (let h = from; h < to; h++) {
      const i = h - this.base;
      if (i >= 0 && i < this.counts.length) out[h - from] = this.counts[i] as number;
    }
    return out;
  }
}
