/** @module The report's `iocs` list: every indicator across the input, with counts and campaigns. */

import { isoTime } from "../aggregate/time.js";
import type { Ioc, IocType } from "../schema/detection.js";
import type { ReportIoc } from "../schema/report.js";

/** Indicators remembered; when full, the rarest are forgotten (counted in `dropped`). */
export const MAX_IOC_RECORDS = 100_000;
/** Campaign ids remembered per indicator. */
export const MAX_IOC_CAMPAIGNS = 20;
/** Indicators reported by default (most frequent first). */
export const DEFAULT_IOC_LIMIT = 5000;

interface IocRecord {
  type: IocType;
  value: string;
  first: number;
  last: number;
  count: number;
  campaigns: string[];
}

/** Accumulates indicators by (type, value). */
export class IocTable {
  private readonly records = new Map<string, IocRecord>();
  /** Indicators forgotten to stay within MAX_IOC_RECORDS, and the sightings they had. */
  dropped = 0;
  droppedSightings = 0;

  constructor(private readonly max = MAX_IOC_RECORDS) {}

  get size(): number {
    return this.records.size;
  }

  add(ioc: Ioc, ts: number, campaign: string): void {
    const key = `${ioc.type} ${ioc.value}`;
    let r = this.records.get(key);
    if (r === undefined) {
      if (this.records.size >= this.max) this.prune();
      r = { type: ioc.type, value: ioc.value, first: ts, last: ts, count: 0, campaigns: [] };
      this.records.set(key, r);
    }
    r.count++;
    if (ts < r.first) r.first = ts;
    if (ts > r.last) r.last = ts;
    if (r.campaigns.length < MAX_IOC_CAMPAIGNS && !r.campaigns.includes(campaign)) {
      r.campaigns.push(campaign);
    }
  }

  /**
   * Forgets the indicators seen fewer than `t` times, doubling `t` until a quarter of the table
   * is free: one-off values (per-bot file names, nonces in commands) go first, and the cost of a
   * prune is spread over the many insertions that refill that quarter.
   */
  private prune(): void {
    let freed = 0;
    for (let t = 2; freed < this.max / 4; t *= 2) {
      for (const [k, r] of this.records) {
        if (r.count >= t) continue;
        this.records.delete(k);
        this.dropped++;
        this.droppedSightings += r.count;
        freed++;
      }
    }
  }

  /** Report rows, most sightings first; `campaigns` keeps only the ids in `reported`. */
  rows(limit: number, reported: ReadonlySet<string>): { rows: ReportIoc[]; omitted: number } {
    const all = [...this.records.values()].sort(
      (a, b) =>
        b.count - a.count ||
        (a.type < b.type ? -1 : a.type > b.type ? 1 : 0) ||
        (a.value < b.value ? -1 : a.value > b.value ? 1 : 0),
    );
    const rows = all.slice(0, limit).map((r) => ({
      type: r.type,
      value: r.value,
      first: isoTime(r.first),
      last: isoTime(r.last),
      count: r.count,
      campaigns: r.campaigns.filter((c) => reported.has(c)),
    }));
    return { rows, omitted: all.length - rows.length };
  }
}
