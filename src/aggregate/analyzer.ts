/**
 * @module The offline pipeline for one run: decode each frame, fingerprint SYNs, follow flows,
 * and count what travels towards each port. Capture-agnostic: feed it RawPackets.
 */

import { decodePacket } from "../decode/decode.js";
import {
  DecodedPacket,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
} from "../decode/decoded.js";
import { DEFAULT_FLOW_CONFIG, type FlowConfig, FlowTable } from "../decode/flows.js";
import { fingerprintName, fingerprintSyn, isSyn } from "../detect/fingerprint.js";
import type { Anomalies } from "../schema/anomalies.js";
import type { RawPacket } from "../schema/raw-packet.js";
import type { Probe, Session } from "../schema/session.js";
import { HOUR_US } from "./hourly.js";
import { P_ICMP, P_ICMPV6, P_TCP, P_UDP, PortTable } from "./ports.js";
import { SourceTable } from "./sources.js";

/** ICMP types that answer a request (echo reply, and ICMPv6 echo reply). */
const ICMP_ECHO_REPLY = 0;
const ICMPV6_ECHO_REPLY = 129;
/** Bound on remembered ICMP echo requests, so a ping flood cannot grow memory. */
export const MAX_ECHO_REQUESTS = 65536;

export interface AnalyzerOptions {
  anomalies: Anomalies;
  flow?: Partial<FlowConfig>;
  /** Names of the inputs by index, for located anomalies. */
  fileNames: string[];
  /** Called for every session and probe, after counting (detection hooks in here). */
  onSession?: (s: Session) => void;
  onProbe?: (p: Probe) => void;
}

/** Counters the report is built from. */
export class Analyzer {
  readonly ports = new PortTable();
  readonly sources = new SourceTable();
  readonly flows: FlowTable;
  /** Records seen, bytes of records, packets without an IP layer, fragments. */
  packets = 0;
  nonIp = 0;
  fragments = 0;
  firstTs = Number.POSITIVE_INFINITY;
  lastTs = Number.NEGATIVE_INFINITY;
  sessionCount = 0;
  probeCount = 0;
  httpSessions = 0;

  private readonly pkt = new DecodedPacket();
  private readonly echoRequests = new Map<string, number>();
  private readonly anomalies: Anomalies;
  private readonly fileNames: string[];

  constructor(private readonly opts: AnalyzerOptions) {
    this.anomalies = opts.anomalies;
    this.fileNames = opts.fileNames;
    const config = { ...DEFAULT_FLOW_CONFIG, ...opts.flow };
    this.flows = new FlowTable(
      config,
      { session: (s) => this.onSession(s), probe: (p) => this.onProbe(p) },
      opts.anomalies,
      (i) => this.fileNames[i] ?? "?",
    );
  }

  /** Feeds one captured frame. */
  packet(raw: RawPacket): void {
    this.packets++;
    const ts = raw.ts;
    if (ts < this.firstTs) this.firstTs = ts;
    if (ts > this.lastTs) this.lastTs = ts;
    const p = this.pkt;
    if (!decodePacket(raw, p, this.anomalies, this.fileNames[raw.fileIndex] ?? "?")) {
      this.nonIp++;
      return;
    }
    if (p.fragment) {
      this.fragments++;
      return;
    }
    const proto = p.proto;
    if (proto === IPPROTO_TCP) {
      let fp = -1;
      if (isSyn(p)) fp = fingerprintSyn(p);
      if (this.flows.packet(p, fp < 0 ? "" : fingerprintName(fp)))
        this.count(P_TCP, p.dport, p, fp);
    } else if (proto === IPPROTO_UDP) {
      if (this.flows.packet(p, "")) this.count(P_UDP, p.dport, p, -1);
    } else if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
      this.icmp(p, proto === IPPROTO_ICMP ? P_ICMP : P_ICMPV6);
    }
  }

  /** End of input: closes every open flow so its probe or session is counted. */
  finish(): void {
    this.flows.finish();
  }

  private count(proto: number, port: number, p: DecodedPacket, fp: number): void {
    const src = this.sources;
    const si = src.intern(p.srcKey, p.ts);
    src.packets[si] = (src.packets[si] as number) + 1;
    if (p.ts > (src.last[si] as number)) src.last[si] = p.ts;
    if (p.ts < (src.first[si] as number)) src.first[si] = p.ts;
    const ps = this.ports.get(proto, port);
    ps.packets++;
    ps.sources.add(si);
    ps.hourly.add(Math.floor(p.ts / HOUR_US));
    if (fp >= 0) {
      ps.fp[fp] = (ps.fp[fp] as number) + 1;
      src.syns[si] = (src.syns[si] as number) + 1;
      const k = si * 4 + fp;
      src.fp[k] = (src.fp[k] as number) + 1;
    }
  }

  /**
   * ICMP counts towards its message type. An echo reply counts for nothing when the matching
   * request (same addresses, reversed, and identifier) was seen; every other message counts.
   */
  private icmp(p: DecodedPacket, proto: number): void {
    const t = p.icmpType;
    const isReply = t === (proto === P_ICMP ? ICMP_ECHO_REPLY : ICMPV6_ECHO_REPLY);
    const isRequest = t === (proto === P_ICMP ? 8 : 128);
    const ident = this.echoIdent(p);
    if (isReply && this.echoRequests.has(`${p.dstKey}|${p.srcKey}|${ident}`)) return;
    if (isRequest) {
      if (this.echoRequests.size >= MAX_ECHO_REQUESTS) this.echoRequests.clear();
      this.echoRequests.set(`${p.srcKey}|${p.dstKey}|${ident}`, p.ts);
    }
    this.count(proto, t, p, -1);
    this.ports.get(proto, t).probes++;
    this.probeCount++;
  }

  private echoIdent(p: DecodedPacket): number {
    // The echo identifier sits in the first two bytes after the 4-byte ICMP type/code/checksum.
    const o = p.payloadOffset;
    if (p.payloadLength < 2) return -1;
    return ((p.data[o] as number) << 8) | (p.data[o + 1] as number);
  }

  private onSession(s: Session): void {
    this.sessionCount++;
    if (s.http !== undefined && s.http.requests.length > 0) this.httpSessions++;
    this.ports.get(s.proto === "tcp" ? P_TCP : P_UDP, s.dport).sessions++;
    const si = this.sources.lookup(s.srcKey);
    if (si !== undefined) this.sources.sessions[si] = (this.sources.sessions[si] as number) + 1;
    this.opts.onSession?.(s);
  }

  private onProbe(p: Probe): void {
    this.probeCount++;
    this.ports.get(p.proto === "tcp" ? P_TCP : P_UDP, p.dport).probes++;
    this.opts.onProbe?.(p);
  }
}
