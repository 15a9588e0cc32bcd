/** @module A test helper: parse a capture in memory and keep copies of its records. */

import { Anomalies } from "../schema/anomalies.js";
import type { RawPacket } from "../schema/raw-packet.js";
import { parseCaptureBuffer } from "./format.js";

/** What a test sees of one delivered record (copied: the reader reuses its views). */
export interface Got {
  ts: number;
  linkType: number;
  data: number[];
  origLen: number;
  offset: number;
}

/** Parses `buf` in memory and collects copies of its records, for tests. */
export function parseForTest(buf: Uint8Array, name: string, chunkSize?: number) {
  const anomalies = new Anomalies();
  const packets: Got[] = [];
  const onPacket = (p: RawPacket) =>
    packets.push({
      ts: p.ts,
      linkType: p.linkType,
      data: [...p.data],
      origLen: p.origLen,
      offset: p.offset,
    });
  const summary = parseCaptureBuffer(buf, onPacket, anomalies, name, chunkSize);
  return { packets, anomalies, summary };
}
