/** @module Reads capture inputs (pcap or pcapng, optionally gzip, files or stdin) and hands every record on. */

import { Anomalies } from "../schema/anomalies.js";
import { InputError, NotACaptureError } from "../schema/errors.js";
import type { RawPacket } from "../schema/raw-packet.js";
import { createParser, isGzip, SNIFF_LEN } from "./format.js";
import type { CaptureParser, PacketCallback } from "./parser.js";
import {
  type ChunkSource,
  describeError,
  FileSource,
  gunzipChunks,
  rawChunks,
  SourceReadError,
  StreamSource,
} from "./source.js";

/**
 * Size of the reads from a file: large, so parsing dominates and few records straddle chunks.
 * Measured on an 840 MB capture, 4 MiB reads spent about 0.1 s less than 1 MiB ones: each read
 * request costs the main thread a fixed time to hand to the thread pool.
 */
export const DEFAULT_CHUNK_SIZE = 1 << 22;
/** The name stdin gets in summaries, anomalies and errors. */
export const STDIN_NAME = "<stdin>";
/** Bytes collected before deciding the format: enough for the error message's first bytes. */
const HEAD_LEN = 8;

export interface ReadOptions {
  anomalies: Anomalies;
  /**
   * Progress: bytes consumed so far over all inputs (compressed bytes for gzip files: what the
   * disk delivered) and their total size when known (undefined when stdin or a pipe is read).
   */
  onProgress?: (consumed: number, total: number | undefined) => void;
  /** Stream used for "-" (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
  /** Read size in bytes (default DEFAULT_CHUNK_SIZE); tests use tiny sizes. */
  chunkSize?: number;
}

export interface InputSummary {
  name: string;
  format: "pcap" | "pcapng";
  gzip: boolean;
  packets: number;
  /** Bytes of the (decompressed) capture file. */
  bytes: number;
  firstTs: number | undefined;
  lastTs: number | undefined;
}

interface Planned {
  input: string;
  index: number;
  firstTs: number | undefined;
  /** An already open source (stdin, a pipe), or undefined for a regular file opened when read. */
  src: ChunkSource | undefined;
}

/**
 * Reads the inputs one after another, in the order of their first packet's timestamp. Regular
 * files are peeked first (which also reports a missing or non-capture file before anything is
 * analysed); stdin and other inputs that cannot be read twice (pipes) are read first, in the
 * order given. Calls onPacket for every record. Throws NotACaptureError for an input that is not
 * a capture at all (after gunzip), InputError for unreadable or missing files. Resolves with one
 * summary per input, in the order read.
 */
export async function readCaptures(
  inputs: string[],
  onPacket: (p: RawPacket) => void,
  opts: ReadOptions,
): Promise<InputSummary[]> {
  const chunkSize =
    opts.chunkSize !== undefined && opts.chunkSize > 0 ? opts.chunkSize : DEFAULT_CHUNK_SIZE;
  const streams: Planned[] = [];
  const files: Planned[] = [];
  let total: number | undefined = 0;
  try {
    for (let index = 0; index < inputs.length; index++) {
      const input = inputs[index];
      if (input === "-") {
        const src = new StreamSource(opts.stdin ?? process.stdin);
        streams.push({ input, index, firstTs: undefined, src });
        total = undefined;
        continue;
      }
      const src = await FileSource.open(input, chunkSize);
      if (!src.regular) {
        // A pipe is kept open from here on: closing and reopening it could lose its writer.
        streams.push({ input, index, firstTs: undefined, src });
        total = undefined;
        continue;
      }
      try {
        const peek = { input, fileIndex: index, onPacket: () => {}, anomalies: new Anomalies() };
        const { parser } = await readSource(src, { ...peek, firstOnly: true });
        files.push({ input, index, firstTs: parser.firstTs, src: undefined });
        if (total !== undefined) total += src.size;
      } finally {
        await src.close();
      }
    }
    files.sort((a, b) => {
      if (a.firstTs === b.firstTs) return a.index - b.index;
      if (a.firstTs === undefined) return 1;
      if (b.firstTs === undefined) return -1;
      return a.firstTs - b.firstTs;
    });
    let consumed = 0;
    const onProgress = opts.onProgress;
    const progress =
      onProgress === undefined
        ? undefined
        : (n: number) => {
            consumed += n;
            onProgress(consumed, total);
          };
    const summaries: InputSummary[] = [];
    for (const p of [...streams, ...files]) {
      const src = p.src ?? (await FileSource.open(p.input, chunkSize));
      try {
        const { parser, gzip } = await readSource(src, {
          input: p.input,
          fileIndex: p.index,
          onPacket,
          anomalies: opts.anomalies,
          ...(progress !== undefined ? { progress } : {}),
        });
        summaries.push({
          name: nameOf(p.input),
          format: parser.format,
          gzip,
          packets: parser.packets,
          bytes: parser.bytes,
          firstTs: parser.firstTs,
          lastTs: parser.lastTs,
        });
      } finally {
        await src.close();
      }
    }
    return summaries;
  } finally {
    for (const p of streams) await p.src?.close();
  }
}

function nameOf(input: string): string {
  return input === "-" ? STDIN_NAME : input;
}

/**
 * Streams one source through gunzip (when its magic says so) into the parser for its format.
 * With `firstOnly`, stops after the first packet.
 */
interface SourceJob {
  input: string;
  fileIndex: number;
  onPacket: PacketCallback;
  anomalies: Anomalies;
  progress?: (n: number) => void;
  /** Stop after the first packet (peeking its timestamp). */
  firstOnly?: boolean;
}

async function readSource(
  src: ChunkSource,
  job: SourceJob,
): Promise<{ parser: CaptureParser; gzip: boolean }> {
  const { anomalies, fileIndex } = job;
  const name = nameOf(job.input);
  const onRaw = job.progress ?? (() => {});
  let head: Uint8Array;
  try {
    head = await readHead(src, 2);
  } catch (e) {
    throw new InputError(name, describeError(e));
  }
  onRaw(head.length);
  const gzip = isGzip(head);
  if (gzip && src instanceof FileSource) src.reuse = false;
  const raw = rawChunks(head, src, onRaw);
  const chunks = gzip ? gunzipChunks(raw) : raw;
  let stop = false;
  const ctx = {
    onPacket:
      job.firstOnly === true
        ? () => {
            stop = true;
          }
        : job.onPacket,
    anomalies,
    name,
    fileIndex,
  };
  let parser: CaptureParser | undefined;
  let pending: Uint8Array = new Uint8Array(0);
  try {
    for await (const c of chunks) {
      if (parser === undefined) {
        const first = pending.length === 0 ? c : concat(pending, c);
        if (first.length < HEAD_LEN) {
          pending = first === c ? c.slice() : first;
          continue;
        }
        pending = new Uint8Array(0);
        parser = createParser(first, ctx);
        parser.push(first);
      } else {
        parser.push(c);
      }
      if (stop) break;
    }
  } catch (e) {
    if (e instanceof NotACaptureError) throw e;
    const kind = gzip && !(e instanceof SourceReadError) ? "gzip_error" : "read_error";
    anomalies.add(kind, name, parser?.bytes ?? pending.length, describeError(e));
    if (parser === undefined && pending.length < SNIFF_LEN) {
      const what = kind === "gzip_error" ? "corrupt gzip data" : "read failed";
      throw new InputError(name, `${what} before the capture header (${describeError(e)})`);
    }
  }
  if (parser === undefined) {
    parser = createParser(pending, ctx);
    parser.push(pending);
  }
  if (!stop) parser.end();
  return { parser, gzip };
}

/** Reads until at least `n` bytes are at hand or the source ends. */
async function readHead(src: ChunkSource, n: number): Promise<Uint8Array> {
  let head: Uint8Array = new Uint8Array(0);
  while (head.length < n) {
    const c = await src.read();
    if (c === null) break;
    if (head.length === 0 && c.length >= n) return c;
    // Copied (the source may reuse its buffer) only for chunks shorter than n, which pipes deliver.
    head = concat(head, c);
  }
  return head;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
