/**
 * @module Scanner fingerprints from the header fields of a connection attempt (see docs/fingerprints.md).
 */

import type { DecodedPacket } from "../decode/decoded.js";
import * as decoded from "../decode/decoded.js";

// Constants used per packet as this module's own (unexported) bindings: V8 folds those into
// compiled code, but reads imported or exported bindings through a cell at every use.
const { TCP_ACK, TCP_SYN } = decoded;
const ZMAP_ID = 54321;
const MIRAI = 0;
const MASSCAN = 1;
const ZMAP = 2;
const UNKNOWN = 3;
const NAMES = ["mirai", "masscan", "zmap", "unknown"] as const;

/** Version of the fingerprint rules; bump when a rule's meaning changes. */
export const FINGERPRINT_VERSION = 1;

/** ZMap's fixed IPv4 identification before 2024 (src/probe_modules/packet.c, `54321`). */
export const ZMAP_IP_ID = ZMAP_ID;

export const FINGERPRINTS = NAMES;
export type Fingerprint = (typeof FINGERPRINTS)[number];

/** Index of each fingerprint in count arrays. */
export const FP_MIRAI = MIRAI;
export const FP_MASSCAN = MASSCAN;
export const FP_ZMAP = ZMAP;
export const FP_UNKNOWN = UNKNOWN;

/**
 * How sure each rule is that a match means that scanner. A single match can be chance: the
 * Mirai rule matches at random once in 2^32, masscan's once in 2^16 packets without options,
 * ZMap's once in 2^16; confidence grows with the number of a source's packets that match.
 */
export const FINGERPRINT_CONFIDENCE: Record<Fingerprint, number> = {
  mirai: 0.99,
  masscan: 0.95,
  zmap: 0.9,
  unknown: 0,
};

/** True for a TCP SYN without ACK: the packets fingerprints are defined on. */
export function isSyn(p: DecodedPacket): boolean {
  return p.proto === 6 && (p.tcpFlags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
}

/**
 * Classifies one IPv4 TCP SYN (without ACK). Returns an index into FINGERPRINTS. IPv6 SYNs are
 * `unknown`: all three rules are defined on IPv4 header fields.
 *
 * - mirai: the TCP sequence number equals the destination IPv4 address (Mirai's scanner sets
 *   `tcph->seq = iph->daddr` so it can recognise SYN-ACKs without keeping state).
 * - zmap: IPv4 identification is 54321 (ZMap before 2024; later builds randomise it).
 * - masscan: IP id == (dst ^ dport ^ seq) & 0xffff (masscan's template code sets
 *   `ip_id = ip_them ^ port_them ^ seqno`) with no TCP options, or with the single MSS option
 *   that masscan's default template has carried since 2021.
 */
export function fingerprintSyn(p: DecodedPacket): number {
  if (p.ipVersion !== 4) return UNKNOWN;
  const seq = p.seq >>> 0;
  if (seq === p.dst4 >>> 0) return MIRAI;
  if (p.ipId === ZMAP_ID) return ZMAP;
  if (
    (p.tcpOptionsLen === 0 || (p.tcpOptionsLen === 4 && p.mss >= 0)) &&
    p.ipId === ((p.dst4 ^ p.dport ^ seq) & 0xffff)
  ) {
    return MASSCAN;
  }
  return UNKNOWN;
}

export function fingerprintName(i: number): Fingerprint {
  return NAMES[i] ?? "unknown";
}
