/** @module The truth file of a simulated capture: what was generated, for evaluating detectors. */

/**
 * What `portent simulate` put into a capture. JSON-serialisable; times are ISO-8601 UTC text,
 * counts are integers, and every count is measured from the packets actually written.
 */
export interface Truth {
  /** Format version of this file; bumped when a field changes meaning. */
  version: 1;
  /** The scenario name (`portent simulate --list`). */
  scenario: string;
  /** The seed the capture was generated from; the same seed and scale give the same bytes. */
  seed: number;
  /** The volume multiplier the capture was generated with (1 = the scenario's nominal volume). */
  scale: number;
  /** The sensors' IPv4 network: every address in it is a honeypot sensor. */
  network: string;
  /** The sensors' IPv6 network (sensor i answers at its address ::i). */
  network6: string;
  /** Start of the observation (no packet is earlier). */
  start: string;
  /** End of the observation (no packet is at or after it). */
  end: string;
  /** Packets written to the capture. */
  packets: number;
  /** The campaigns in the capture, background excluded. */
  campaigns: TruthCampaign[];
  /** The background radiation every capture carries. */
  background: TruthBackground;
  /**
   * Traffic built to look like a surge to a naive detector (a daily cycle, one loud source, a
   * fading port): a detector must stay silent on it. Absent in scenarios without decoys.
   */
  decoys?: TruthDecoy[];
}

/** A decoy (see Truth.decoys). */
export interface TruthDecoy {
  id: string;
  name: string;
  /** What makes it look like a surge, and why it is not one. */
  description: string;
  proto: "tcp";
  ports: number[];
  /** The period it is active. */
  from: string;
  to: string;
  /** Always false: no surge should be reported on `ports` between `from` and `to` because of it. */
  shouldAlert: false;
  /** Distinct sources, and SYNs sent to `ports` (retransmits excluded). */
  sources: number;
  syns: number;
  /** Distinct sources per hour of the observation, as TruthCampaign.hourlySources. */
  hourlySources: number[];
  /** The address block (or single address, as a /32) its sources come from. */
  sourceBlock: string;
}

/** One campaign: a population of sources sending one kind of payload to a set of ports. */
export interface TruthCampaign {
  /** Stable identifier within the scenario, e.g. "satori-uc-httpd". */
  id: string;
  /** Human-readable name. */
  name: string;
  /** The botnet family the story attributes it to ("satori", "mirai", ...). */
  family: string;
  /** CVE identifiers the payload exploits (empty when there is none, e.g. telnet brute force). */
  cve: string[];
  /** Destination ports the campaign targets (its own probes to other ports are not listed). */
  ports: number[];
  /** Transport of the campaign's connections. */
  proto: "tcp";
  /** When its scanning began. */
  onset: string;
  /**
   * The campaign's nominal shape: consecutive phases whose level of active sources moves
   * linearly from `startSourcesPerHour` at `from` to `sourcesPerHour` at `to`. Absent for steady
   * campaigns. The realised distinct sources per hour are in `hourlySources`.
   */
  phases?: TruthPhase[];
  /** Which request template its sessions carry. */
  payloadKind: PayloadKind;
  /** Distinct source addresses that sent at least one SYN of this campaign to one of `ports`. */
  sources: number;
  /** Distinct sources per hour of the observation (index 0 = the hour starting at `start`). */
  hourlySources: number[];
  /** SYNs the campaign's sources sent to `ports` (probes and connection SYNs, retransmits excluded). */
  syns: number;
  /** Connections that carried the campaign's payload. */
  sessions: number;
  /** The header fingerprint of the campaign's probe SYNs (its payload connections come from the bots' kernels). */
  fingerprint: "mirai" | "masscan" | "zmap" | "none";
  /** True when this campaign is a surge a detector should find. */
  surge: boolean;
  /** The downloader URL the payload fetches, as written in the capture. */
  downloader?: string;
  /** The real-world downloader the documentation address stands for (defanged). */
  realDownloader?: string;
  /** The address block the campaign's sources come from. */
  sourceBlock: string;
}

/** One phase of a campaign (see TruthCampaign.phases). */
export interface TruthPhase {
  from: string;
  to: string;
  label: string;
  /** Nominal active sources per hour at `from`. */
  startSourcesPerHour: number;
  /** Nominal active sources per hour at `to`. */
  sourcesPerHour: number;
}

/** Request templates the simulator writes. */
export type PayloadKind =
  | "uc-httpd-overflow"
  | "dlink-login-cgi"
  | "gpon-diag"
  | "telnet-mirai"
  | "hg532-upgrade"
  | "realtek-soap"
  | "http-get"
  | "none";

/** Background radiation: scanners of all kinds, not a campaign a detector should report. */
export interface TruthBackground {
  /** Distinct source addresses (IPv4 and IPv6, research scanners included). */
  sources: number;
  /** Distinct destination port numbers it probed (TCP and UDP together). */
  ports: number;
  /** What the background consists of. */
  description: string;
}
