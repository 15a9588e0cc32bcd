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

/** The report's width, and the surges that get a chart (the first ones, by detection time). */
const WIDTH = 100;
const MAX_CHARTS = 5;

/** Splits text at spaces into lines of at most `n` characters (longer words stay whole). */
export function wrapWords(text: string, n: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const w of text.split(" ")) {
    if (line !== "" && line.length + 1 + w.length > n) {
      out.push(line);
      line = w;
    } else line = line === "" ? w : `${line} ${w}`;
  }
  if (line !== "") out.push(line);
  return out;
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
  // A template or rule surge on the port of a port surge that began within a day of it tells
  // the same story: it goes on one line under the port surge instead of a block of its own.
  const ports = surges.filter((s) => s.kind === "port");
  const companions = new Map<ReportSurge, ReportSurge[]>();
  const shown: ReportSurge[] = [];
  for (const s of surges) {
    const host =
      s.kind === "port"
        ? undefined
        : ports.find(
            (p) =>
              p.proto === s.proto &&
              p.port === s.port &&
              Math.abs(Date.parse(p.onset) - Date.parse(s.onset)) <= 86_400_000,
          );
    if (host === undefined) shown.push(s);
    else companions.set(host, [...(companions.get(host) ?? []), s]);
  }
  let charts = 0;
  for (const s of shown.slice(0, opt.top)) {
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
    for (const l of wrapWords(s.why, WIDTH - 4)) out.push(`    ${l}`);
    for (const c of companions.get(s) ?? []) {
      out.push(
        dim(
          `    with it: ${c.kind === "template" ? `template ${c.key.slice(0, 16)}` : `rule sid ${c.sid}`}, ` +
            `onset ${short(c.onset)}, detected ${short(c.detectedAt)}`,
        ),
      );
    }
    for (const e of s.escalations) {
      out.push(
        dim(
          `    escalation ${short(e.detectedAt)}: ${e.sources} sources (7-day median ${e.baselineSources})`,
        ),
      );
    }
    if (charts++ >= MAX_CHARTS) continue;
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
  if (shown.length > opt.top)
    out.push(dim(`  ... ${shown.length - opt.top} more in the JSON report`));
  return `${out.join("\n")}\n`;
}
