/** @module Byte sources for the capture readers: a file read ahead into two reused buffers, a stream such as stdin, a gunzip layer. */

import { type FileHandle, open } from "node:fs/promises";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { InputError } from "../schema/errors.js";

/** Output chunk size of the gunzip layer: large enough that few records straddle chunks. */
const GUNZIP_CHUNK = 64 << 10;

/** A pull source of raw bytes: each read waits for the previous chunk to be parsed (back-pressure). */
export interface ChunkSource {
  /** The next chunk, or null at the end. */
  read(): Promise<Uint8Array | null>;
  close(): Promise<void>;
}

/** A failure of the underlying read (not of decompression), carried through the gunzip stream. */
export class SourceReadError extends Error {
  constructor(cause: unknown) {
    super(describeError(cause), { cause });
    this.name = "SourceReadError";
  }
}

/** A short, lowercase reason for an I/O error. */
export function describeError(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "is a directory";
  return e instanceof Error ? e.message : String(e);
}

/** A finished read: the bytes read, or the error the read failed with. */
type ReadResult = { n: number; error?: undefined } | { n: 0; error: unknown };

/**
 * A file read with positional reads into two reused buffers, so memory stays constant whatever the
 * file size. Set `reuse` to false before handing chunks to anything that keeps them (gzip).
 *
 * Reads ahead by one chunk: handing out a chunk starts the read of the next one into the other
 * buffer, so the disk (or page cache copy, on the thread pool) works while the caller parses
 * instead of the caller idling at every `read`. The buffer being filled is the one handed out by
 * the previous `read`, which the caller is done with by the time it asks for the next chunk.
 */
export class FileSource implements ChunkSource {
  reuse = true;
  private readonly bufs: [Uint8Array, Uint8Array];
  /** The buffer the read in flight fills (index into `bufs`). */
  private filling = 0;
  private ahead: Promise<ReadResult> | undefined = undefined;
  private aheadBuf: Uint8Array | undefined = undefined;
  private closed = false;

  private constructor(
    private readonly fh: FileHandle,
    readonly size: number,
    readonly regular: boolean,
    private readonly chunkSize: number,
  ) {
    this.bufs = [new Uint8Array(chunkSize), new Uint8Array(chunkSize)];
  }

  /** Opens `path`; throws InputError when it cannot be opened. */
  static async open(path: string, chunkSize: number): Promise<FileSource> {
    let fh: FileHandle;
    try {
      fh = await open(path, "r");
    } catch (e) {
      throw new InputError(path, describeError(e));
    }
    try {
      const st = await fh.stat();
      if (st.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
      return new FileSource(fh, st.size, st.isFile(), chunkSize);
    } catch (e) {
      await fh.close();
      throw new InputError(path, describeError(e));
    }
  }

  async read(): Promise<Uint8Array | null> {
    if (this.ahead === undefined) this.start();
    const buf = this.aheadBuf as Uint8Array;
    const r = await (this.ahead as Promise<ReadResult>);
    this.ahead = undefined;
    if (r.error !== undefined) throw r.error;
    if (r.n === 0) return null;
    this.start();
    return buf.subarray(0, r.n);
  }

  /** Starts reading the next chunk into the buffer not handed out last. */
  private start(): void {
    let buf: Uint8Array;
    if (this.reuse) {
      buf = this.bufs[this.filling] as Uint8Array;
      this.filling ^= 1;
    } else {
      buf = new Uint8Array(this.chunkSize);
    }
    this.aheadBuf = buf;
    // Settled into a value at once: a failed read-ahead that nobody awaits (the caller stopped
    // early) must not become an unhandled rejection.
    this.ahead = this.fh.read(buf, 0, buf.length, null).then(
      (r): ReadResult => ({ n: r.bytesRead }),
      (error: unknown): ReadResult => ({ n: 0, error: error ?? new Error("read failed") }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let a read-ahead finish first: closing the handle under a pending read is an error.
    if (this.ahead !== undefined) await this.ahead;
    await this.fh.close();
  }
}

/** A readable stream (stdin or a test's Readable) as a pull source; it is never closed by us. */
export class StreamSource implements ChunkSource {
  private readonly it: AsyncIterator<unknown>;

  constructor(stream: NodeJS.ReadableStream) {
    this.it = (stream as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  }

  async read(): Promise<Uint8Array | null> {
    for (;;) {
      const r = await this.it.next();
      if (r.done === true) return null;
      const v = r.value;
      const chunk = typeof v === "string" ? Buffer.from(v, "latin1") : (v as Uint8Array);
      if (chunk.length > 0) return chunk;
    }
  }

  async close(): Promise<void> {}
}

/**
 * Raw chunks of `src`, starting with the already read `head`; `onRaw` sees every raw chunk read
 * after the head (for progress).
 */
export async function* rawChunks(
  head: Uint8Array,
  src: ChunkSource,
  onRaw: (n: number) => void,
): AsyncGenerator<Uint8Array> {
  if (head.length > 0) yield head;
  for (;;) {
    let c: Uint8Array | null;
    try {
      c = await src.read();
    } catch (e) {
      throw new SourceReadError(e);
    }
    if (c === null) return;
    onRaw(c.length);
    yield c;
  }
}

/**
 * Decompressed chunks of a gzip stream whose raw chunks come from `raw` (which must not reuse its
 * buffers). Errors of zlib propagate as they are; read errors arrive as SourceReadError.
 */
export async function* gunzipChunks(raw: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const gz = createGunzip({ chunkSize: GUNZIP_CHUNK });
  const input = Readable.from(raw, { objectMode: false });
  input.on("error", (e) => gz.destroy(e instanceof SourceReadError ? e : new SourceReadError(e)));
  input.pipe(gz);
  try {
    for await (const c of gz) yield c as Uint8Array;
  } finally {
    input.destroy();
    gz.destroy();
  }
}
