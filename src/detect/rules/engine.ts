/**
 * @module The rule engine: matches a rule set against sessions (streams and HTTP transactions),
 * probes and, for a packet-level driver, single packets.
 */

import { TCP_SYN } from "../../decode/decoded.js";
import type { Alert } from "../../schema/detection.js";
import type { Probe, Session } from "../../schema/session.js";
import { speaks } from "./applayer.js";
import { InspectCtx } from "./inspect.js";
import { MatchCache, type MemoEntry } from "./match-cache.js";
import {
  addressesMatch,
  type PacketFacts,
  packetTestsPass,
  sessionHeaderMatches,
  sessionTestsPass,
} from "./match-header.js";
import type { RuleOptions, RuleSet } from "./parse.js";
import { portMatches } from "./ports.js";
import { Prefilter } from "./prefilter.js";
import { SessionBuffers } from "./session-buffers.js";
import { flowbitsApply, flowbitsPass, HostState } from "./state.js";
import { type Rule, TO_CLIENT, TO_SERVER } from "./types.js";

export type { PacketFacts } from "./match-header.js";

export interface EngineOptions extends RuleOptions {
  /** Sessions picked up mid-stream count as established (Suricata's stream.midstream). */
  midstream?: boolean;
  /**
   * A packet driver calls `packet` for every packet: packet-level rules (tcp-pkt, dsize, header
   * keywords, rules without payload keywords) and UDP/ICMP rules are then left out of `session`.
   */
  packetDriven?: boolean;
  /** Set false to evaluate every rule for every session (tests compare the two). */
  prefilter?: boolean;
  /** Set false to match every session afresh instead of reusing outcomes of identical bytes. */
  memo?: boolean;
}

/** Counters of what the engine did. */
export interface EngineStats {
  sessions: number;
  probes: number;
  packets: number;
  /** Rules evaluated in full (prefilter candidates plus the always-evaluated ones). */
  evaluated: number;
  alerts: number;
}

const DIRS = [TO_SERVER, TO_CLIENT] as const;

/** A placeholder the reused SessionBuffers holds before the first session. */
const EMPTY_SESSION: Session = {
  id: "",
  proto: "tcp",
  src: "",
  srcKey: 0,
  sport: 0,
  dst: "",
  dstKey: 0,
  dport: 0,
  start: 0,
  end: 0,
  clientBytes: new Uint8Array(0),
  clientBytesTotal: 0,
  serverBytes: new Uint8Array(0),
  serverBytesTotal: 0,
  clientPackets: 0,
  serverPackets: 0,
  handshake: false,
  gaps: 0,
  truncated: false,
  close: "eof",
  fingerprint: "",
  ttl: 0,
  window: 0,
};

/** Whether a rule inspects only payload (no HTTP, base64 or DNS buffer). */
function payloadOnly(r: Rule): boolean {
  return r.lists.every((l) => l.buffer.side === "payload");
}

export class RuleEngine {
  /** The rules in evaluation order: flowbit setters first, then file order. */
  readonly rules: readonly Rule[];
  readonly stats: EngineStats = { sessions: 0, probes: 0, packets: 0, evaluated: 0, alerts: 0 };
  private readonly pre: Prefilter;
  private readonly packetRules: number[];
  /** Per rule: whether it matches TCP packets one by one (else TCP goes through sessions). */
  private readonly onTcpPackets: Uint8Array;
  /** Per rule: whether it needs a flowbit set (never true without flow state, as on probes). */
  private readonly needsBits: Uint8Array;
  private readonly probeRules: number[];
  private readonly host = new HostState();
  private readonly ctx = new InspectCtx();
  private readonly sb = new SessionBuffers(EMPTY_SESSION);
  /** The current session's flowbits. */
  private readonly bits = new Set<string>();
  /** Match outcomes by session content (undefined when disabled). */
  private readonly cache: MatchCache | undefined;
  /** The memo entry of the session being evaluated. */
  private memo: MemoEntry | undefined;
  /** Scratch facts of the probe being matched, and the last destination's key (few per sensor). */
  private readonly probeFacts: PacketFacts = {
    proto: "tcp",
    src: "",
    srcKey: 0,
    sport: 0,
    dst: "",
    dstKey: 0,
    dport: 0,
    ts: 0,
    flags: 0,
    seq: 0,
    ack: 0,
    window: 0,
    ttl: 0,
    ipId: 0,
    itype: -1,
    icode: -1,
    payload: "",
    dir: TO_SERVER,
    established: false,
    sessionId: "",
  };
  private lastDst = "";
  /** Per probe index key: whether some rule of its list matches destination addresses. */
  private readonly probeNeedsDst = new Uint8Array(3 * 65536);
  private lastDstKey: number | string = 0;
  /** Probe rules by protocol and destination port, built on first use of each. */
  private readonly probeIndex = new Map<number, number[]>();
  private readonly midstream: boolean;
  private readonly packetDriven: boolean;

  constructor(set: RuleSet, opts?: EngineOptions) {
    this.rules = set.rules
      .map((r, i) => ({ r, i }))
      .sort((a, b) => a.r.rank - b.r.rank || a.i - b.i)
      .map((x) => x.r);
    this.midstream = opts?.midstream ?? false;
    this.packetDriven = opts?.packetDriven ?? false;
    this.cache = opts?.memo === false || set.rules.length === 0 ? undefined : new MatchCache();
    const isPacket = (r: Rule) =>
      r.proto !== "tcp-stream" &&
      r.flow.stream !== 1 &&
      !r.http &&
      payloadOnly(r) &&
      (r.packet ||
        r.flow.stream === -1 ||
        r.lists.length === 0 ||
        r.proto === "udp" ||
        r.proto === "icmp");
    const forSession = (r: Rule) =>
      r.proto !== "icmp" && !(this.packetDriven && (isPacket(r) || r.proto === "udp"));
    this.pre = new Prefilter(this.rules, forSession, opts?.prefilter ?? true);
    this.packetRules = [];
    this.probeRules = [];
    this.onTcpPackets = new Uint8Array(this.rules.length);
    this.needsBits = new Uint8Array(this.rules.length);
    this.rules.forEach((r, i) => {
      if (isPacket(r)) this.onTcpPackets[i] = 1;
      if (r.flowbits.some((b) => b.cmd === "isset")) this.needsBits[i] = 1;
      if (isPacket(r) || (r.proto === "ip" && payloadOnly(r) && !r.http)) this.packetRules.push(i);
      if (r.lists.length === 0 && r.flow.established !== 1 && r.streamSize.length === 0) {
        if (
          r.proto === "ip" ||
          r.proto === "tcp" ||
          r.proto === "tcp-pkt" ||
          r.proto === "udp" ||
          r.proto === "icmp"
        ) {
          this.probeRules.push(i);
        }
      }
    });
  }

  /** Automaton states of the prefilter (a size measure for benchmarks). */
  get prefilterStates(): number {
    return this.pre.states;
  }

  /** Rules without a fast pattern, evaluated for every session. */
  get alwaysEvaluated(): number {
    return this.pre.always.length;
  }

  /** Alerts of one session (stream rules once per direction, HTTP rules once per transaction). */
  session(s: Session): Alert[] {
    this.stats.sessions++;
    const out: Alert[] = [];
    if ((this.packetDriven && s.proto === "udp") || this.rules.length === 0) return out;
    const sb = this.sb;
    sb.reset(s);
    const bits = this.bits;
    bits.clear();
    const est = this.established(s);
    const memo = this.cache?.entry(s);
    let candidates: Int32Array;
    if (memo?.hit === true) {
      candidates = this.pre.withAlways(memo.entry.candidates, s.dport);
    } else {
      const content = this.pre.fromContent(sb);
      if (memo !== undefined) memo.entry.candidates = Int32Array.from(content);
      candidates = this.pre.withAlways(content, s.dport);
    }
    this.memo = memo?.entry;
    for (const ri of candidates) {
      const r = this.rules[ri] as Rule;
      if (!speaks(s, r.proto)) continue;
      if (r.flow.established === 1 && !est) continue;
      if (r.flow.established === -1 && est) continue;
      this.stats.evaluated++;
      if (r.http) this.httpRule(r, ri, s, sb, bits, out);
      else this.streamRule(r, ri, s, sb, bits, out);
    }
    this.memo = undefined;
    this.stats.alerts += out.length;
    return out;
  }

  /**
   * Whether some rule could alert on a probe of this protocol and destination port: a caller can
   * skip building Probe records for the rest (most probes, with the ET files loaded).
   */
  wantsProbe(proto: Probe["proto"], dport: number): boolean {
    return this.probeRules.length > 0 && this.probeList(proto, dport).length > 0;
  }

  /** The probe rules for a protocol and destination port, built on first use of each. */
  private probeList(proto: Probe["proto"], dport: number): number[] {
    const key = probeKey(proto, dport);
    let list = this.probeIndex.get(key);
    if (list === undefined) {
      list = this.probeRules.filter((ri) => {
        const r = this.rules[ri] as Rule;
        return (
          r.bidirectional || (portMatches(r.dport, dport) && protoFitsName(r, proto, 0, dport))
        );
      });
      this.probeIndex.set(key, list);
      if (
        list.some(
          (ri) => (this.rules[ri] as Rule).dst !== null || (this.rules[ri] as Rule).bidirectional,
        )
      ) {
        this.probeNeedsDst[key] = 1;
      }
    }
    return list;
  }

  /** Alerts of a probe: rules without payload keywords, on the probe's header facts. */
  probe(p: Probe): Alert[] {
    this.stats.probes++;
    if (this.probeRules.length === 0) return [];
    const key = probeKey(p.proto, p.dport);
    const list = this.probeList(p.proto, p.dport);
    if (list.length === 0) return [];
    const f = this.probeFacts;
    f.proto = p.proto;
    f.src = p.src;
    f.srcKey = p.srcKey;
    f.sport = p.sport;
    // Probes carry the destination as text only: parsed when a rule's header names addresses.
    if (p.dst !== this.lastDst && this.probeNeedsDst[key] === 1) {
      this.lastDst = p.dst;
      this.lastDstKey = typeof p.srcKey === "number" ? dottedToNumber(p.dst) : p.dst;
    }
    f.dst = p.dst;
    f.dstKey = this.lastDstKey;
    f.dport = p.dport;
    f.ts = p.ts;
    // A probe is a connection attempt: its first packet is a SYN.
    f.flags = p.proto === "tcp" ? TCP_SYN : 0;
    f.seq = p.seq;
    f.window = p.window;
    f.ttl = p.ttl;
    f.ipId = p.ipId;
    return this.evalPackets(list, f, undefined);
  }

  /**
   * Alerts of one packet (for a packet-level driver): packet rules of its protocol. `bits` are
   * the flow's flowbits, shared with its session's evaluation when the driver keeps them.
   */
  packet(f: PacketFacts, bits?: Set<string>): Alert[] {
    this.stats.packets++;
    return this.evalPackets(this.packetRules, f, bits);
  }

  private evalPackets(
    list: readonly number[],
    f: PacketFacts,
    bits: Set<string> | undefined,
  ): Alert[] {
    const out: Alert[] = [];
    for (const ri of list) {
      const r = this.rules[ri] as Rule;
      if (!protoFits(r, f) || (f.proto === "tcp" && this.onTcpPackets[ri] === 0)) continue;
      if (r.flow.established === 1 && !f.established) continue;
      if (r.flow.established === -1 && f.established) continue;
      if (r.flow.dir !== 3 && f.dir !== 0 && (r.flow.dir & f.dir) === 0) continue;
      if (!addressesMatch(r, f.srcKey, f.sport, f.dstKey, f.dport)) continue;
      if (!packetTestsPass(r.header, f)) continue;
      if (bits !== undefined ? !flowbitsPass(r.flowbits, bits) : this.needsBits[ri] === 1) continue;
      if (!this.host.xbitsPass(r.xbits, f.src, f.dst, f.ts)) continue;
      this.stats.evaluated++;
      if (r.lists.length > 0) {
        if (f.payload.length === 0) continue;
        this.ctx.reset();
        if (!this.ctx.run(r.lists[0]!.items, f.payload)) continue;
      }
      if (bits !== undefined) flowbitsApply(r.flowbits, bits);
      this.host.xbitsApply(r.xbits, f.src, f.dst, f.ts);
      if (r.noalert) continue;
      if (
        r.threshold !== undefined &&
        !this.host.allow(r.threshold, r.info.sid, f.src, f.dst, f.ts)
      )
        continue;
      out.push({
        rule: r.info,
        ts: f.ts,
        proto: f.proto,
        src: f.src,
        sport: f.sport,
        dst: f.dst,
        dport: f.dport,
        sessionId: f.sessionId,
        httpIndex: -1,
      });
    }
    this.stats.alerts += out.length;
    return out;
  }

  /** TCP: the client's SYN was seen, or both sides sent data; UDP: the server answered. */
  private established(s: Session): boolean {
    if (s.proto === "udp") return s.serverPackets > 0;
    return this.midstream || s.handshake || (s.clientBytesTotal > 0 && s.serverBytesTotal > 0);
  }

  private streamRule(
    r: Rule,
    ri: number,
    s: Session,
    sb: SessionBuffers,
    bits: Set<string>,
    out: Alert[],
  ): void {
    const headerOnly = r.lists.length === 0;
    for (const dir of DIRS) {
      if ((r.flow.dir & dir) === 0 || !sessionHeaderMatches(r, s, dir)) continue;
      const length = streamLength(s, dir);
      if (!headerOnly && length === 0) continue;
      if (!sessionTestsPass(r, s, dir, length)) continue;
      if (!flowbitsPass(r.flowbits, bits)) return;
      if (!this.lists(r, ri, sb, -1, dir)) continue;
      let tx = -1;
      if (r.proto === "http" && s.http !== undefined) tx = txAt(s, dir, this.ctx.lastEnd);
      this.matched(r, s, dir, tx, bits, out);
      if (headerOnly) return;
    }
  }

  private httpRule(
    r: Rule,
    ri: number,
    s: Session,
    sb: SessionBuffers,
    bits: Set<string>,
    out: Alert[],
  ): void {
    const n = sb.transactions;
    for (let tx = 0; tx < n; tx++) {
      for (const dir of DIRS) {
        if ((r.flow.dir & dir) === 0 || !sessionHeaderMatches(r, s, dir)) continue;
        if (!sessionTestsPass(r, s, dir, streamLength(s, dir))) continue;
        if (!flowbitsPass(r.flowbits, bits)) return;
        if (!this.lists(r, ri, sb, tx, dir)) continue;
        this.matched(r, s, dir, tx, bits, out);
        break;
      }
    }
  }

  /** Every match list of the rule against the session's buffers of (tx, dir); memoised by content. */
  private lists(r: Rule, ri: number, sb: SessionBuffers, tx: number, dir: number): boolean {
    const memo = this.memo;
    const known = memo?.outcome(ri, tx, dir);
    if (known !== undefined) {
      this.ctx.lastEnd = known - 1;
      return known > 0;
    }
    const ok = this.evalLists(r, sb, tx, dir);
    memo?.record(ri, tx, dir, ok ? this.ctx.lastEnd + 1 : 0);
    return ok;
  }

  private evalLists(r: Rule, sb: SessionBuffers, tx: number, dir: number): boolean {
    const ctx = this.ctx;
    ctx.reset();
    for (const l of r.lists) {
      let buf: string | undefined;
      let low: string | undefined;
      switch (l.buffer.side) {
        case "payload":
          buf = sb.stream(dir);
          if (buf.length === 0) return false;
          low = l.items.some((i) => i.kind === "content" && i.nocase)
            ? sb.streamLower(dir)
            : undefined;
          break;
        case "base64":
          buf = ctx.b64;
          break;
        case "dns":
          buf = sb.dnsQuery();
          break;
        default:
          buf = tx < 0 ? undefined : sb.get(l.buffer, tx, dir);
      }
      if (buf === undefined || !ctx.run(l.items, buf, low)) return false;
    }
    return true;
  }

  private matched(
    r: Rule,
    s: Session,
    dir: number,
    tx: number,
    bits: Set<string>,
    out: Alert[],
  ): void {
    const c = dir === TO_SERVER;
    const src = c ? s.src : s.dst;
    const dst = c ? s.dst : s.src;
    if (!this.host.xbitsPass(r.xbits, src, dst, s.start)) return;
    flowbitsApply(r.flowbits, bits);
    this.host.xbitsApply(r.xbits, src, dst, s.start);
    if (r.noalert) return;
    if (r.threshold !== undefined && !this.host.allow(r.threshold, r.info.sid, src, dst, s.start))
      return;
    out.push({
      rule: r.info,
      ts: s.start,
      proto: s.proto,
      src,
      sport: c ? s.sport : s.dport,
      dst,
      dport: c ? s.dport : s.sport,
      sessionId: s.id,
      httpIndex: tx,
    });
  }
}

function protoFits(r: Rule, f: PacketFacts): boolean {
  return protoFitsName(r, f.proto, f.sport, f.dport);
}

function protoFitsName(
  r: Rule,
  proto: PacketFacts["proto"],
  sport: number,
  dport: number,
): boolean {
  switch (r.proto) {
    case "ip":
      return true;
    case "tcp":
    case "tcp-pkt":
      return proto === "tcp";
    case "udp":
      return proto === "udp";
    case "icmp":
      return proto === "icmp" || proto === "icmpv6";
    case "dns":
      return proto === "udp" && (dport === 53 || sport === 53);
    default:
      return false;
  }
}

function probeKey(proto: Probe["proto"], dport: number): number {
  return (proto === "tcp" ? 0 : proto === "udp" ? 1 : 2) * 65536 + dport;
}

function streamLength(s: Session, dir: number): number {
  return dir === TO_SERVER ? s.clientBytes.length : s.serverBytes.length;
}

/** The transaction whose bytes hold stream offset `end - 1` in direction `dir`; -1 if none. */
function txAt(s: Session, dir: number, end: number): number {
  const msgs = dir === TO_SERVER ? s.http?.requests : s.http?.responses;
  if (msgs === undefined) return -1;
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    if (end - 1 >= m.offset && end - 1 < m.offset + m.length) return i;
  }
  return msgs.length > 0 ? 0 : -1;
}

function dottedToNumber(s: string): number | string {
  const p = s.split(".");
  if (p.length !== 4) return s;
  return ((Number(p[0]) << 24) >>> 0) + (Number(p[1]) << 16) + (Number(p[2]) << 8) + Number(p[3]);
}
