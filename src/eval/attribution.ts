/**
 * @module Who drove a detected surge, from the truth file: per (port, bucket), the distinct
 * sources of each campaign and decoy (by their address blocks), so a detection can be matched
 * to the campaign, decoy or background behind it.
 */

import { portKey, type SeriesProto } from "../analyse/series.js";
import type { Probe, Session } from "../schema/session.js";
import type { ReportSurge } from "../schema/surge.js";
import type { Truth } from "../schema/truth.js";

/** One labelled actor of a scenario. */
export interface Owner {
  id: string;
  kind: "campaign" | "decoy";
  /** True for campaigns a detector must find. */
  surge: boolean;
  ports: number[];
  lo: number;
  hi: number;
}

function range(cidr: string): { lo: number; hi: number } {
  const [ip = "", len = "32"] = cidr.split("/");
  const base = ip.split(".").reduce((a, x) => a * 256 + Number(x), 0);
  const size = 2 ** (32 - Number(len));
  return { lo: base, hi: base + size - 1 };
}

/** Tallies labelled sources per (port, bucket) while the pipeline runs. */
export class Attribution {
  readonly owners: Owner[];
  /** `${portKey}|${bucket}` → one set of sources per owner. */
  private readonly cells = new Map<string, Array<Set<number>>>();

  /** Start of the observation, seconds since the epoch. */
  private readonly first: number;

  constructor(
    truth: Truth,
    private readonly bucketSeconds: number,
  ) {
    this.first = Math.floor(Date.parse(truth.start) / 1000 / bucketSeconds) * bucketSeconds;
    this.owners = [
      ...truth.campaigns.map((c) => ({
        id: c.id,
        kind: "campaign" as const,
        surge: c.surge,
        ports: c.ports,
        ...range(c.sourceBlock),
      })),
      ...(truth.decoys ?? []).map((d) => ({
        id: d.id,
        kind: "decoy" as const,
        surge: false,
        ports: d.ports,
        ...range(d.sourceBlock),
      })),
    ];
  }

  onProbe(p: Probe): void {
    this.add(p.ts, p.proto, p.dport, p.srcKey);
  }

  onSession(s: Session): void {
    this.add(s.start, s.proto, s.dport, s.srcKey);
  }

  private add(ts: number, proto: SeriesProto, port: number, src: number | string): void {
    if (typeof src !== "number") return;
    const i = this.owners.findIndex((o) => src >= o.lo && src <= o.hi);
    if (i < 0) return;
    const key = `${portKey(proto, port)}|${Math.floor(ts / (this.bucketSeconds * 1e6))}`;
    let sets = this.cells.get(key);
    if (sets === undefined) {
      sets = this.owners.map(() => new Set<number>());
      this.cells.set(key, sets);
    }
    sets[i]?.add(src);
  }

  /**
   * The owner behind a port surge: the labelled actor that brought the most (bucket, source)
   * pairs **above its own usual level** between the surge's onset and its detection, when that
   * excess is at least `minShare` of the port's excess over its usual level; else null
   * (background). "Usual" is, per bucket, the median of the same bucket on the up to
   * BASELINE_DAYS previous days of the observation (0 before the second day).
   *
   * Counting excess rather than raw pairs keeps steady actors out: a new wave of 9 sources an
   * hour on a port that a steady campaign and the background already hold at 20 drives the rise
   * although it is under a third of the port's sources in its first hours (satori-dlink on
   * 8080/tcp), and a steady campaign that brought nothing new is not credited with it.
   */
  ownerOf(s: ReportSurge, series: (bucket: number) => number, minShare = 0.3): Owner | null {
    if (s.kind !== "port") return null;
    const bs = this.bucketSeconds;
    const from = Date.parse(s.onset) / 1000 / bs;
    const to = Date.parse(s.detectedAt) / 1000 / bs;
    const pk = portKey(s.proto, s.port);
    const perDay = Math.max(1, Math.round(86400 / bs));
    const first = this.first / bs;
    const count = (b: number, i: number) => this.cells.get(`${pk}|${b}`)?.[i]?.size ?? 0;
    const excess = this.owners.map(() => 0);
    let total = 0;
    for (let b = from; b < to; b++) {
      total += Math.max(0, series(b) - usual(b, perDay, first, series));
      for (let i = 0; i < excess.length; i++) {
        const n = count(b, i);
        if (n > 0)
          excess[i] =
            (excess[i] as number) + Math.max(0, n - usual(b, perDay, first, (x) => count(x, i)));
      }
    }
    let best = -1;
    excess.forEach((n, i) => {
      if (n > 0 && (best < 0 || n > (excess[best] as number))) best = i;
    });
    if (best < 0 || (excess[best] as number) < minShare * total) return null;
    return this.owners[best] ?? null;
  }
}

/** Days before a bucket whose same bucket gives its usual level in ownerOf(). */
export const BASELINE_DAYS = 7;

/** Median of `value` at the same bucket on the up to BASELINE_DAYS previous days from `first` on. */
function usual(b: number, perDay: number, first: number, value: (b: number) => number): number {
  const xs: number[] = [];
  for (let k = 1; k <= BASELINE_DAYS && b - k * perDay >= first; k++)
    xs.push(value(b - k * perDay));
  if (xs.length === 0) return 0;
  xs.sort((x, y) => x - y);
  return ((xs[(xs.length - 1) >> 1] as number) + (xs[xs.length >> 1] as number)) / 2;
}
