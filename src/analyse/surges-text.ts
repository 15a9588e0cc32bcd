/**
 * @module The terminal report's surges section: one block per surge (what, when, how far above
 * its baseline, why) with a small chart of its series; IoC-free, so nothing needs defanging.
 */

import type { ReportSurge } from "../schema/surge.js";
import { textChart } from "./chart.js";

export interface SurgesTextOptions {
  color: boolean;
  /** Surges listed (the rest are counted). */
  top: number;
  /** Chart columns and rows; 0 rows leaves the charts out. */
  chartWidth: number;
  chartHeight: number;
}

export const DEFAULT_SURGES_TEXT: SurgesTextOptions = {
  color: false,
  top: 10,
  chartWidth: 72,
  chartHeight: 4,
};

function short(iso: string): string {
  return `${iso.slice(0, 16).replace("T", " ")}Z`;
}

function hoursBetween(a: string, b: string): string {
  const h = (Date.parse(b) - Date.parse(a)) / 3.6e6;
  return h < 48 ? `${h.toFixed(h < 10 ? 1 : 0)} h` : `${(h / 24).toFixed(1)} days`;
}

/** What the surge is about, as a title. */
export function surgeTitle(s: ReportSurge): string {
  if (s.kind === "port") return `${s.port}/${s.proto}`;
  if (s.kind === "template")
    return `template ${s.key.slice(0, 16)}${s.port > 0 ? ` (${s.port}/${s.proto})` : ""}`;
  return `rule sid ${s.sid}${s.port > 0 ? ` (${s.port}/${s.proto})` : ""}`;
}

/** Renders the section (lines joined by "\n", ending with one); "" when there are no surges. */
export function renderSurges(
  surges: readonly ReportSurge[],
  opt: SurgesTextOptions = DEFAULT_SURGES_TEXT,
): string {
  if (surges.length === 0) return "";
  const bold = (x: string) => (opt.color ? `\x1b[1m${x}\x1b[0m` : x);
  const dim = (x: string) => (opt.color ? `\x1b[2m${x}\x1b[0m` : x);
  const out = [bold(`Surges (${surges.length})`)];
  for (const s of surges.slice(0, opt.top)) {
    out.push(
      `  ${bold(surgeTitle(s))}  ${s.state}  ${s.peakSources} sources at peak ${short(s.peak)}, ` +
        `${s.ratio}x baseline ${s.baselineSources}`,
    );
    out.push(
      dim(
        `    onset ${short(s.onset)}  detected ${short(s.detectedAt)} (+${hoursBetween(s.onset, s.detectedAt)})` +
          (s.ended ? `  back to baseline ${short(s.ended)}` : ""),
      ),
    );
    out.push(`    ${s.why}`);
    for (const e of s.escalations) {
      out.push(
        dim(
          `    escalation ${short(e.detectedAt)}: ${e.sources} sources (7-day median ${e.baselineSources})`,
        ),
      );
    }
    if (opt.chartHeight > 0 && s.series.length > 1) {
      const start = Date.parse(s.seriesStart);
      const at = (iso: string) => Math.round((Date.parse(iso) - start) / (s.bucketSeconds * 1000));
      const lines = textChart(s.series, {
        width: opt.chartWidth,
        height: opt.chartHeight,
        reference: s.baselineSources,
        marks: [
          { index: at(s.onset), char: "o" },
          { index: at(s.detectedAt) - 1, char: "d" },
        ],
      });
      for (const l of lines) out.push(`      ${l}`);
      out.push(
        dim(
          `      ${short(s.seriesStart)} .. (o onset, d detected; one column = max of its buckets)`,
        ),
      );
    }
  }
  if (surges.length > opt.top)
    out.push(dim(`  ... ${surges.length - opt.top} more in the JSON report`));
  return `${out.join("\n")}\n`;
}
