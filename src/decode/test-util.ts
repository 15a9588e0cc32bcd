/** @module Test helpers for the decoder: wrapping payloads in headers, and a tiny pcap walker. */

import { readFileSync } from "node:fs";
import { Anomalies } from "../schema/anomalies.js";
import type { RawPacket } from "../schema/raw-packet.js";
import { buildFrame, type FrameSpec, parseIpv6 } from "../simulate/frames.js";
import { decodePacket } from "./decode.js";
import { DecodedPacket } from "./decoded.js";

/** Concatenates byte arrays. */
export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Big-endian bytes of a list of 16-bit values. */
export function u16s(...vals: number[]): Uint8Array {
  const out = new Uint8Array(vals.length * 2);
  vals.forEach((v, i) => {
    out[i * 2] = (v >> 8) & 255;
    out[i * 2 + 1] = v & 255;
  });
  return out;
}

/** The IP packet of a frame built by buildFrame (its Ethernet header removed). */
export function ipPacket(spec: FrameSpec): Uint8Array {
  return buildFrame(spec).subarray(14);
}

/** An Ethernet header with optional VLAN tags ([tpid, vid] pairs), then `payload`. */
export function ether(
  type: number,
  payload: Uint8Array,
  tags: [number, number][] = [],
): Uint8Array {
  const macs = Uint8Array.of(2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1);
  const vl = tags.flat();
  return cat(macs, u16s(...vl, type), payload);
}

/** A 20-byte IPv4 header (plus `options`) from 192.0.2.1 to 198.51.100.2 around `payload`. */
export function ipv4(
  proto: number,
  payload: Uint8Array,
  o: { options?: Uint8Array; frag?: number; id?: number; total?: number } = {},
): Uint8Array {
  const opts = o.options ?? new Uint8Array(0);
  const h = new Uint8Array(20 + opts.length);
  h[0] = 0x40 | ((20 + opts.length) / 4);
  const total = o.total ?? h.length + payload.length;
  h.set(u16s(total, o.id ?? 0x1234, o.frag ?? 0), 2);
  h[8] = 64;
  h[9] = proto;
  h.set(u16s(0xc000, 0x0201, 0xc633, 0x6402), 12); // 192.0.2.1, 198.51.100.2
  h.set(opts, 20);
  return cat(h, payload);
}

/** A 40-byte IPv6 header from 2001:db8::1 to 2001:db8::2 around `payload`. */
export function ipv6(nextHeader: number, payload: Uint8Array): Uint8Array {
  const h = new Uint8Array(40);
  h[0] = 0x60;
  h.set(u16s(payload.length), 4);
  h[6] = nextHeader;
  h[7] = 64;
  h.set(parseIpv6("2001:db8::1"), 8);
  h.set(parseIpv6("2001:db8::2"), 24);
  return cat(h, payload);
}

/** A TCP SYN IPv4 packet 192.0.2.10:40000 -> 203.0.113.5:port (no Ethernet). */
export function tcpSyn4(port = 80, payload = new Uint8Array(0)): Uint8Array {
  return ipPacket({
    src: "192.0.2.10",
    dst: "203.0.113.5",
    proto: "tcp",
    sport: 40000,
    dport: port,
    flags: payload.length > 0 ? 0x18 : 0x02,
    seq: 1000,
    payload,
  });
}

export interface Decoded {
  ok: boolean;
  out: DecodedPacket;
  anomalies: Anomalies;
}

/** Decodes `data` as one record of link type `linkType`. */
export function decode(data: Uint8Array, linkType = 1, origLen = data.length): Decoded {
  const out = new DecodedPacket();
  const anomalies = new Anomalies();
  const raw: RawPacket = { ts: 1, linkType, data, origLen, offset: 24, fileIndex: 0 };
  const ok = decodePacket(raw, out, anomalies, "test.pcap");
  return { ok, out, anomalies };
}

/** The payload of a decoded packet as text. */
export function payloadText(out: DecodedPacket): string {
  return Buffer.from(out.payload()).toString("latin1");
}

/**
 * Reads the records of a classic pcap file (either byte order, microsecond or nanosecond). Test
 * use only: the real reader lives in src/capture/.
 */
export function readPcapRecords(path: string): RawPacket[] {
  const b = readFileSync(path);
  const magic = b.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const linkType = u32(20) & 0xffff;
  const out: RawPacket[] = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const incl = u32(o + 8);
    const data = new Uint8Array(b.subarray(o + 16, o + 16 + incl));
    out.push({ ts: u32(o) * 1e6, linkType, data, origLen: u32(o + 12), offset: o, fileIndex: 0 });
    o += 16 + incl;
  }
  return out;
}
