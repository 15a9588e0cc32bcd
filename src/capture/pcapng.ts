/** @module pcapng: sections of either byte order, interfaces, EPB/SPB/OPB packets; other blocks skipped by length. */

import { CaptureParser, MAX_RECORD, type ParserContext, u16, u32 } from "./parser.js";
import { PcapngInterface } from "./pcapng-interface.js";

export const BT_SHB = 0x0a0d0d0a;
export const BT_IDB = 1;
export const BT_OPB = 2;
export const BT_SPB = 3;
export const BT_NRB = 4;
export const BT_ISB = 5;
export const BT_EPB = 6;
export const BT_DSB = 0x0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Blocks this size or smaller are buffered whole; larger packet blocks are skipped unread. */
export const MAX_BLOCK = MAX_RECORD + 65536;

/**
 * Block types that carry nothing Portent uses and are skipped without an anomaly: name
 * resolution, interface statistics, IRIG/ARINC, systemd journal, decryption secrets, Hone
 * project, custom blocks and Apple's process information.
 */
const SKIPPED_QUIETLY = new Set([
  BT_NRB,
  BT_ISB,
  7,
  8,
  9,
  BT_DSB,
  0x101,
  0x102,
  0xbad,
  0x40000bad,
  0x80000001,
]);

/** Block types a resynchronisation scan accepts as the start of a block. */
function isKnownType(t: number): boolean {
  return t === BT_EPB || t === BT_IDB || t === BT_SPB || t === BT_OPB || SKIPPED_QUIETLY.has(t);
}

/** The byte order the section header at `pos + 8` declares, or undefined when it is not valid. */
function byteOrder(buf: Uint8Array, pos: number): boolean | undefined {
  const m = u32(buf, pos, true);
  if (m === BYTE_ORDER_MAGIC) return true;
  if (u32(buf, pos, false) === BYTE_ORDER_MAGIC) return false;
  return undefined;
}

/**
 * Parses pcapng. Framing is trusted while every block's leading and trailing lengths agree; when
 * they do not (or a length is not a multiple of 4 or below 12) the parser counts `corrupt_block`
 * and scans forward in steps of 4 bytes for a known block type whose two lengths agree, then
 * resumes there. Blocks up to MAX_BLOCK are checked whole before use; larger ones are skipped by
 * length without buffering (packet blocks count `record_too_large`) and their trailing length is
 * checked when the skip ends.
 */
export class PcapngParser extends CaptureParser {
  readonly format = "pcapng";
  /** Sections seen (section header blocks accepted). */
  sections = 0;
  private le = true;
  private ifaces: PcapngInterface[] = [];
  /** Body bytes of a skipped block still to pass over. */
  private skipLeft = 0;
  /** The trailing length the skipped block must end with, or -1 when no skip is pending. */
  private trailer = -1;
  /** Input offset of the block being skipped, for anomalies. */
  private skipStart = 0;

  constructor(ctx: ParserContext) {
    super(ctx);
  }

  /** The interfaces of the current section (for tests and diagnostics). */
  interfaces(): readonly PcapngInterface[] {
    return this.ifaces;
  }

  protected parse(buf: Uint8Array, pos: number, end: number, base: number, final: boolean): number {
    for (;;) {
      if (this.skipLeft > 0) {
        const k = Math.min(this.skipLeft, end - pos);
        this.skipLeft -= k;
        pos += k;
        if (this.skipLeft > 0) return pos;
      }
      if (this.trailer >= 0) {
        if (end - pos < 4) {
          this.need = 4;
          return pos;
        }
        const got = u32(buf, pos, this.le);
        if (got !== this.trailer) {
          this.anomaly(
            "corrupt_block",
            this.skipStart,
            `trailing length ${got} differs from the leading ${this.trailer}`,
          );
          this.scanning = true;
        }
        this.trailer = -1;
        pos += 4;
      }
      if (this.scanning) {
        pos = this.scan(buf, pos, end, final);
        if (this.scanning) return pos;
      }
      pos = this.blocks(buf, pos, end, base, final);
      if (!this.scanning && this.skipLeft === 0 && this.trailer < 0) return pos;
    }
  }

  protected truncated(_buf: Uint8Array, pos: number, end: number, base: number): void {
    // A cut inside a skipped block's trailer is counted once, by finish.
    if (this.trailer >= 0) return;
    if (end - pos < 8)
      this.anomaly("truncated_header", base + pos, `${end - pos} of 8 header bytes`);
    else this.anomaly("truncated_record", base + pos, `block cut after ${end - pos} bytes`);
  }

  protected override finish(): void {
    if (this.skipLeft > 0 || this.trailer >= 0) {
      this.anomaly("truncated_record", this.skipStart, "skipped block cut short");
    }
  }

  /**
   * Consumes whole blocks. Returns when the next block is incomplete (`need` set), when a skip of
   * a block too large to buffer was started, or when framing was lost (`scanning` set).
   */
  private blocks(buf: Uint8Array, pos: number, end: number, base: number, final: boolean): number {
    for (;;) {
      pos = this.epbRun(buf, pos, end, base);
      if (end - pos < 12) {
        this.need = 12;
        return pos;
      }
      let le = this.le;
      const type = u32(buf, pos, le);
      if (type === BT_SHB) {
        const order = byteOrder(buf, pos + 8);
        if (order === undefined) return this.lost(pos, base, "bad byte-order magic");
        le = order;
      }
      const total = u32(buf, pos + 4, le);
      if (total < 12 || (total & 3) !== 0) return this.lost(pos, base, `block length ${total}`);
      if (total > MAX_BLOCK) return this.skipLarge(pos, base, type, total);
      if (end - pos < total) {
        // At the very end, a length running past the input is a corrupt length if a valid block
        // follows, and a truncated file otherwise.
        if (final && this.findBlock(buf, pos + 4, end)) {
          return this.lost(pos, base, `block of ${total} bytes runs past the end`);
        }
        this.need = total;
        return pos;
      }
      const got = u32(buf, pos + total - 4, le);
      if (got !== total) {
        return this.lost(pos, base, `trailing length ${got} differs from the leading ${total}`);
      }
      if (type === BT_EPB) this.packetBlock(buf, pos, total, base, u32(buf, pos + 8, le), 12);
      else if (type === BT_OPB) this.packetBlock(buf, pos, total, base, u16(buf, pos + 8, le), 12);
      else if (type === BT_SPB) this.simplePacket(buf, pos, total, base);
      else if (type === BT_IDB) this.interfaceBlock(buf, pos, total, base);
      else if (type === BT_SHB) this.sectionHeader(pos, total, base, le);
      else if (!SKIPPED_QUIETLY.has(type))
        this.anomaly("unknown_block", base + pos, `type ${type}`);
      pos += total;
    }
  }

  /**
   * The hot loop: delivers consecutive well-formed enhanced packet blocks of known interfaces
   * with nothing to count, and stops at the first block that needs the general path.
   */
  private epbRun(buf: Uint8Array, pos: number, end: number, base: number): number {
    const le = this.le;
    const ifaces = this.ifaces;
    const p = this.packet;
    const ab = buf.buffer;
    const bo = buf.byteOffset;
    const cb = this.onPacket;
    const dv = new DataView(ab, bo, buf.length);
    while (end - pos >= 32) {
      if (dv.getUint32(pos, le) !== BT_EPB) break;
      const total = dv.getUint32(pos + 4, le);
      if (total > end - pos || total < 32 || (total & 3) !== 0 || total > MAX_BLOCK) break;
      if (dv.getUint32(pos + total - 4, le) !== total) break;
      const id = dv.getUint32(pos + 8, le);
      if (id >= ifaces.length) break;
      const ifc = ifaces[id];
      const caplen = dv.getUint32(pos + 20, le);
      if (caplen > total - 32 || caplen > ifc.limit) break;
      const ts = ifc.micros(dv.getUint32(pos + 12, le), dv.getUint32(pos + 16, le));
      p.ts = ts;
      p.linkType = ifc.linkType;
      p.place(buf, pos + 28, caplen);
      p.origLen = dv.getUint32(pos + 24, le);
      p.offset = base + pos;
      if (this.packets++ === 0) this.firstTs = ts;
      this.lastTsValue = ts;
      cb(p);
      pos += total;
    }
    return pos;
  }

  /**
   * A block too large to buffer: packet blocks are counted and skipped unread (framing still
   * holds), headers cannot be skipped without losing the section's meaning so framing is lost.
   */
  private skipLarge(pos: number, base: number, type: number, total: number): number {
    if (type === BT_SHB || type === BT_IDB) {
      return this.lost(pos, base, `header block of ${total} bytes`);
    }
    if (type === BT_EPB || type === BT_SPB || type === BT_OPB) {
      this.anomaly("record_too_large", base + pos, `block of ${total} bytes`);
    } else if (!SKIPPED_QUIETLY.has(type)) {
      this.anomaly("unknown_block", base + pos, `type ${type}`);
    }
    this.skipLeft = total - 12;
    this.trailer = total;
    this.skipStart = base + pos;
    return pos + 8;
  }

  /** Counts a framing error at the block at `pos` and starts scanning just past its start. */
  private lost(pos: number, base: number, detail: string): number {
    this.anomaly("corrupt_block", base + pos, detail);
    this.scanning = true;
    return pos + 4;
  }

  /** EPB and OPB: interface id, then timestamp, lengths and data at `pos + tsAt`. */
  private packetBlock(
    buf: Uint8Array,
    pos: number,
    total: number,
    base: number,
    id: number,
    tsAt: number,
  ): void {
    if (total < 32) {
      this.anomaly("corrupt_block", base + pos, `packet block of ${total} bytes`);
      return;
    }
    const ifc = this.ifaces[id];
    if (ifc === undefined) {
      this.anomaly("bad_interface_id", base + pos, `interface ${id} of ${this.ifaces.length}`);
      return;
    }
    const le = this.le;
    const caplen = u32(buf, pos + tsAt + 8, le);
    if (caplen > total - 32) {
      this.anomaly("corrupt_block", base + pos, `caplen ${caplen} beyond a block of ${total}`);
      return;
    }
    if (caplen > MAX_RECORD) {
      this.anomaly("record_too_large", base + pos, `caplen ${caplen} above ${MAX_RECORD}`);
      return;
    }
    if (ifc.snaplen > 0 && caplen > ifc.snaplen) {
      this.anomaly("caplen_above_snaplen", base + pos, `caplen ${caplen} > snaplen ${ifc.snaplen}`);
    }
    const ts = ifc.micros(u32(buf, pos + tsAt, le), u32(buf, pos + tsAt + 4, le));
    const orig = u32(buf, pos + tsAt + 12, le);
    this.emit(ts, ifc.linkType, buf, pos + tsAt + 16, caplen, orig, base + pos);
  }

  /**
   * SPB: the first interface of the section, no timestamp (the previous packet's time is used,
   * so time never jumps back to 1970), captured length min(original, snaplen, block body).
   */
  private simplePacket(buf: Uint8Array, pos: number, total: number, base: number): void {
    const ifc = this.ifaces[0];
    if (total < 16) {
      this.anomaly("corrupt_block", base + pos, `simple packet block of ${total} bytes`);
      return;
    }
    if (ifc === undefined) {
      this.anomaly("bad_interface_id", base + pos, "simple packet block without an interface");
      return;
    }
    const orig = u32(buf, pos + 8, this.le);
    let caplen = total - 16;
    if (orig < caplen) caplen = orig;
    if (ifc.snaplen > 0 && ifc.snaplen < caplen) caplen = ifc.snaplen;
    if (caplen > MAX_RECORD) {
      this.anomaly("record_too_large", base + pos, `caplen ${caplen} above ${MAX_RECORD}`);
      return;
    }
    this.emit(this.lastTs ?? 0, ifc.linkType, buf, pos + 12, caplen, orig, base + pos);
  }

  private interfaceBlock(buf: Uint8Array, pos: number, total: number, base: number): void {
    if (total < 20) {
      this.anomaly("corrupt_block", base + pos, `interface block of ${total} bytes`);
      return;
    }
    const le = this.le;
    const ifc = new PcapngInterface(u16(buf, pos + 8, le), u32(buf, pos + 12, le));
    ifc.readOptions(buf, pos + 16, pos + total - 4, le);
    this.ifaces.push(ifc);
  }

  private sectionHeader(pos: number, total: number, base: number, le: boolean): void {
    if (total < 28) this.anomaly("corrupt_block", base + pos, `section header of ${total} bytes`);
    this.le = le;
    this.ifaces = [];
    this.sections++;
  }

  /**
   * Whether a block starts at `pos`: a known type whose two lengths agree. Returns 0 for yes, -1
   * for no, or the bytes needed from `pos` to decide.
   */
  private blockAt(buf: Uint8Array, pos: number, end: number): number {
    const type = u32(buf, pos, this.le);
    let le = this.le;
    if (type === BT_SHB) {
      const order = byteOrder(buf, pos + 8);
      if (order === undefined) return -1;
      le = order;
    } else if (!isKnownType(type)) {
      return -1;
    }
    const total = u32(buf, pos + 4, le);
    if (total < 12 || (total & 3) !== 0 || total > MAX_BLOCK) return -1;
    if (end - pos < total) return total;
    return u32(buf, pos + total - 4, le) === total ? 0 : -1;
  }

  /** Whether a complete block starts somewhere in `buf[from, end)`, in steps of 4. */
  private findBlock(buf: Uint8Array, from: number, end: number): boolean {
    for (let p = from; end - p >= 12; p += 4) if (this.blockAt(buf, p, end) === 0) return true;
    return false;
  }

  /** Looks for the next block from `pos` in steps of 4; clears `scanning` when one is found. */
  private scan(buf: Uint8Array, pos: number, end: number, final: boolean): number {
    for (; end - pos >= 12; pos += 4) {
      const r = this.blockAt(buf, pos, end);
      if (r === 0) {
        this.scanning = false;
        return pos;
      }
      if (r > 0 && !final) {
        this.need = r;
        return pos;
      }
    }
    if (final) return end;
    this.need = 12;
    return pos;
  }
}
