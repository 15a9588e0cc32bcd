/** @module Runs the offline pipeline over capture files and returns the report. */

import { readCaptures } from "../capture/read.js";
import type { FlowConfig } from "../decode/flows.js";
import { Anomalies, type AnomalyWarner } from "../schema/anomalies.js";
import type { AnalysisReport } from "../schema/report.js";
import type { Probe, Session } from "../schema/session.js";
import { Analyzer } from "./analyzer.js";
import { buildReport } from "./report.js";

export interface AnalyzeOptions {
  flow?: Partial<FlowConfig>;
  warn?: AnomalyWarner;
  onProgress?: (consumed: number, total: number | undefined, packets: number) => void;
  onSession?: (s: Session) => void;
  onProbe?: (p: Probe) => void;
  stdin?: NodeJS.ReadableStream;
  /** How many sources the report's `topSources` lists. */
  topSources?: number;
}

export interface AnalyzeResult {
  report: AnalysisReport;
  analyzer: Analyzer;
  anomalies: Anomalies;
}

/** Reads every input (files in order of their first timestamp), analyses and reports. */
export async function analyzeFiles(
  inputs: string[],
  opts: AnalyzeOptions = {},
): Promise<AnalyzeResult> {
  const anomalies = new Anomalies(opts.warn);
  const fileNames = inputs.map((f) => (f === "-" ? "<stdin>" : f));
  const analyzer = new Analyzer({
    anomalies,
    fileNames,
    ...(opts.flow !== undefined ? { flow: opts.flow } : {}),
    ...(opts.onSession !== undefined ? { onSession: opts.onSession } : {}),
    ...(opts.onProbe !== undefined ? { onProbe: opts.onProbe } : {}),
  });
  const onProgress = opts.onProgress;
  const summaries = await readCaptures(inputs, (raw) => analyzer.packet(raw), {
    anomalies,
    ...(onProgress !== undefined
      ? { onProgress: (c: number, t: number | undefined) => onProgress(c, t, analyzer.packets) }
      : {}),
    ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
  });
  analyzer.finish();
  const report = buildReport(analyzer, {
    anomalies,
    ...(opts.topSources !== undefined ? { topSources: opts.topSources } : {}),
    files: summaries.map((s) => ({
      name: s.name,
      format: s.format,
      gzip: s.gzip,
      packets: s.packets,
      bytes: s.bytes,
    })),
  });
  return { report, analyzer, anomalies };
}
