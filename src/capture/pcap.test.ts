import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildFrame } from "../simulate/frames.js";
import { concatBytes, pcapFile } from "./capture-build.js";
import { pcapGlobalHeader, pcapRecord } from "./pcap-writer.js";
import { parseForTest } from "./test-parse.js";

function parse(buf: Uint8Array, chunkSize?: number) {
  return parseForTest(buf, "t.pcap", chunkSize);
}

const frame = (n: number) =>
  buildFrame({ src: "192.0.2.1", dst: "198.51.100.2", proto: "udp", sport: 1000 + n, dport: 53 });
const T0 = 1_528_945_800; // 2018-06-14T03:10:00Z

function records(n: number) {
  return Array.from({ length: n }, (_, i) => ({ sec: T0 + i, sub: 1000 * i + 7, data: frame(i) }));
}

describe("pcap reader", () => {
  it("reads a little-endian microsecond pcap written by the writer", () => {
    const f = frame(1);
    const buf = concatBytes(pcapGlobalHeader(1, 65535), pcapRecord(T0 * 1e6 + 5, f, 1500));
    const { packets, anomalies, summary } = parse(buf);
    expect(packets).toEqual([
      { ts: T0 * 1e6 + 5, linkType: 1, data: [...f], origLen: 1500, offset: 24 },
    ]);
    expect(anomalies.total()).toBe(0);
    expect(summary).toMatchObject({ format: "pcap", gzip: false, packets: 1, bytes: buf.length });
  });

  it("reads both byte orders and both resolutions alike", () => {
    const recs = records(5);
    const expected = parse(pcapFile({}, recs)).packets;
    expect(expected).toHaveLength(5);
    expect(expected[3].ts).toBe((T0 + 3) * 1e6 + 3007);
    expect(parse(pcapFile({ le: false }, recs)).packets).toEqual(expected);
    const nanoRecs = recs.map((r) => ({ ...r, sub: r.sub * 1000 + 999 }));
    expect(parse(pcapFile({ nano: true }, nanoRecs)).packets).toEqual(expected);
    expect(parse(pcapFile({ nano: true, le: false }, nanoRecs)).packets).toEqual(expected);
  });

  it("takes the link type from the low 16 bits (upper bits carry FCS information)", () => {
    const buf = pcapFile({ linkType: 0x14000000 | 101 }, records(1));
    expect(parse(buf).packets[0].linkType).toBe(101);
  });

  it("gives the same packets whatever the chunk size (records straddling chunks)", () => {
    const buf = pcapFile({ le: false }, records(20));
    const whole = parse(buf);
    for (const size of [1, 2, 3, 7, 16, 17, 41, 100]) {
      const chunked = parse(buf, size);
      expect(chunked.packets).toEqual(whole.packets);
      expect(chunked.anomalies.total()).toBe(0);
    }
  });

  it("counts a truncated last record at every cut position and never throws", () => {
    const recs = records(3);
    const full = pcapFile({}, recs);
    const lastStart = full.length - 16 - recs[2].data.length;
    for (let cut = lastStart; cut < full.length; cut++) {
      for (const chunk of [undefined, 5]) {
        const { packets, anomalies } = parse(full.subarray(0, cut), chunk);
        expect(packets).toHaveLength(2);
        if (cut === lastStart) {
          expect(anomalies.total()).toBe(0);
        } else if (cut - lastStart < 16) {
          expect(anomalies.get("truncated_header")).toBe(1);
          expect(anomalies.first.get("truncated_header")?.offset).toBe(lastStart);
        } else {
          expect(anomalies.get("truncated_record")).toBe(1);
          expect(anomalies.total()).toBe(1);
        }
      }
    }
    for (let cut = 4; cut < 24; cut++) {
      const { packets, anomalies } = parse(full.subarray(0, cut));
      expect(packets).toHaveLength(0);
      expect(anomalies.get("truncated_header")).toBe(1);
    }
  });

  it("delivers a record above the snap length and counts it", () => {
    const buf = pcapFile({ snaplen: 40 }, records(3));
    const { packets, anomalies } = parse(buf, 9);
    expect(packets).toHaveLength(3);
    expect(anomalies.get("caplen_above_snaplen")).toBe(3);
    expect(anomalies.first.get("caplen_above_snaplen")?.offset).toBe(24);
  });

  it("resynchronises after an oversize record header", () => {
    const recs = records(6);
    const good = pcapFile({}, recs);
    // Corrupt the captured length of record 2: the reader must skip it and find record 3.
    const rec2 = 24 + 2 * (16 + recs[0].data.length);
    for (const caplen of [0x7fffffff, 262145, 0xffffffff]) {
      const bad = good.slice();
      new DataView(bad.buffer).setUint32(rec2 + 8, caplen, true);
      for (const chunk of [undefined, 1, 13, 64]) {
        const { packets, anomalies } = parse(bad, chunk);
        expect(packets.map((p) => p.ts)).toEqual(
          [0, 1, 3, 4, 5].map((i) => (T0 + i) * 1e6 + 1000 * i + 7),
        );
        expect(anomalies.get("record_too_large")).toBe(1);
        expect(anomalies.first.get("record_too_large")?.offset).toBe(rec2);
        expect(anomalies.total()).toBe(1);
      }
    }
  });

  it("resynchronises onto the last record when it ends the file", () => {
    const recs = records(3);
    const bad = pcapFile({}, recs);
    const rec1 = 24 + 16 + recs[0].data.length;
    new DataView(bad.buffer).setUint32(rec1 + 8, 1 << 30, true);
    const { packets, anomalies } = parse(bad, 10);
    expect(packets).toHaveLength(2);
    expect(packets[1].offset).toBe(rec1 + 16 + recs[1].data.length);
    expect(anomalies.get("record_too_large")).toBe(1);
  });

  it("drops the rest of a file that holds no plausible record after corruption", () => {
    const junk = new Uint8Array(5000).fill(0xff);
    const buf = concatBytes(pcapFile({}, records(2)), junk);
    const { packets, anomalies } = parse(buf, 333);
    expect(packets).toHaveLength(2);
    expect(anomalies.get("record_too_large")).toBe(1);
    expect(anomalies.total()).toBe(1);
  });
});

describe("real pcap files", () => {
  it("reads the CTU IoT-23 Muhstik capture (12,202 packets)", () => {
    const buf = readFileSync("../shared/data/pcaps/ctu-iot-malware-capture-3-1/test.pcap");
    const { summary, anomalies } = parse(buf);
    expect(summary.packets).toBe(12202);
    expect(anomalies.total()).toBe(0);
    expect(new Date(Math.floor((summary.firstTs ?? 0) / 1000)).toISOString()).toMatch(
      /^2018-05-19T19:00:02/,
    );
    expect(parse(buf, 4093).summary).toEqual(summary);
  });

  it("reads suricata-verify bug-5437-02 (60 packets)", () => {
    const buf = readFileSync("../shared/data/pcaps/suricata-verify-bug-5437/bug-5437-02.pcap");
    const { summary, anomalies, packets } = parse(buf);
    expect(summary.packets).toBe(60);
    expect(anomalies.total()).toBe(0);
    expect(packets.every((p) => p.linkType === 1)).toBe(true);
  });
});
