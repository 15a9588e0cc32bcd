/** @module The facts decoding extracts from one frame, in one reusable object. */

import { parseTcpOptions } from "./transport.js";

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
  // Option values behind the accessors below (-1 or false when the option is absent).
  private optMss = -1;
  private optWscale = -1;
  private optSack = false;
  private optTsVal = -1;
  private optTsEcr = -1;
  /** The captured option bytes not parsed yet, `data[optFrom, optTo)`; optTo is -1 when none. */
  private optFrom = 0;
  private optTo = -1;

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
    this.ipId = 0;
    this.ttl = 0;
    this.ipOptionsLen = 0;
    this.fragment = false;
    this.proto = -1;
    this.resetTransport();
  }

  /** Forgets the transport facts (also of an outer layer once an inner IP layer replaces it). */
  resetTransport(): void {
    this.sport = 0;
    this.dport = 0;
    this.tcpFlags = 0;
    this.seq = 0;
    this.ack = 0;
    this.window = 0;
    this.tcpOptionsLen = 0;
    this.clearTcpOptions();
    this.icmpType = -1;
    this.icmpCode = -1;
    this.payloadOffset = 0;
    this.payloadLength = 0;
  }

  /**
   * Records that the TCP options are the bytes `data[from, to)`, parsed when an option value is
   * first read. Most packets' options are never read (fingerprints look at SYNs only), and parsing
   * them all cost about a tenth of the whole decoding. `data` must still hold the frame then: read
   * option values during the packet's callback, like every other view of its bytes.
   */
  setTcpOptionBytes(from: number, to: number): void {
    this.optFrom = from;
    this.optTo = to;
  }

  /** Forgets the TCP option values (all absent) and any option bytes not parsed yet. */
  clearTcpOptions(): void {
    this.optMss = -1;
    this.optWscale = -1;
    this.optSack = false;
    this.optTsVal = -1;
    this.optTsEcr = -1;
    this.optTo = -1;
  }

  private parseOptions(): void {
    const to = this.optTo;
    // Cleared first: parseTcpOptions sets the values through the setters below.
    this.optTo = -1;
    parseTcpOptions(this.data, this.optFrom, to, this);
  }

  /** MSS option value; -1 when absent. */
  get mss(): number {
    if (this.optTo >= 0) this.parseOptions();
    return this.optMss;
  }

  set mss(v: number) {
    if (this.optTo >= 0) this.parseOptions();
    this.optMss = v;
  }

  /** Window scale option value; -1 when absent. */
  get wscale(): number {
    if (this.optTo >= 0) this.parseOptions();
    return this.optWscale;
  }

  set wscale(v: number) {
    if (this.optTo >= 0) this.parseOptions();
    this.optWscale = v;
  }

  get sackPermitted(): boolean {
    if (this.optTo >= 0) this.parseOptions();
    return this.optSack;
  }

  set sackPermitted(v: boolean) {
    if (this.optTo >= 0) this.parseOptions();
    this.optSack = v;
  }

  /** Timestamp option values; -1 when absent. */
  get tsVal(): number {
    if (this.optTo >= 0) this.parseOptions();
    return this.optTsVal;
  }

  set tsVal(v: number) {
    if (this.optTo >= 0) this.parseOptions();
    this.optTsVal = v;
  }

  get tsEcr(): number {
    if (this.optTo >= 0) this.parseOptions();
    return this.optTsEcr;
  }

  set tsEcr(v: number) {
    if (this.optTo >= 0) this.parseOptions();
    this.optTsEcr = v;
  }

  /**
   * The source key: `src4` for IPv4 (0 when no IP layer was decoded), `src6` for IPv6. Derived
   * rather than stored: storing an address above 2^31 in a field that may also hold a string
   * allocates a heap number, which per packet cost more than all of the IPv4 header's decoding.
   * Setting it sets `src4` or `src6`, by the key's type.
   */
  get srcKey(): number | string {
    return this.ipVersion === 6 ? this.src6 : this.src4;
  }

  set srcKey(k: number | string) {
    if (typeof k === "number") this.src4 = k;
    else this.src6 = k;
  }

  /** The destination key, like `srcKey`. */
  get dstKey(): number | string {
    return this.ipVersion === 6 ? this.dst6 : this.dst4;
  }

  set dstKey(k: number | string) {
    if (typeof k === "number") this.dst4 = k;
    else this.dst6 = k;
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
