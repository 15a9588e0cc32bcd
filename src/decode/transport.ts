/** @module TCP (with options), UDP and ICMP/ICMPv6 headers and where their payload lies. */

import { Cursor } from "./cursor.js";
import type { DecodedPacket } from "./decoded.js";
import type { DecodeState } from "./state.js";

/** Length of a TCP header without options. */
const TCP_MIN = 20;

/** A second cursor for TCP options, so the packet cursor keeps its place. */
const opts = new Cursor();

/**
 * Decodes a TCP header at the cursor. Fields are set as far as the captured bytes go; the
 * payload runs from the end of the header (data offset) to the end of the IP payload, within
 * the captured bytes. A data offset below 5 or beyond the IP payload is a `bad_tcp_header`.
 */
export function decodeTcp(st: DecodeState, out: DecodedPacket): void {
  const c = st.c;
  const start = c.pos;
  const p = c.claim(TCP_MIN);
  if (p < 0) {
    shortTcp(st, out);
    return;
  }
  const v = c.view;
  const o = c.viewBase + p;
  out.sport = v.getUint16(o);
  out.dport = v.getUint16(o + 2);
  out.seq = v.getUint32(o + 4);
  out.ack = v.getUint32(o + 8);
  const off = v.getUint8(o + 12);
  out.tcpFlags = v.getUint8(o + 13); // CWR..FIN; the NS bit (low bit of `off`) is ignored
  out.window = v.getUint16(o + 14);
  const hlen = (off >> 4) * 4;
  if (hlen < 20) {
    st.anomaly("bad_tcp_header", "data offset below 5");
    return;
  }
  out.tcpOptionsLen = hlen - 20;
  const hend = start + hlen;
  if (hend > c.end) {
    st.short("bad_tcp_header", start, hlen, "tcp options");
    if (c.end > c.pos) out.setTcpOptionBytes(c.pos, c.end);
    return;
  }
  if (hlen > 20) out.setTcpOptionBytes(c.pos, hend);
  out.payloadOffset = hend;
  out.payloadLength = c.end - hend;
}

/** A TCP header cut short: its fields are set as far as the captured bytes go. */
function shortTcp(st: DecodeState, out: DecodedPacket): void {
  const c = st.c;
  const start = c.pos;
  out.sport = c.u16();
  out.dport = c.u16();
  out.seq = c.u32();
  out.ack = c.u32();
  c.u8(); // data offset
  out.tcpFlags = c.u8();
  out.window = c.u16();
  c.skip(4); // checksum, urgent pointer
  st.short("bad_tcp_header", start, TCP_MIN, "tcp");
}

/**
 * Reads MSS, window scale, SACK-permitted and timestamps from `buf[from, to)`; other options are
 * skipped by their length. An option whose length is impossible ends the parse without an
 * anomaly: the fixed header is still sound, and scanners with odd option bytes are data, not
 * decoder failures.
 */
export function parseTcpOptions(
  buf: Uint8Array,
  from: number,
  to: number,
  out: DecodedPacket,
): void {
  const o = opts.reset(buf, from, to);
  while (o.pos < o.end) {
    const kind = o.u8();
    if (kind === 0) return; // end of option list
    if (kind === 1) continue; // no-operation
    const len = o.u8();
    if (o.bad || len < 2 || o.pos + len - 2 > o.end) return;
    const next = o.pos + len - 2;
    if (kind === 2 && len === 4) out.mss = o.u16();
    else if (kind === 3 && len === 3) out.wscale = o.u8();
    else if (kind === 4 && len === 2) out.sackPermitted = true;
    else if (kind === 8 && len === 10) {
      out.tsVal = o.u32();
      out.tsEcr = o.u32();
    }
    o.pos = next;
  }
}

/**
 * Decodes a UDP header at the cursor and leaves the cursor at its payload, narrowed to it (for
 * VXLAN). The payload ends at the UDP length, the IP payload end and the captured end, whichever
 * comes first. A length below 8, or one beyond the IP payload, is a `bad_udp_header`; the IP
 * payload end is then used.
 */
export function decodeUdp(st: DecodeState, out: DecodedPacket): void {
  const c = st.c;
  const start = c.pos;
  out.sport = c.u16();
  out.dport = c.u16();
  const len = c.u16();
  c.skip(2); // checksum
  if (c.bad) {
    st.short("bad_udp_header", start, 8, "udp");
    return;
  }
  if (len < 8) st.anomaly("bad_udp_header", "length below 8");
  else if (!st.narrow(start, len)) st.anomaly("bad_udp_header", "length beyond ip payload");
  out.payloadOffset = c.pos;
  out.payloadLength = c.end - c.pos;
}

/**
 * Decodes an ICMP or ICMPv6 header at the cursor. The first 8 bytes are the header for every
 * common message (type, code, checksum, then identifier and sequence, an MTU, a pointer or
 * unused bytes), so the payload is what follows them: echo data, or the quoted datagram of an
 * error. A message shorter than 8 bytes is a `bad_icmp`.
 */
export function decodeIcmp(st: DecodeState, out: DecodedPacket): void {
  const c = st.c;
  const start = c.pos;
  if (c.has(1)) out.icmpType = c.peek8(0);
  if (c.has(2)) out.icmpCode = c.peek8(1);
  c.skip(8);
  if (c.bad) {
    st.short("bad_icmp", start, 8, "icmp");
    return;
  }
  out.payloadOffset = c.pos;
  out.payloadLength = c.end - c.pos;
}
