/**
 * @module Builds the detection stage `analyze` runs: the default IoT pack and user rule files,
 * templates, IoCs, campaigns with attribution and draft rules, and an optional EVE file.
 */

import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CampaignBuilder, type CampaignStats } from "../analyse/campaigns.js";
import type { ReportAlert, ReportCampaign, ReportIoc } from "../schema/report.js";
import type { Session } from "../schema/session.js";
import { EveFile } from "../serve/eve-file.js";
import { attribute, loadFamilies } from "./attribution.js";
import { extractIocs } from "./iocs.js";
import { eveAlert, loadRules, mergeRuleSets, RuleEngine, type RuleSet } from "./rules/index.js";
import { type DetectParts, DetectStage } from "./stage.js";
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
  /** Added per-stage parts (e.g. surge series). */
  series?: DetectParts["series"];
}

export interface DetectionResult {
  alerts: ReportAlert[];
  campaigns: ReportCampaign[];
  iocs: ReportIoc[];
  stats: CampaignStats;
}

/** A detection run: feed `stage`, then call `finish` once. */
export class Detection {
  readonly stage: DetectStage;
  readonly ruleSet: RuleSet;
  readonly engine: RuleEngine;
  private readonly campaigns = new CampaignBuilder();
  private readonly eve: EveFile | undefined;
  private readonly families;

  constructor(opts: DetectionOptions) {
    const paths = [...(opts.defaultRules ? [shippedFile(DEFAULT_PACK_FILE)] : []), ...opts.rules];
    const ruleOpts = opts.vars !== undefined ? { vars: opts.vars } : {};
    this.ruleSet = paths.length > 0 ? loadRules(paths, ruleOpts) : mergeRuleSets([]);
    this.engine = new RuleEngine(this.ruleSet, ruleOpts);
    this.families = loadFamilies(opts.families);
    this.eve = opts.eve !== undefined ? new EveFile(opts.eve) : undefined;
    const eve = this.eve;
    this.stage = new DetectStage({
      ...(this.ruleSet.rules.length > 0 ? { rules: this.engine } : {}),
      template: templateOf,
      iocs: extractIocs,
      campaigns: this.campaigns,
      ...(opts.series !== undefined ? { series: opts.series } : {}),
      ...(eve !== undefined
        ? { onAlert: (a, s: Session | undefined) => eve.write(eveAlert(a, s)) }
        : {}),
    });
  }

  finish(): DetectionResult {
    this.eve?.close();
    const families = this.families;
    const c = this.campaigns.finish({ attribute: (ev) => attribute(families, ev) });
    return {
      alerts: this.stage.alerts.rows(),
      campaigns: c.campaigns,
      iocs: c.iocs,
      stats: c.stats,
    };
  }
}
