/** @module Header matching: addresses and ports of a direction, header keywords, stream sizes. */

import { TCP_ACK, TCP_PSH, TCP_SYN } from "../../decode/decoded.js";
import type { Session } from "../../schema/session.js";
import { addrMatches } from "./addresses.js";
import { portMatches } from "./ports.js";
import { type HeaderTest, type Rule, TO_SERVER } from "./types.js";
import { type NumTest, numTest } from "./values.js";

/** The header facts of one packet or probe, as header keywords read them. */
export interface PacketFacts {
  proto: "tcp" | "udp" | "icmp" | "icmpv6";
  src: string;
  srcKey: number | string;
  sport: number;
  dst: string;
  dstKey: number | string;
  dport: number;
  /** Microseconds since the epoch. */
  ts: number;
  flags: number;
  seq: number;
  ack: number;
  window: number;
  ttl: number;
  ipId: number;
  itype: number;
  icode: number;
  /** The packet's payload as a latin1 string ("" for a probe). */
  payload: string;
  /** TO_SERVER or TO_CLIENT; 0 when the flow's client is unknown. */
  dir: number;
  established: boolean;
  /** The session the packet belongs to, "" when unknown. */
  sessionId: string;
}

/** Whether the rule's header accepts a packet from (srcKey, sport) to (dstKey, dport). */
export function addressesMatch(
  r: Rule,
  srcKey: number | string,
  sport: number,
  dstKey: number | string,
  dport: number,
): boolean {
  if (
    portMatches(r.sport, sport) &&
    portMatches(r.dport, dport) &&
    addrMatches(r.src, srcKey) &&
    addrMatches(r.dst, dstKey)
  ) {
    return true;
  }
  return (
    r.bidirectional &&
    portMatches(r.sport, dport) &&
    portMatches(r.dport, sport) &&
    addrMatches(r.src, dstKey) &&
    addrMatches(r.dst, srcKey)
  );
}

/** The rule header against a session seen in direction `dir`. */
export function sessionHeaderMatches(r: Rule, s: Session, dir: number): boolean {
  return dir === TO_SERVER
    ? addressesMatch(r, s.srcKey, s.sport, s.dstKey, s.dport)
    : addressesMatch(r, s.dstKey, s.dport, s.srcKey, s.sport);
}

function flagsPass(t: NonNullable<HeaderTest["flags"]>, f: number): boolean {
  const v = f & ~t.mask & 0xff;
  switch (t.mode) {
    case "exact":
      return v === t.bits;
    case "all":
      return (v & t.bits) === t.bits;
    case "any":
      return (v & t.bits) !== 0;
    default:
      return (v & t.bits) === 0;
  }
}

/**
 * dsize as Suricata applies it: only `<N` and `<=N` (which include 0) look at packets without
 * payload, `dsize:0` only at those, and every other form only at packets with payload.
 */
function dsizePass(t: NumTest, len: number): boolean {
  if (t.op === "<" || t.op === "<=") return numTest(t, len);
  if (t.op === "=" && t.a === 0) return len === 0;
  return len > 0 && numTest(t, len);
}

/** Header keywords against one packet's facts. */
export function packetTestsPass(tests: readonly HeaderTest[], p: PacketFacts): boolean {
  for (const t of tests) {
    let ok: boolean;
    switch (t.field) {
      case "flags":
        ok = p.proto === "tcp" && flagsPass(t.flags!, p.flags);
        break;
      case "dsize":
        ok = dsizePass(t.test!, p.payload.length);
        break;
      case "seq":
        ok = p.proto === "tcp" && numTest(t.test!, p.seq);
        break;
      case "ack":
        ok = p.proto === "tcp" && numTest(t.test!, p.ack);
        break;
      case "window":
        ok = p.proto === "tcp" && numTest(t.test!, p.window);
        break;
      case "ttl":
        ok = numTest(t.test!, p.ttl);
        break;
      case "id":
        ok = numTest(t.test!, p.ipId);
        break;
      case "itype":
        ok = p.itype >= 0 && numTest(t.test!, p.itype);
        break;
      default:
        ok = p.icode >= 0 && numTest(t.test!, p.icode);
    }
    if (!ok) return false;
  }
  return true;
}

/** Flag sets a session's packets plausibly carried in a direction (sessions keep no flags). */
const CLIENT_FLAGS = [TCP_PSH | TCP_ACK, TCP_ACK];
const SERVER_FLAGS = [TCP_SYN | TCP_ACK, TCP_PSH | TCP_ACK, TCP_ACK];

/**
 * Header keywords against a whole session, approximated (docs/rules.md): dsize is the direction's
 * stream length, flags pass when a packet the direction plausibly sent has them, ttl and window
 * are the client's first packet's; seq, ack, id and ICMP fields never match.
 */
export function sessionTestsPass(r: Rule, s: Session, dir: number, streamLength: number): boolean {
  for (const t of r.header) {
    let ok: boolean;
    switch (t.field) {
      case "flags": {
        const f = t.flags!;
        const cands =
          dir === TO_SERVER
            ? s.handshake
              ? [TCP_SYN, ...CLIENT_FLAGS]
              : CLIENT_FLAGS
            : SERVER_FLAGS;
        ok = s.proto === "tcp" && cands.some((x) => flagsPass(f, x));
        break;
      }
      case "dsize":
        ok = numTest(t.test!, streamLength);
        break;
      case "ttl":
        ok = dir === TO_SERVER && numTest(t.test!, s.ttl);
        break;
      case "window":
        ok = dir === TO_SERVER && s.proto === "tcp" && numTest(t.test!, s.window);
        break;
      default:
        ok = false;
    }
    if (!ok) return false;
  }
  for (const z of r.streamSize) {
    const client = s.clientBytesTotal;
    const server = s.serverBytesTotal;
    let ok: boolean;
    if (z.side === "client") ok = numTest(z.test, client);
    else if (z.side === "server") ok = numTest(z.test, server);
    else if (z.side === "both") ok = numTest(z.test, client) && numTest(z.test, server);
    else ok = numTest(z.test, client) || numTest(z.test, server);
    if (!ok) return false;
  }
  return true;
}
