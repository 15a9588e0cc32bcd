/** @module Writes classic pcap files (microsecond, little-endian), buffered, for simulate and tests. */

import { closeSync, openSync, writeSync } from "node:fs";

const HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;

/** The 24-byte global header of a little-endian microsecond pcap. */
export function pcapGlobalHeader(linkType: number, snaplen = 262144): Uint8Array {
  const h = new Uint8Array(HEADER_LEN);
  const v = new DataView(h.buffer);
  v.setUint32(0, 0xa1b2c3d4, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, snaplen, true);
  v.setUint32(20, linkType, true);
  return h;
}

/** Encodes one record (header + bytes) of a little-endian microsecond pcap. */
export function pcapRecord(
  tsMicros: number,
  frame: Uint8Array,
  origLen = frame.length,
): Uint8Array {
  const r = new Uint8Array(RECORD_HEADER_LEN + frame.length);
  const v = new DataView(r.buffer);
  v.setUint32(0, Math.floor(tsMicros / 1e6), true);
  v.setUint32(4, tsMicros % 1e6, true);
  v.setUint32(8, frame.length, true);
  v.setUint32(12, origLen, true);
  r.set(frame, RECORD_HEADER_LEN);
  return r;
}

/**
 * Appends records to a file through a 4 MiB buffer with synchronous writes: simple, fast and with
 * no unbounded queue. Call `close` to flush.
 */
export class PcapFileWriter {
  private readonly fd: number;
  private readonly buf = new Uint8Array(4 << 20);
  private readonly view = new DataView(this.buf.buffer);
  private used = 0;
  packets = 0;
  bytes = 0;

  constructor(path: string, linkType = 1, snaplen = 262144) {
    this.fd = openSync(path, "w");
    this.push(pcapGlobalHeader(linkType, snaplen));
  }

  /** Writes one frame captured at `tsMicros` (microseconds since the epoch). */
  write(tsMicros: number, frame: Uint8Array, len = frame.length): void {
    if (this.used + RECORD_HEADER_LEN + len > this.buf.length) this.flush();
    if (RECORD_HEADER_LEN + len > this.buf.length) {
      throw new RangeError(`frame of ${len} bytes is larger than the writer's buffer`);
    }
    const v = this.view;
    const o = this.used;
    const secs = Math.floor(tsMicros / 1e6);
    v.setUint32(o, secs, true);
    v.setUint32(o + 4, tsMicros - secs * 1e6, true);
    v.setUint32(o + 8, len, true);
    v.setUint32(o + 12, len, true);
    this.buf.set(len === frame.length ? frame : frame.subarray(0, len), o + RECORD_HEADER_LEN);
    this.used = o + RECORD_HEADER_LEN + len;
    this.packets++;
    this.bytes += RECORD_HEADER_LEN + len;
  }

  private push(bytes: Uint8Array): void {
    if (this.used + bytes.length > this.buf.length) this.flush();
    this.buf.set(bytes, this.used);
    this.used += bytes.length;
  }

  flush(): void {
    let off = 0;
    while (off < this.used) off += writeSync(this.fd, this.buf, off, this.used - off);
    this.used = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
