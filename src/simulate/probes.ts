/**
 * @module Payload-less probes and the sensor's answers: scanner SYNs (kernel, Mirai, masscan,
 * ZMap styles), UDP datagrams and ICMP echo requests.
 */

import { TCP_ACK, TCP_RST } from "../decode/decoded.js";
import { OPT_NONE, PROTO_ICMP, PROTO_UDP } from "./frame-encoder.js";
import {
  type Host,
  SCANNER_KERNEL,
  SCANNER_MASSCAN,
  SCANNER_MIRAI,
  SCANNER_ZMAP,
} from "./hosts.js";
import { ICMP_ECHO_DATA } from "./payloads.js";
import { hash2 } from "./prng.js";
import type { World } from "./world.js";

/** What became of a SYN probe. */
export const PROBE_LOST = 0;
export const PROBE_REFUSED = 1;
export const PROBE_ACCEPTED = 2;

/** ZMap's fixed IPv4 identification before 2024. */
const ZMAP_IP_ID = 54321;
/** Share of kernel-stack scanners that finish the handshake and reset (connect scans). */
const CONNECT_SCAN_SHARE = 0.6;
/** The sensor retransmits an unanswered SYN-ACK after this long (Linux's initial RTO). */
const SYNACK_RTO_US = 1_000_000;

/**
 * One SYN from `h` to sensor `dst` (0..255) port `dport`, built the way h's scanner builds it,
 * the sensor's answer, and the scanner's reaction to a SYN-ACK. Returns a PROBE_* outcome.
 */
export function synProbe(w: World, t: number, h: Host, dst: number, dport: number): number {
  const c = w.conn;
  const rng = w.rng;
  const sensor4 = w.sensor4(dst);
  switch (h.scanner) {
    case SCANNER_MIRAI:
      // scanner.c: random source port, ip id and window; seq = destination address; no options
      c.begin(w.q, rng, t, h, sensor4, null, dport, 1 + (rng.u32() % 65535));
      c.rawSyn(sensor4, rng.u32(), rng.u32(), false);
      break;
    case SCANNER_MASSCAN: {
      // masscan: seq is a keyed hash (its SYN cookie); ip id = (dst ^ dport ^ seq) & 0xffff
      c.begin(w.q, rng, t, h, sensor4, null, dport, 40000 + (h.salt % 20000));
      const seq = hash2(h.salt, sensor4 ^ dport);
      c.rawSyn(seq, (sensor4 ^ dport ^ seq) & 0xffff, 1024, false);
      break;
    }
    case SCANNER_ZMAP:
      c.begin(w.q, rng, t, h, sensor4, null, dport, 32768 + rng.int(28232));
      c.rawSyn(rng.u32(), ZMAP_IP_ID, 65535, false);
      break;
    default:
      c.begin(
        w.q,
        rng,
        t,
        h,
        sensor4,
        h.addr6 ? w.sensor6(dst) : null,
        dport,
        32768 + rng.int(28232),
      );
      c.syn();
  }
  if (!w.answered()) return PROBE_LOST;
  c.sensorDelay();
  if (!w.isOpen(dport)) {
    c.refuse();
    return PROBE_REFUSED;
  }
  c.synAck();
  if (h.scanner !== SCANNER_KERNEL) {
    // raw-socket scanners keep no socket: their kernel (or masscan itself) resets
    c.clientDelay();
    c.c(TCP_RST);
  } else if (rng.chance(CONNECT_SCAN_SHARE)) {
    c.clientDelay();
    c.c(TCP_ACK);
    c.gap(50 + rng.int(500));
    c.c(TCP_RST | TCP_ACK);
  } else {
    c.gap(SYNACK_RTO_US);
    c.retransmitSynAck();
  }
  return PROBE_ACCEPTED;
}

/** One UDP datagram; the sensors do not answer UDP. */
export function udpProbe(
  w: World,
  t: number,
  h: Host,
  dst: number,
  dport: number,
  payload: Uint8Array,
): void {
  const f = w.q.f;
  setIp(w, h, dst);
  f.proto = PROTO_UDP;
  f.sport = 1024 + w.rng.int(64512);
  f.dport = dport;
  f.setPayload(payload);
  w.q.push(t);
}

/** An ICMP echo request and, unless lost, the sensor's echo reply. */
export function icmpEcho(w: World, t: number, h: Host, dst: number): void {
  const f = w.q.f;
  setIp(w, h, dst);
  f.proto = PROTO_ICMP;
  f.icmpType = h.addr6 ? 128 : 8;
  f.icmpCode = 0;
  f.icmpId = w.rng.u32() & 0xffff;
  f.icmpSeq = 1;
  f.setPayload(ICMP_ECHO_DATA);
  w.q.push(t);
  if (!w.answered()) return;
  f.fromSensor = true;
  f.icmpType = h.addr6 ? 129 : 0;
  f.ttl = 64;
  f.df = false;
  if (f.v6) {
    const s = f.src6;
    f.src6 = f.dst6;
    f.dst6 = s;
  } else {
    const s = f.src4;
    f.src4 = f.dst4;
    f.dst4 = s;
  }
  w.q.push(t + 40 + w.rng.int(300));
}

function setIp(w: World, h: Host, dst: number): void {
  const f = w.q.f;
  f.fromSensor = false;
  f.ttl = h.ttl;
  f.ipId = w.rng.u32() & 0xffff;
  f.df = false;
  f.opt = OPT_NONE;
  if (h.addr6) {
    f.v6 = true;
    f.src6 = h.addr6;
    f.dst6 = w.sensor6(dst);
  } else {
    f.v6 = false;
    f.src4 = h.addr4;
    f.dst4 = w.sensor4(dst);
  }
}
