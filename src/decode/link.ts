/** @module Link layers: Ethernet with stacked VLAN tags, Linux cooked (SLL, SLL2), raw IP, BSD loopback. */

import * as rawPacket from "../schema/raw-packet.js";
import type { DecodedPacket } from "./decoded.js";
import type { DecodeState, Next } from "./state.js";
import * as state from "./state.js";

// Imported constants as this module's own bindings: V8 folds those into compiled code, but reads
// an imported binding through a cell, with a check that it is initialised, at every use.
const { LinkType } = rawPacket;
const { NEXT_IPV4, NEXT_IPV6, NEXT_NONE } = state;

/** More VLAN tags than this on one Ethernet header is treated as garbage (`vlan_too_deep`). */
export const MAX_VLAN_TAGS = 8;
/** More MPLS labels than this is treated as garbage (`unsupported_ethertype`). */
export const MAX_MPLS_LABELS = 8;

/**
 * Frames that carry no IP but are a normal part of a network (ARP, LLDP, STP, ...). They are
 * counted here rather than as anomalies: an anomaly means input Portent could not make sense of,
 * and a capture full of ARP is healthy. Keys of `nonIpByType` are ethertypes, or 0 for frames that
 * have none (802.3/LLC frames, cooked-capture special protocols, netlink).
 */
export const decodeStats = {
  nonIp: 0,
  nonIpByType: new Map<number, number>(),
};

/** Clears `decodeStats` (between runs, and in tests). */
export function resetDecodeStats(): void {
  decodeStats.nonIp = 0;
  decodeStats.nonIpByType.clear();
}

/**
 * Ethertypes known to carry no IP. Anything neither IP nor in this list is an
 * `unsupported_ethertype` anomaly, so an unexpected encapsulation never disappears silently.
 */
const KNOWN_NON_IP = new Set<number>([
  0x0806, // ARP
  0x8035, // RARP
  0x0842, // Wake-on-LAN
  0x22ea, // MSRP
  0x22f0, // AVTP
  0x6002, // DEC MOP
  0x6003, // DECnet
  0x6004, // DEC LAT
  0x809b, // AppleTalk
  0x80f3, // AARP
  0x8137, // IPX
  0x8138, // IPX
  0x8808, // Ethernet flow control
  0x8809, // slow protocols (LACP)
  0x8863, // PPPoE discovery
  0x888e, // EAPOL
  0x8892, // PROFINET
  0x8899, // Realtek RRCP
  0x88a4, // EtherCAT
  0x88b5, // local experimental
  0x88b6, // local experimental
  0x88cc, // LLDP
  0x88e1, // HomePlug AV
  0x88e3, // MRP
  0x88e5, // MACsec (encrypted: nothing to decode)
  0x88f5, // MVRP
  0x88f6, // MMRP
  0x88f7, // PTP
  0x8902, // CFM
  0x8906, // FCoE
  0x8914, // FIP
  0x893a, // IEEE 1905.1
  0x9000, // Ethernet loopback test
]);

const ARPHRD_NETLINK = 824;
const ETHERNET_LEN = 14;
const AF_INET = 2;

function countNonIp(type: number): Next {
  decodeStats.nonIp++;
  const m = decodeStats.nonIpByType;
  m.set(type, (m.get(type) ?? 0) + 1);
  return NEXT_NONE;
}

/** Decodes the link header of `linkType` at the cursor and says which network layer follows. */
export function decodeLink(st: DecodeState, linkType: number, out: DecodedPacket): Next {
  const c = st.c;
  switch (linkType) {
    case LinkType.ETHERNET:
      return decodeEthernet(st, out);
    case LinkType.RAW:
    case LinkType.RAW_ALT:
    case LinkType.RAW_OPENBSD:
      return rawVersion(st);
    case LinkType.IPV4:
      return NEXT_IPV4;
    case LinkType.IPV6:
      return NEXT_IPV6;
    case LinkType.NULL: {
      // Host byte order of the capturing machine: families are small, so a value above 0xffff
      // can only be the other byte order.
      const le = c.u32le();
      if (c.bad) return truncatedLink(st, "null");
      return family(st, le > 0xffff ? bswap32(le) : le);
    }
    case LinkType.LOOP: {
      const fam = c.u32();
      if (c.bad) return truncatedLink(st, "loop");
      return family(st, fam);
    }
    case LinkType.LINUX_SLL: {
      c.skip(2); // packet type
      const hatype = c.u16();
      c.skip(10); // address length and address
      const proto = c.u16();
      if (c.bad) return truncatedLink(st, "sll");
      return cooked(st, hatype, proto, out);
    }
    case LinkType.LINUX_SLL2: {
      const proto = c.u16();
      c.skip(6); // reserved, interface index
      const hatype = c.u16();
      c.skip(10); // packet type, address length, address
      if (c.bad) return truncatedLink(st, "sll2");
      return cooked(st, hatype, proto, out);
    }
    default:
      st.anomaly("unknown_link_type", String(linkType));
      return NEXT_NONE;
  }
}

/** Decodes an Ethernet header (and any VLAN tags) at the cursor; also used inside tunnels. */
export function decodeEthernet(st: DecodeState, out: DecodedPacket): Next {
  const c = st.c;
  // Destination and source MAC, then the ethertype.
  const p = c.claim(ETHERNET_LEN);
  if (p < 0) return truncatedLink(st, "ethernet");
  return ethertype(st, c.view.getUint16(c.viewBase + p + 12), out);
}

/** Follows an ethertype through VLAN tags, MPLS, PPPoE and LLC/SNAP to an IP layer. */
function ethertype(st: DecodeState, type: number, out: DecodedPacket): Next {
  const c = st.c;
  let tags = 0;
  for (;;) {
    switch (type) {
      case 0x0800:
        return NEXT_IPV4;
      case 0x86dd:
        return NEXT_IPV6;
      case 0x8100: // 802.1Q
      case 0x88a8: // 802.1ad
      case 0x9100: // pre-standard QinQ
      case 0x9200:
        if (tags === MAX_VLAN_TAGS) {
          st.anomaly("vlan_too_deep");
          return NEXT_NONE;
        }
        c.skip(2); // priority, DEI, VLAN id
        type = c.u16();
        if (c.bad) return truncatedLink(st, "vlan");
        tags++;
        out.vlanCount++;
        continue;
      case 0x8847: // MPLS unicast
      case 0x8848: // MPLS multicast
        return mpls(st);
      case 0x8864:
        return pppoeSession(st);
    }
    if (type <= 1500) {
      // An 802.3 length: LLC follows. SNAP with a zero OUI carries an ethertype (rare, old gear).
      if (
        c.has(8) &&
        c.peek8(0) === 0xaa &&
        c.peek8(1) === 0xaa &&
        c.peek8(2) === 0x03 &&
        c.peek8(3) === 0 &&
        c.peek8(4) === 0 &&
        c.peek8(5) === 0
      ) {
        c.skip(6);
        type = c.u16();
        if (type > 1500) continue;
      }
      return countNonIp(0);
    }
    if (KNOWN_NON_IP.has(type)) return countNonIp(type);
    st.anomaly("unsupported_ethertype", `0x${type.toString(16).padStart(4, "0")}`);
    return NEXT_NONE;
  }
}

/** Skips an MPLS label stack; the payload after the bottom label is IP by its version nibble. */
function mpls(st: DecodeState): Next {
  const c = st.c;
  for (let i = 0; i < MAX_MPLS_LABELS; i++) {
    const entry = c.u32();
    if (c.bad) return truncatedLink(st, "mpls");
    if ((entry & 0x100) !== 0) {
      const v = c.peek8() >> 4;
      if (c.bad) return truncatedLink(st, "mpls");
      if (v === 4) return NEXT_IPV4;
      if (v === 6) return NEXT_IPV6;
      st.anomaly("unsupported_ethertype", "mpls payload (pseudowire)");
      return NEXT_NONE;
    }
  }
  st.anomaly("unsupported_ethertype", "mpls label stack too deep");
  return NEXT_NONE;
}

/** PPPoE session stage: a 6-byte header, then a PPP protocol number. */
function pppoeSession(st: DecodeState): Next {
  const c = st.c;
  c.skip(6);
  const proto = c.u16();
  if (c.bad) return truncatedLink(st, "pppoe");
  if (proto === 0x0021) return NEXT_IPV4;
  if (proto === 0x0057) return NEXT_IPV6;
  // LCP, IPCP, PAP, CHAP...: control traffic of a healthy link.
  return countNonIp(0x8864);
}

/** Linux cooked captures put an ethertype (or a small special value) after their own header. */
function cooked(st: DecodeState, hatype: number, proto: number, out: DecodedPacket): Next {
  if (hatype === ARPHRD_NETLINK || proto < 0x0600) return countNonIp(0);
  return ethertype(st, proto, out);
}

function family(st: DecodeState, fam: number): Next {
  if (fam === AF_INET) return NEXT_IPV4;
  // AF_INET6 differs between BSDs: 24 (NetBSD, OpenBSD), 28 (FreeBSD), 30 (macOS).
  if (fam === 24 || fam === 28 || fam === 30) return NEXT_IPV6;
  st.anomaly("unsupported_ethertype", `address family ${fam}`);
  return NEXT_NONE;
}

/** Raw IP link types carry no header: the version nibble says which IP it is. */
function rawVersion(st: DecodeState): Next {
  const c = st.c;
  const v = c.peek8() >> 4;
  if (c.bad) return truncatedLink(st, "raw ip");
  if (v === 4) return NEXT_IPV4;
  if (v === 6) return NEXT_IPV6;
  st.anomaly("bad_ip_version", String(v));
  return NEXT_NONE;
}

function truncatedLink(st: DecodeState, layer: string): Next {
  st.anomaly("truncated_packet", layer);
  return NEXT_NONE;
}

function bswap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}
