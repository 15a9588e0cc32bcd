/** @module Test helpers: hand-filled DecodedPacket objects and a sink that keeps what flows emit. */

import type { Probe, Session } from "../schema/session.js";
import { parseIpv4 } from "../simulate/frames.js";
import { DecodedPacket, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from "./decoded.js";
import type { FlowSink } from "./flows.js";

export { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN };

/** The fields of one TCP or UDP packet, as a test states them. */
export interface PacketSpec {
  /** Capture time in seconds (converted to µs). */
  t: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  proto?: "tcp" | "udp";
  flags?: number;
  seq?: number;
  ack?: number;
  payload?: string | Uint8Array;
  ttl?: number;
  window?: number;
  ipId?: number;
  optLen?: number;
  offset?: number;
}

const FRAME_HEADERS = 54;

/** A DecodedPacket filled by hand; the payload sits after 54 filler bytes, as in a real frame. */
export function pkt(spec: PacketSpec): DecodedPacket {
  const p = new DecodedPacket();
  p.ts = Math.round(spec.t * 1e6);
  p.offset = spec.offset ?? 0;
  const v6 = spec.src.includes(":");
  p.ipVersion = v6 ? 6 : 4;
  if (v6) {
    p.src6 = spec.src;
    p.dst6 = spec.dst;
    p.srcKey = spec.src;
    p.dstKey = spec.dst;
  } else {
    p.src4 = parseIpv4(spec.src);
    p.dst4 = parseIpv4(spec.dst);
    p.srcKey = p.src4;
    p.dstKey = p.dst4;
  }
  p.proto = spec.proto === "udp" ? 17 : 6;
  p.sport = spec.sport;
  p.dport = spec.dport;
  p.tcpFlags = spec.flags ?? 0;
  p.seq = (spec.seq ?? 0) >>> 0;
  p.ack = (spec.ack ?? 0) >>> 0;
  p.window = spec.window ?? 0;
  p.ttl = spec.ttl ?? 64;
  p.ipId = spec.ipId ?? 0;
  p.tcpOptionsLen = spec.optLen ?? 0;
  const payload =
    typeof spec.payload === "string"
      ? Uint8Array.from(spec.payload, (c) => c.charCodeAt(0) & 0xff)
      : (spec.payload ?? new Uint8Array(0));
  p.data = new Uint8Array(FRAME_HEADERS + payload.length).fill(0xee);
  p.data.set(payload, FRAME_HEADERS);
  p.payloadOffset = FRAME_HEADERS;
  p.payloadLength = payload.length;
  return p;
}

/** Latin-1 bytes of a string. */
export function bytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
}

/** Latin-1 text of bytes. */
export function text(b: Uint8Array): string {
  let s = "";
  for (const c of b) s += String.fromCharCode(c);
  return s;
}

/** A FlowSink that keeps every record, in emission order. */
export class Collect implements FlowSink {
  readonly sessions: Session[] = [];
  readonly probes: Probe[] = [];
  session(s: Session): void {
    this.sessions.push(s);
  }
  probe(p: Probe): void {
    this.probes.push(p);
  }
}
