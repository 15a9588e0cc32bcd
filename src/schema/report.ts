/**
 * @module The analysis report (`portent analyze --json`): the public contract of DESIGN.md §4.
 * Fields may be added; none may change meaning. Times are ISO-8601 UTC strings.
 */

import type { AnomalyFirst } from "./anomalies.js";

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
  surges: unknown[];
  campaigns: unknown[];
  iocs: unknown[];
}
