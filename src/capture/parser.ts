/** @module The push parser shared by the pcap and pcapng readers: carry-over between chunks, counters, the reused packet. */

import type { Anomalies, AnomalyKind } from "../schema/anomalies.js";
import type { RawPacket } from "../schema/raw-packet.js";

/** The largest captured length a reader delivers; anything larger means a desynchronised or hostile file. */
export const MAX_RECORD = 262144;

/**
 * While scanning for the next plausible record, pull at least this many bytes into the carry per
 * step, so a long scan across a chunk boundary copies each byte a bounded number of times.
 */
const SCAN_PULL = 65536;

export type PacketCallback = (p: RawPacket) => void;

/** Who receives the packets and anomalies of one input. */
export interface ParserContext {
  onPacket: PacketCallback;
  anomalies: Anomalies;
  /** The input's name, as anomalies and errors show it. */
  name: string;
  /** Index of the input in the reader's list; copied into every packet. */
  fileIndex?: number;
}

/** Reads an unsigned 32-bit integer in either byte order. */
export function u32(b: Uint8Array, p: number, le: boolean): number {
  return le
    ? (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0
    : ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}

/** Reads an unsigned 16-bit integer in either byte order. */
export function u16(b: Uint8Array, p: number, le: boolean): number {
  return le ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1];
}

const NO_BYTES = new Uint8Array(0);

/**
 * The one packet a parser hands to every callback. The record's bytes stay in the chunk being
 * parsed (`frame`, `frameStart`, `caplen`); the `data` view of them is created only when read
 * (see RawPacket.frame).
 */
export class ReaderPacket implements RawPacket {
  ts = 0;
  linkType = 0;
  origLen = 0;
  offset = 0;
  fileIndex: number;
  frame: Uint8Array = NO_BYTES;
  frameStart = 0;
  caplen = 0;
  private view: Uint8Array | undefined = undefined;

  constructor(fileIndex: number) {
    this.fileIndex = fileIndex;
  }

  get data(): Uint8Array {
    if (this.view === undefined) {
      const f = this.frame;
      this.view = new Uint8Array(f.buffer, f.byteOffset + this.frameStart, this.caplen);
    }
    return this.view;
  }

  set data(d: Uint8Array) {
    this.place(d, 0, d.length);
  }

  /** Points the packet at `caplen` bytes of `frame` from `start`. */
  place(frame: Uint8Array, start: number, caplen: number): void {
    // Stored only when it changes (once per chunk): storing a young object into this old one
    // takes the garbage collector's write barrier, which per packet cost a few percent.
    if (this.frame !== frame) this.frame = frame;
    this.frameStart = start;
    this.caplen = caplen;
    this.view = undefined;
  }
}

/**
 * Accepts a capture as chunks of any size and calls `onPacket` synchronously for every record.
 * Subclasses implement `parse`, which consumes complete units (records, blocks) from a window of
 * bytes and stops before the first incomplete one, setting `need` to the bytes that unit needs.
 * Only those bytes are copied into the carry buffer and completed from the next chunk, so a record
 * straddling two chunks costs one copy of that record and nothing else is ever buffered.
 */
export abstract class CaptureParser {
  abstract readonly format: "pcap" | "pcapng";
  /** The one packet object handed to every callback. */
  readonly packet: ReaderPacket;
  packets = 0;
  /** Bytes pushed so far (of the decompressed capture). */
  bytes = 0;
  firstTs: number | undefined = undefined;
  /**
   * Time of the last record delivered, valid once `packets > 0`. A plain number field, set per
   * record: storing a timestamp in a field that may hold `undefined` allocates a heap number.
   */
  protected lastTsValue = 0;
  readonly name: string;
  protected readonly onPacket: PacketCallback;
  protected readonly anomalies: Anomalies;
  /** Bytes the unit at the position `parse` returned needs in total; more than it had. */
  protected need = 0;
  /** Set while looking for the next plausible unit after corruption; lets the carry pull ahead. */
  protected scanning = false;
  private carry = new Uint8Array(4096);
  private carryLen = 0;
  /** Offset in the input of `carry[0]`. */
  private carryOffset = 0;
  private ended = false;

  constructor(ctx: ParserContext) {
    this.onPacket = ctx.onPacket;
    this.anomalies = ctx.anomalies;
    this.name = ctx.name;
    this.packet = new ReaderPacket(ctx.fileIndex ?? 0);
  }

  /** Time of the last record delivered; undefined before the first. */
  get lastTs(): number | undefined {
    return this.packets > 0 ? this.lastTsValue : undefined;
  }

  /**
   * Parses units out of `buf[pos, end)`, whose byte `i` is at input offset `base + i`. Returns the
   * position of the first unit not consumed (and sets `need`), or `end`. With `final` the input
   * ends at `end`, so units that wait for look-ahead must be decided now.
   */
  protected abstract parse(
    buf: Uint8Array,
    pos: number,
    end: number,
    base: number,
    final: boolean,
  ): number;

  /** Counts the incomplete unit left at the end of the input, `buf[pos, end)`. */
  protected abstract truncated(buf: Uint8Array, pos: number, end: number, base: number): void;

  /** Called once at the end, after the carry was settled, for state that spans chunks. */
  protected finish(): void {}

  /** Feeds the next chunk; the chunk may be reused by the caller once this returns. */
  push(chunk: Uint8Array): void {
    if (this.ended) return;
    const n = chunk.length;
    const base = this.bytes;
    this.bytes += n;
    let pos = 0;
    while (this.carryLen > 0) {
      if (pos >= n) return;
      let take = this.need - this.carryLen;
      if (this.scanning && take < SCAN_PULL) take = SCAN_PULL;
      if (take > n - pos) take = n - pos;
      this.append(chunk, pos, take);
      pos += take;
      if (this.carryLen < this.need) return;
      this.dropCarry(this.parse(this.carry, 0, this.carryLen, this.carryOffset, false));
    }
    const used = this.parse(chunk, pos, n, base, false);
    if (used < n) {
      this.carryOffset = base + used;
      this.append(chunk, used, n - used);
    }
  }

  /** Ends the input: settles what the carry holds and counts a truncated last unit. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.carryLen > 0) {
      const used = this.parse(this.carry, 0, this.carryLen, this.carryOffset, true);
      if (used < this.carryLen) this.truncated(this.carry, used, this.carryLen, this.carryOffset);
      this.carryLen = 0;
    }
    this.finish();
  }

  protected anomaly(kind: AnomalyKind, offset: number, detail = ""): void {
    this.anomalies.add(kind, this.name, offset, detail);
  }

  /** Hands one record (`buf[start, start + len)`) to the callback, valid during the call only. */
  protected emit(
    ts: number,
    linkType: number,
    buf: Uint8Array,
    start: number,
    len: number,
    origLen: number,
    offset: number,
  ): void {
    const p = this.packet;
    p.ts = ts;
    p.linkType = linkType;
    p.place(buf, start, len);
    p.origLen = origLen;
    p.offset = offset;
    if (this.packets++ === 0) this.firstTs = ts;
    this.lastTsValue = ts;
    this.onPacket(p);
  }

  private append(src: Uint8Array, from: number, len: number): void {
    const needed = this.carryLen + len;
    if (needed > this.carry.length) {
      let size = this.carry.length * 2;
      while (size < needed) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.carry.subarray(0, this.carryLen));
      this.carry = grown;
    }
    this.carry.set(src.subarray(from, from + len), this.carryLen);
    this.carryLen = needed;
  }

  private dropCarry(used: number): void {
    if (used >= this.carryLen) {
      this.carryLen = 0;
      // A carry grown for one large record is released rather than pinned for the whole file.
      if (this.carry.length > 1 << 20) this.carry = new Uint8Array(4096);
      return;
    }
    if (used > 0) {
      this.carry.copyWithin(0, used, this.carryLen);
      this.carryLen -= used;
      this.carryOffset += used;
    }
  }
}
