import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LinkType } from "../schema/raw-packet.js";
import { block, concatBytes, epb, idb, opb, shb, spb } from "./capture-build.js";
import { BT_NRB } from "./pcapng.js";
import { PcapngInterface } from "./pcapng-interface.js";
import { parseForTest } from "./test-parse.js";

function parse(buf: Uint8Array, chunkSize?: number) {
  return parseForTest(buf, "t.pcapng", chunkSize);
}

const bytes = (n: number, seed = 1) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 255);
/** 2018-06-14T03:10:00Z in seconds. */
const T0 = 1_528_945_800;
const T0N = BigInt(T0);

describe("pcapng reader", () => {
  it("reads interfaces of different link types and timestamp resolutions", () => {
    const buf = concatBytes(
      shb(),
      idb(LinkType.ETHERNET, 65535, { tsresol: 9 }),
      idb(LinkType.RAW, 1500, { tsresol: 0x80 | 10 }),
      idb(LinkType.LINUX_SLL, 0),
      epb(0, T0N * 1_000_000_000n + 123_456_789n, bytes(60), 60),
      epb(1, T0N * 1024n + 512n, bytes(41, 2), 1400),
      epb(2, T0N * 1_000_000n + 42n, bytes(3, 3)),
    );
    const { packets, anomalies, summary } = parse(buf);
    expect(anomalies.total()).toBe(0);
    expect(summary.format).toBe("pcapng");
    expect(packets.map((p) => [p.linkType, p.ts, p.data.length, p.origLen])).toEqual([
      [1, T0 * 1e6 + 123_456, 60, 60],
      [101, T0 * 1e6 + 500_000, 41, 1400],
      [113, T0 * 1e6 + 42, 3, 3],
    ]);
    expect(packets[1].data).toEqual([...bytes(41, 2)]);
  });

  it("applies if_tsoffset", () => {
    const buf = concatBytes(shb(), idb(1, 0, { tsoffset: T0 }), epb(0, 2_500_000n, bytes(10)));
    expect(parse(buf).packets[0].ts).toBe(T0 * 1e6 + 2_500_000);
  });

  it("reads a big-endian section and a following little-endian section", () => {
    const be = concatBytes(
      shb(false),
      idb(LinkType.RAW, 65535, { tsresol: 3 }, false),
      epb(0, T0N * 1000n + 5n, bytes(20), 20, false),
      opb(0, T0N * 1000n + 6n, bytes(21), 30, false),
    );
    const le = concatBytes(shb(), idb(LinkType.ETHERNET), epb(0, T0N * 1_000_000n + 7n, bytes(22)));
    const { packets, anomalies, summary } = parse(concatBytes(be, le));
    expect(anomalies.total()).toBe(0);
    expect(summary.packets).toBe(3);
    expect(packets.map((p) => [p.linkType, p.ts, p.data.length, p.origLen])).toEqual([
      [101, T0 * 1e6 + 5000, 20, 20],
      [101, T0 * 1e6 + 6000, 21, 30],
      [1, T0 * 1e6 + 7, 22, 22],
    ]);
  });

  it("resets the interfaces at each section", () => {
    const buf = concatBytes(
      shb(),
      idb(1),
      idb(101),
      epb(1, 1n, bytes(4)),
      shb(),
      idb(1),
      epb(1, 2n, bytes(4)),
      epb(0, 3n, bytes(4)),
    );
    const { packets, anomalies } = parse(buf);
    expect(packets.map((p) => p.ts)).toEqual([1, 3]);
    expect(anomalies.get("bad_interface_id")).toBe(1);
  });

  it("reads simple packet blocks with the first interface and min(orig, snaplen, body)", () => {
    const buf = concatBytes(
      shb(),
      idb(101, 64),
      epb(0, 77n, bytes(10)),
      spb(bytes(100), 1000), // snaplen cuts: 64
      spb(bytes(41), 41), // padded body of 44: orig wins
      spb(bytes(12), 9000), // body wins
    );
    const { packets, anomalies } = parse(buf);
    expect(anomalies.total()).toBe(0);
    expect(packets.map((p) => [p.linkType, p.ts, p.data.length, p.origLen])).toEqual([
      [101, 77, 10, 10],
      [101, 77, 64, 1000],
      [101, 77, 41, 41],
      [101, 77, 12, 9000],
    ]);
    expect(packets[2].data).toEqual([...bytes(41)]);
  });

  it("skips other blocks by length, counting only unknown types", () => {
    const buf = concatBytes(
      shb(),
      block(BT_NRB, bytes(30)),
      idb(1),
      block(0x0bad, bytes(8)),
      block(0x1234, bytes(100)),
      epb(0, 1n, bytes(10)),
      block(5, new Uint8Array(0)),
      block(0x7777, bytes(3)),
      epb(0, 2n, bytes(10)),
    );
    for (const chunk of [undefined, 1, 5, 13]) {
      const { packets, anomalies } = parse(buf, chunk);
      expect(packets.map((p) => p.ts)).toEqual([1, 2]);
      expect(anomalies.get("unknown_block")).toBe(2);
      expect(anomalies.total()).toBe(2);
    }
  });

  it("counts bad interface ids, caplen above snaplen and oversize packets", () => {
    const big = bytes(300_000);
    const buf = concatBytes(
      shb(),
      idb(1, 16),
      epb(3, 1n, bytes(10)),
      epb(0, 2n, bytes(20)),
      epb(0, 3n, big),
      epb(0, 4n, bytes(8)),
    );
    for (const chunk of [undefined, 4096]) {
      const { packets, anomalies } = parse(buf, chunk);
      expect(packets.map((p) => [p.ts, p.data.length])).toEqual([
        [2, 20],
        [4, 8],
      ]);
      expect(anomalies.get("bad_interface_id")).toBe(1);
      expect(anomalies.get("caplen_above_snaplen")).toBe(1);
      expect(anomalies.get("record_too_large")).toBe(1);
    }
  });

  it("resynchronises after a corrupt block length", () => {
    const head = concatBytes(shb(), idb(1), epb(0, 1n, bytes(10)));
    const bad = epb(0, 2n, bytes(10));
    const tail = concatBytes(epb(0, 3n, bytes(10)), epb(0, 4n, bytes(10)));
    const cases: [string, (b: Uint8Array) => void][] = [
      ["length not a multiple of 4", (b) => new DataView(b.buffer).setUint32(4, 45, true)],
      ["length below 12", (b) => new DataView(b.buffer).setUint32(4, 8, true)],
      ["trailing length mismatch", (b) => new DataView(b.buffer).setUint32(b.length - 4, 4, true)],
      ["leading length too long", (b) => new DataView(b.buffer).setUint32(4, 200, true)],
    ];
    for (const [what, corrupt] of cases) {
      const b = bad.slice();
      corrupt(b);
      for (const chunk of [undefined, 3, 17]) {
        const { packets, anomalies } = parse(concatBytes(head, b, tail), chunk);
        expect(
          packets.map((p) => p.ts),
          what,
        ).toEqual([1, 3, 4]);
        expect(anomalies.get("corrupt_block"), what).toBe(1);
        expect(anomalies.first.get("corrupt_block")?.offset, what).toBe(head.length);
        expect(anomalies.total(), what).toBe(1);
      }
    }
  });

  it("checks the trailing length of skipped blocks", () => {
    const nrb = block(BT_NRB, bytes(16));
    new DataView(nrb.buffer).setUint32(nrb.length - 4, 99, true);
    const buf = concatBytes(shb(), idb(1), nrb, epb(0, 1n, bytes(10)));
    const { packets, anomalies } = parse(buf, 7);
    expect(packets).toHaveLength(1);
    expect(anomalies.get("corrupt_block")).toBe(1);
  });

  it("counts a truncated last block at every cut position", () => {
    const head = concatBytes(shb(), idb(1), epb(0, 1n, bytes(10)));
    for (const last of [epb(0, 2n, bytes(33)), block(BT_NRB, bytes(20)), spb(bytes(9))]) {
      const full = concatBytes(head, last);
      for (let cut = head.length; cut < full.length; cut++) {
        const { packets, anomalies } = parse(full.subarray(0, cut), 6);
        expect(packets).toHaveLength(1);
        if (cut === head.length) {
          expect(anomalies.total()).toBe(0);
        } else {
          const kind = cut - head.length < 8 ? "truncated_header" : "truncated_record";
          expect(anomalies.get(kind), `cut ${cut}`).toBe(1);
          expect(anomalies.toCounts(), `cut ${cut}`).toEqual({ [kind]: 1 });
          expect(anomalies.first.get(kind)?.offset).toBe(head.length);
        }
      }
    }
  });

  it("gives the same result whatever the chunk size", () => {
    const buf = concatBytes(
      shb(false),
      idb(1, 0, { tsresol: 9 }, false),
      epb(0, 5n, bytes(100), 100, false),
      shb(),
      idb(101),
      block(0x4444, bytes(50)),
      spb(bytes(70)),
      epb(0, 6n, bytes(1)),
    );
    const whole = parse(buf);
    for (const size of [1, 2, 3, 4, 5, 8, 12, 31, 64]) {
      const c = parse(buf, size);
      expect(c.packets).toEqual(whole.packets);
      expect(c.anomalies.toCounts()).toEqual(whole.anomalies.toCounts());
    }
  });
});

describe("pcapng timestamp resolutions", () => {
  const ref = (resol: number, v: bigint) =>
    Number(
      resol & 0x80
        ? (v * 1_000_000n) / (1n << BigInt(resol & 0x7f))
        : resol >= 6
          ? v / 10n ** BigInt(resol - 6)
          : v * 10n ** BigInt(6 - resol),
    );
  it("converts every resolution exactly to microseconds", () => {
    const cases: [number, bigint][] = [
      [6, T0N * 1_000_000n + 999_999n],
      [9, T0N * 1_000_000_000n + 999_999_999n],
      [9, 0xffff_ffff_ffff_ffffn],
      [12, T0N * 10n ** 12n + 123_456_789_012n],
      [3, T0N * 1000n + 999n],
      [0, T0N],
      [0x80 | 10, T0N * 1024n + 1023n],
      [0x80 | 32, (T0N << 32n) + 0xffff_ffffn],
      [0x80 | 0, T0N],
      [0x80 | 40, (T0N << 40n) + 12345n],
      [15, T0N * 10n ** 15n + 1n],
    ];
    for (const [resol, v] of cases) {
      const ifc = new PcapngInterface(1, 0);
      ifc.setResolution(resol);
      const hi = Number(v >> 32n);
      const lo = Number(v & 0xffff_ffffn);
      expect(ifc.micros(hi, lo), `resol ${resol}`).toBe(ref(resol, v));
    }
  });
});

describe("pcapng written by editcap", () => {
  const src = "../shared/data/pcaps/ctu-iot-malware-capture-3-1/test.pcap";
  let have = true;
  try {
    execFileSync("editcap", ["--version"], { stdio: "ignore" });
  } catch {
    have = false;
  }
  it.skipIf(!have)("matches the classic pcap it was converted from (pcapng and nsec pcap)", () => {
    const dir = mkdtempSync(join(tmpdir(), "portent-capture-"));
    try {
      execFileSync("editcap", ["-F", "pcapng", src, join(dir, "a.pcapng")]);
      execFileSync("editcap", ["-F", "nsecpcap", src, join(dir, "a.ns.pcap")]);
      const orig = parse(readFileSync(src));
      const ng = parse(readFileSync(join(dir, "a.pcapng")), 65536);
      const ns = parse(readFileSync(join(dir, "a.ns.pcap")));
      expect(orig.packets).toHaveLength(12202);
      for (const other of [ng, ns]) {
        expect(other.anomalies.total()).toBe(0);
        expect(other.packets.map((p) => [p.ts, p.linkType, p.origLen, p.data])).toEqual(
          orig.packets.map((p) => [p.ts, p.linkType, p.origLen, p.data]),
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
