/** @module IPv4 and IPv6 headers, IPv6 extension headers, and fragments. */

import type { DecodedPacket } from "./decoded.js";
import { readIpv6Text } from "./ipv6-text.js";
import type { DecodeState } from "./state.js";

// The results below as this module's own bindings: V8 folds unexported constants into compiled
// code, and reads exported ones through a cell at every use.
const FAIL = 0;
const DONE = 1;
const PAYLOAD = 2;
/** The IP layer could not be decoded; nothing was written to the packet. */
export const IP_FAIL = FAIL;
/** The IP layer was decoded, but nothing after it can be (fragment, cut header, no next header). */
export const IP_DONE = DONE;
/** The IP layer was decoded and the cursor is at its payload, narrowed to it. */
export const IP_PAYLOAD = PAYLOAD;
export type IpResult = typeof IP_FAIL | typeof IP_DONE | typeof IP_PAYLOAD;

/** Longer IPv6 extension header chains are treated as garbage (`ipv6_ext_header_loop`). */
export const MAX_IPV6_EXT_HEADERS = 8;

const IPPROTO_NONE = 59;
/** Length of an IPv4 header without options. */
const IPV4_MIN = 20;

/**
 * Decodes an IPv4 header at the cursor. The checksum is not verified: with checksum offloading,
 * captures taken on the sending host carry wrong ones. A total length of 0 (segmentation
 * offload) means "the rest of the frame"; a total length larger than the frame is a
 * `bad_ip_header` and the frame's bytes are used.
 */
export function decodeIpv4(st: DecodeState, out: DecodedPacket, depth: number): IpResult {
  const c = st.c;
  const start = c.pos;
  const p = c.claim(IPV4_MIN);
  if (p < 0) {
    st.short("bad_ip_header", start, IPV4_MIN, "ipv4");
    return FAIL;
  }
  const v = c.view;
  const o = c.viewBase + p;
  const vihl = v.getUint8(o);
  const total = v.getUint16(o + 2);
  const id = v.getUint16(o + 4);
  const frag = v.getUint16(o + 6);
  const ttl = v.getUint8(o + 8);
  const proto = v.getUint8(o + 9);
  const src = v.getUint32(o + 12);
  const dst = v.getUint32(o + 16);
  if (vihl >> 4 !== 4) {
    st.anomaly("bad_ip_version", String(vihl >> 4));
    return FAIL;
  }
  const hlen = (vihl & 15) * 4;
  if (hlen < 20 || (total !== 0 && total < hlen)) {
    st.anomaly("bad_ip_header", hlen < 20 ? "header length below 20" : "total length below header");
    return FAIL;
  }
  if (total !== 0 && !st.narrow(start, total)) {
    st.anomaly("bad_ip_header", "total length beyond frame");
  }

  if (depth > 0) {
    // An inner layer replaces what the outer one set; the outermost finds the packet just reset.
    out.resetTransport();
    out.tunnelDepth = depth;
    out.src6 = "";
    out.dst6 = "";
    out.fragment = false;
  }
  out.ipVersion = 4;
  out.src4 = src;
  out.dst4 = dst;
  out.ipId = id;
  out.ttl = ttl;
  out.ipOptionsLen = hlen - 20;
  out.proto = proto;

  // More fragments, or a non-zero offset. A first fragment may hold the ports, but its payload
  // is incomplete, so no fragment is decoded further (reassembly is not attempted).
  if ((frag & 0x3fff) !== 0) {
    out.fragment = true;
    st.anomaly("ip_fragment");
    return DONE;
  }
  if (hlen > 20) {
    c.skip(hlen - 20);
    if (c.bad) {
      st.short("bad_ip_header", start, hlen, "ipv4 options");
      return DONE;
    }
  }
  return PAYLOAD;
}

/**
 * Decodes an IPv6 header and its extension headers at the cursor. A payload length of 0 (a
 * jumbogram, or segmentation offload) means "the rest of the frame". A fragment header makes
 * the packet a fragment and supplies `ipId` (the low 16 bits of its identification), except for
 * an atomic fragment (offset 0, no more fragments), which RFC 6946 says to process as a whole
 * packet: it keeps the `ipId` but is decoded on.
 */
export function decodeIpv6(st: DecodeState, out: DecodedPacket, depth: number): IpResult {
  const c = st.c;
  const start = c.pos;
  const vtf = c.u32();
  const plen = c.u16();
  let next = c.u8();
  const hop = c.u8();
  if (!c.has(32)) c.skip(32);
  if (c.bad) {
    st.short("bad_ip_header", start, 40, "ipv6");
    return FAIL;
  }
  if (vtf >>> 28 !== 6) {
    st.anomaly("bad_ip_version", String(vtf >>> 28));
    return FAIL;
  }
  if (plen !== 0 && !st.narrow(start, 40 + plen)) {
    st.anomaly("bad_ip_header", "payload length beyond frame");
  }

  if (depth > 0) out.resetTransport();
  const src = readIpv6Text(c);
  const dst = readIpv6Text(c);
  out.ipVersion = 6;
  out.tunnelDepth = depth;
  out.src4 = 0;
  out.dst4 = 0;
  out.src6 = src;
  out.dst6 = dst;
  out.ipId = 0;
  out.ttl = hop;
  out.ipOptionsLen = 0;
  out.fragment = false;
  out.proto = next;

  for (let n = 0; ; n++) {
    if (next === IPPROTO_NONE) return DONE;
    if (!isExtensionHeader(next)) return PAYLOAD;
    if (n === MAX_IPV6_EXT_HEADERS) {
      st.anomaly("ipv6_ext_header_loop");
      return DONE;
    }
    const hs = c.pos;
    const following = c.u8();
    if (next === 44) {
      c.skip(1);
      const fo = c.u16();
      const ident = c.u32();
      if (c.bad) {
        st.short("bad_ip_header", hs, 8, "ipv6 fragment header");
        return DONE;
      }
      out.ipId = ident & 0xffff;
      out.proto = following;
      // Offset (13 bits) or the more-fragments flag: a real fragment.
      if ((fo & 0xfff9) !== 0) {
        out.fragment = true;
        st.anomaly("ip_fragment");
        return DONE;
      }
    } else {
      // The authentication header counts its length in 4-byte words minus 2, the others in
      // 8-byte units minus 1.
      const l = c.u8();
      const len = next === 51 ? (l + 2) * 4 : (l + 1) * 8;
      c.skip(len - 2);
      if (c.bad) {
        st.short("bad_ip_header", hs, len, "ipv6 extension header");
        return DONE;
      }
      out.proto = following;
    }
    next = following;
  }
}

/** Hop-by-hop (0), routing (43), fragment (44), AH (51), destination options (60), mobility (135). */
function isExtensionHeader(p: number): boolean {
  return p === 0 || p === 43 || p === 44 || p === 51 || p === 60 || p === 135;
}
