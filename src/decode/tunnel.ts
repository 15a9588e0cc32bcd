/** @module Tunnel headers: GRE (with ERSPAN types I, II and III) and VXLAN; IP-in-IP needs none. */

import {
  type DecodeState,
  NEXT_ETHERNET,
  NEXT_IPV4,
  NEXT_IPV6,
  NEXT_NONE,
  type Next,
} from "./state.js";

/** The IANA port of VXLAN; UDP to it is tried as VXLAN. */
export const VXLAN_PORT = 4789;
/** GRE source-route entries beyond this many are treated as garbage. */
export const MAX_GRE_SOURCE_ROUTES = 16;

const GRE_C = 0x8000;
const GRE_R = 0x4000;
const GRE_K = 0x2000;
const GRE_S = 0x1000;

/**
 * Decodes a GRE version 0 header (RFC 2784/2890, and RFC 1701 source routing) at the cursor and
 * says what it carries. Anything Portent cannot look inside (PPTP's enhanced GRE, other protocol
 * types) is an `unsupported_tunnel`, and the outer packet stays the result.
 */
export function decodeGre(st: DecodeState): Next {
  const c = st.c;
  const flags = c.u16();
  const ptype = c.u16();
  if (c.bad) return truncated(st, "gre");
  const version = flags & 7;
  if (version !== 0) {
    st.anomaly("unsupported_tunnel", `gre version ${version}`);
    return NEXT_NONE;
  }
  let extra = 0;
  if ((flags & (GRE_C | GRE_R)) !== 0) extra += 4; // checksum and offset
  if ((flags & GRE_K) !== 0) extra += 4;
  if ((flags & GRE_S) !== 0) extra += 4;
  c.skip(extra);
  if ((flags & GRE_R) !== 0 && !skipSourceRoutes(st)) return NEXT_NONE;
  if (c.bad) return truncated(st, "gre");
  switch (ptype) {
    case 0x0800:
      return NEXT_IPV4;
    case 0x86dd:
      return NEXT_IPV6;
    case 0x6558: // transparent Ethernet bridging
      return NEXT_ETHERNET;
    case 0x88be:
      // ERSPAN type II has a sequence number and an 8-byte header; type I has neither.
      if ((flags & GRE_S) === 0) return NEXT_ETHERNET;
      return erspan2(st);
    case 0x22eb:
      return erspan3(st);
    default:
      st.anomaly("unsupported_tunnel", `gre 0x${ptype.toString(16).padStart(4, "0")}`);
      return NEXT_NONE;
  }
}

/** Skips RFC 1701 source-route entries up to the terminating empty one. */
function skipSourceRoutes(st: DecodeState): boolean {
  const c = st.c;
  for (let i = 0; i < MAX_GRE_SOURCE_ROUTES; i++) {
    const family = c.u16();
    c.skip(1); // offset
    const len = c.u8();
    if (c.bad) {
      truncated(st, "gre routing");
      return false;
    }
    if (family === 0 && len === 0) return true;
    c.skip(len);
  }
  st.anomaly("unsupported_tunnel", "gre source route too long");
  return false;
}

/** ERSPAN type II: version (1), VLAN, CoS, encapsulation, truncation, session id, index. */
function erspan2(st: DecodeState): Next {
  const c = st.c;
  const version = c.peek8() >> 4;
  c.skip(8);
  if (c.bad) return truncated(st, "erspan ii");
  if (version !== 1) {
    st.anomaly("unsupported_tunnel", `erspan ii version ${version}`);
    return NEXT_NONE;
  }
  return NEXT_ETHERNET;
}

/**
 * ERSPAN type III: a 12-byte header (version 2, ..., timestamp, SGT, then a word holding the
 * frame type and the O bit), an 8-byte platform-specific subheader when O is set, then an
 * Ethernet frame (frame type 0) or an IP packet (frame type 2).
 */
function erspan3(st: DecodeState): Next {
  const c = st.c;
  const version = c.peek8() >> 4;
  c.skip(10);
  const word = c.u16();
  if ((word & 1) !== 0) c.skip(8);
  if (c.bad) return truncated(st, "erspan iii");
  if (version !== 2) {
    st.anomaly("unsupported_tunnel", `erspan iii version ${version}`);
    return NEXT_NONE;
  }
  const frameType = (word >> 10) & 0x1f;
  if (frameType === 0) return NEXT_ETHERNET;
  if (frameType === 2) {
    const v = c.peek8() >> 4;
    if (c.bad) return truncated(st, "erspan iii");
    if (v === 4) return NEXT_IPV4;
    if (v === 6) return NEXT_IPV6;
  }
  st.anomaly("unsupported_tunnel", `erspan iii frame type ${frameType}`);
  return NEXT_NONE;
}

/**
 * Tries the UDP payload at the cursor as VXLAN: 8 bytes with the I flag (VNI valid), then
 * Ethernet. Anything else is left alone without an anomaly: a honeypot sees plenty of scanner
 * datagrams to port 4789 that are no tunnel at all, and they stay UDP probes.
 */
export function decodeVxlan(st: DecodeState): Next {
  const c = st.c;
  if (!c.has(8 + 14)) return NEXT_NONE;
  const flags = c.u8();
  if ((flags & 0x08) === 0) return NEXT_NONE;
  c.skip(7);
  return NEXT_ETHERNET;
}

function truncated(st: DecodeState, layer: string): Next {
  st.anomaly("truncated_packet", layer);
  return NEXT_NONE;
}
