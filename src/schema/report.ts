/**
 * @module The analysis report (`portent analyze --json`): the public contract of DESIGN.md §4.
 * Fields may be added; none may change meaning. Times are ISO-8601 UTC strings.
 */

import type { AnomalyFirst } from "./anomalies.js";
import type { IocType } from "./detection.js";
import type { ReportHeavyHitter, ReportSurge } from "./surge.js";

export const REPORT_VERSION = 1;

export interface ReportInputFile {
  name: string;
  format: "pcap" | "pcapng";
  gzip: boolean;
  packets: number;
  bytes: number;
}

export interface ReportInput {
  files: string[];
  /** Records read from all inputs. */
  packets: number;
  /** Bytes of the (decompressed) inputs. */
  bytes: number;
  start: string | null;
  end: string | null;
  /** Counts of anomalies by kind (see docs/anomalies.md). */
  anomalies: Record<string, number>;
  /** Added field: where each anomaly kind was first seen. */
  anomalyFirst: Record<string, AnomalyFirst>;
  /** Added field: per-file details, in the order read. */
  details: ReportInputFile[];
  /** Added field: packets with no IP layer (ARP, LLDP, ...) and packets that were IP fragments. */
  nonIp: number;
}

export interface ReportPort {
  proto: "tcp" | "udp" | "icmp" | "icmpv6";
  /** Destination port; for ICMP and ICMPv6 the message type. */
  port: number;
  packets: number;
  probes: number;
  sessions: number;
  sources: number;
  /**
   * Added field: packets towards the port per hour, from `hoursStart`, for sparklines; present
   * for the first 200 ports of the list (and when the input spans at most 62 days), else [].
   */
  hourly: number[];
  /** Added field: fingerprint of the port's SYN packets, by name, as counts of packets. */
  fingerprints: Record<string, number>;
}

export interface ReportFingerprint {
  name: string;
  sources: number;
  packets: number;
  /** Added field: sources whose SYNs were all of this fingerprint. */
  exclusiveSources: number;
}

export interface ReportSource {
  address: string;
  packets: number;
  ports: number;
  sessions: number;
  first: string;
  last: string;
  /** Share of the source's SYN packets with each fingerprint (0..1), only non-zero entries. */
  fingerprints: Record<string, number>;
}

/** One rule's alerts (DESIGN.md §4 `alerts`) over the whole input. */
export interface ReportAlert {
  sid: number;
  msg: string;
  cve: string[];
  count: number;
  /** Distinct source addresses among the alerts. */
  sources: number;
  first: string;
  last: string;
  /** Added fields: the rule's generator id, revision and classtype. */
  gid: number;
  rev: number;
  classtype: string;
  /** Added field: destination ports the rule fired on, ascending. */
  ports: number[];
}

/** A payload template followed over time (DESIGN.md §2 "campaign"; see docs/campaigns.md). */
export interface ReportCampaign {
  /** Stable id (the template id: one campaign per template). */
  id: string;
  /** The template id (16 hex digits). */
  template: string;
  /** A short printable sample of one request: escaped, runs of 12+ equal bytes as `X{n}`. */
  sample: string;
  /** Destination ports, ascending. */
  ports: number[];
  first: string;
  last: string;
  sessions: number;
  /** Distinct source addresses (a floor past MAX_CAMPAIGN_SOURCES, see `sourcesCapped`). */
  sources: number;
  /** CVE ids of the rules that matched its sessions. */
  cve: string[];
  /** The attributed family, "unknown" when none. */
  family: string;
  /** IoC values seen in its sessions (most frequent first, at most 20). */
  iocs: string[];
  /** A proposed Suricata rule; present when no loaded rule matched the campaign. */
  draftRule?: string;
  /** Added fields. The template's kind ("http", "telnet", "tcp", "udp") and normalised text. */
  kind: string;
  templateText: string;
  /** Sids of the rules that matched its sessions, and how many of its sessions had an alert. */
  sids: number[];
  alertedSessions: number;
  /** Share of its sources (with a fingerprinted SYN) per scanner fingerprint, 0..1. */
  fingerprints: Record<string, number>;
  familyConfidence: number;
  familyReasons: string[];
  /** Why there is no draft rule although no rule matched (e.g. nothing separates it). */
  draftReason?: string;
  /** True when more distinct sources were seen than the campaign remembers. */
  sourcesCapped: boolean;
}

/** An indicator across the whole input; `value` is real, never defanged. */
export interface ReportIoc {
  type: IocType;
  value: string;
  first: string;
  last: string;
  /** Sessions that carried it. */
  count: number;
  /** Ids of the reported campaigns whose sessions carried it (at most 20). */
  campaigns: string[];
}

/** A user name and password typed at a telnet login, over the whole input. */
export interface ReportTelnetCredential {
  /** As typed (attacker bytes, one character per byte; either may be empty). */
  user: string;
  password: string;
  /** Login attempts with the pair. */
  count: number;
  /** Distinct source addresses that tried it (a floor past the table's bounds). */
  sources: number;
}

/** A line typed after a telnet login, over the whole input. */
export interface ReportTelnetCommand {
  /** As typed, trimmed (attacker bytes, one character per byte; real, never defanged). */
  command: string;
  /** Times it was typed. */
  count: number;
  /** Distinct source addresses that typed it (a floor past the table's bounds). */
  sources: number;
}

/**
 * Telnet sessions (a login dialogue or option negotiation), decoded as the sensor's telnet
 * persona records them: the most common credential pairs and commands, most sources first.
 */
export interface ReportTelnet {
  /** Sessions read as telnet. */
  sessions: number;
  credentials: ReportTelnetCredential[];
  commands: ReportTelnetCommand[];
}

/** What the campaign bounds cost (docs/campaigns.md): nothing is dropped silently. */
export interface ReportCampaignStats {
  templates: number;
  droppedTemplates: number;
  droppedSessions: number;
  omittedCampaigns: number;
  iocRecords: number;
  droppedIocs: number;
  omittedIocs: number;
  drafted: number;
  draftFailed: number;
}

/** What the detection stage loaded and counted (docs/rules.md, docs/campaigns.md). */
export interface ReportDetection {
  ruleFiles: string[];
  rulesLoaded: number;
  /** Rules reported and skipped (unsupported keyword or invalid); `portent rules check` lists them. */
  rulesSkipped: number;
  alerts: number;
  /** Sessions inspected, and their client bytes (as kept: capped by --client-cap). */
  sessions: number;
  payloadBytes: number;
  campaigns: ReportCampaignStats;
}

export interface AnalysisReport {
  version: number;
  /** Added field: the Portent version and fingerprint rules that made the report. */
  generator: { name: string; version: string; fingerprintVersion: number };
  input: ReportInput;
  /** Added field: the hour the `hourly` arrays start at (ISO), and the bucket width in seconds. */
  hoursStart: string | null;
  bucketSeconds: number;
  ports: ReportPort[];
  fingerprints: ReportFingerprint[];
  /** Added field: the sources sending most packets. */
  topSources: ReportSource[];
  /** Added field: totals of the stream layer. */
  streams: { sessions: number; probes: number; flowsEvicted: number; httpSessions: number };
  alerts: ReportAlert[];
  surges: ReportSurge[];
  /**
   * Added field: single sources that sent a large share of a port's packets in some hour; they
   * count once among a port's sources, so they never make a surge on their own.
   */
  heavyHitters?: ReportHeavyHitter[];
  campaigns: ReportCampaign[];
  iocs: ReportIoc[];
  /** Added field: what detection ran with and what its bounds cost; absent when it did not run. */
  detection?: ReportDetection;
  /**
   * Added field: telnet credentials and commands across the input (report `telnet` lists);
   * absent when detection did not run.
   */
  telnet?: ReportTelnet;
}
