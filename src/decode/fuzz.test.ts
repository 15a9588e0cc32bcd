import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Anomalies } from "../schema/anomalies.js";
import type { RawPacket } from "../schema/raw-packet.js";
import { buildFrame, linuxSynOptions } from "../simulate/frames.js";
import { decodePacket } from "./decode.js";
import { DecodedPacket } from "./decoded.js";
import { cat, ether, ipv4, ipv6, readPcapRecords, tcpSyn4, u16s } from "./test-util.js";

const LINK_TYPES = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276];

const http = new TextEncoder().encode("POST /cgi-bin/x HTTP/1.1\r\n\r\n");
const erspan = readPcapRecords("../shared/data/pcaps/suricata-verify-bug-5437/bug-5437-01.pcap");

/** Frames that reach deep into the decoder: each cut and mutated below. */
const FRAMES: [string, Uint8Array, number][] = [
  [
    "tcp syn with options",
    buildFrame({
      src: "192.0.2.1",
      dst: "198.51.100.1",
      proto: "tcp",
      tcpOptions: linuxSynOptions(),
    }),
    1,
  ],
  [
    "qinq ipv6 udp",
    ether(
      0x86dd,
      buildFrame({ src: "2001:db8::1", dst: "2001:db8::2", proto: "udp", payload: http }).subarray(
        14,
      ),
      [
        [0x88a8, 1],
        [0x8100, 2],
      ],
    ),
    1,
  ],
  [
    "ipv6 extension chain",
    ipv6(
      0,
      cat(
        Uint8Array.of(60, 0, 1, 4, 0, 0, 0, 0),
        Uint8Array.of(44, 0, 1, 4, 0, 0, 0, 0),
        Uint8Array.of(6, 0, 0, 0, 0, 0, 0, 1),
        tcpSyn4(80).subarray(20),
      ),
    ),
    101,
  ],
  [
    "gre key seq",
    ether(0x0800, ipv4(47, cat(u16s(0x3000, 0x0800), new Uint8Array(8), tcpSyn4(80, http)))),
    1,
  ],
  [
    "erspan iii",
    ether(
      0x0800,
      ipv4(
        47,
        cat(
          u16s(0x1000, 0x22eb),
          new Uint8Array(4),
          Uint8Array.of(0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
          new Uint8Array(8),
          ether(0x0800, tcpSyn4(80, http)),
        ),
      ),
    ),
    1,
  ],
  [
    "vxlan",
    ether(
      0x0800,
      ipv4(
        17,
        cat(
          u16s(1, 4789, 8 + 8 + 14 + 20 + 20 + http.length, 0),
          Uint8Array.of(8, 0, 0, 0, 0, 0, 1, 0),
          ether(0x0800, tcpSyn4(80, http)),
        ),
      ),
    ),
    1,
  ],
  ["ip in ipv6", ipv6(4, tcpSyn4(80, http)), 101],
  ["real erspan ii", erspan[0]?.data ?? new Uint8Array(0), 1],
];

const out = new DecodedPacket();

/** Decodes and checks the invariants every outcome must keep. */
function check(data: Uint8Array, linkType: number, origLen: number): void {
  const anomalies = new Anomalies();
  const raw: RawPacket = { ts: 0, linkType, data, origLen, offset: 0, fileIndex: 0 };
  const ok = decodePacket(raw, out, anomalies, "fuzz");
  expect(anomalies.get("decoder_error")).toBe(0);
  expect(ok).toBe(out.ipVersion !== 0);
  expect(out.payloadOffset + out.payloadLength).toBeLessThanOrEqual(data.length);
  expect(out.payloadLength).toBeGreaterThanOrEqual(0);
}

describe("decoder robustness", () => {
  it("decodes every seed frame whole without anomalies", () => {
    for (const [name, frame, lt] of FRAMES) {
      const anomalies = new Anomalies();
      const raw = {
        ts: 0,
        linkType: lt,
        data: frame,
        origLen: frame.length,
        offset: 0,
        fileIndex: 0,
      };
      expect(decodePacket(raw, out, anomalies, name), name).toBe(true);
      expect(anomalies.toCounts(), name).toEqual({});
      expect(out.proto, name).toBe(name === "qinq ipv6 udp" ? 17 : 6);
    }
  });

  it("never throws on a frame cut at any byte, by the snap length or on the wire", () => {
    for (const [name, frame, lt] of FRAMES) {
      expect(frame.length, name).toBeGreaterThan(40);
      for (let n = 0; n <= frame.length; n++) {
        const cut = frame.subarray(0, n);
        check(cut, lt, frame.length);
        check(cut, lt, n);
      }
    }
  });

  it("reports a header cut by the snap length as truncated_packet only", () => {
    const [, frame] = FRAMES[3] as [string, Uint8Array, number];
    for (let n = 1; n < 14 + 20 + 4 + 8 + 20 + 20; n++) {
      const anomalies = new Anomalies();
      const raw = {
        ts: 0,
        linkType: 1,
        data: frame.subarray(0, n),
        origLen: frame.length,
        offset: 0,
        fileIndex: 0,
      };
      decodePacket(raw, out, anomalies, "cut");
      expect(anomalies.total(), `cut at ${n}`).toBe(1);
      expect(anomalies.get("truncated_packet"), `cut at ${n}`).toBe(1);
    }
  });

  it("never throws on random bytes under any link type", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...LINK_TYPES, 147),
        fc.uint8Array({ maxLength: 200 }),
        fc.nat({ max: 300 }),
        (lt, data, origLen) => check(data, lt, origLen),
      ),
      { numRuns: 5000 },
    );
  });

  it("never throws on deep frames with random bytes overwritten", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FRAMES),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        ([, frame, lt], edits) => {
          const f = new Uint8Array(frame);
          for (const [at, v] of edits) f[at % f.length] = v;
          check(f, lt, f.length);
        },
      ),
      { numRuns: 5000 },
    );
  });
});
