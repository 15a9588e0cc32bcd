/** @module A bounds-checked byte cursor with a sticky error flag: classify, then parse. */

/**
 * Reads big-endian (network order) or little-endian integers from a byte view. A read past the
 * end returns 0 and sets `bad`, which stays set until `reset`; callers check it once per header
 * instead of after every field. No read ever throws and no read allocates.
 */
export class Cursor {
  buf: Uint8Array = new Uint8Array(0);
  /**
   * The whole ArrayBuffer under `buf` as a DataView, for the fields of a claimed range: V8 turns
   * `getUint32(o)` into one bounds check and one load, where assembling four bytes costs a check
   * each. Byte `i` of `buf` is at `viewBase + i`. Made only when the ArrayBuffer changes (once
   * per capture chunk), so frames that are views of one buffer share it.
   */
  view: DataView = new DataView(this.buf.buffer);
  viewBase = 0;
  private viewBuffer: ArrayBufferLike = this.view.buffer;
  /** Current position, relative to the start of `buf`. */
  pos = 0;
  /** Exclusive end of the readable window. */
  end = 0;
  /** Set by any out-of-bounds read or skip; sticky until `reset`. */
  bad = false;

  /** Points the cursor at `buf[start, end)`. */
  reset(buf: Uint8Array, start = 0, end = buf.length): this {
    // Stored only when it changes: frames of one capture chunk share their buffer, and storing a
    // young object into an old one takes the garbage collector's write barrier.
    if (this.buf !== buf) {
      this.buf = buf;
      const ab = buf.buffer;
      if (this.viewBuffer !== ab) {
        this.view = new DataView(ab);
        this.viewBuffer = ab;
      }
      this.viewBase = buf.byteOffset;
    }
    this.pos = start;
    this.end = Math.min(end, buf.length);
    this.bad = false;
    return this;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  has(n: number): boolean {
    return this.pos + n <= this.end;
  }

  /** Narrows the readable window to `n` bytes from the current position (for a length field). */
  limit(n: number): void {
    if (this.pos + n < this.end) this.end = this.pos + n;
    else if (this.pos + n > this.end) this.bad = true;
  }

  /**
   * Claims the next `n` bytes for a fixed-size header: returns where they start in `buf` and moves
   * past them, or returns -1 and moves nothing when fewer than `n` remain (or the cursor is bad).
   * A decoder then reads the header's fields from `view` (at `viewBase` + the returned start) at
   * known offsets: no cursor bookkeeping per field, which was most of the cost of decoding.
   */
  claim(n: number): number {
    const p = this.pos;
    if (this.bad || p + n > this.end) return -1;
    this.pos = p + n;
    return p;
  }

  skip(n: number): void {
    if (n < 0 || this.pos + n > this.end) {
      this.bad = true;
      this.pos = this.end;
    } else {
      this.pos += n;
    }
  }

  u8(): number {
    if (this.pos + 1 > this.end) return this.fail();
    return this.buf[this.pos++] as number;
  }

  u16(): number {
    const p = this.pos;
    if (p + 2 > this.end) return this.fail();
    this.pos = p + 2;
    const b = this.buf;
    return ((b[p] as number) << 8) | (b[p + 1] as number);
  }

  u16le(): number {
    const p = this.pos;
    if (p + 2 > this.end) return this.fail();
    this.pos = p + 2;
    const b = this.buf;
    return (b[p] as number) | ((b[p + 1] as number) << 8);
  }

  u24(): number {
    const p = this.pos;
    if (p + 3 > this.end) return this.fail();
    this.pos = p + 3;
    const b = this.buf;
    return ((b[p] as number) << 16) | ((b[p + 1] as number) << 8) | (b[p + 2] as number);
  }

  /** Unsigned 32-bit big-endian, as a non-negative number. */
  u32(): number {
    const p = this.pos;
    if (p + 4 > this.end) return this.fail();
    this.pos = p + 4;
    const b = this.buf;
    return (
      (((b[p] as number) << 24) |
        ((b[p + 1] as number) << 16) |
        ((b[p + 2] as number) << 8) |
        (b[p + 3] as number)) >>>
      0
    );
  }

  u32le(): number {
    const p = this.pos;
    if (p + 4 > this.end) return this.fail();
    this.pos = p + 4;
    const b = this.buf;
    return (
      ((b[p] as number) |
        ((b[p + 1] as number) << 8) |
        ((b[p + 2] as number) << 16) |
        ((b[p + 3] as number) << 24)) >>>
      0
    );
  }

  /** Peeks a byte at `pos + ahead` without moving; 0 and `bad` when out of bounds. */
  peek8(ahead = 0): number {
    const p = this.pos + ahead;
    if (p >= this.end) return this.fail();
    return this.buf[p] as number;
  }

  private fail(): number {
    this.bad = true;
    this.pos = this.end;
    return 0;
  }
}
