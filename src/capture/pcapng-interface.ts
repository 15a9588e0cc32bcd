/** @module A pcapng interface (IDB): link type, snap length and its timestamp resolution and offset. */

import { MAX_RECORD, u16, u32 } from "./parser.js";

const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
const TWO_32 = 4294967296;

// How raw 64-bit timestamps become microseconds, exactly for every resolution.
/** 10^-6, the default: the value is already in microseconds. */
const MODE_MICRO = 0;
/** 10^-n with 6 < n <= 12: an exact split division. */
const MODE_DECIMAL_DIV = 1;
/** 10^-n with n < 6: a multiplication. */
const MODE_DECIMAL_MUL = 2;
/** 2^-n with n <= 32: seconds and fraction split at bit n. */
const MODE_BINARY = 3;
/** Anything else (rare): BigInt arithmetic. */
const MODE_BIG = 4;

/** One interface of a pcapng section, with what packets need to be turned into RawPackets. */
export class PcapngInterface {
  readonly linkType: number;
  readonly snaplen: number;
  /** min(snaplen, MAX_RECORD): above it a packet needs a closer look. */
  readonly limit: number;
  /** The if_tsresol byte (6 when absent: microseconds). */
  tsresol = 6;
  /** if_tsoffset in microseconds. */
  offsetMicros = 0;
  private mode: number = MODE_MICRO;
  private factor = 1;
  private shift = 0;

  constructor(linkType: number, snaplen: number) {
    this.linkType = linkType;
    this.snaplen = snaplen;
    this.limit = snaplen > 0 && snaplen < MAX_RECORD ? snaplen : MAX_RECORD;
  }

  /** Reads the IDB options in `buf[pos, end)`; malformed options end the option list quietly. */
  readOptions(buf: Uint8Array, pos: number, end: number, le: boolean): void {
    while (pos + 4 <= end) {
      const code = u16(buf, pos, le);
      const len = u16(buf, pos + 2, le);
      if (code === OPT_ENDOFOPT || pos + 4 + len > end) break;
      if (code === OPT_IF_TSRESOL && len >= 1) {
        this.setResolution(buf[pos + 4]);
      } else if (code === OPT_IF_TSOFFSET && len >= 8) {
        const a = u32(buf, pos + 4, le);
        const b = u32(buf, pos + 8, le);
        const hi = le ? b : a;
        const lo = le ? a : b;
        this.offsetMicros = ((hi | 0) * TWO_32 + lo) * 1e6;
      }
      pos += 4 + ((len + 3) & ~3);
    }
  }

  setResolution(tsresol: number): void {
    this.tsresol = tsresol;
    const n = tsresol & 0x7f;
    if (tsresol & 0x80) {
      this.mode = n <= 32 ? MODE_BINARY : MODE_BIG;
      this.shift = n;
      this.factor = 2 ** n;
    } else if (n === 6) {
      this.mode = MODE_MICRO;
    } else if (n > 6 && n <= 12) {
      this.mode = MODE_DECIMAL_DIV;
      this.factor = 10 ** (n - 6);
    } else if (n < 6) {
      this.mode = MODE_DECIMAL_MUL;
      this.factor = 10 ** (6 - n);
    } else {
      this.mode = MODE_BIG;
    }
  }

  /** Microseconds since the epoch of a timestamp given as its high and low 32-bit words. */
  micros(hi: number, lo: number): number {
    switch (this.mode) {
      case MODE_MICRO:
        return hi * TWO_32 + lo + this.offsetMicros;
      case MODE_DECIMAL_DIV: {
        // floor((hi*2^32 + lo) / d) without leaving the exact range of doubles.
        const d = this.factor;
        const q = Math.floor(hi / d);
        const r = hi - q * d;
        return q * TWO_32 + Math.floor((r * TWO_32 + lo) / d) + this.offsetMicros;
      }
      case MODE_DECIMAL_MUL:
        return (hi * TWO_32 + lo) * this.factor + this.offsetMicros;
      case MODE_BINARY: {
        const unit = this.factor;
        const loSecs = Math.floor(lo / unit);
        const secs = hi * 2 ** (32 - this.shift) + loSecs;
        return secs * 1e6 + Math.floor(((lo - loSecs * unit) * 1e6) / unit) + this.offsetMicros;
      }
      default:
        return this.bigMicros(hi, lo);
    }
  }

  private bigMicros(hi: number, lo: number): number {
    const v = (BigInt(hi) << 32n) | BigInt(lo);
    const n = BigInt(this.tsresol & 0x7f);
    let us: bigint;
    if (this.tsresol & 0x80) us = (v * 1000000n) / (1n << n);
    else us = n >= 6n ? v / 10n ** (n - 6n) : v * 10n ** (6n - n);
    return Number(us) + this.offsetMicros;
  }
}
