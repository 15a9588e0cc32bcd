/** @module Runs the offline pipeline over capture files and returns the report. */

import { readCaptures } from "../capture/read.js";
import type { FlowConfig } from "../decode/flows.js";
import type { Detection } from "../detect/setup.js";
import { Anomalies, type AnomalyWarner } from "../schema/anomalies.js";
import type { AnalysisReport } from "../schema/report.js";
import type { Probe, Session } from "../schema/session.js";
import { Analyzer } from "./analyzer.js";
import { buildReport } from "./report.js";
import type { Rollup } from "./rollup.js";

export interface AnalyzeOptions {
  flow?: Partial<FlowConfig>;
  warn?: AnomalyWarner;
  onProgress?: (consumed: number, total: number | undefined, packets: number) => void;
  onSession?: (s: Session) => void;
  onProbe?: (p: Probe) => void;
  stdin?: NodeJS.ReadableStream;
  /** The detection stage (rules, templates, campaigns); absent: ports and sources only. */
  detection?: Detection;
  /** Collects minute and per-source rows for the store (`analyze --db`). */
  rollup?: Rollup;
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
  const stage = opts.detection?.stage;
  const onSession = chain(
    opts.onSession,
    stage !== undefined ? (s) => stage.session(s) : undefined,
  );
  const onProbe = chain(
    opts.onProbe,
    stage?.wantsProbes === true ? (p) => stage.probe(p) : undefined,
  );
  const analyzer = new Analyzer({
    anomalies,
    fileNames,
    ...(opts.flow !== undefined ? { flow: opts.flow } : {}),
    ...(onSession !== undefined ? { onSession } : {}),
    ...(onProbe !== undefined ? { onProbe } : {}),
    ...(opts.rollup !== undefined ? { rollup: opts.rollup } : {}),
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
  if (opts.detection !== undefined) {
    const d = opts.detection.finish(
      analyzer.packets > 0 ? { start: analyzer.firstTs, end: analyzer.lastTs } : undefined,
    );
    report.surges = d.surges;
    report.heavyHitters = d.heavyHitters;
    report.alerts = d.alerts;
    report.campaigns = d.campaigns;
    report.iocs = d.iocs;
    report.telnet = d.telnet;
    const rs = opts.detection.ruleSet;
    report.detection = {
      ruleFiles: rs.files.map((f) => f.file),
      rulesLoaded: rs.rules.length,
      rulesSkipped: rs.problems.length,
      alerts: opts.detection.stage.alerts.total,
      sessions: opts.detection.stage.sessions,
      payloadBytes: opts.detection.stage.payloadBytes,
      campaigns: d.stats,
    };
  }
  return { report, analyzer, anomalies };
}

/** One callback calling both, or the one given, or none. */
function chain<T>(
  a: ((x: T) => void) | undefined,
  b: ((x: T) => void) | undefined,
): ((x: T) => void) | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return (x) => {
    a(x);
    b(x);
  };
}
