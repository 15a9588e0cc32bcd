/**
 * @module A packet-level driver: replays captures through the decoder and the flow table,
 * matching packet rules on every packet and stream/HTTP rules on every session, as Suricata
 * would on the same capture. The suricata-verify conformance test and `bench/rules.ts` use it;
 * `analyze` uses the Session/Probe path instead.
 */

import { readCaptures } from "../../capture/read.js";
import { decodePacket } from "../../decode/decode.js";
import { DecodedPacket, ipv4ToString, TCP_ACK, TCP_RST, TCP_SYN } from "../../decode/decoded.js";
import { DEFAULT_FLOW_CONFIG, type FlowConfig, FlowTable } from "../../decode/flows.js";
import { parseHttpResponses, startsLikeResponse } from "../../decode/http.js";
import { sessionId } from "../../decode/session-id.js";
import { Anomalies } from "../../schema/anomalies.js";
import type { Alert } from "../../schema/detection.js";
import type { RawPacket } from "../../schema/raw-packet.js";
import type { Probe, Session } from "../../schema/session.js";
import { ipv4ToNumber } from "./addresses.js";
import { type EngineOptions, type PacketFacts, RuleEngine } from "./engine.js";
import type { RuleSet } from "./parse.js";
import { TO_CLIENT, TO_SERVER } from "./types.js";

export interface CaptureMatchOptions extends EngineOptions {
  /** Suricata's stream.async-oneside: one side's SYN and later packets make a flow established. */
  asyncOneside?: boolean;
  /** Flow table settings; the caps default to 16 MiB so whole HTTP bodies are kept. */
  flow?: Partial<FlowConfig>;
}

export interface CaptureMatchResult {
  alerts: Alert[];
  /** Sessions by id, for EVE records of their alerts. */
  sessions: Map<string, Session>;
  packets: number;
  anomalies: Anomalies;
}

/** What the driver remembers of a flow between its packets. */
interface FlowFacts {
  clientSyn: boolean;
  serverSynAck: boolean;
  established: boolean;
  serverSeen: boolean;
  clientSeen: boolean;
  bits: Set<string>;
  /** Per direction (index TO_SERVER/TO_CLIENT): payload bytes of RST segments ending the stream. */
  rstTail: number[];
  /** The server's in-order payload, kept for flows whose client never sends data. */
  server: Uint8Array[];
  serverNext: number;
  clientSeenData: boolean;
  start: number;
}

function tupleKey(proto: string, a: string, pa: number, b: string, pb: number): string {
  return a < b || (a === b && pa <= pb)
    ? `${proto}|${a}|${pa}|${b}|${pb}`
    : `${proto}|${b}|${pb}|${a}|${pa}`;
}

/**
 * The session as Suricata's stream sees it: data carried by RST segments at the end of a
 * direction is not part of the stream (the flow table keeps it).
 */
function withoutRstTail(s: Session, f: FlowFacts | undefined): Session {
  if (f === undefined) return s;
  const c = f.rstTail[TO_SERVER] as number;
  const v = f.rstTail[TO_CLIENT] as number;
  if (c === 0 && v === 0) return s;
  const out: Session = {
    ...s,
    clientBytes: s.clientBytes.subarray(0, Math.max(0, s.clientBytes.length - c)),
    serverBytes: s.serverBytes.subarray(0, Math.max(0, s.serverBytes.length - v)),
  };
  if (s.http !== undefined && out.clientBytes.length === 0) delete out.http;
  return out;
}

/** A session for a flow whose server alone sent data (captured one-sided, "async"). */
function serverOnlySession(p: Probe, f: FlowFacts): Session | undefined {
  const total = f.server.reduce((n, c) => n + c.length, 0);
  if (total === 0 || p.proto !== "tcp") return undefined;
  const bytes = new Uint8Array(total);
  let o = 0;
  for (const c of f.server) {
    bytes.set(c, o);
    o += c.length;
  }
  // The flow table's probe names the client as its source when the client sent any packet,
  // else the side that sent (here: the server).
  const pDstKey = typeof p.srcKey === "number" ? (ipv4ToNumber(p.dst) ?? 0) : p.dst;
  const c = f.clientSeen;
  const src = c ? p.src : p.dst;
  const srcKey = c ? p.srcKey : pDstKey;
  const sport = c ? p.sport : p.dport;
  const dst = c ? p.dst : p.src;
  const dstKey = c ? pDstKey : p.srcKey;
  const dport = c ? p.dport : p.sport;
  const s: Session = {
    id: sessionId("tcp", f.start, srcKey, sport, dstKey, dport),
    proto: "tcp",
    src,
    srcKey,
    sport,
    dst,
    dstKey,
    dport,
    start: f.start,
    end: p.ts,
    clientBytes: new Uint8Array(0),
    clientBytesTotal: 0,
    serverBytes: bytes,
    serverBytesTotal: total,
    clientPackets: 0,
    serverPackets: p.packets,
    handshake: false,
    gaps: 0,
    truncated: false,
    close: "eof",
    fingerprint: "",
    ttl: p.ttl,
    window: p.window,
  };
  if (startsLikeResponse(bytes)) s.http = { requests: [], responses: parseHttpResponses(bytes) };
  return s;
}

const PROTO_NAMES: Record<number, PacketFacts["proto"]> = {
  6: "tcp",
  17: "udp",
  1: "icmp",
  58: "icmpv6",
};

/** Replays capture files through the rules; resolves with every alert. */
export async function matchCaptures(
  files: string[],
  set: RuleSet,
  opts: CaptureMatchOptions = {},
): Promise<CaptureMatchResult> {
  const engine = new RuleEngine(set, { ...opts, packetDriven: true });
  const anomalies = new Anomalies();
  const alerts: Alert[] = [];
  const sessions = new Map<string, Session>();
  const config: FlowConfig = {
    ...DEFAULT_FLOW_CONFIG,
    clientCap: 1 << 24,
    serverCap: 1 << 24,
    ...(opts.flow ?? {}),
  };
  const names = files;
  const byTuple = new Map<string, FlowFacts>();
  const take = (proto: string, a: string, pa: number, b: string, pb: number) => {
    const k = tupleKey(proto, a, pa, b, pb);
    const f = byTuple.get(k);
    byTuple.delete(k);
    return f;
  };
  const flows = new FlowTable(
    config,
    {
      session(raw) {
        const s = withoutRstTail(raw, take(raw.proto, raw.src, raw.sport, raw.dst, raw.dport));
        sessions.set(s.id, s);
        for (const a of engine.session(s)) alerts.push(a);
      },
      probe(p) {
        const f = take(p.proto, p.src, p.sport, p.dst, p.dport);
        const s = f === undefined ? undefined : serverOnlySession(p, f);
        if (s === undefined) return;
        sessions.set(s.id, s);
        for (const a of engine.session(s)) alerts.push(a);
      },
    },
    anomalies,
    (i) => names[i] ?? "?",
  );
  const facts: FlowFacts[] = [];
  const dp = new DecodedPacket();
  let packets = 0;
  const onPacket = (raw: RawPacket) => {
    packets++;
    if (!decodePacket(raw, dp, anomalies, names[raw.fileIndex] ?? "?")) return;
    const proto = PROTO_NAMES[dp.proto];
    if (proto === undefined) return;
    let dir = 0;
    let established = false;
    let bits: Set<string> | undefined;
    const src = dp.ipVersion === 6 ? dp.src6 : ipv4ToString(dp.src4);
    const dst = dp.ipVersion === 6 ? dp.dst6 : ipv4ToString(dp.dst4);
    if ((proto === "tcp" || proto === "udp") && !dp.fragment) {
      flows.packet(dp, "");
      let tag = flows.lastTag();
      if (tag === 0) {
        const f: FlowFacts = {
          clientSyn: false,
          serverSynAck: false,
          established: false,
          serverSeen: false,
          clientSeen: false,
          bits: new Set(),
          rstTail: [0, 0, 0],
          server: [],
          serverNext: -1,
          clientSeenData: false,
          start: dp.ts,
        };
        facts.push(f);
        tag = facts.length;
        flows.setLastTag(tag);
        byTuple.set(tupleKey(proto, src, dp.sport, dst, dp.dport), f);
      }
      const f = facts[tag - 1] as FlowFacts;
      const fromClient = flows.lastFromClient;
      dir = fromClient ? TO_SERVER : TO_CLIENT;
      established = track(f, proto, dp.tcpFlags, fromClient, opts);
      bits = f.bits;
      if (proto === "tcp") follow(f, dp, dir);
    }
    const payload = Buffer.from(
      dp.data.buffer,
      dp.data.byteOffset + dp.payloadOffset,
      dp.payloadLength,
    ).toString("latin1");
    const pf: PacketFacts = {
      proto,
      src,
      srcKey: dp.srcKey,
      sport: dp.sport,
      dst,
      dstKey: dp.dstKey,
      dport: dp.dport,
      ts: dp.ts,
      flags: dp.tcpFlags,
      seq: dp.seq,
      ack: dp.ack,
      window: dp.window,
      ttl: dp.ttl,
      ipId: dp.ipId,
      itype: dp.icmpType,
      icode: dp.icmpCode,
      payload,
      dir,
      established,
      sessionId: "",
    };
    for (const a of engine.packet(pf, bits)) alerts.push(a);
  };
  await readCaptures(files, onPacket, { anomalies });
  flows.finish();
  return { alerts, sessions, packets, anomalies };
}

/** Keeps the RST tail per direction and the server's in-order payload. */
function follow(f: FlowFacts, dp: DecodedPacket, dir: number): void {
  const len = dp.payloadLength;
  const rst = (dp.tcpFlags & TCP_RST) !== 0;
  if (dir === TO_CLIENT && (dp.tcpFlags & TCP_SYN) !== 0) f.serverNext = (dp.seq + 1) >>> 0;
  if (len === 0) return;
  f.rstTail[dir] = rst ? (f.rstTail[dir] as number) + len : 0;
  if (dir === TO_SERVER) f.clientSeenData = true;
  if (dir !== TO_CLIENT || rst || f.clientSeenData) return;
  const seq = dp.seq >>> 0;
  if (f.serverNext >= 0 && ((seq - f.serverNext) | 0) < 0) return; // retransmission
  f.server.push(dp.data.slice(dp.payloadOffset, dp.payloadOffset + len));
  f.serverNext = (seq + len) >>> 0;
}

/** Updates a flow's handshake facts with one packet; returns whether it is established now. */
function track(
  f: FlowFacts,
  proto: string,
  flags: number,
  fromClient: boolean,
  o: CaptureMatchOptions,
): boolean {
  if (fromClient) f.clientSeen = true;
  else f.serverSeen = true;
  if (proto === "udp") return f.clientSeen && f.serverSeen;
  if (o.midstream === true && !f.clientSyn) f.established = true;
  const syn = (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
  const synAck = (flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK);
  if (fromClient && syn) f.clientSyn = true;
  else if (!fromClient && synAck) f.serverSynAck = true;
  else if (
    fromClient &&
    f.clientSyn &&
    (f.serverSynAck || o.asyncOneside === true) &&
    (flags & TCP_ACK) !== 0
  ) {
    f.established = true;
  } else if (!fromClient && f.clientSyn && o.asyncOneside === true && (flags & TCP_ACK) !== 0) {
    f.established = true;
  }
  if ((flags & TCP_RST) !== 0 && !f.established) return false;
  return f.established;
}
