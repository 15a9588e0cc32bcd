/** @module Classic pcap: either byte order, microsecond or nanosecond timestamps, resynchronised after a bad record. */

import { CaptureParser, MAX_RECORD, type ParserContext, u32 } from "./parser.js";

export const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
export const PCAP_MAGIC_NANO = 0xa1b23c4d;
const GLOBAL_LEN = 24;
const RECORD_LEN = 16;

/** Resynchronisation accepts a record header only if its time is this close to the last packet's. */
export const RESYNC_MAX_SECONDS = 86400;
/** Resynchronisation rejects original lengths above this; no link delivers larger frames. */
const RESYNC_MAX_ORIG = 1 << 20;

/** The pcap magic a little-endian read of the first 4 bytes gives, or undefined. */
export function pcapMagic(first: Uint8Array): { le: boolean; nano: boolean } | undefined {
  if (first.length < 4) return undefined;
  const m = u32(first, 0, true);
  if (m === PCAP_MAGIC_MICRO) return { le: true, nano: false };
  if (m === PCAP_MAGIC_NANO) return { le: true, nano: true };
  const b = u32(first, 0, false);
  if (b === PCAP_MAGIC_MICRO) return { le: false, nano: false };
  if (b === PCAP_MAGIC_NANO) return { le: false, nano: true };
  return undefined;
}

/**
 * Parses a classic pcap. A record whose captured length exceeds MAX_RECORD means the file lost
 * its framing (a torn write, concatenated files): the parser counts `record_too_large` and scans
 * forward byte by byte for a header that is plausible (time within RESYNC_MAX_SECONDS of the last
 * packet, sub-second field in range, 0 < caplen <= snaplen, caplen <= origLen) and is followed by
 * another plausible header (or by the end of the input), then resumes there.
 */
export class PcapParser extends CaptureParser {
  readonly format = "pcap";
  private headerDone = false;
  private le = true;
  private nano = false;
  /** The snap length of the global header (0 when the writer left it unset). */
  snaplen = 0;
  linkType = 0;
  /** min(snaplen, MAX_RECORD): above it a record needs a closer look. */
  private limit = MAX_RECORD;

  constructor(ctx: ParserContext) {
    super(ctx);
  }

  protected parse(buf: Uint8Array, pos: number, end: number, base: number, final: boolean): number {
    if (!this.headerDone) {
      if (end - pos < GLOBAL_LEN) {
        this.need = GLOBAL_LEN;
        return pos;
      }
      this.readGlobalHeader(buf, pos);
      pos += GLOBAL_LEN;
    }
    for (;;) {
      if (this.scanning) {
        pos = this.scan(buf, pos, end, final);
        if (this.scanning) return pos;
      }
      pos = this.records(buf, pos, end, base);
      if (!this.scanning) return pos;
    }
  }

  protected truncated(_buf: Uint8Array, pos: number, end: number, base: number): void {
    const header = this.headerDone ? RECORD_LEN : GLOBAL_LEN;
    if (end - pos < header) {
      this.anomaly("truncated_header", base + pos, `${end - pos} of ${header} header bytes`);
    } else {
      this.anomaly("truncated_record", base + pos, `${end - pos - header} record bytes present`);
    }
  }

  private readGlobalHeader(buf: Uint8Array, pos: number): void {
    const magic = pcapMagic(buf.subarray(pos, pos + 4));
    this.le = magic?.le ?? true;
    this.nano = magic?.nano ?? false;
    this.snaplen = u32(buf, pos + 16, this.le);
    // The upper bits of the link type field may carry FCS information.
    this.linkType = u32(buf, pos + 20, this.le) & 0xffff;
    this.limit = this.snaplen > 0 && this.snaplen < MAX_RECORD ? this.snaplen : MAX_RECORD;
    this.headerDone = true;
  }

  /** The hot loop: delivers complete records until the window ends or framing is lost. */
  private records(buf: Uint8Array, pos: number, end: number, base: number): number {
    const le = this.le;
    const nano = this.nano;
    const limit = this.limit;
    const linkType = this.linkType;
    const p = this.packet;
    const ab = buf.buffer;
    const bo = buf.byteOffset;
    const cb = this.onPacket;
    // One DataView per window, not per packet: V8 inlines its getters into this loop.
    const dv = new DataView(ab, bo, buf.length);
    for (;;) {
      if (end - pos < RECORD_LEN) {
        this.need = RECORD_LEN;
        return pos;
      }
      const caplen = dv.getUint32(pos + 8, le);
      const next = pos + RECORD_LEN + caplen;
      if (caplen > limit) {
        if (caplen > MAX_RECORD) {
          this.anomaly("record_too_large", base + pos, `caplen ${caplen} above ${MAX_RECORD}`);
          this.scanning = true;
          return pos + 1;
        }
        if (next > end) {
          this.need = RECORD_LEN + caplen;
          return pos;
        }
        this.anomaly(
          "caplen_above_snaplen",
          base + pos,
          `caplen ${caplen} > snaplen ${this.snaplen}`,
        );
      } else if (next > end) {
        this.need = RECORD_LEN + caplen;
        return pos;
      }
      const sub = dv.getUint32(pos + 4, le);
      const ts = dv.getUint32(pos, le) * 1e6 + (nano ? Math.floor(sub / 1000) : sub);
      p.ts = ts;
      p.linkType = linkType;
      p.place(buf, pos + RECORD_LEN, caplen);
      p.origLen = dv.getUint32(pos + 12, le);
      p.offset = base + pos;
      if (this.packets++ === 0) this.firstTs = ts;
      this.lastTsValue = ts;
      cb(p);
      pos = next;
    }
  }

  /** Whether a record header at `pos` looks real, given the seconds of the previous packet. */
  private plausible(buf: Uint8Array, pos: number, refSec: number): boolean {
    const le = this.le;
    const sec = u32(buf, pos, le);
    if (refSec >= 0 && Math.abs(sec - refSec) > RESYNC_MAX_SECONDS) return false;
    if (u32(buf, pos + 4, le) >= (this.nano ? 1e9 : 1e6)) return false;
    const caplen = u32(buf, pos + 8, le);
    const orig = u32(buf, pos + 12, le);
    return caplen > 0 && caplen <= this.limit && caplen <= orig && orig <= RESYNC_MAX_ORIG;
  }

  /** Looks for the next plausible record from `pos`; clears `scanning` and returns it when found. */
  private scan(buf: Uint8Array, pos: number, end: number, final: boolean): number {
    const refSec = this.lastTs === undefined ? -1 : Math.floor(this.lastTs / 1e6);
    for (; pos < end; pos++) {
      if (end - pos < RECORD_LEN) {
        if (final) return end;
        this.need = RECORD_LEN;
        return pos;
      }
      if (!this.plausible(buf, pos, refSec)) continue;
      const next = pos + RECORD_LEN + u32(buf, pos + 8, this.le);
      if (next + RECORD_LEN <= end) {
        if (!this.plausible(buf, next, u32(buf, pos, this.le))) continue;
      } else if (!final) {
        this.need = next + RECORD_LEN - pos;
        return pos;
      } else if (next > end) {
        continue;
      }
      this.scanning = false;
      return pos;
    }
    return pos;
  }
}
