/**
 * @module The surge detector's input read back from a store: distinct sources per bucket per port,
 * template and rule sid over a time range, so `portent surges` sees a store's whole history.
 * Per-bucket detail (fingerprints, templates per port) is not stored per bucket; each detected
 * port surge is explained afterwards from the store's breakdown of its rise.
 */

import type { ReportSurge } from "../schema/surge.js";
import type { Store, TimeRange } from "../store/store.js";
import { why } from "./explain.js";
import { Series, type SeriesSet } from "./series-columns.js";

/** Bucket index of a time in µs. */
function bucketOf(us: number, bucketSeconds: number): number {
  return Math.floor(us / (bucketSeconds * 1e6));
}

/** Appends the non-zero buckets of a dense column that starts at `startUs`. */
function fill(s: Series, startUs: number, bucketSeconds: number, sources: Uint32Array): Series {
  const b0 = bucketOf(startUs, bucketSeconds);
  for (let i = 0; i < sources.length; i++) {
    const n = sources[i] as number;
    if (n > 0) s.push(b0 + i, n, 0, 0);
  }
  return s;
}

/** The port, template and sid series of `range` (µs) at `bucketSeconds`. */
export async function seriesFromStore(
  store: Store,
  range: TimeRange,
  bucketSeconds: number,
): Promise<SeriesSet> {
  const [ports, templates, sids] = await Promise.all([
    store.portSeries(range, { bucketSeconds }),
    store.templateSeries(range, { bucketSeconds }),
    store.sidSeries(range, { bucketSeconds }),
  ]);
  return {
    bucketSeconds,
    first: bucketOf(range.from, bucketSeconds),
    end: bucketOf(range.to - 1, bucketSeconds) + 1,
    lastPartial: false,
    ports: ports.map((p) =>
      fill(
        new Series("port", `${p.proto}/${p.port}`, p.proto, p.port, "", -1),
        p.start,
        bucketSeconds,
        p.sources,
      ),
    ),
    templates: templates.map((t) =>
      fill(
        new Series("template", t.template, "tcp", -1, t.template, -1),
        t.start,
        bucketSeconds,
        t.sources,
      ),
    ),
    sids: sids.map((x) =>
      fill(
        new Series("sid", `sid:${x.sid}`, "tcp", -1, "", x.sid),
        x.start,
        bucketSeconds,
        x.sources,
      ),
    ),
    heavyHitters: [],
    stats: { probes: 0, sessions: 0, excluded: 0, late: 0, cells: 0, peakOpenPairs: 0 },
  };
}

/**
 * Adds to each port surge what the store knows of its sources from onset to peak: the share of
 * each scanner fingerprint, the templates their sessions carried, and the sentence that says so.
 */
export async function explainFromStore(store: Store, surges: ReportSurge[]): Promise<void> {
  for (const s of surges) {
    if (s.kind !== "port") continue;
    const from = Date.parse(s.onset) * 1000;
    const to = Date.parse(s.peak) * 1000 + s.bucketSeconds * 1e6;
    const b = await store.portBreakdown({ proto: s.proto, port: s.port }, { from, to });
    if (b.sources > 0) {
      s.fingerprints = Object.fromEntries(
        Object.entries(b.fingerprints)
          .filter(([, n]) => n > 0)
          .map(([k, n]) => [k, Math.round((n / b.sources) * 1000) / 1000]),
      );
    }
    const sessions = b.templates.reduce((t, x) => t + x.sessions, 0);
    if (sessions > 0) {
      s.sessions = sessions;
      s.templateShares = b.templates.slice(0, 5).map((t) => ({
        id: t.template,
        share: Math.round((t.sessions / sessions) * 1000) / 1000,
        sessions: t.sessions,
      }));
      s.templates = s.templateShares.map((t) => t.id);
    }
    s.why = why(s);
  }
}
