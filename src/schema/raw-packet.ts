/** @module A captured frame as a capture reader hands it on, before any decoding. */

/**
 * One record of a capture. Readers reuse a single instance and its `data` view is only valid
 * during the callback that receives it: copy what must outlive the call.
 */
export interface RawPacket {
  /** Capture time in microseconds since the Unix epoch (nanosecond captures are truncated). */
  ts: number;
  /** The link type (DLT/LINKTYPE value) of the interface the record was captured on. */
  linkType: number;
  /** The captured bytes (at most the snap length). */
  data: Uint8Array;
  /** The length of the frame on the wire; larger than `data.length` when the snap length cut it. */
  origLen: number;
  /** Byte offset of the record in its (decompressed) input, for located errors. */
  offset: number;
  /** Index of the input in the list given to the reader. */
  fileIndex: number;
  /**
   * Where `data` lies, when the reader offers it: the captured bytes are
   * `frame[frameStart, frameStart + caplen)`. A consumer that works on offsets into a buffer reads
   * these and never asks for `data`, which the readers then never create: one view object per
   * packet costs as much as decoding the packet's IPv4 header.
   */
  frame?: Uint8Array;
  frameStart?: number;
  caplen?: number;
}

/** Link types Portent decodes (values from the tcpdump.org LINKTYPE registry). */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  /** OpenBSD's DLT_RAW value; also "raw IP" in some captures. */
  RAW_OPENBSD: 14,
  RAW_ALT: 12,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;
