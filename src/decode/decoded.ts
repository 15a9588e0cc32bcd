/** @module The facts decoding extracts from one frame, in one reusable object. */

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_GRE = 47;
export const IPPROTO_ICMPV6 = 58;

/** TCP flag bits. */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

/**
 * The decoded headers of one frame. The decoder fills one instance per packet and reuses it, so
 * nothing is allocated per packet except the text of IPv6 addresses. Fields of layers that were
 * not present keep their reset values (0, -1 or "").
 *
 * Addresses: `src4`/`dst4` are IPv4 addresses as unsigned 32-bit numbers; for IPv6, `src6`/`dst6`
 * hold the canonical text (RFC 5952) and `src4`/`dst4` are 0. `srcKey`/`dstKey` are what distinct
 * counting uses: the number for IPv4, the text for IPv6.
 */
export class DecodedPacket {
  ts = 0;
  /** Offset of the record in its input, and the input index, for located anomalies. */
  offset = 0;
  fileIndex = 0;
  /** Length on the wire of the outer frame. */
  wireLen = 0;

  /** 4 or 6 for the innermost IP layer; 0 when no IP layer was decoded. */
  ipVersion: 0 | 4 | 6 = 0;
  /** Number of tunnel layers (GRE, ERSPAN, VXLAN, IP-in-IP) peeled to reach the inner packet. */
  tunnelDepth = 0;
  /** VLAN tags seen on the (outer or inner) Ethernet layers. */
  vlanCount = 0;
  src4 = 0;
  dst4 = 0;
  src6 = "";
  dst6 = "";
  srcKey: number | string = 0;
  dstKey: number | string = 0;
  /** IPv4 identification (0 for IPv6 unless a fragment header supplies one). */
  ipId = 0;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl = 0;
  /** IPv4 header length beyond 20 bytes (options present when > 0). */
  ipOptionsLen = 0;
  /** True for any IPv4/IPv6 fragment (MF set or non-zero offset); payload fields are unset then. */
  fragment = false;
  /** Transport protocol number of the innermost IP layer (6, 17, 1, 58, ...); -1 when none. */
  proto = -1;

  sport = 0;
  dport = 0;

  // TCP
  tcpFlags = 0;
  seq = 0;
  ack = 0;
  window = 0;
  /** Bytes of TCP options (data offset * 4 - 20). */
  tcpOptionsLen = 0;
  /** Option values; -1 when the option is absent. */
  mss = -1;
  wscale = -1;
  sackPermitted = false;
  tsVal = -1;
  tsEcr = -1;

  // ICMP / ICMPv6
  icmpType = -1;
  icmpCode = -1;

  /** The frame the offsets below refer to. */
  data: Uint8Array = new Uint8Array(0);
  /** Transport payload (TCP/UDP data, or the ICMP body) as an offset and length into `data`. */
  payloadOffset = 0;
  payloadLength = 0;

  reset(): void {
    this.ipVersion = 0;
    this.tunnelDepth = 0;
    this.vlanCount = 0;
    this.src4 = 0;
    this.dst4 = 0;
    this.src6 = "";
    this.dst6 = "";
    this.srcKey = 0;
    this.dstKey = 0;
    this.ipId = 0;
    this.ttl = 0;
    this.ipOptionsLen = 0;
    this.fragment = false;
    this.proto = -1;
    this.sport = 0;
    this.dport = 0;
    this.tcpFlags = 0;
    this.seq = 0;
    this.ack = 0;
    this.window = 0;
    this.tcpOptionsLen = 0;
    this.mss = -1;
    this.wscale = -1;
    this.sackPermitted = false;
    this.tsVal = -1;
    this.tsEcr = -1;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.payloadOffset = 0;
    this.payloadLength = 0;
  }

  /** The payload as a view (allocates a view object; avoid on the per-packet hot path). */
  payload(): Uint8Array {
    return this.data.subarray(this.payloadOffset, this.payloadOffset + this.payloadLength);
  }
}

/** Dotted-quad text of an IPv4 address held as an unsigned 32-bit number. */
export function ipv4ToString(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** Text of a source/destination key: dotted quad for IPv4 numbers, the text itself for IPv6. */
export function addrKeyToString(k: number | string): string {
  return typeof k === "number" ? ipv4ToString(k) : k;
}
