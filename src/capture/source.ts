/** @module Byte sources for the capture readers: a file read into one reused buffer, a stream such as stdin, a gunzip layer. */

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

/**
 * A file read with positional reads into one reused buffer, so memory stays constant whatever the
 * file size. Set `reuse` to false before handing chunks to anything that keeps them (gunzip).
 */
export class FileSource implements ChunkSource {
  reuse = true;
  private buf: Uint8Array;
  private closed = false;

  private constructor(
    private readonly fh: FileHandle,
    readonly size: number,
    readonly regular: boolean,
    private readonly chunkSize: number,
  ) {
    this.buf = new Uint8Array(chunkSize);
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
    const buf = this.reuse ? this.buf : new Uint8Array(this.chunkSize);
    const { bytesRead } = await this.fh.read(buf, 0, buf.length, null);
    return bytesRead === 0 ? null : buf.subarray(0, bytesRead);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
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
