/**
 * @module The offline pipeline for one run: decode each frame, fingerprint SYNs, follow flows,
 * and count what travels towards each port. Capture-agnostic: feed it RawPackets.
 */

import * as decode from "../decode/decode.js";
import * as decoded from "../decode/decoded.js";
import { DecodedPacket } from "../decode/decoded.js";
import { DEFAULT_FLOW_CONFIG, type FlowConfig, FlowTable } from "../decode/flows.js";
import * as fingerprint from "../detect/fingerprint.js";
import type { Anomalies } from "../schema/anomalies.js";
import type { RawPacket } from "../schema/raw-packet.js";
import type { Probe, Session } from "../schema/session.js";
import * as hourly from "./hourly.js";
import * as portTable from "./ports.js";
import { PortTable } from "./ports.js";
import type { Rollup } from "./rollup.js";
import { SourceTable } from "./sources.js";

// What the per-packet path uses from other modules, as this module's own bindings: V8 folds a
// module's unexported constants (and functions) into compiled code, but reads an imported binding
// through a cell, with a check that it is initialised, at every use.
const { decodePacket } = decode;
const { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } = decoded;
const { fingerprintName, fingerprintSyn, isSyn } = fingerprint;
const { HOUR_US } = hourly;
const { P_ICMP, P_ICMPV6, P_TCP, P_UDP } = portTable;

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
  /** Collects minute and per-source rows for the store (see rollup.ts); none when absent. */
  rollup?: Rollup;
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
  /** Port row of each flow row's tag (see countFlow); flow rows are small integers, reused. */
  private rowPort = new Int32Array(1024);
  private lastSi = 0;
  private readonly echoRequests = new Map<string, number>();
  private readonly anomalies: Anomalies;
  private readonly fileNames: string[];
  private readonly rollup: Rollup | undefined;

  constructor(private readonly opts: AnalyzerOptions) {
    this.anomalies = opts.anomalies;
    this.fileNames = opts.fileNames;
    this.rollup = opts.rollup;
    opts.rollup?.bind(this.ports, this.sources);
    const config = { ...DEFAULT_FLOW_CONFIG, ...opts.flow };
    const onProbe = opts.onProbe;
    this.flows = new FlowTable(
      config,
      {
        session: (s) => this.onSession(s),
        probeCounted: (proto, dport) => this.onProbe(proto, dport),
        ...(onProbe !== undefined ? { probe: onProbe } : {}),
      },
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
      if (this.flows.packet(p, fp < 0 ? "" : fingerprintName(fp))) this.countFlow(P_TCP, p, fp);
    } else if (proto === IPPROTO_UDP) {
      if (this.flows.packet(p, "")) this.countFlow(P_UDP, p, -1);
    } else if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
      this.icmp(p, proto === IPPROTO_ICMP ? P_ICMP : P_ICMPV6);
    }
  }

  /**
   * Counts a connection a honeypot listener accepted, where no packet was seen: it counts as one
   * packet towards its port, and as a probe (`session` undefined) or a session. The sensor has no
   * SYN to fingerprint, so no fingerprint is counted (docs/sensor.md).
   */
  connection(probe: Probe | undefined, session: Session | undefined): void {
    const rec = session ?? probe;
    if (rec === undefined) return;
    const ts = session !== undefined ? session.start : (probe as Probe).ts;
    this.packets++;
    if (ts < this.firstTs) this.firstTs = ts;
    if (ts > this.lastTs) this.lastTs = ts;
    const src = this.sources;
    const si = src.intern(rec.srcKey, ts);
    const proto = rec.proto === "tcp" ? P_TCP : P_UDP;
    const pr = this.ports.row(proto, rec.dport);
    if (src.portChanged(si, pr) && this.ports.addSource(pr, si)) src.addPort(si);
    this.rollup?.start(si, pr, ts);
    this.countKnown(si, pr, ts, -1);
    if (session !== undefined) {
      this.onSession(session);
    } else if (probe !== undefined) {
      this.probeCount++;
      this.ports.countProbe(pr);
      this.opts.onProbe?.(probe);
    }
  }

  /** End of input: closes every open flow so its probe or session is counted. */
  finish(): void {
    this.flows.finish();
  }

  /**
   * Counts a TCP/UDP packet that travels towards its destination port. The first such packet of
   * a flow looks up its source and port and tags the flow with them; the flow's later packets
   * (same source, same port) reuse the tag and skip the hash lookups.
   */
  private countFlow(proto: number, p: DecodedPacket, fp: number): void {
    const flows = this.flows;
    const dir = flows.lastFromClient ? 1 : 0;
    const tag = flows.lastTag();
    if (tag !== 0 && (tag & 1) === dir) {
      this.countKnown((tag >>> 1) - 1, this.rowPort[flows.lastRow] as number, p.ts, fp);
      return;
    }
    const pr = this.count(proto, p.dport, p, fp);
    const row = flows.lastRow;
    if (row >= 0) {
      flows.setLastTag(((this.lastSi + 1) << 1) | dir);
      if (row >= this.rowPort.length) {
        const grown = new Int32Array(Math.max(row + 1, this.rowPort.length * 2));
        grown.set(this.rowPort);
        this.rowPort = grown;
      }
      this.rowPort[row] = pr;
    }
  }

  /** Counts a packet of source `si` towards port row `pr`, both already looked up. */
  private countKnown(si: number, pr: number, ts: number, fp: number): void {
    this.sources.packet(si, ts);
    const ports = this.ports;
    ports.countPacket(pr, Math.floor(ts / HOUR_US));
    if (fp >= 0) {
      ports.countSyn(pr, fp);
      this.sources.syn(si, fp);
    }
    if (this.rollup !== undefined) this.rollup.packet(si, pr, ts, fp);
  }

  /** Counts a packet towards `port`: looks up its source and port; returns the port row. */
  private count(proto: number, port: number, p: DecodedPacket, fp: number): number {
    const src = this.sources;
    const si = p.ipVersion === 4 ? src.intern4(p.src4, p.ts) : src.intern(p.src6, p.ts);
    this.lastSi = si;
    const pr = this.ports.row(proto, port);
    // A pair is only ever new when the source's port changed since its last counted packet.
    if (src.portChanged(si, pr) && this.ports.addSource(pr, si)) src.addPort(si);
    if (this.rollup !== undefined) this.rollup.start(si, pr, p.ts);
    this.countKnown(si, pr, p.ts, fp);
    return pr;
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
    this.ports.countProbe(this.count(proto, t, p, -1));
    this.probeCount++;
  }

  private echoIdent(p: DecodedPacket): number {
    // The decoder's ICMP payload starts after the 8-byte header; the echo identifier is in the
    // header's bytes 4-5, just before it.
    const o = p.payloadOffset - 4;
    if (p.icmpType < 0 || o < 0) return -1;
    return ((p.data[o] as number) << 8) | (p.data[o + 1] as number);
  }

  private onSession(s: Session): void {
    this.sessionCount++;
    if (s.http !== undefined && s.http.requests.length > 0) this.httpSessions++;
    const pr = this.ports.row(s.proto === "tcp" ? P_TCP : P_UDP, s.dport);
    this.ports.countSession(pr);
    const si = this.sources.lookup(s.srcKey);
    if (si !== undefined) {
      this.sources.session(si);
      this.rollup?.session(si, pr, s.start);
    }
    this.opts.onSession?.(s);
  }

  private onProbe(proto: number, dport: number): void {
    this.probeCount++;
    this.ports.countProbe(this.ports.row(proto === IPPROTO_TCP ? P_TCP : P_UDP, dport));
  }
}
