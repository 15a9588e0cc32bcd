/**
 * @module The surge pass: runs the detector over every series of a set (ports, templates, sids)
 * and explains each detection; the result is the report's `surges`, sorted by `detectedAt`.
 */

import type { ReportSurge } from "../schema/surge.js";
import { type ExplainInputs, explainSurge } from "./explain.js";
import type { Series, SeriesKind, SeriesSet } from "./series-columns.js";
import { DEFAULT_SURGE_OPTIONS, SurgeDetector, type SurgeOptions, surgeState } from "./surges.js";

export interface DetectSurgesOptions extends Partial<Omit<SurgeOptions, "bucketSeconds">> {
  /** Which series to run on (default all three kinds). */
  kinds?: readonly SeriesKind[];
  explain?: ExplainInputs;
}

/** Detects and explains the surges of every series in `set`. */
export function detectSurges(set: SeriesSet, opts: DetectSurgesOptions = {}): ReportSurge[] {
  const { kinds = ["port", "template", "sid"], explain = {}, ...thresholds } = opts;
  const o: SurgeOptions = {
    ...DEFAULT_SURGE_OPTIONS,
    ...thresholds,
    bucketSeconds: set.bucketSeconds,
  };
  // A last bucket cut short by the end of the data holds fewer sources: state reads the one before.
  const last = set.lastPartial ? set.end - 2 : set.end - 1;
  const out: ReportSurge[] = [];
  const run = (list: readonly Series[]) => {
    for (const s of list) {
      if (s.n === 0) continue;
      const d = new SurgeDetector(s, set.first, o);
      d.advance(set.end);
      for (const r of d.surges) {
        out.push(explainSurge(r, s, set, surgeState(r, s, last, o), last, explain));
      }
    }
  };
  if (kinds.includes("port")) run(set.ports);
  if (kinds.includes("template")) run(set.templates);
  if (kinds.includes("sid")) run(set.sids);
  return out.sort(
    (a, b) =>
      a.detectedAt.localeCompare(b.detectedAt) ||
      b.peakSources - a.peakSources ||
      a.key.localeCompare(b.key),
  );
}
