/**
 * @module Surges of a store: its series (store-series.ts) through the detector, explained with
 * the store's rule and template texts, plus the top countries and ASNs of each port surge.
 */

import type { ReportSurge } from "../schema/surge.js";
import type { Store, TimeRange } from "../store/store.js";
import { type DetectSurgesOptions, detectSurges } from "./detect-surges.js";
import { EXPLAIN_AFTER_BUCKETS, type ExplainInputs, TOP_GEO } from "./explain.js";
import type { SeriesSet } from "./series-columns.js";
import { type StoreSeriesOptions, seriesFromStore } from "./store-series.js";

export interface StoreSurgesOptions extends StoreSeriesOptions {
  /** Threshold overrides (docs/surges.md). */
  thresholds?: Omit<DetectSurgesOptions, "explain" | "kinds">;
  /** Add countries and ASNs of port surges from the stored per-source rows (default true). */
  origins?: boolean;
}

export interface StoreSurges {
  set: SeriesSet;
  surges: ReportSurge[];
}

/** Rule messages and CVEs, and template texts, as the store knows them. */
export async function explainInputsFromStore(
  store: Store,
  range: TimeRange,
  set: SeriesSet,
): Promise<ExplainInputs> {
  const rules = new Map<number, { msg: string; cve: string[] }>();
  for (const a of await store.alertSummary(range)) rules.set(a.sid, { msg: a.msg, cve: a.cve });
  const texts = new Map<string, { text: string }>();
  if (set.templates.length > 0) {
    for (const t of await store.templates(range, set.templates.length)) {
      texts.set(t.template, { text: t.text });
    }
  }
  return { rule: (sid) => rules.get(sid), template: (id) => texts.get(id) };
}

const ms = (iso: string): number => Date.parse(iso) * 1000;

/**
 * Adds the top countries and ASNs of each port surge's sources over its explained buckets (from
 * onset to a few after detection), as shares of its distinct sources there. Sources of unknown
 * origin are not listed; a store ingested without enrichment adds nothing.
 */
export async function addOrigins(
  store: Store,
  surges: ReportSurge[],
  set: SeriesSet,
): Promise<void> {
  const bu = set.bucketSeconds * 1e6;
  for (const s of surges) {
    if (s.kind !== "port") continue;
    let to = Math.min(ms(s.detectedAt) + EXPLAIN_AFTER_BUCKETS * bu, set.end * bu);
    if (s.ended !== undefined) to = Math.min(to, ms(s.ended));
    const b = await store.portBreakdown(
      { proto: s.proto, port: s.port },
      { from: ms(s.onset), to },
      TOP_GEO + 1,
    );
    if (b.sources === 0) continue;
    const share = (n: number) => Math.round((n / b.sources) * 1000) / 1000;
    const countries = b.countries
      .filter((c) => c.country !== "")
      .slice(0, TOP_GEO)
      .map((c) => ({ code: c.country, share: share(c.sources) }));
    const asns = b.asns
      .filter((a) => a.asn !== 0)
      .slice(0, TOP_GEO)
      .map((a) => ({ asn: a.asn, share: share(a.sources) }));
    if (countries.length > 0) s.countries = countries;
    if (asns.length > 0) s.asns = asns;
  }
}

/** Reads the series of `range` from `store`, detects and explains their surges. */
export async function surgesFromStore(
  store: Store,
  range: TimeRange,
  opts: StoreSurgesOptions = {},
): Promise<StoreSurges> {
  const { thresholds, origins = true, ...seriesOpts } = opts;
  const set = await seriesFromStore(store, range, seriesOpts);
  if (set.end <= set.first) return { set, surges: [] };
  const bu = set.bucketSeconds * 1e6;
  const observed = { from: set.first * bu, to: set.end * bu };
  const explain = await explainInputsFromStore(store, observed, set);
  const surges = detectSurges(set, { ...thresholds, explain });
  if (origins) await addOrigins(store, surges, set);
  return { set, surges };
}
