/** @module Recognises a capture by its magic bytes and builds the matching parser; a sync helper for tests and fuzzing. */

import { constants, gunzipSync } from "node:zlib";
import type { Anomalies } from "../schema/anomalies.js";
import { NotACaptureError } from "../schema/errors.js";
import { type CaptureParser, type PacketCallback, type ParserContext, u32 } from "./parser.js";
import { PcapParser, pcapMagic } from "./pcap.js";
import { BT_SHB, PcapngParser } from "./pcapng.js";

export type CaptureFormat = "pcap" | "pcapng";

/** Bytes needed to recognise a format. */
export const SNIFF_LEN = 4;

/** True when the bytes start a gzip stream. */
export function isGzip(first: Uint8Array): boolean {
  return first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
}

/** The capture format the first bytes announce, from the magic only (never the file name). */
export function sniffFormat(first: Uint8Array): CaptureFormat | undefined {
  if (first.length < SNIFF_LEN) return undefined;
  if (pcapMagic(first) !== undefined) return "pcap";
  if (u32(first, 0, true) === BT_SHB) return "pcapng";
  return undefined;
}

/**
 * The parser for a capture starting with `firstBytes` (at least SNIFF_LEN of them, unless the
 * input is shorter). Throws NotACaptureError when no magic matches.
 */
export function createParser(firstBytes: Uint8Array, ctx: ParserContext): CaptureParser {
  const format = sniffFormat(firstBytes);
  if (format === "pcap") return new PcapParser(ctx);
  if (format === "pcapng") return new PcapngParser(ctx);
  throw new NotACaptureError(ctx.name, firstBytes.slice(0, 8));
}

/** What a parse of one input found. */
export interface ParseSummary {
  format: CaptureFormat;
  gzip: boolean;
  packets: number;
  bytes: number;
  firstTs: number | undefined;
  lastTs: number | undefined;
}

/** The counters of a parser, as a summary. */
export function summarise(parser: CaptureParser, gzip: boolean): ParseSummary {
  return {
    format: parser.format,
    gzip,
    packets: parser.packets,
    bytes: parser.bytes,
    firstTs: parser.firstTs,
    lastTs: parser.lastTs,
  };
}

/**
 * Parses a whole capture held in memory, gunzipping it first when needed, in chunks of
 * `chunkSize` bytes (tests use tiny chunks to exercise records that straddle chunks). Throws
 * NotACaptureError only; malformed bytes become anomalies.
 */
export function parseCaptureBuffer(
  buf: Uint8Array,
  onPacket: PacketCallback,
  anomalies: Anomalies,
  name: string,
  chunkSize = 1 << 20,
): ParseSummary {
  let bytes = buf;
  const gzip = isGzip(buf);
  if (gzip) {
    try {
      bytes = gunzipSync(buf);
    } catch (e) {
      anomalies.add("gzip_error", name, 0, e instanceof Error ? e.message : String(e));
      try {
        // A sync flush at the end yields what a truncated stream holds instead of throwing.
        bytes = gunzipSync(buf, { finishFlush: constants.Z_SYNC_FLUSH });
      } catch {
        bytes = new Uint8Array(0);
      }
    }
  }
  const parser = createParser(bytes.subarray(0, 8), { onPacket, anomalies, name });
  const step = chunkSize > 0 ? chunkSize : 1;
  for (let i = 0; i < bytes.length; i += step) parser.push(bytes.subarray(i, i + step));
  parser.end();
  return summarise(parser, gzip);
}
