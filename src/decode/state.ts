/** @module The per-packet walk state the decode layers share: one cursor, the lengths, the anomaly sink. */

import { Anomalies, type AnomalyKind } from "../schema/anomalies.js";
import { Cursor } from "./cursor.js";

/** What the layer just decoded says comes next. */
export const NEXT_NONE = 0;
export const NEXT_ETHERNET = 1;
export const NEXT_IPV4 = 4;
export const NEXT_IPV6 = 6;
export type Next = typeof NEXT_NONE | typeof NEXT_ETHERNET | typeof NEXT_IPV4 | typeof NEXT_IPV6;

/**
 * The walk over one frame. Layers read through `c`, whose window `[c.pos, c.end)` is the current
 * layer's bytes that were captured; `declEnd` is where the enclosing length fields say the layer
 * ends, which lies beyond `c.end` when the snap length cut the frame. Keeping both apart is what
 * tells a header cut by the capture (`truncated_packet`, normal for a short snap length) from a
 * header that cannot fit inside its own enclosing length (a malformed packet: `bad_*`).
 */
export class DecodeState {
  readonly c = new Cursor();
  declEnd = 0;
  anomalies: Anomalies = new Anomalies();
  fileName = "";
  /** Byte offset of the record in its input, for located anomalies. */
  offset = 0;

  /** Points the walk at a new frame, `buf[start, end)`; `origLen` is its length on the wire. */
  begin(
    buf: Uint8Array,
    start: number,
    end: number,
    origLen: number,
    anomalies: Anomalies,
    fileName: string,
    offset: number,
  ) {
    this.c.reset(buf, start, end);
    this.declEnd = start + Math.max(origLen, end - start);
    if (this.anomalies !== anomalies) this.anomalies = anomalies;
    if (this.fileName !== fileName) this.fileName = fileName;
    this.offset = offset;
  }

  anomaly(kind: AnomalyKind, detail = ""): void {
    this.anomalies.add(kind, this.fileName, this.offset, detail);
  }

  /**
   * Records that a header of `need` bytes starting at `start` could not be read: a malformed
   * `kind` when it would not fit even in the declared length, `truncated_packet` when only the
   * capture cut it. `layer` names the header in the anomaly's detail.
   */
  short(kind: AnomalyKind, start: number, need: number, layer: string): void {
    this.anomaly(start + need > this.declEnd ? kind : "truncated_packet", layer);
  }

  /**
   * Narrows the window to a layer that declares `len` bytes from `start`. Returns false (and
   * leaves the window alone) when the layer claims more than its enclosing layer holds.
   */
  narrow(start: number, len: number): boolean {
    const decl = start + len;
    if (decl > this.declEnd) return false;
    this.declEnd = decl;
    const c = this.c;
    if (decl < c.end) c.end = decl;
    return true;
  }
}
