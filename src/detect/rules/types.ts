/** @module The compiled form of a rule: header groups, per-buffer match lists, state keywords. */

import type { RuleInfo } from "../../schema/detection.js";
import type { AddrGroup } from "./addresses.js";
import type { BufferDef } from "./buffers.js";
import type { PortGroup } from "./ports.js";
import type { Regex } from "./regex.js";
import type { NumTest } from "./values.js";

/** A number written in a rule, or the name of a byte_extract variable. */
export type NumRef = number | string;

export interface ContentItem {
  kind: "content";
  /** Pattern bytes as a latin1 string; lowercased (ASCII) when nocase. */
  pattern: string;
  nocase: boolean;
  negated: boolean;
  offset: NumRef | undefined;
  depth: NumRef | undefined;
  distance: NumRef | undefined;
  within: NumRef | undefined;
  startswith: boolean;
  endswith: boolean;
  /** `fast_pattern` was given (`only` or a slice counts too). */
  fastPattern: boolean;
}

export interface PcreItem {
  kind: "pcre";
  re: Regex;
  negated: boolean;
  relative: boolean;
  /** The rule text of the pattern, for reports. */
  source: string;
}

export interface IsDataAtItem {
  kind: "isdataat";
  n: NumRef;
  relative: boolean;
  negated: boolean;
  rawbytes: boolean;
}

/** Common fields of byte_test, byte_jump and byte_extract. */
export interface ByteRead {
  nbytes: number;
  offset: NumRef;
  relative: boolean;
  /** "big" or "little" endian for binary reads. */
  little: boolean;
  /** 0 for a binary read, else 8, 10 or 16 for a string read. */
  base: number;
  bitmask: number;
}

export interface ByteTestItem extends ByteRead {
  kind: "byte_test";
  op: "<" | ">" | "=" | "!" | "&" | "^" | "<=" | ">=";
  negated: boolean;
  value: NumRef;
}

export interface ByteJumpItem extends ByteRead {
  kind: "byte_jump";
  multiplier: number;
  postOffset: number;
  align: boolean;
  fromBeginning: boolean;
  fromEnd: boolean;
}

export interface ByteExtractItem extends ByteRead {
  kind: "byte_extract";
  name: string;
  multiplier: number;
  align: number;
}

export interface BsizeItem {
  kind: "bsize";
  test: NumTest;
}

export interface Base64DecodeItem {
  kind: "base64_decode";
  bytes: number;
  offset: number;
  relative: boolean;
}

export type MatchItem =
  | ContentItem
  | PcreItem
  | IsDataAtItem
  | ByteTestItem
  | ByteJumpItem
  | ByteExtractItem
  | BsizeItem
  | Base64DecodeItem;

/** The match items a rule applies to one buffer, in rule order. */
export interface BufferList {
  buffer: BufferDef;
  items: MatchItem[];
}

/** Direction bits: 1 client to server, 2 server to client. */
export const TO_SERVER = 1;
export const TO_CLIENT = 2;

export interface FlowSpec {
  /** Allowed directions (TO_SERVER | TO_CLIENT bits); 3 when the rule does not say. */
  dir: number;
  /** 1 established, -1 not_established, 0 either. */
  established: number;
  /** 1 only_stream, -1 no_stream, 0 either. */
  stream: number;
}

export interface FlowbitOp {
  cmd: "set" | "unset" | "toggle" | "isset" | "isnotset";
  /** One name, or several joined with & (all) or | (any) for isset/isnotset. */
  names: string[];
  any: boolean;
}

export interface XbitOp {
  cmd: "set" | "unset" | "toggle" | "isset" | "isnotset";
  name: string;
  track: "ip_src" | "ip_dst" | "ip_pair";
  /** Seconds a set bit lives; 0 = for the whole run. */
  expire: number;
}

export interface ThresholdSpec {
  type: "limit" | "threshold" | "both" | "detection_filter";
  track: "by_src" | "by_dst" | "by_rule" | "by_both";
  count: number;
  seconds: number;
}

/** A header keyword test (flags, seq, ack, window, ttl, id, itype, icode, dsize). */
export interface HeaderTest {
  field: "flags" | "seq" | "ack" | "window" | "ttl" | "id" | "itype" | "icode" | "dsize";
  test?: NumTest;
  /** For flags: required bits, bits that must be clear, mode. */
  flags?: { bits: number; mask: number; mode: "exact" | "all" | "any" | "not" };
}

export interface StreamSizeSpec {
  side: "server" | "client" | "both" | "either";
  test: NumTest;
}

export type RuleProto =
  | "ip"
  | "tcp"
  | "udp"
  | "icmp"
  | "tcp-pkt"
  | "tcp-stream"
  | "http"
  | "dns"
  | "ftp"
  | "smtp"
  | "smb"
  | "ssh"
  | "tls";

/** A compiled rule. */
export interface Rule {
  info: RuleInfo;
  action: string;
  proto: RuleProto;
  src: AddrGroup | null;
  sport: PortGroup | null;
  dst: AddrGroup | null;
  dport: PortGroup | null;
  bidirectional: boolean;
  file: string;
  line: number;
  flow: FlowSpec;
  /** Per-buffer match lists in order of first use. */
  lists: BufferList[];
  /** True when a list reads an HTTP buffer: the rule matches per transaction. */
  http: boolean;
  header: HeaderTest[];
  streamSize: StreamSizeSpec[];
  flowbits: FlowbitOp[];
  xbits: XbitOp[];
  threshold: ThresholdSpec | undefined;
  noalert: boolean;
  /** True when the rule must be matched on single packets (tcp-pkt, dsize, header keywords). */
  packet: boolean;
  /** Evaluation rank: flowbit setters before checkers (lower first). */
  rank: number;
}
