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

  constructor(
    truth: Truth,
    private readonly bucketSeconds: number,
  ) {
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
   * The owner behind a port surge: the labelled actor with the most (bucket, source) pairs from
   * its onset to its detection, when those are at least `minShare` of the surge's pairs; else
   * null (background).
   */
  ownerOf(s: ReportSurge, series: (bucket: number) => number, minShare = 0.3): Owner | null {
    if (s.kind !== "port") return null;
    const bs = this.bucketSeconds;
    const from = Date.parse(s.onset) / 1000 / bs;
    const to = Date.parse(s.detectedAt) / 1000 / bs;
    const pk = portKey(s.proto, s.port);
    const pairs = this.owners.map(() => 0);
    let total = 0;
    for (let b = from; b < to; b++) {
      total += series(b);
      const sets = this.cells.get(`${pk}|${b}`);
      if (sets === undefined) continue;
      for (let i = 0; i < sets.length; i++)
        pairs[i] = (pairs[i] as number) + (sets[i] as Set<number>).size;
    }
    let best = -1;
    pairs.forEach((n, i) => {
      if (n > 0 && (best < 0 || n > (pairs[best] as number))) best = i;
    });
    if (best < 0 || (pairs[best] as number) < minShare * total) return null;
    return this.owners[best] ?? null;
  }
}
