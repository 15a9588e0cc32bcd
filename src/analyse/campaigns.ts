/**
 * @module Campaigns (DESIGN.md §2, §4): sessions grouped by payload template and followed over
 * time, with ports, sources, CVEs, IoCs, family and, when no rule matched, a draft rule.
 * Bounded memory: see the constants and docs/campaigns.md.
 */

import { isoTime } from "../aggregate/time.js";
import type { Attribution, Evidence } from "../detect/attribution.js";
import {
  DRAFT_SID_BASE,
  DRAFT_SID_SPAN,
  type DraftResult,
  draftRule,
  draftSid,
} from "../detect/draft-rule.js";
import { type RuleSample, ruleSampleOf } from "../detect/draft-sample.js";
import type { Alert, Ioc, Template } from "../schema/detection.js";
import type { ReportCampaign, ReportCampaignStats, ReportIoc } from "../schema/report.js";
import type { Session } from "../schema/session.js";
import { type CampaignState, newCampaign } from "./campaign-state.js";
import { DEFAULT_IOC_LIMIT, IocTable } from "./ioc-table.js";

/** Templates followed at once; when full, the smallest are forgotten (see `stats`). */
export const MAX_CAMPAIGNS = 4096;
/** Distinct sources remembered per campaign; past it `sources` is a floor. */
export const MAX_CAMPAIGN_SOURCES = 1_000_000;
/** Campaigns reported by default (most sources first). */
export const DEFAULT_CAMPAIGN_LIMIT = 1000;
/** Campaigns without alerts that get a draft rule (most sources first). */
export const MAX_DRAFTS = 50;
/** IoC values listed per campaign. */
export const CAMPAIGN_IOCS = 20;

/** What attribution sees of a campaign (src/detect/attribution.ts). */
export type AttributionEvidence = Evidence;

export interface FinishOptions {
  attribute?: (ev: AttributionEvidence) => Attribution | undefined;
  /** Campaigns and IoCs reported (defaults DEFAULT_CAMPAIGN_LIMIT, DEFAULT_IOC_LIMIT). */
  limit?: number;
  iocLimit?: number;
}

/** Counts of what the bounds cost: nothing is dropped silently. */
export type CampaignStats = ReportCampaignStats;

const IOC_ORDER: Record<string, number> = {
  url: 0,
  downloader: 1,
  domain: 2,
  ipv4: 3,
  ipv6: 4,
  filename: 5,
  command: 6,
};

/** Groups sessions into campaigns; `add` per session, `finish` once. */
export class CampaignBuilder {
  private readonly campaigns = new Map<string, CampaignState>();
  private readonly iocs = new IocTable();
  private droppedTemplates = 0;
  private droppedSessions = 0;

  constructor(private readonly maxCampaigns = MAX_CAMPAIGNS) {}

  add(s: Session, t: Template, iocs: readonly Ioc[], alerts: readonly Alert[]): void {
    let c = this.campaigns.get(t.id);
    if (c === undefined) {
      if (this.campaigns.size >= this.maxCampaigns) this.prune();
      c = newCampaign(s, t);
      this.campaigns.set(t.id, c);
    }
    c.sessions++;
    if (s.start < c.first) c.first = s.start;
    if (s.end > c.last) c.last = s.end;
    if (c.ports.size < 64) c.ports.add(s.dport);
    if (!c.sources.has(s.srcKey)) {
      if (c.sources.size < MAX_CAMPAIGN_SOURCES) {
        c.sources.add(s.srcKey);
        if (s.fingerprint !== "") {
          c.fingerprints.set(s.fingerprint, (c.fingerprints.get(s.fingerprint) ?? 0) + 1);
        }
      } else c.sourcesCapped = true;
    }
    if (alerts.length > 0) {
      c.alertedSessions++;
      for (const a of alerts) {
        if (c.sids.size < 32) c.sids.add(a.rule.sid);
        for (const cve of a.rule.cve) if (c.cves.size < 32) c.cves.add(cve);
      }
    }
    for (const ioc of iocs) {
      const key = `${ioc.type} ${ioc.value}`;
      const n = c.iocs.get(key);
      if (n !== undefined) c.iocs.set(key, n + 1);
      else if (c.iocs.size < 64) c.iocs.set(key, 1);
      if (ioc.type === "url" && c.urls.length < 20 && !c.urls.includes(ioc.value)) {
        c.urls.push(ioc.value);
      }
      this.iocs.add(ioc, s.start, t.id);
    }
    const ua = userAgent(s);
    if (ua !== undefined && c.userAgents.length < 10 && !c.userAgents.includes(ua)) {
      c.userAgents.push(ua);
    }
    // Rule samples: the first two sessions, then two slots refreshed at the 4th, 16th, 64th...
    // session, so the draft is checked against senders spread over the campaign's life.
    const n = c.sessions;
    if (n <= 2) c.samples.push(ruleSampleOf(s, t.id));
    else if (n >= 4 && (n & (n - 1)) === 0 && (31 - Math.clz32(n)) % 2 === 0) {
      c.samples[2 + (c.refreshes++ % 2)] = ruleSampleOf(s, t.id);
    }
  }

  /**
   * Forgets the campaigns with fewer than `t` sessions, doubling `t` until a quarter of the
   * table is free (one-off templates go first; their sessions are counted as dropped).
   */
  private prune(): void {
    let freed = 0;
    for (let t = 2; freed < this.maxCampaigns / 4; t *= 2) {
      for (const [id, c] of this.campaigns) {
        if (c.sessions >= t) continue;
        this.campaigns.delete(id);
        this.droppedTemplates++;
        this.droppedSessions += c.sessions;
        freed++;
      }
    }
  }

  finish(opts: FinishOptions = {}): {
    campaigns: ReportCampaign[];
    iocs: ReportIoc[];
    stats: CampaignStats;
  } {
    const all = [...this.campaigns.values()].sort(
      (a, b) =>
        b.sources.size - a.sources.size ||
        b.sessions - a.sessions ||
        (a.template.id < b.template.id ? -1 : 1),
    );
    const reported = all.slice(0, opts.limit ?? DEFAULT_CAMPAIGN_LIMIT);
    const samples: RuleSample[] = all.flatMap((c) => c.samples);
    const usedSids = new Set<number>();
    let drafts = 0;
    let drafted = 0;
    let draftFailed = 0;
    const campaigns = reported.map((c) => {
      const row = this.row(c, opts);
      if (c.alertedSessions > 0) return row;
      if (drafts >= MAX_DRAFTS) {
        row.draftReason = `not drafted: only the ${MAX_DRAFTS} largest campaigns without alerts are`;
        return row;
      }
      drafts++;
      const id = c.template.id;
      let sid = draftSid(id);
      while (usedSids.has(sid))
        sid = DRAFT_SID_BASE + ((sid - DRAFT_SID_BASE + 1) % DRAFT_SID_SPAN);
      const d: DraftResult = draftRule({
        templateId: id,
        kind: c.template.kind,
        ports: row.ports,
        positives: c.samples,
        negatives: samples.filter((x) => x.template !== id),
        date: row.last.slice(0, 10).replaceAll("-", "_"),
        sid,
      });
      if ("rule" in d) {
        usedSids.add(sid);
        row.draftRule = d.rule;
        drafted++;
      } else {
        row.draftReason = d.reason;
        draftFailed++;
      }
      return row;
    });
    const ids = new Set(reported.map((c) => c.template.id));
    const iocs = this.iocs.rows(opts.iocLimit ?? DEFAULT_IOC_LIMIT, ids);
    return {
      campaigns,
      iocs: iocs.rows,
      stats: {
        templates: this.campaigns.size,
        droppedTemplates: this.droppedTemplates,
        droppedSessions: this.droppedSessions,
        omittedCampaigns: all.length - reported.length,
        iocRecords: this.iocs.size,
        droppedIocs: this.iocs.dropped,
        omittedIocs: iocs.omitted,
        drafted,
        draftFailed,
      },
    };
  }

  private row(c: CampaignState, opts: FinishOptions): ReportCampaign {
    const cve = [...c.cves].sort();
    const attribution = opts.attribute?.({
      payload: c.payload,
      urls: [...c.urls],
      userAgents: [...c.userAgents],
      cves: cve,
    });
    const known = [...c.fingerprints.values()].reduce((a, b) => a + b, 0);
    const fingerprints: Record<string, number> = {};
    for (const [name, n] of [...c.fingerprints].sort((a, b) => b[1] - a[1])) {
      fingerprints[name] = Math.round((n / known) * 1000) / 1000;
    }
    const iocs = [...c.iocs]
      .map(([key, n]) => ({
        type: key.slice(0, key.indexOf(" ")),
        value: key.slice(key.indexOf(" ") + 1),
        n,
      }))
      .sort((a, b) => (IOC_ORDER[a.type] ?? 9) - (IOC_ORDER[b.type] ?? 9) || b.n - a.n)
      .map((x) => x.value)
      // A downloader host is also an address (or domain) IoC: list each value once.
      .filter((v, i, all) => all.indexOf(v) === i)
      .slice(0, CAMPAIGN_IOCS);
    return {
      id: c.template.id,
      template: c.template.id,
      sample: c.sample,
      ports: [...c.ports].sort((a, b) => a - b),
      first: isoTime(c.first),
      last: isoTime(c.last),
      sessions: c.sessions,
      sources: c.sources.size,
      cve,
      family: attribution?.family ?? "unknown",
      iocs,
      kind: c.template.kind,
      templateText: c.template.text,
      sids: [...c.sids].sort((a, b) => a - b),
      alertedSessions: c.alertedSessions,
      fingerprints,
      familyConfidence: attribution?.confidence ?? 0,
      familyReasons: attribution?.reasons ?? [],
      sourcesCapped: c.sourcesCapped,
    };
  }
}

function userAgent(s: Session): string | undefined {
  const r = s.http?.requests[0];
  if (r === undefined) return undefined;
  for (const [name, value] of r.headers) {
    if (name.length === 10 && name.toLowerCase() === "user-agent") return value.slice(0, 256);
  }
  return undefined;
}
