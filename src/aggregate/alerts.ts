/** @module Sums alerts per rule for the report's `alerts` list (DESIGN.md §4). */

import type { Alert } from "../schema/detection.js";
import type { ReportAlert } from "../schema/report.js";
import { isoTime } from "./time.js";

interface RuleSum {
  alert: Alert;
  count: number;
  sources: Set<string>;
  ports: Set<number>;
  first: number;
  last: number;
}

/** Distinct sources remembered per rule; past it `sources` stops growing (the count is a floor). */
export const MAX_SOURCES_PER_RULE = 1_000_000;

/** Accumulates alerts by (gid, sid). */
export class AlertSummary {
  private readonly rules = new Map<string, RuleSum>();
  total = 0;

  add(a: Alert): void {
    this.total++;
    const key = `${a.rule.gid}:${a.rule.sid}`;
    let r = this.rules.get(key);
    if (r === undefined) {
      r = { alert: a, count: 0, sources: new Set(), ports: new Set(), first: a.ts, last: a.ts };
      this.rules.set(key, r);
    }
    r.count++;
    if (r.sources.size < MAX_SOURCES_PER_RULE) r.sources.add(a.src);
    r.ports.add(a.dport);
    if (a.ts < r.first) r.first = a.ts;
    if (a.ts > r.last) r.last = a.ts;
  }

  /** The report rows, most alerting sources first (then count, then sid). */
  rows(): ReportAlert[] {
    const out: ReportAlert[] = [];
    for (const r of this.rules.values()) {
      const rule = r.alert.rule;
      out.push({
        sid: rule.sid,
        msg: rule.msg,
        cve: [...rule.cve],
        count: r.count,
        sources: r.sources.size,
        first: isoTime(r.first),
        last: isoTime(r.last),
        gid: rule.gid,
        rev: rule.rev,
        classtype: rule.classtype,
        ports: [...r.ports].sort((x, y) => x - y),
      });
    }
    return out.sort((x, y) => y.sources - x.sources || y.count - x.count || x.sid - y.sid);
  }
}
