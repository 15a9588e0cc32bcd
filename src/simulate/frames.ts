/** @module Builds Ethernet/IPv4/IPv6 frames with TCP, UDP or ICMP and correct checksums. */

export interface FrameSpec {
  /** IPv4 as a number or dotted text, or IPv6 text (which selects IPv6). */
  src: number | string;
  dst: number | string;
  proto: "tcp" | "udp" | "icmp";
  sport?: number;
  dport?: number;
  seq?: number;
  ack?: number;
  /** TCP flag bits (see decode/decoded.ts TCP_*). */
  flags?: number;
  window?: number;
  ttl?: number;
  ipId?: number;
  /** Raw TCP option bytes; padded to a multiple of 4. */
  tcpOptions?: Uint8Array;
  icmpType?: number;
  icmpCode?: number;
  payload?: Uint8Array;
  srcMac?: Uint8Array;
  dstMac?: Uint8Array;
}

const DEFAULT_SRC_MAC = Uint8Array.of(0x02, 0, 0, 0, 0, 1);
const DEFAULT_DST_MAC = Uint8Array.of(0x02, 0, 0, 0, 0, 2);
const EMPTY = new Uint8Array(0);

/** Parses dotted IPv4 text to an unsigned number; throws on malformed text (builder input is ours). */
export function parseIpv4(s: string): number {
  const parts = s.split(".");
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${s}`);
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new Error(`not an IPv4 address: ${s}`);
    n = n * 256 + v;
  }
  return n;
}

/** Parses IPv6 text (with :: compression, no zone) to 16 bytes. */
export function parseIpv6(s: string): Uint8Array {
  const out = new Uint8Array(16);
  const halves = s.split("::");
  if (halves.length > 2) throw new Error(`not an IPv6 address: ${s}`);
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  if (halves.length === 1 && head.length !== 8) throw new Error(`not an IPv6 address: ${s}`);
  const put = (groups: string[], at: number) => {
    groups.forEach((g, i) => {
      const v = Number.parseInt(g, 16);
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new Error(`not an IPv6 address: ${s}`);
      out[at + i * 2] = v >> 8;
      out[at + i * 2 + 1] = v & 255;
    });
  };
  put(head, 0);
  put(tail, 16 - tail.length * 2);
  return out;
}

function addrBytes(a: number | string): Uint8Array {
  if (typeof a === "string" && a.includes(":")) return parseIpv6(a);
  const n = typeof a === "number" ? a : parseIpv4(a);
  return Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}

function sum16(b: Uint8Array, start: number, end: number, acc: number): number {
  let i = start;
  for (; i + 1 < end; i += 2) acc += ((b[i] as number) << 8) | (b[i + 1] as number);
  if (i < end) acc += (b[i] as number) << 8;
  return acc;
}

function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 65536);
  return ~acc & 0xffff;
}

/** Builds one Ethernet frame from `spec`. Allocates: for tests and modest generators. */
export function buildFrame(spec: FrameSpec): Uint8Array {
  const src = addrBytes(spec.src);
  const dst = addrBytes(spec.dst);
  const v6 = src.length === 16;
  if (dst.length !== src.length) throw new Error("source and destination address families differ");
  const payload = spec.payload ?? EMPTY;
  const rawOpts = spec.tcpOptions ?? EMPTY;
  const optLen = (rawOpts.length + 3) & ~3;
  const l4Len = spec.proto === "tcp" ? 20 + optLen + payload.length : 8 + payload.length; // icmp header is 8 too
  const ipHdrLen = v6 ? 40 : 20;
  const frame = new Uint8Array(14 + ipHdrLen + l4Len);
  frame.set(spec.dstMac ?? DEFAULT_DST_MAC, 0);
  frame.set(spec.srcMac ?? DEFAULT_SRC_MAC, 6);
  frame[12] = v6 ? 0x86 : 0x08;
  frame[13] = v6 ? 0xdd : 0x00;
  const ip = 14;
  const protoNum = spec.proto === "tcp" ? 6 : spec.proto === "udp" ? 17 : v6 ? 58 : 1;
  if (v6) {
    frame[ip] = 0x60;
    frame[ip + 4] = l4Len >> 8;
    frame[ip + 5] = l4Len & 255;
    frame[ip + 6] = protoNum;
    frame[ip + 7] = spec.ttl ?? 64;
    frame.set(src, ip + 8);
    frame.set(dst, ip + 24);
  } else {
    const total = 20 + l4Len;
    frame[ip] = 0x45;
    frame[ip + 2] = total >> 8;
    frame[ip + 3] = total & 255;
    const id = spec.ipId ?? 0;
    frame[ip + 4] = (id >> 8) & 255;
    frame[ip + 5] = id & 255;
    frame[ip + 8] = spec.ttl ?? 64;
    frame[ip + 9] = protoNum;
    frame.set(src, ip + 12);
    frame.set(dst, ip + 16);
    const c = fold(sum16(frame, ip, ip + 20, 0));
    frame[ip + 10] = c >> 8;
    frame[ip + 11] = c & 255;
  }
  const l4 = ip + ipHdrLen;
  if (spec.proto === "tcp") {
    const sp = spec.sport ?? 0;
    const dp = spec.dport ?? 0;
    const seq = (spec.seq ?? 0) >>> 0;
    const ack = (spec.ack ?? 0) >>> 0;
    frame[l4] = sp >> 8;
    frame[l4 + 1] = sp & 255;
    frame[l4 + 2] = dp >> 8;
    frame[l4 + 3] = dp & 255;
    frame[l4 + 4] = seq >>> 24;
    frame[l4 + 5] = (seq >>> 16) & 255;
    frame[l4 + 6] = (seq >>> 8) & 255;
    frame[l4 + 7] = seq & 255;
    frame[l4 + 8] = ack >>> 24;
    frame[l4 + 9] = (ack >>> 16) & 255;
    frame[l4 + 10] = (ack >>> 8) & 255;
    frame[l4 + 11] = ack & 255;
    frame[l4 + 12] = ((20 + optLen) / 4) << 4;
    frame[l4 + 13] = spec.flags ?? 0;
    const w = spec.window ?? 65535;
    frame[l4 + 14] = w >> 8;
    frame[l4 + 15] = w & 255;
    frame.set(rawOpts, l4 + 20);
    frame.set(payload, l4 + 20 + optLen);
  } else if (spec.proto === "udp") {
    const sp = spec.sport ?? 0;
    const dp = spec.dport ?? 0;
    frame[l4] = sp >> 8;
    frame[l4 + 1] = sp & 255;
    frame[l4 + 2] = dp >> 8;
    frame[l4 + 3] = dp & 255;
    frame[l4 + 4] = l4Len >> 8;
    frame[l4 + 5] = l4Len & 255;
    frame.set(payload, l4 + 8);
  } else {
    frame[l4] = spec.icmpType ?? (v6 ? 128 : 8);
    frame[l4 + 1] = spec.icmpCode ?? 0;
    frame.set(payload, l4 + 8);
  }
  // transport checksum (ICMPv4 has no pseudo-header)
  const ckOff = spec.proto === "tcp" ? 16 : spec.proto === "udp" ? 6 : 2;
  let acc = 0;
  if (spec.proto !== "icmp" || v6) {
    acc = sum16(src, 0, src.length, acc);
    acc = sum16(dst, 0, dst.length, acc);
    acc += protoNum + l4Len;
  }
  acc = sum16(frame, l4, l4 + l4Len, acc);
  let c = fold(acc);
  if (spec.proto === "udp" && c === 0) c = 0xffff;
  frame[l4 + ckOff] = c >> 8;
  frame[l4 + ckOff + 1] = c & 255;
  return frame;
}

/** TCP option bytes: MSS, SACK-permitted, timestamps, NOP, window scale (a Linux-like SYN). */
export function linuxSynOptions(tsVal = 1): Uint8Array {
  // biome-ignore format: one option per line
  return Uint8Array.of(
    2, 4, 0x05, 0xb4, // MSS 1460
    4, 2, // SACK permitted
    8, 10, tsVal >>> 24, (tsVal >>> 16) & 255, (tsVal >>> 8) & 255, tsVal & 255, 0, 0, 0, 0,
    1, // NOP
    3, 3, 7, // window scale 7
  );
}
