/** @module The connection table: TCP/UDP packets in, one Session or Probe out per connection. */

import type { Anomalies } from "../schema/anomalies.js";
import type { CloseReason } from "../schema/session.js";
import type { DecodedPacket } from "./decoded.js";
import * as decoded from "./decoded.js";
import {
  DEFAULT_FLOW_CONFIG,
  type FlowConfig,
  type FlowSink,
  type FlowStats,
} from "./flow-config.js";
import { RecordBuilder } from "./flow-records.js";
import * as store from "./flow-store.js";
import { StreamBuffer } from "./reassembly.js";

export { DEFAULT_FLOW_CONFIG, type FlowConfig, type FlowSink, type FlowStats };

// The constants of the per-packet path as this module's own bindings: V8 folds a module's
// unexported constants into compiled code, but reads an imported binding through a cell, with a
// check that it is initialised, at every use (a tenth of the flow table's instructions).
const { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } = decoded;
const { F_C_DATA, F_C_FIN, F_C_ISN, F_CLIENT_A, F_DATA, F_FIN_CLOSE, F_HANDSHAKE } = store;
const { F_HDR, F_HDR_CLIENT, F_HDR_SYN, F_RST, F_S_DATA, F_S_FIN, F_S_ISN, F_V6 } = store;
const { FlowStore, LIST_CLOSING, LIST_EST, LIST_SYN, LIST_UDP } = store;

/**
 * Mixes a canonical IPv4 5-tuple into 32 bits. Numbers rather than a string key: measured on 1 M
 * distinct tuples, a `${a}:${pa}-${b}:${pb}` key into a Map does 0.5-0.6 M lookups/s, this hash
 * into typed-array rows 5.5-7.9 M/s (docs/streams.md).
 */
function hash4(a: number, b: number, ports: number, proto: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h ^= Math.imul(b ^ (h >>> 15), 0xc2b2ae35);
  h ^= Math.imul(ports ^ (h >>> 13), 0x27d4eb2f) ^ proto;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  return h ^ (h >>> 15);
}

/**
 * The connection table. Semantics in short (docs/streams.md has the whole story):
 * - A flow is a 5-tuple in either direction. Its client is the sender of the first SYN without
 *   ACK; picked up mid-stream, the receiver of a SYN+ACK, else the higher port (tie: first sender).
 * - Time is capture time. Flows sit in four lists ordered by last activity, one per timeout
 *   (SYN-only/no data, established, UDP, closing), so expiry pops list heads: amortised O(1).
 * - A flow whose client sent payload becomes a Session, any other a Probe (packets seen from a
 *   server with no client side, backscatter, make a Probe whose src is that sender).
 * - `packet` returns false only for packets from the server once the client side has been seen.
 * - Above memoryCap or maxFlows the least recently active flows are emitted early ("evicted")
 *   and counted as `flow_evicted`.
 */
export class FlowTable {
  readonly stats: FlowStats = {
    active: 0,
    peakActive: 0,
    created: 0,
    timedOut: 0,
    evicted: 0,
    reused: 0,
    sessions: 0,
    probes: 0,
    bufferedBytes: 0,
    peakBufferedBytes: 0,
  };
  private readonly st = new FlowStore();
  /** The row of the flow the last `packet` call belonged to (valid until the next call). */
  lastRow = -1;
  /** Whether the last `packet` call's packet came from its flow's client. */
  lastFromClient = false;
  private readonly records: RecordBuilder;
  private readonly timeouts: number[];
  private now = Number.NEGATIVE_INFINITY;
  /**
   * No flow expires before this time: at most the earliest deadline (last activity + timeout) of
   * the four list heads. Time advances with almost every packet, and this bound spares most of
   * them the look at the lists. Lowered whenever a flow joins a list (see `joined`), exact again
   * after each `expire`.
   */
  private nextDeadline = Number.NEGATIVE_INFINITY;
  /** Set while `finish` empties the table. */
  private draining = false;
  // The key of the packet being handled, set by `locate`.
  private kA = 0;
  private kB = 0;
  private kPorts = 0;
  private kHash = 0;
  private kProto = 0;
  private k6 = "";
  private kFromA = false;

  constructor(
    private readonly config: FlowConfig,
    private readonly sink: FlowSink,
    private readonly anomalies: Anomalies,
    private readonly fileName: (fileIndex: number) => string,
  ) {
    this.records = new RecordBuilder(this.st, anomalies, fileName);
    this.timeouts = [];
    this.timeouts[LIST_SYN] = config.synTimeout;
    this.timeouts[LIST_EST] = config.tcpIdleTimeout;
    this.timeouts[LIST_UDP] = config.udpTimeout;
    this.timeouts[LIST_CLOSING] = config.closeLinger;
  }

  /**
   * Feeds one decoded TCP or UDP packet (not a fragment). `fingerprint` is the scanner
   * fingerprint when the packet is a SYN without ACK, "" otherwise. Returns true when the packet
   * counts towards its destination port: false only for a server's packet once the client side
   * of its connection has been seen.
   */
  packet(p: DecodedPacket, fingerprint: string): boolean {
    const ts = p.ts;
    if (ts > this.now) {
      this.now = ts;
      if (ts > this.nextDeadline) this.expire(ts);
    }
    const proto = p.proto;
    if (p.fragment) return true; // no ports: the caller should not pass it, and it joins no flow
    // tcp() and udp() set lastFromClient.
    let clientSeen: boolean;
    if (proto === 6) {
      const f = this.tcp(p, fingerprint);
      this.lastRow = f;
      clientSeen = this.st.cPkts[f] !== 0;
    } else if (proto === 17) {
      this.lastRow = this.udp(p);
      clientSeen = true;
    } else {
      this.lastRow = -1;
      return true;
    }
    if (this.stats.bufferedBytes > this.config.memoryCap) {
      while (this.stats.bufferedBytes > this.config.memoryCap && this.evictOldest("memory cap")) {}
    }
    return this.lastFromClient || !clientSeen;
  }

  /**
   * The user's tag of the last packet's flow (0 until set). A counter attaches what it looked up
   * for the flow's first packet, so the flow's later packets skip those lookups.
   */
  lastTag(): number {
    return this.lastRow < 0 ? 0 : (this.st.tag[this.lastRow] as number);
  }

  setLastTag(v: number): void {
    if (this.lastRow >= 0) this.st.tag[this.lastRow] = v;
  }

  /** End of input: emits every flow still open (close reason "eof"; closing flows keep theirs). */
  finish(): void {
    // Every flow goes, so the index is dropped at once rather than entry by entry: a deletion
    // costs a cache miss in a large table.
    this.draining = true;
    for (let f = this.st.oldest(); f !== -1; f = this.st.oldest()) {
      this.emit(f, this.st.list[f] === LIST_CLOSING ? this.closedBy(f) : "eof");
    }
    this.st.clearIndex();
    this.draining = false;
    this.nextDeadline = Number.NEGATIVE_INFINITY;
  }

  private tcp(p: DecodedPacket, fingerprint: string): number {
    const st = this.st;
    const tf = p.tcpFlags;
    const synOnly = (tf & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN;
    let f = this.locate(p);
    if (f >= 0 && synOnly && this.startsNew(f, p.seq)) {
      this.stats.reused++;
      this.emit(f, this.isClosing(st.flags[f] as number) ? this.closedBy(f) : "timeout");
      f = this.locate(p);
    }
    if (f < 0) {
      let clientIsA: boolean;
      if (synOnly) clientIsA = this.kFromA;
      else if ((tf & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)) clientIsA = !this.kFromA;
      else clientIsA = p.sport >= p.dport ? this.kFromA : !this.kFromA;
      f = this.create(p, clientIsA, LIST_SYN);
    }
    let fl = st.flags[f] as number;
    const fromClient = ((fl & F_CLIENT_A) !== 0) === this.kFromA;
    this.lastFromClient = fromClient;
    if (fromClient) st.cPkts[f]++;
    else st.sPkts[f]++;
    if (p.ts > (st.end[f] as number)) st.end[f] = p.ts;
    if (
      (fl & F_HDR) === 0 ||
      (fromClient && ((fl & F_HDR_CLIENT) === 0 || (synOnly && (fl & F_HDR_SYN) === 0)))
    ) {
      st.ttl[f] = p.ttl;
      st.window[f] = p.window;
      st.ipId[f] = p.ipId;
      st.seq[f] = p.seq;
      st.optLen[f] = p.tcpOptionsLen;
      st.fpId[f] = fingerprint === "" ? 0 : this.records.fingerprintId(fingerprint);
      fl |= F_HDR;
      if (fromClient) fl |= synOnly ? F_HDR_CLIENT | F_HDR_SYN : F_HDR_CLIENT;
    }
    if (synOnly && fromClient) {
      if ((fl & F_C_DATA) === 0) {
        st.cIsn[f] = p.seq;
        fl |= F_C_ISN | F_HANDSHAKE;
      }
    } else if ((tf & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK) && !fromClient) {
      if ((fl & F_S_DATA) === 0) {
        st.sIsn[f] = p.seq;
        fl |= F_S_ISN;
      }
    }
    const len = p.payloadLength;
    if (len > 0) {
      const seq = tf & TCP_SYN ? (p.seq + 1) >>> 0 : p.seq;
      const x = st.extra(f);
      let sb = fromClient ? x.cStream : x.sStream;
      if (sb === undefined) {
        if (fromClient) {
          sb = new StreamBuffer(this.config.clientCap, fl & F_C_ISN ? st.cIsn[f] + 1 : seq);
          x.cStream = sb;
        } else {
          sb = new StreamBuffer(this.config.serverCap, fl & F_S_ISN ? st.sIsn[f] + 1 : seq);
          x.sStream = sb;
        }
      }
      const before = sb.allocated;
      if (sb.add(seq, p.data, p.payloadOffset, len)) {
        this.anomalies.add(
          "tcp_overlap_mismatch",
          this.fileName(p.fileIndex),
          p.offset,
          `retransmitted bytes differ (${fromClient ? "client" : "server"} side, first copy kept)`,
        );
      }
      this.account(sb.allocated - before);
      fl |= fromClient ? F_DATA | F_C_DATA : F_DATA | F_S_DATA;
    }
    if (tf & TCP_FIN) fl |= fromClient ? F_C_FIN : F_S_FIN;
    if (tf & TCP_RST) fl |= F_RST;
    if (this.isClosing(fl)) {
      if (st.list[f] !== LIST_CLOSING) {
        // The linger runs from the close, not from later packets, so a closing flow never moves.
        if ((fl & F_RST) === 0) fl |= F_FIN_CLOSE;
        st.last[f] = this.now;
        st.unlink(f);
        st.push(f, LIST_CLOSING);
        this.joined(LIST_CLOSING);
      }
    } else {
      st.last[f] = this.now;
      const l = fl & F_DATA ? LIST_EST : LIST_SYN;
      st.touch(f, l);
      this.joined(l);
    }
    st.flags[f] = fl;
    return f;
  }

  private udp(p: DecodedPacket): number {
    const st = this.st;
    let f = this.locate(p);
    if (f < 0) f = this.create(p, this.kFromA, LIST_UDP);
    let fl = st.flags[f] as number;
    const fromClient = ((fl & F_CLIENT_A) !== 0) === this.kFromA;
    this.lastFromClient = fromClient;
    if (fromClient) st.cPkts[f]++;
    else st.sPkts[f]++;
    if (p.ts > (st.end[f] as number)) st.end[f] = p.ts;
    if ((fl & F_HDR) === 0) {
      st.ttl[f] = p.ttl;
      st.window[f] = 0;
      st.ipId[f] = p.ipId;
      st.seq[f] = 0;
      st.optLen[f] = 0;
      st.fpId[f] = 0;
      fl |= F_HDR | F_HDR_CLIENT;
    }
    const len = p.payloadLength;
    if (len > 0) {
      const x = st.extra(f);
      let sb = fromClient ? x.cStream : x.sStream;
      if (sb === undefined) {
        sb = new StreamBuffer(fromClient ? this.config.clientCap : this.config.serverCap, 0);
        if (fromClient) x.cStream = sb;
        else x.sStream = sb;
      }
      const before = sb.allocated;
      sb.append(p.data, p.payloadOffset, len);
      this.account(sb.allocated - before);
      fl |= fromClient ? F_DATA | F_C_DATA : F_DATA;
    }
    st.flags[f] = fl;
    st.last[f] = this.now;
    st.touch(f, LIST_UDP);
    this.joined(LIST_UDP);
    return f;
  }

  /** Finds the packet's flow (-1 when none), leaving its canonical key in the k* fields. */
  private locate(p: DecodedPacket): number {
    const sp = p.sport;
    const dp = p.dport;
    this.kProto = p.proto;
    if (p.ipVersion === 6) {
      const s = p.src6;
      const d = p.dst6;
      const fromA = s < d || (s === d && sp <= dp);
      this.kFromA = fromA;
      this.k6 = fromA ? `${s}/${sp}/${d}/${dp}/${p.proto}` : `${d}/${dp}/${s}/${sp}/${p.proto}`;
      return this.st.find6(this.k6);
    }
    const s = p.src4;
    const d = p.dst4;
    const fromA = s < d || (s === d && sp <= dp);
    this.kFromA = fromA;
    this.k6 = "";
    this.kA = fromA ? s : d;
    this.kB = fromA ? d : s;
    this.kPorts = fromA ? ((sp << 16) | dp) >>> 0 : ((dp << 16) | sp) >>> 0;
    this.kHash = hash4(this.kA, this.kB, this.kPorts, p.proto);
    return this.st.find4(this.kA, this.kB, this.kPorts, p.proto, this.kHash);
  }

  /** A new flow for the packet just located (and missed). */
  private create(p: DecodedPacket, clientIsA: boolean, list: number): number {
    const st = this.st;
    if (st.active >= this.config.maxFlows && this.evictOldest("flow cap")) this.locate(p);
    const f = st.alloc();
    const v6 = this.k6 !== "";
    if (v6) {
      const fromA = this.kFromA;
      const x = st.extra(f);
      x.text6A = fromA ? p.src6 : p.dst6;
      x.text6B = fromA ? p.dst6 : p.src6;
      x.key6 = this.k6;
      st.ports[f] = fromA ? ((p.sport << 16) | p.dport) >>> 0 : ((p.dport << 16) | p.sport) >>> 0;
      st.proto[f] = this.kProto;
      st.insert6(f, this.k6);
    } else {
      st.addrA[f] = this.kA;
      st.addrB[f] = this.kB;
      st.ports[f] = this.kPorts;
      st.hash[f] = this.kHash;
      st.proto[f] = this.kProto;
      st.insert4(f);
    }
    st.flags[f] = (clientIsA ? F_CLIENT_A : 0) | (v6 ? F_V6 : 0);
    st.start[f] = p.ts;
    st.end[f] = p.ts;
    st.last[f] = this.now;
    st.fileIndex[f] = p.fileIndex;
    st.offset[f] = p.offset;
    st.cPkts[f] = 0;
    st.sPkts[f] = 0;
    st.push(f, list);
    this.joined(list);
    const stats = this.stats;
    stats.created++;
    stats.active = st.active;
    if (st.active > stats.peakActive) stats.peakActive = st.active;
    return f;
  }

  /** Whether a SYN without ACK (sequence `seq`) on existing flow `f` opens a new connection. */
  private startsNew(f: number, seq: number): boolean {
    const st = this.st;
    const fl = st.flags[f] as number;
    const senderIsClient = ((fl & F_CLIENT_A) !== 0) === this.kFromA;
    const closing = this.isClosing(fl);
    if (!senderIsClient) return closing;
    const sameIsn = (fl & F_C_ISN) !== 0 && st.cIsn[f] === seq >>> 0;
    if (closing) return !sameIsn || (fl & F_C_DATA) !== 0;
    return (fl & F_C_DATA) !== 0 && !sameIsn;
  }

  private isClosing(fl: number): boolean {
    return (fl & F_RST) !== 0 || (fl & (F_C_FIN | F_S_FIN)) === (F_C_FIN | F_S_FIN);
  }

  private closedBy(f: number): CloseReason {
    return (this.st.flags[f] as number) & F_FIN_CLOSE ? "fin" : "rst";
  }

  private account(delta: number): void {
    const stats = this.stats;
    stats.bufferedBytes += delta;
    if (stats.bufferedBytes > stats.peakBufferedBytes)
      stats.peakBufferedBytes = stats.bufferedBytes;
  }

  /** A flow was just active (now) and sits in list `l`: its deadline may be the earliest. */
  private joined(l: number): void {
    const d = this.now + (this.timeouts[l] as number);
    if (d < this.nextDeadline) this.nextDeadline = d;
  }

  /** Emits every flow idle past its list's timeout; closing flows leave with their reason. */
  private expire(now: number): void {
    const st = this.st;
    let next = Number.POSITIVE_INFINITY;
    for (let l = 0; l < this.timeouts.length; l++) {
      const t = this.timeouts[l] as number;
      for (let f = st.heads[l] as number; f !== -1; f = st.heads[l] as number) {
        const deadline = (st.last[f] as number) + t;
        if (deadline >= now) {
          if (deadline < next) next = deadline;
          break;
        }
        if (l === LIST_CLOSING) {
          this.emit(f, this.closedBy(f));
        } else {
          this.stats.timedOut++;
          this.emit(f, "timeout");
        }
      }
    }
    this.nextDeadline = next;
  }

  /** Evicts the least recently active flow; for memory, only among flows that can hold bytes. */
  private evictOldest(why: "memory cap" | "flow cap"): boolean {
    const f = this.st.oldest(why === "memory cap");
    if (f < 0) return false;
    this.stats.evicted++;
    this.anomalies.add(
      "flow_evicted",
      this.fileName(this.st.fileIndex[f] as number),
      this.st.offset[f] as number,
      `${why} reached`,
    );
    this.emit(f, "evicted");
    return true;
  }

  /** Closes flow `f`: frees its row first, then hands its record to the sink. */
  private emit(f: number, reason: CloseReason): void {
    const st = this.st;
    if (!this.draining) st.unindex(f);
    st.unlink(f);
    const fl = st.flags[f] as number;
    if (fl & F_DATA) {
      const x = st.extra(f);
      this.account(-((x.cStream?.allocated ?? 0) + (x.sStream?.allocated ?? 0)));
    }
    const sink = this.sink;
    if ((fl & F_C_DATA) !== 0) {
      const session = this.records.session(f, reason);
      st.release(f);
      this.stats.active = st.active;
      this.stats.sessions++;
      sink.session(session);
      return;
    }
    const proto = st.proto[f] as number;
    const dport = this.records.probePort(f);
    const probe = sink.probe !== undefined ? this.records.probe(f) : undefined;
    st.release(f);
    this.stats.active = st.active;
    this.stats.probes++;
    sink.probeCounted?.(proto, dport);
    if (probe !== undefined) sink.probe?.(probe);
  }
}
