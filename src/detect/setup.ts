/**
 * @module Builds the detection stage `analyze` runs: the default IoT pack and user rule files,
 * templates, IoCs, campaigns with attribution and draft rules, and an optional EVE file.
 */

import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CampaignBuilder, type CampaignStats } from "../analyse/campaigns.js";
import { type DetectSurgesOptions, detectSurges } from "../analyse/detect-surges.js";
import { researchScanners } from "../analyse/networks.js";
import { SeriesBuilder, type SeriesStats } from "../analyse/series.js";
import { TelnetTable } from "../analyse/telnet-table.js";
import type { Alert, Ioc, Template } from "../schema/detection.js";
import type { ReportAlert, ReportCampaign, ReportIoc, ReportTelnet } from "../schema/report.js";
import type { Session } from "../schema/session.js";
import type { ReportHeavyHitter, ReportSurge } from "../schema/surge.js";
import { EveFile } from "../serve/eve-file.js";
import type { DetectionRollup } from "../store/detections.js";
import { attribute, loadFamilies } from "./attribution.js";
import { extractIocs } from "./iocs.js";
import { eveAlert, loadRules, mergeRuleSets, RuleEngine, type RuleSet } from "./rules/index.js";
import { DetectStage } from "./stage.js";
import { templateOf } from "./template.js";

/** The pack shipped with Portent (docs/iot-pack.md). */
export const DEFAULT_PACK_FILE = "rules/portent-iot.rules";

/** Finds a file shipped in the repository by walking up from this module (src/ or dist/src/). */
export function shippedFile(rel: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = join(dir, rel);
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  return resolve(rel);
}

export interface DetectionOptions {
  /** Rule files or folders given with --rules. */
  rules: string[];
  /** Load the IoT pack (default true; --no-default-rules). */
  defaultRules: boolean;
  /** Extra family-marker files (--families). */
  families: string[];
  /** EVE output path, "-" for stdout. */
  eve?: string;
  /** Extra variables ($HOME_NET=...), overriding the honeypot defaults. */
  vars?: Record<string, string>;
  /** Collects sessions, templates, IoCs and alerts for the store (`analyze --db`). */
  store?: DetectionRollup;
  /** Surge detection (default on): bucket width and options; `false` turns it off. */
  surges?: false | SurgeSetup;
}

export interface SurgeSetup {
  /** Bucket width in seconds (default 3600, at least 300, dividing a day). */
  bucketSeconds?: number;
  /** Leave out sources in the research-scanner networks (data/research-scanners.json + files). */
  excludeResearch?: boolean;
  researchFiles?: string[];
  /** Threshold overrides (docs/surges.md). */
  thresholds?: Omit<DetectSurgesOptions, "explain" | "kinds">;
}

function recordTo(store: DetectionRollup) {
  return (s: Session, t: Template | undefined, iocs: readonly Ioc[]) => store.session(s, t, iocs);
}

export interface DetectionResult {
  surges: ReportSurge[];
  heavyHitters: ReportHeavyHitter[];
  seriesStats: SeriesStats | undefined;
  alerts: ReportAlert[];
  campaigns: ReportCampaign[];
  iocs: ReportIoc[];
  stats: CampaignStats;
  /** Telnet credentials and commands (report `telnet`). */
  telnet: ReportTelnet;
}

/** A detection run: feed `stage`, then call `finish` once. */
export class Detection {
  readonly stage: DetectStage;
  readonly ruleSet: RuleSet;
  readonly engine: RuleEngine;
  private readonly campaigns = new CampaignBuilder();
  private readonly eve: EveFile | undefined;
  private readonly families;
  private readonly series: SeriesBuilder | undefined;
  private readonly surgeSetup: SurgeSetup | undefined;
  /** Credentials and commands of the sessions templated as telnet. */
  readonly telnet = new TelnetTable();

  constructor(opts: DetectionOptions) {
    const paths = [...(opts.defaultRules ? [shippedFile(DEFAULT_PACK_FILE)] : []), ...opts.rules];
    const ruleOpts = opts.vars !== undefined ? { vars: opts.vars } : {};
    this.ruleSet = paths.length > 0 ? loadRules(paths, ruleOpts) : mergeRuleSets([]);
    this.engine = new RuleEngine(this.ruleSet, ruleOpts);
    this.families = loadFamilies(opts.families);
    this.eve = opts.eve !== undefined ? new EveFile(opts.eve) : undefined;
    const eve = this.eve;
    if (opts.surges !== false) {
      const su = opts.surges ?? {};
      this.surgeSetup = su;
      this.series = new SeriesBuilder({
        ...(su.bucketSeconds !== undefined ? { bucketSeconds: su.bucketSeconds } : {}),
        ...(su.excludeResearch === true ? { exclude: researchScanners(su.researchFiles) } : {}),
      });
    }
    const series = this.series;
    this.stage = new DetectStage({
      ...(this.ruleSet.rules.length > 0 ? { rules: this.engine } : {}),
      template: (s: Session): Template => {
        const t = templateOf(s);
        if (t.kind === "telnet") this.telnet.add(s);
        return t;
      },
      iocs: extractIocs,
      campaigns: this.campaigns,
      ...(series !== undefined ? { series } : {}),
      ...(opts.store !== undefined ? { record: recordTo(opts.store) } : {}),
      ...(eve !== undefined || opts.store !== undefined
        ? {
            onAlert: (a: Alert, s: Session | undefined) => {
              eve?.write(eveAlert(a, s));
              opts.store?.alert(a);
            },
          }
        : {}),
    });
  }

  /** Ends the run; `range` is the observation (µs), first and last packet. */
  finish(range?: { start: number; end: number }): DetectionResult {
    this.eve?.close();
    const families = this.families;
    const c = this.campaigns.finish({ attribute: (ev) => attribute(families, ev) });
    let surges: ReportSurge[] = [];
    let heavyHitters: ReportHeavyHitter[] = [];
    let seriesStats: SeriesStats | undefined;
    if (this.series !== undefined) {
      if (range !== undefined && range.end >= range.start) {
        this.series.observe(range.start, range.end);
      }
      const set = this.series.finish();
      const bySid = new Map(this.engine.rules.map((r) => [r.info.sid, r.info]));
      const byTemplate = new Map(c.campaigns.map((k) => [k.template, k.templateText]));
      surges = detectSurges(set, {
        ...this.surgeSetup?.thresholds,
        explain: {
          rule: (sid) => bySid.get(sid),
          template: (id) => {
            const text = byTemplate.get(id);
            return text !== undefined ? { text } : undefined;
          },
        },
      });
      heavyHitters = set.heavyHitters;
      seriesStats = set.stats;
    }
    return {
      surges,
      heavyHitters,
      seriesStats,
      alerts: this.stage.alerts.rows(),
      campaigns: c.campaigns,
      iocs: c.iocs,
      stats: c.stats,
      telnet: this.telnet.report(),
    };
  }
}
