/**
 * @module What detection hands on: alerts (signature matches), payload templates and IoCs. The
 * rule engine, the template and IoC extractors, campaigns, storage and surges all speak these.
 */

/** A reference of a rule (`reference:cve,2018-10088` gives {type: "cve", value: "2018-10088"}). */
export interface RuleReference {
  type: string;
  value: string;
}

/** What a rule says about itself, as an alert carries it. */
export interface RuleInfo {
  sid: number;
  gid: number;
  rev: number;
  msg: string;
  classtype: string;
  /** The classtype's description (EVE `alert.category`), "" when unknown. */
  category: string;
  priority: number;
  /** CVE ids in canonical form ("CVE-2018-10088"), from `reference:cve` and `metadata: cve`. */
  cve: string[];
  references: RuleReference[];
  /** `metadata` keys with all their values, in order (e.g. created_at, updated_at, cve). */
  metadata: Record<string, string[]>;
}

/** One signature match on a session or a probe. */
export interface Alert {
  rule: RuleInfo;
  /** Time of the match, microseconds since the epoch (the session's start for session matches). */
  ts: number;
  proto: "tcp" | "udp" | "icmp" | "icmpv6";
  src: string;
  sport: number;
  dst: string;
  dport: number;
  /** The session matched, "" for a probe. */
  sessionId: string;
  /** The index of the HTTP request matched in the session's `http.requests`, -1 when none. */
  httpIndex: number;
}

/** A session payload normalised and hashed (DESIGN.md §2 "template"). */
export interface Template {
  /** Stable id: 16 hex digits of a hash of `text`. */
  id: string;
  /** The normalised form, printable (e.g. "POST /login.htm [username password] ..."). */
  text: string;
  /** "http", "telnet" or "tcp"/"udp" for raw payloads. */
  kind: string;
}

export const IOC_TYPES = [
  "url",
  "ipv4",
  "ipv6",
  "domain",
  "filename",
  "command",
  "downloader",
] as const;
export type IocType = (typeof IOC_TYPES)[number];

/** An indicator pulled from a payload; `value` is the real value, never defanged. */
export interface Ioc {
  type: IocType;
  value: string;
}
