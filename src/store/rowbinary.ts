/**
 * @module ClickHouse's RowBinary encoding, written into reusable byte blocks: little-endian
 * integers, LEB128-prefixed UTF-8 strings, FixedString(16) addresses in network order.
 */

/** Bytes per block handed to the HTTP body (a block grows only for one oversized row). */
export const BLOCK_BYTES = 1 << 20;

/** Appends rows to blocks of about BLOCK_BYTES; `take` returns the filled blocks. */
export class RowBinaryWriter {
  private buf = new Uint8Array(BLOCK_BYTES);
  private dv = new DataView(this.buf.buffer);
  private pos = 0;
  private readonly blocks: Uint8Array[] = [];
  private readonly enc = new TextEncoder();

  /** Makes room for `n` more bytes, closing the current block when it is full. */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) {
      this.buf = new Uint8Array(n);
      this.dv = new DataView(this.buf.buffer);
    }
  }

  /** Closes the current block (if not empty) so `take` returns it. */
  flush(): void {
    if (this.pos === 0) return;
    this.blocks.push(this.buf.slice(0, this.pos));
    this.pos = 0;
  }

  /** The blocks written so far (after flushing), emptied. */
  take(): Uint8Array[] {
    this.flush();
    return this.blocks.splice(0);
  }

  get pending(): number {
    return this.blocks.length;
  }

  u8(v: number): void {
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.dv.setUint16(this.pos, v, true);
    this.pos += 2;
  }

  u32(v: number): void {
    this.dv.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  i32(v: number): void {
    this.dv.setInt32(this.pos, v, true);
    this.pos += 4;
  }

  /** A 64-bit integer from a JS number (exact up to 2^53) or a bigint. */
  i64(v: number | bigint): void {
    if (typeof v === "bigint") {
      this.dv.setBigUint64(this.pos, BigInt.asUintN(64, v), true);
    } else {
      const lo = v % 4294967296;
      const hi = Math.floor(v / 4294967296);
      this.dv.setUint32(this.pos, lo < 0 ? lo + 4294967296 : lo, true);
      this.dv.setInt32(this.pos + 4, hi, true);
    }
    this.pos += 8;
  }

  /**
   * The address in row `row` of `words` (address.ts: 4 words, least significant first) as 16
   * bytes in network order, what ClickHouse's IPv6 functions read from a FixedString(16).
   */
  addr(words: Uint32Array, row: number): void {
    const o = row * 4;
    for (let w = 3; w >= 0; w--) {
      this.dv.setUint32(this.pos, words[o + w] as number, false);
      this.pos += 4;
    }
  }

  /** An unsigned 128-bit integer (an address, see address.ts) as 16 bytes in network order. */
  bigAddr(v: bigint): void {
    this.dv.setBigUint64(this.pos, (v >> 64n) & 0xffffffffffffffffn, false);
    this.dv.setBigUint64(this.pos + 8, v & 0xffffffffffffffffn, false);
    this.pos += 16;
  }

  /** A string: its UTF-8 length as LEB128, then the bytes. */
  string(s: string): void {
    const n = Buffer.byteLength(s, "utf8");
    this.reserve(n + 10);
    let len = n;
    while (len >= 0x80) {
      this.buf[this.pos++] = (len & 0x7f) | 0x80;
      len >>>= 7;
    }
    this.buf[this.pos++] = len;
    this.pos += this.enc.encodeInto(s, this.buf.subarray(this.pos)).written;
  }
}
