/**
 * @module Surges and heavy hitters in the analysis report (DESIGN.md §2 "surge", §4 `surges`):
 * the fields of §4 keep their meaning; the others are added fields.
 */

/** Where a surge stands at the end of the data (see docs/surges.md). */
export type SurgeState = "rising" | "peaked" | "fading";

/** What a surge's series counts: sources towards a port, sending a template, or matching a rule. */
export type SurgeKind = "port" | "template" | "sid";

/** A template or rule that rose with a surge, and its share of the surge's sessions (0..1). */
export interface SurgeShare<K> {
  id: K;
  /** Sessions of the surge's rise (on its port) carrying it, over all their sessions. */
  share: number;
  sessions: number;
  /** Template text or rule message, when known. */
  label?: string;
  /** CVE ids of the rule (or, for a template, of the rules its sessions matched). */
  cve?: string[];
}

/** A source that sent much of a port's packets in one bucket: reported, never a surge driver. */
export interface ReportHeavyHitter {
  address: string;
  proto: "tcp" | "udp" | "icmp" | "icmpv6";
  port: number;
  /** First and last bucket (start times) in which it was heavy. */
  first: string;
  last: string;
  /** Packets it sent towards the port in those buckets. */
  packets: number;
  /** Buckets in which it was heavy. */
  buckets: number;
  /** Its largest share of the port's packets in one bucket (0..1). */
  share: number;
}

/** One surge (DESIGN.md §4). Times are ISO-8601 UTC; counts are distinct source addresses. */
export interface ReportSurge {
  /**
   * The port (for template and sid surges: the port most of their sessions went to; "tcp"/0
   * when no session carried a port).
   */
  proto: "tcp" | "udp" | "icmp" | "icmpv6";
  port: number;
  /** Start of the first bucket of the rise (found after detection by walking back). */
  onset: string;
  /** End of the first bucket at which the detector, fed only data up to then, fired. */
  detectedAt: string;
  /** Start of the bucket with the most sources. */
  peak: string;
  /** The median of sources per bucket over the trailing window (7 days, or less early on) before detection. */
  baselineSources: number;
  peakSources: number;
  /** peakSources / max(baselineSources, 1). */
  ratio: number;
  state: SurgeState;
  /** Template ids that rose with the surge, most sessions first. */
  templates: string[];
  cve: string[];
  /**
   * Share of the surge's sources with at least one SYN of each fingerprint, over its rise: the
   * buckets from onset to six after detection (sources counted once per bucket).
   */
  fingerprints: Record<string, number>;
  why: string;

  /** Added: stable id, `<kind>:<key>@<detectedAt>`. */
  id: string;
  kind: SurgeKind;
  /** "tcp/8000", a template id, or "sid:2025001". */
  key: string;
  template?: string;
  sid?: number;
  bucketSeconds: number;
  /** Sources in the bucket that fired, what the detector expected there, and their ratio. */
  detectedSources: number;
  expectedSources: number;
  detectedRatio: number;
  /** Hours of history behind the baseline at detection (the window, 168, once the data is long enough). */
  baselineHours: number;
  /** True when the expectation used the hour-of-day profile (enough history). */
  seasonal: boolean;
  /** True when the series had no baseline (median 0): the higher new-series floor applied. */
  newSeries: boolean;
  /** End of the last bucket above the release level, when the surge went back to baseline. */
  ended?: string;
  /** Later jumps inside the surge: the detector fired again against its moving baseline. */
  escalations: Array<{ detectedAt: string; sources: number; baselineSources: number }>;
  /** Sessions in the surge's rise (on its port), and the templates and rules among them. */
  sessions: number;
  templateShares: Array<SurgeShare<string>>;
  sids: Array<SurgeShare<number>>;
  /** Top countries and ASNs of the surge's sources, when an enrichment database was given. */
  countries?: Array<{ code: string; share: number }>;
  asns?: Array<{ asn: number; org?: string; share: number }>;
  /** Heavy hitters on the port from onset to the end of the surge (they count once, like any source). */
  heavyHitters: ReportHeavyHitter[];
  /** The series around the surge, for charts: sources per bucket from `seriesStart`. */
  seriesStart: string;
  series: number[];
}
