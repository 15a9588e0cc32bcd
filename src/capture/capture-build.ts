/** @module Builds pcap files and pcapng blocks in memory (either byte order), for tests and fuzzing of the readers. */

import { BT_EPB, BT_IDB, BT_OPB, BT_SHB, BT_SPB } from "./pcapng.js";

/** Joins byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** A block: type, total length, body padded to 4 bytes, total length again. */
export function block(type: number, body: Uint8Array, le = true): Uint8Array {
  const total = 12 + pad4(body.length);
  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  v.setUint32(0, type, le);
  v.setUint32(4, total, le);
  b.set(body, 8);
  v.setUint32(total - 4, total, le);
  return b;
}

/** One option (code, length, value padded); code 0 with no value ends the list. */
export function option(code: number, value: Uint8Array, le = true): Uint8Array {
  const o = new Uint8Array(4 + pad4(value.length));
  const v = new DataView(o.buffer);
  v.setUint16(0, code, le);
  v.setUint16(2, value.length, le);
  o.set(value, 4);
  return o;
}

/** A section header block (version 1.0, section length unknown). */
export function shb(le = true): Uint8Array {
  const body = new Uint8Array(16);
  const v = new DataView(body.buffer);
  v.setUint32(0, 0x1a2b3c4d, le);
  v.setUint16(4, 1, le);
  v.setUint16(6, 0, le);
  v.setBigInt64(8, -1n, le);
  return block(BT_SHB, body, le);
}

export interface IdbOptions {
  /** The if_tsresol byte (e.g. 9 for nanoseconds, 0x80 | 10 for 2^-10 s). */
  tsresol?: number;
  /** if_tsoffset in seconds. */
  tsoffset?: number;
}

/** An interface description block. */
export function idb(
  linkType: number,
  snaplen = 262144,
  opts: IdbOptions = {},
  le = true,
): Uint8Array {
  const fixed = new Uint8Array(8);
  const v = new DataView(fixed.buffer);
  v.setUint16(0, linkType, le);
  v.setUint32(4, snaplen, le);
  const parts: Uint8Array[] = [fixed];
  if (opts.tsresol !== undefined) parts.push(option(9, Uint8Array.of(opts.tsresol), le));
  if (opts.tsoffset !== undefined) {
    const off = new Uint8Array(8);
    new DataView(off.buffer).setBigInt64(0, BigInt(opts.tsoffset), le);
    parts.push(option(14, off, le));
  }
  if (parts.length > 1) parts.push(new Uint8Array(4));
  return block(BT_IDB, concatBytes(...parts), le);
}

function packetBody(
  head: Uint8Array,
  ts: bigint,
  data: Uint8Array,
  origLen: number,
  le: boolean,
): Uint8Array {
  const fixed = new Uint8Array(16);
  const v = new DataView(fixed.buffer);
  v.setUint32(0, Number(ts >> 32n), le);
  v.setUint32(4, Number(ts & 0xffffffffn), le);
  v.setUint32(8, data.length, le);
  v.setUint32(12, origLen, le);
  return concatBytes(head, fixed, data, new Uint8Array(pad4(data.length) - data.length));
}

/** An enhanced packet block; `ts` is in units of the interface's resolution. */
export function epb(
  ifid: number,
  ts: bigint,
  data: Uint8Array,
  origLen = data.length,
  le = true,
): Uint8Array {
  const id = new Uint8Array(4);
  new DataView(id.buffer).setUint32(0, ifid, le);
  return block(BT_EPB, packetBody(id, ts, data, origLen, le), le);
}

/** An obsolete packet block (16-bit interface id, drops count 0). */
export function opb(
  ifid: number,
  ts: bigint,
  data: Uint8Array,
  origLen = data.length,
  le = true,
): Uint8Array {
  const id = new Uint8Array(4);
  new DataView(id.buffer).setUint16(0, ifid, le);
  return block(BT_OPB, packetBody(id, ts, data, origLen, le), le);
}

/** A simple packet block: original length then the data. */
export function spb(data: Uint8Array, origLen = data.length, le = true): Uint8Array {
  const head = new Uint8Array(4);
  new DataView(head.buffer).setUint32(0, origLen, le);
  return block(BT_SPB, concatBytes(head, data), le);
}

/** One record of a built classic pcap; `sub` is micro- or nanoseconds as the file says. */
export interface PcapRecordSpec {
  sec: number;
  sub: number;
  data: Uint8Array;
  origLen?: number;
  /** Overrides the captured length field (for corrupt records). */
  caplen?: number;
}

export interface PcapFileSpec {
  le?: boolean;
  nano?: boolean;
  linkType?: number;
  snaplen?: number;
}

/** A classic pcap file of either byte order and resolution. */
export function pcapFile(spec: PcapFileSpec, records: PcapRecordSpec[]): Uint8Array {
  const le = spec.le ?? true;
  const h = new Uint8Array(24);
  const v = new DataView(h.buffer);
  v.setUint32(0, spec.nano === true ? 0xa1b23c4d : 0xa1b2c3d4, le);
  v.setUint16(4, 2, le);
  v.setUint16(6, 4, le);
  v.setUint32(16, spec.snaplen ?? 262144, le);
  v.setUint32(20, spec.linkType ?? 1, le);
  const parts: Uint8Array[] = [h];
  for (const r of records) {
    const rh = new Uint8Array(16);
    const rv = new DataView(rh.buffer);
    rv.setUint32(0, r.sec, le);
    rv.setUint32(4, r.sub, le);
    rv.setUint32(8, r.caplen ?? r.data.length, le);
    rv.setUint32(12, r.origLen ?? r.data.length, le);
    parts.push(rh, r.data);
  }
  return concatBytes(...parts);
}
