/**
 * @module Encodes Ethernet/IPv4/IPv6 frames straight into a caller's buffer from one reusable
 * field object: the allocation-free twin of frames.ts's buildFrame, for the scenario generators.
 */

/** TCP option layouts the encoder writes from numeric fields (so no option bytes are allocated). */
export const OPT_NONE = 0;
/** Linux SYN: MSS, SACK-permitted, timestamps, NOP, window scale (20 bytes, as linuxSynOptions). */
export const OPT_LINUX_SYN = 1;
/** MSS only: what a Linux SYN-ACK carries when the SYN had no options. */
export const OPT_MSS = 2;
/** NOP, NOP, timestamps: every segment of a connection that negotiated timestamps. */
export const OPT_TS = 3;
/** Windows SYN: MSS, NOP, window scale, NOP, NOP, SACK-permitted (12 bytes). */
export const OPT_WINDOWS_SYN = 4;
/** SYN-ACK to a SYN without timestamps: MSS, NOP, NOP, SACK-permitted, NOP, window scale. */
export const OPT_MSS_SACK_WS = 5;

const OPT_LEN = [0, 20, 4, 12, 12, 12];

/** Longest frame the encoder can produce with `payload.length` bytes of payload. */
export const MAX_HEADERS = 14 + 40 + 20 + 20;

export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
/** ICMP (IPv4) or ICMPv6, chosen by `v6`. */
export const PROTO_ICMP = 1;

const EMPTY = new Uint8Array(0);
const ZERO16 = new Uint8Array(16);

/**
 * The header fields of one frame. Generators keep one instance, overwrite the fields a packet
 * needs and call encodeFrame; nothing here is allocated per packet.
 */
export class FrameFields {
  v6 = false;
  src4 = 0;
  dst4 = 0;
  src6: Uint8Array = ZERO16;
  dst6: Uint8Array = ZERO16;
  /** PROTO_TCP, PROTO_UDP or PROTO_ICMP. */
  proto = PROTO_TCP;
  ttl = 64;
  ipId = 0;
  /** IPv4 don't-fragment bit (set by kernel TCP stacks, not by raw-socket scanners). */
  df = false;
  /** Swaps the MAC addresses: the frame leaves the sensor instead of reaching it. */
  fromSensor = false;
  sport = 0;
  dport = 0;
  seq = 0;
  ack = 0;
  flags = 0;
  window = 0;
  opt = OPT_NONE;
  mss = 1460;
  wscale = 7;
  tsVal = 0;
  tsEcr = 0;
  icmpType = 8;
  icmpCode = 0;
  icmpId = 0;
  icmpSeq = 0;
  payload: Uint8Array = EMPTY;
  payStart = 0;
  payEnd = 0;

  /** Sets the payload to `p[start, end)` (the whole array by default). */
  setPayload(p: Uint8Array, start = 0, end = p.length): void {
    this.payload = p;
    this.payStart = start;
    this.payEnd = end;
  }
}

function sum16(b: Uint8Array, start: number, end: number, acc: number): number {
  let i = start;
  for (; i + 1 < end; i += 2) acc += (b[i] << 8) | b[i + 1];
  if (i < end) acc += b[i] << 8;
  return acc;
}

function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 65536);
  return ~acc & 0xffff;
}

function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 255;
  b[o + 1] = v & 255;
}

function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 255;
  b[o + 2] = (v >>> 8) & 255;
  b[o + 3] = v & 255;
}

function putMac(b: Uint8Array, o: number, last: number): void {
  b[o] = 0x02;
  b[o + 1] = 0;
  b[o + 2] = 0;
  b[o + 3] = 0;
  b[o + 4] = 0;
  b[o + 5] = last;
}

function writeOptions(f: FrameFields, b: Uint8Array, o: number): void {
  switch (f.opt) {
    case OPT_LINUX_SYN:
      b[o] = 2;
      b[o + 1] = 4;
      put16(b, o + 2, f.mss);
      b[o + 4] = 4;
      b[o + 5] = 2;
      b[o + 6] = 8;
      b[o + 7] = 10;
      put32(b, o + 8, f.tsVal >>> 0);
      put32(b, o + 12, f.tsEcr >>> 0);
      b[o + 16] = 1;
      b[o + 17] = 3;
      b[o + 18] = 3;
      b[o + 19] = f.wscale;
      return;
    case OPT_MSS:
      b[o] = 2;
      b[o + 1] = 4;
      put16(b, o + 2, f.mss);
      return;
    case OPT_TS:
      b[o] = 1;
      b[o + 1] = 1;
      b[o + 2] = 8;
      b[o + 3] = 10;
      put32(b, o + 4, f.tsVal >>> 0);
      put32(b, o + 8, f.tsEcr >>> 0);
      return;
    case OPT_WINDOWS_SYN:
      b[o] = 2;
      b[o + 1] = 4;
      put16(b, o + 2, f.mss);
      b[o + 4] = 1;
      b[o + 5] = 3;
      b[o + 6] = 3;
      b[o + 7] = f.wscale;
      b[o + 8] = 1;
      b[o + 9] = 1;
      b[o + 10] = 4;
      b[o + 11] = 2;
      return;
    case OPT_MSS_SACK_WS:
      b[o] = 2;
      b[o + 1] = 4;
      put16(b, o + 2, f.mss);
      b[o + 4] = 1;
      b[o + 5] = 1;
      b[o + 6] = 4;
      b[o + 7] = 2;
      b[o + 8] = 1;
      b[o + 9] = 3;
      b[o + 10] = 3;
      b[o + 11] = f.wscale;
      return;
    default:
      return;
  }
}

/**
 * Writes the frame described by `f` at `b[off]` and returns its length. The caller guarantees
 * room for MAX_HEADERS + payload bytes. Output is byte-identical to buildFrame for the same
 * fields (MACs 02:00:00:00:00:01 → :02 towards the sensor, swapped from it).
 */
export function encodeFrame(f: FrameFields, b: Uint8Array, off: number): number {
  const v6 = f.v6;
  const payLen = f.payEnd - f.payStart;
  const optLen = f.proto === PROTO_TCP ? OPT_LEN[f.opt] : 0;
  const l4Len = f.proto === PROTO_TCP ? 20 + optLen + payLen : 8 + payLen;
  const ipHdr = v6 ? 40 : 20;
  const protoNum = f.proto === PROTO_ICMP && v6 ? 58 : f.proto;
  putMac(b, off, f.fromSensor ? 1 : 2);
  putMac(b, off + 6, f.fromSensor ? 2 : 1);
  const ip = off + 14;
  b.fill(0, ip, ip + ipHdr + 20);
  if (v6) {
    put16(b, off + 12, 0x86dd);
    b[ip] = 0x60;
    put16(b, ip + 4, l4Len);
    b[ip + 6] = protoNum;
    b[ip + 7] = f.ttl;
    b.set(f.src6, ip + 8);
    b.set(f.dst6, ip + 24);
  } else {
    put16(b, off + 12, 0x0800);
    b[ip] = 0x45;
    put16(b, ip + 2, 20 + l4Len);
    put16(b, ip + 4, f.ipId);
    if (f.df) b[ip + 6] = 0x40;
    b[ip + 8] = f.ttl;
    b[ip + 9] = protoNum;
    put32(b, ip + 12, f.src4 >>> 0);
    put32(b, ip + 16, f.dst4 >>> 0);
    put16(b, ip + 10, fold(sum16(b, ip, ip + 20, 0)));
  }
  const l4 = ip + ipHdr;
  let ckOff: number;
  if (f.proto === PROTO_TCP) {
    put16(b, l4, f.sport);
    put16(b, l4 + 2, f.dport);
    put32(b, l4 + 4, f.seq >>> 0);
    put32(b, l4 + 8, f.ack >>> 0);
    b[l4 + 12] = ((20 + optLen) >>> 2) << 4;
    b[l4 + 13] = f.flags;
    put16(b, l4 + 14, f.window);
    writeOptions(f, b, l4 + 20);
    ckOff = 16;
  } else if (f.proto === PROTO_UDP) {
    put16(b, l4, f.sport);
    put16(b, l4 + 2, f.dport);
    put16(b, l4 + 4, l4Len);
    ckOff = 6;
  } else {
    b[l4] = f.icmpType;
    b[l4 + 1] = f.icmpCode;
    put16(b, l4 + 4, f.icmpId);
    put16(b, l4 + 6, f.icmpSeq);
    ckOff = 2;
  }
  const hdrLen = l4Len - payLen;
  if (payLen > 0) {
    const p = f.payload;
    if (f.payStart === 0 && f.payEnd === p.length) b.set(p, l4 + hdrLen);
    else for (let i = f.payStart, o = l4 + hdrLen; i < f.payEnd; i++, o++) b[o] = p[i];
  }
  let acc = 0;
  if (f.proto !== PROTO_ICMP || v6) {
    if (v6) {
      acc = sum16(f.src6, 0, 16, acc);
      acc = sum16(f.dst6, 0, 16, acc);
    } else {
      acc += (f.src4 >>> 16) + (f.src4 & 0xffff) + (f.dst4 >>> 16) + (f.dst4 & 0xffff);
    }
    acc += protoNum + l4Len;
  }
  acc = sum16(b, l4, l4 + l4Len, acc);
  let c = fold(acc);
  if (f.proto === PROTO_UDP && c === 0) c = 0xffff;
  put16(b, l4 + ckOff, c);
  return 14 + ipHdr + l4Len;
}
