import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Anomalies } from "../schema/anomalies.js";
import { InputError, NotACaptureError } from "../schema/errors.js";
import type { RawPacket } from "../schema/raw-packet.js";
import { buildFrame } from "../simulate/frames.js";
import { concatBytes, epb, idb, pcapFile, shb } from "./capture-build.js";
import { type ReadOptions, readCaptures } from "./read.js";

const T0 = 1_528_945_800;
const frame = (n: number) =>
  buildFrame({ src: "203.0.113.9", dst: "192.0.2.77", proto: "tcp", sport: 40000 + n, dport: 23 });

function pcapAt(sec: number, n: number): Uint8Array {
  return pcapFile(
    {},
    Array.from({ length: n }, (_, i) => ({ sec: sec + i, sub: i, data: frame(i) })),
  );
}

function pcapngAt(sec: number, n: number): Uint8Array {
  const blocks = [shb(), idb(101, 65535, { tsresol: 9 })];
  for (let i = 0; i < n; i++) {
    blocks.push(epb(0, BigInt(sec + i) * 1_000_000_000n + BigInt(i * 1000), frame(i).subarray(14)));
  }
  return concatBytes(...blocks);
}

interface Seen {
  ts: number;
  fileIndex: number;
  linkType: number;
  len: number;
}

async function read(inputs: string[], extra: Partial<ReadOptions> = {}) {
  const anomalies = new Anomalies();
  const seen: Seen[] = [];
  const onPacket = (p: RawPacket) =>
    seen.push({ ts: p.ts, fileIndex: p.fileIndex, linkType: p.linkType, len: p.data.length });
  const summaries = await readCaptures(inputs, onPacket, { anomalies, ...extra });
  return { seen, summaries, anomalies };
}

let dir = "";
const path = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "portent-read-"));
  writeFileSync(path("a.pcap"), pcapAt(T0 + 100, 5));
  writeFileSync(path("b.pcapng"), pcapngAt(T0, 4));
  writeFileSync(path("c.pcap.gz"), gzipSync(pcapAt(T0 + 50, 3)));
  writeFileSync(path("d.bin"), gzipSync(pcapngAt(T0 + 200, 6)));
  writeFileSync(path("empty.pcap"), new Uint8Array(0));
  writeFileSync(path("text.pcap"), "hello, this is not a capture\n");
  writeFileSync(path("text.gz"), gzipSync("GET / HTTP/1.1\r\n"));
  writeFileSync(path("headers-only.pcap"), pcapFile({}, []));
  mkdirSync(path("adir"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readCaptures", () => {
  it("reads pcap, pcapng and gzip of both, detected by content, in first-timestamp order", async () => {
    const inputs = [path("a.pcap"), path("b.pcapng"), path("c.pcap.gz"), path("d.bin")];
    for (const chunkSize of [undefined, 7, 64]) {
      const { seen, summaries, anomalies } = await read(
        inputs,
        chunkSize === undefined ? {} : { chunkSize },
      );
      expect(anomalies.total()).toBe(0);
      expect(summaries.map((s) => [s.name, s.format, s.gzip, s.packets])).toEqual([
        [path("b.pcapng"), "pcapng", false, 4],
        [path("c.pcap.gz"), "pcap", true, 3],
        [path("a.pcap"), "pcap", false, 5],
        [path("d.bin"), "pcapng", true, 6],
      ]);
      expect(summaries[0].firstTs).toBe(T0 * 1e6);
      expect(summaries[0].lastTs).toBe((T0 + 3) * 1e6 + 3);
      expect(summaries[1].bytes).toBe(pcapAt(T0 + 50, 3).length);
      expect(seen.map((s) => s.fileIndex)).toEqual([
        ...Array(4).fill(1),
        ...Array(3).fill(2),
        ...Array(5).fill(0),
        ...Array(6).fill(3),
      ]);
      expect(seen.filter((s) => s.fileIndex === 1).every((s) => s.linkType === 101)).toBe(true);
      const ts = seen.map((s) => s.ts);
      expect(ts).toEqual([...ts].sort((a, b) => a - b));
    }
  });

  it("reports progress in raw bytes against the total size", async () => {
    const calls: [number, number | undefined][] = [];
    const inputs = [path("a.pcap"), path("c.pcap.gz")];
    await read(inputs, { chunkSize: 10, onProgress: (c, t) => calls.push([c, t]) });
    const total = readFileSync(inputs[0]).length + readFileSync(inputs[1]).length;
    expect(calls.length).toBeGreaterThan(10);
    expect(calls.at(-1)).toEqual([total, total]);
    expect(calls.every(([c], i) => i === 0 || c >= calls[i - 1][0])).toBe(true);
  });

  it("reads stdin from an injected stream, first, in any chunking, gzip or not", async () => {
    const raw = pcapngAt(T0 + 500, 7);
    for (const bytes of [raw, gzipSync(raw)]) {
      for (const size of [1, 3, 1000]) {
        const chunks: Buffer[] = [];
        for (let i = 0; i < bytes.length; i += size)
          chunks.push(Buffer.from(bytes.subarray(i, i + size)));
        const stdin = Readable.from(chunks);
        const calls: (number | undefined)[] = [];
        const { seen, summaries } = await read([path("a.pcap"), "-"], {
          stdin,
          onProgress: (_c, t) => calls.push(t),
        });
        expect(summaries.map((s) => [s.name, s.packets, s.gzip])).toEqual([
          ["<stdin>", 7, bytes !== raw],
          [path("a.pcap"), 5, false],
        ]);
        expect(seen[0].fileIndex).toBe(1);
        expect(calls.every((t) => t === undefined)).toBe(true);
      }
    }
  });

  it("throws NotACaptureError for empty, text and gzipped text files", async () => {
    await expect(read([path("empty.pcap")])).rejects.toThrow(
      new NotACaptureError(path("empty.pcap"), new Uint8Array(0)),
    );
    await expect(read([path("empty.pcap")])).rejects.toThrow(
      `${path("empty.pcap")}: not a pcap or pcapng file (first bytes: none, the file is empty)`,
    );
    await expect(read([path("text.pcap")])).rejects.toThrow(
      `${path("text.pcap")}: not a pcap or pcapng file (first bytes: 68 65 6c 6c 6f 2c 20 74)`,
    );
    await expect(read([path("text.gz")])).rejects.toBeInstanceOf(NotACaptureError);
    await expect(read(["-"], { stdin: Readable.from([]) })).rejects.toThrow(
      "<stdin>: not a pcap or pcapng file",
    );
    // Checked before any input is read.
    const seen: number[] = [];
    await expect(
      readCaptures([path("a.pcap"), path("text.pcap")], (p) => seen.push(p.ts), {
        anomalies: new Anomalies(),
      }),
    ).rejects.toBeInstanceOf(NotACaptureError);
    expect(seen).toEqual([]);
  });

  it("throws InputError for missing files and directories", async () => {
    await expect(read([path("nope.pcap")])).rejects.toThrow(
      new InputError(path("nope.pcap"), "no such file"),
    );
    await expect(read([path("adir")])).rejects.toBeInstanceOf(InputError);
  });

  it("accepts a capture with no packets", async () => {
    const { summaries } = await read([path("headers-only.pcap"), path("a.pcap")]);
    expect(summaries.map((s) => [s.packets, s.firstTs])).toEqual([
      [5, (T0 + 100) * 1e6],
      [0, undefined],
    ]);
  });

  it("counts gzip errors and keeps the packets read before them", async () => {
    const raw = pcapAt(T0, 20000);
    const gz = gzipSync(raw);
    writeFileSync(path("trunc.pcap.gz"), gz.subarray(0, Math.floor(gz.length * 0.6)));
    const corrupt = Buffer.from(gz);
    for (let i = Math.floor(gz.length / 2); i < Math.floor(gz.length / 2) + 64; i++)
      corrupt[i] ^= 0x5a;
    writeFileSync(path("corrupt.pcap.gz"), corrupt);
    for (const name of ["trunc.pcap.gz", "corrupt.pcap.gz"]) {
      const { summaries, anomalies } = await read([path(name)]);
      expect(anomalies.get("gzip_error"), name).toBe(1);
      expect(summaries[0].packets).toBeGreaterThan(100);
      expect(summaries[0].packets).toBeLessThan(20000);
    }
    writeFileSync(path("tiny.gz"), gz.subarray(0, 12));
    await expect(read([path("tiny.gz")])).rejects.toBeInstanceOf(InputError);
  });

  it.skipIf(process.platform === "win32")("reads a named pipe once, before the files", async () => {
    const fifo = path("pipe");
    await new Promise<void>((resolve, reject) => {
      const p = spawn("mkfifo", [fifo]);
      p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`mkfifo ${code}`))));
    });
    const writer = spawn("sh", ["-c", `cat "${path("c.pcap.gz")}" > "${fifo}"`]);
    const { summaries } = await read([path("b.pcapng"), fifo]);
    expect(summaries.map((s) => [s.name, s.packets])).toEqual([
      [fifo, 3],
      [path("b.pcapng"), 4],
    ]);
    writer.kill();
  });
});
