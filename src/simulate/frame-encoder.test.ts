import { describe, expect, it } from "vitest";
import { TCP_ACK, TCP_PSH, TCP_SYN } from "../decode/decoded.js";
import {
  encodeFrame,
  FrameFields,
  OPT_LINUX_SYN,
  OPT_NONE,
  PROTO_ICMP,
  PROTO_TCP,
  PROTO_UDP,
} from "./frame-encoder.js";
import { buildFrame, type FrameSpec, linuxSynOptions, parseIpv4, parseIpv6 } from "./frames.js";

const enc = new TextEncoder();

/** Fills FrameFields from a FrameSpec so the two builders can be compared byte for byte. */
function fieldsOf(spec: FrameSpec, opt: number): FrameFields {
  const f = new FrameFields();
  const v6 = typeof spec.src === "string" && spec.src.includes(":");
  f.v6 = v6;
  if (v6) {
    f.src6 = parseIpv6(spec.src as string);
    f.dst6 = parseIpv6(spec.dst as string);
  } else {
    f.src4 = typeof spec.src === "number" ? spec.src : parseIpv4(spec.src);
    f.dst4 = typeof spec.dst === "number" ? spec.dst : parseIpv4(spec.dst);
  }
  f.proto = spec.proto === "tcp" ? PROTO_TCP : spec.proto === "udp" ? PROTO_UDP : PROTO_ICMP;
  f.sport = spec.sport ?? 0;
  f.dport = spec.dport ?? 0;
  f.seq = spec.seq ?? 0;
  f.ack = spec.ack ?? 0;
  f.flags = spec.flags ?? 0;
  f.window = spec.window ?? 65535;
  f.ttl = spec.ttl ?? 64;
  f.ipId = spec.ipId ?? 0;
  f.opt = opt;
  f.tsVal = 0x01020304;
  f.tsEcr = 0;
  f.icmpType = spec.icmpType ?? (v6 ? 128 : 8);
  f.icmpCode = spec.icmpCode ?? 0;
  if (spec.payload) f.setPayload(spec.payload);
  return f;
}

function encode(f: FrameFields): Uint8Array {
  const buf = new Uint8Array(2048).fill(0xee);
  const n = encodeFrame(f, buf, 7);
  return buf.slice(7, 7 + n);
}

describe("encodeFrame", () => {
  const cases: Array<[string, FrameSpec, number]> = [
    [
      "IPv4 SYN with Linux options",
      {
        src: "198.18.1.2",
        dst: "203.0.113.9",
        proto: "tcp",
        sport: 40000,
        dport: 8000,
        seq: 0xcb007109,
        flags: TCP_SYN,
        window: 29200,
        ttl: 50,
        ipId: 4321,
        tcpOptions: linuxSynOptions(0x01020304),
      },
      OPT_LINUX_SYN,
    ],
    [
      "IPv4 Mirai SYN without options",
      {
        src: "198.19.5.6",
        dst: "203.0.113.200",
        proto: "tcp",
        sport: 1,
        dport: 23,
        seq: parseIpv4("203.0.113.200"),
        flags: TCP_SYN,
        window: 1234,
        ttl: 47,
        ipId: 65535,
      },
      OPT_NONE,
    ],
    [
      "IPv4 data segment",
      {
        src: "198.19.130.1",
        dst: "203.0.113.2",
        proto: "tcp",
        sport: 50000,
        dport: 80,
        seq: 1,
        ack: 0xfffffff0,
        flags: TCP_PSH | TCP_ACK,
        payload: enc.encode("POST /login.htm HTTP/1.1\r\n"),
      },
      OPT_NONE,
    ],
    [
      "IPv4 UDP with an odd-length payload",
      {
        src: "198.18.0.3",
        dst: "203.0.113.4",
        proto: "udp",
        sport: 5353,
        dport: 1900,
        payload: enc.encode("M-SEARCH *"),
      },
      OPT_NONE,
    ],
    [
      "IPv4 empty UDP",
      { src: "198.18.0.3", dst: "203.0.113.4", proto: "udp", sport: 1, dport: 2 },
      OPT_NONE,
    ],
    [
      "ICMP echo",
      {
        src: "198.18.9.9",
        dst: "203.0.113.1",
        proto: "icmp",
        payload: Uint8Array.of(1, 2, 3, 4, 5),
      },
      OPT_NONE,
    ],
    [
      "IPv6 SYN",
      {
        src: "2001:db8:1::10",
        dst: "2001:db8:ffff::5",
        proto: "tcp",
        sport: 40001,
        dport: 22,
        seq: 77,
        flags: TCP_SYN,
        tcpOptions: linuxSynOptions(0x01020304),
      },
      OPT_LINUX_SYN,
    ],
    [
      "ICMPv6 echo",
      {
        src: "2001:db8:1::10",
        dst: "2001:db8:ffff::5",
        proto: "icmp",
        payload: Uint8Array.of(9, 8, 7),
      },
      OPT_NONE,
    ],
  ];
  for (const [name, spec, opt] of cases) {
    it(`matches buildFrame: ${name}`, () => {
      expect(encode(fieldsOf(spec, opt))).toEqual(buildFrame(spec));
    });
  }

  it("writes a payload slice without copying the rest", () => {
    const req = enc.encode("GET /login.cgi?cli=aa HTTP/1.1\r\n\r\n");
    const f = fieldsOf(
      { src: "198.18.0.1", dst: "203.0.113.3", proto: "tcp", sport: 1, dport: 80 },
      OPT_NONE,
    );
    f.setPayload(req, 4, 19);
    const frame = encode(f);
    expect(new TextDecoder().decode(frame.subarray(54))).toBe("/login.cgi?cli=");
    expect(frame).toEqual(
      buildFrame({
        src: "198.18.0.1",
        dst: "203.0.113.3",
        proto: "tcp",
        sport: 1,
        dport: 80,
        payload: req.subarray(4, 19),
      }),
    );
  });
});
