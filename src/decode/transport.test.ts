import { describe, expect, it } from "vitest";
import { buildFrame, linuxSynOptions } from "../simulate/frames.js";
import { cat, decode, ether, ipv4, payloadText, u16s } from "./test-util.js";

const enc = (s: string) => new TextEncoder().encode(s);
const base = { src: "192.0.2.7", dst: "198.51.100.9", sport: 51000, dport: 8080 } as const;

/** A TCP header with the given data-offset byte, flags and option bytes (no payload). */
function tcpHeader(offByte: number, flags: number, options: Uint8Array): Uint8Array {
  return cat(u16s(1234, 80, 0, 1, 0, 0), Uint8Array.of(offByte, flags), u16s(1024, 0, 0), options);
}

describe("TCP", () => {
  it("decodes a Linux SYN with MSS, SACK-permitted, timestamps and window scale", () => {
    const f = buildFrame({
      ...base,
      proto: "tcp",
      flags: 0x02,
      seq: 0xfedcba98,
      window: 64240,
      tcpOptions: linuxSynOptions(0x01020304),
    });
    const r = decode(f);
    expect(r.out.sport).toBe(51000);
    expect(r.out.dport).toBe(8080);
    expect(r.out.seq).toBe(0xfedcba98);
    expect(r.out.ack).toBe(0);
    expect(r.out.window).toBe(64240);
    expect(r.out.tcpFlags).toBe(0x02);
    expect(r.out.tcpOptionsLen).toBe(20);
    expect(r.out.mss).toBe(1460);
    expect(r.out.wscale).toBe(7);
    expect(r.out.sackPermitted).toBe(true);
    expect(r.out.tsVal).toBe(0x01020304);
    expect(r.out.tsEcr).toBe(0);
    expect(r.out.payloadLength).toBe(0);
    expect(r.anomalies.total()).toBe(0);
  });

  it("skips unknown options by length and stops quietly on a malformed one", () => {
    const unknown = Uint8Array.of(30, 6, 1, 2, 3, 4, 2, 4, 0x02, 0x18); // MPTCP-ish, then MSS 536
    const a = decode(ether(0x0800, ipv4(6, tcpHeader(0x80, 2, cat(unknown, Uint8Array.of(0, 0))))));
    expect(a.out.mss).toBe(536);
    const zeroLen = Uint8Array.of(1, 2, 0, 3, 3, 9, 0, 0); // MSS with length 0
    const b = decode(ether(0x0800, ipv4(6, tcpHeader(0x70, 2, zeroLen))));
    expect(b.out.mss).toBe(-1);
    expect(b.out.wscale).toBe(-1);
    const tooLong = Uint8Array.of(3, 3, 5, 8, 12, 0, 0, 0); // window scale, then a 12-byte TS
    const c = decode(ether(0x0800, ipv4(6, tcpHeader(0x70, 2, tooLong))));
    expect(c.out.wscale).toBe(5);
    expect(c.out.tsVal).toBe(-1);
    const eol = Uint8Array.of(0, 2, 4, 5, 0xb4, 0, 0, 0); // end of list first
    expect(decode(ether(0x0800, ipv4(6, tcpHeader(0x70, 2, eol)))).out.mss).toBe(-1);
    expect(a.anomalies.total() + b.anomalies.total() + c.anomalies.total()).toBe(0);
  });

  it("ignores the NS bit and keeps all 8 flag bits", () => {
    const r = decode(ether(0x0800, ipv4(6, tcpHeader(0x51, 0xff, new Uint8Array(0)))));
    expect(r.out.tcpFlags).toBe(0xff);
    expect(r.out.tcpOptionsLen).toBe(0);
    expect(r.anomalies.total()).toBe(0);
  });

  it("rejects a data offset below 5 or beyond the IP payload", () => {
    const low = decode(ether(0x0800, ipv4(6, tcpHeader(0x40, 2, new Uint8Array(0)))));
    expect(low.ok).toBe(true);
    expect(low.out.dport).toBe(80);
    expect(low.anomalies.get("bad_tcp_header")).toBe(1);
    const high = decode(ether(0x0800, ipv4(6, tcpHeader(0xf0, 2, new Uint8Array(8)))));
    expect(high.anomalies.get("bad_tcp_header")).toBe(1);
    expect(high.out.payloadLength).toBe(0);
  });

  it("finds the HTTP payload and trims Ethernet padding by the IP length", () => {
    const f = buildFrame({
      ...base,
      proto: "tcp",
      flags: 0x18,
      payload: enc("GET / HTTP/1.0\r\n\r\n"),
    });
    const r = decode(f);
    expect(r.out.payloadOffset).toBe(54);
    expect(payloadText(r.out)).toBe("GET / HTTP/1.0\r\n\r\n");
    const syn = buildFrame({ ...base, proto: "tcp", flags: 0x02 });
    const padded = decode(cat(syn, new Uint8Array(6)));
    expect(padded.out.payloadLength).toBe(0);
    expect(padded.anomalies.total()).toBe(0);
  });

  it("treats a payload cut by the snap length as normal and a cut header as truncated", () => {
    const f = buildFrame({ ...base, proto: "tcp", flags: 0x18, payload: new Uint8Array(500) });
    const cut = decode(f.subarray(0, 96), 1, f.length);
    expect(cut.out.payloadLength).toBe(42);
    expect(cut.anomalies.total()).toBe(0);
    const g = buildFrame({ ...base, proto: "tcp", flags: 2, tcpOptions: linuxSynOptions() });
    const opts = decode(g.subarray(0, 14 + 20 + 24), 1, g.length);
    expect(opts.out.mss).toBe(1460);
    expect(opts.out.sport).toBe(51000);
    expect(opts.anomalies.get("truncated_packet")).toBe(1);
    const hdr = decode(g.subarray(0, 14 + 20 + 6), 1, g.length);
    expect(hdr.out.sport).toBe(51000);
    expect(hdr.out.dport).toBe(8080);
    expect(hdr.anomalies.get("truncated_packet")).toBe(1);
  });
});

describe("UDP", () => {
  it("decodes ports and payload", () => {
    const r = decode(buildFrame({ ...base, proto: "udp", payload: enc("hello") }));
    expect(r.out.proto).toBe(17);
    expect(r.out.sport).toBe(51000);
    expect(payloadText(r.out)).toBe("hello");
  });

  it("ends the payload at the UDP length when it is shorter than the IP payload", () => {
    const r = decode(ether(0x0800, ipv4(17, cat(u16s(1, 2, 10, 0), enc("abcdef")))));
    expect(payloadText(r.out)).toBe("ab");
    expect(r.anomalies.total()).toBe(0);
  });

  it("counts bad lengths and falls back to the IP payload", () => {
    const low = decode(ether(0x0800, ipv4(17, cat(u16s(1, 2, 4, 0), enc("abc")))));
    expect(low.anomalies.get("bad_udp_header")).toBe(1);
    expect(payloadText(low.out)).toBe("abc");
    const high = decode(ether(0x0800, ipv4(17, cat(u16s(1, 2, 300, 0), enc("abc")))));
    expect(high.anomalies.get("bad_udp_header")).toBe(1);
    expect(payloadText(high.out)).toBe("abc");
  });
});

describe("ICMP", () => {
  it("decodes ICMP and ICMPv6 type, code and the body after 8 bytes", () => {
    const v4 = decode(buildFrame({ ...base, proto: "icmp", icmpType: 8, payload: enc("ping") }));
    expect(v4.out.proto).toBe(1);
    expect(v4.out.icmpType).toBe(8);
    expect(v4.out.icmpCode).toBe(0);
    expect(payloadText(v4.out)).toBe("ping");
    const v6 = decode(
      buildFrame({ src: "2001:db8::1", dst: "2001:db8::2", proto: "icmp", icmpCode: 3 }),
    );
    expect(v6.out.proto).toBe(58);
    expect(v6.out.icmpType).toBe(128);
    expect(v6.out.icmpCode).toBe(3);
  });

  it("counts a message shorter than 8 bytes as bad_icmp, and a cut one as truncated", () => {
    const short = decode(ether(0x0800, ipv4(1, Uint8Array.of(3, 1, 0, 0))));
    expect(short.out.icmpType).toBe(3);
    expect(short.out.icmpCode).toBe(1);
    expect(short.anomalies.get("bad_icmp")).toBe(1);
    const f = buildFrame({ ...base, proto: "icmp", icmpType: 11 });
    const cut = decode(f.subarray(0, 14 + 20 + 1), 1, f.length);
    expect(cut.out.icmpType).toBe(11);
    expect(cut.out.icmpCode).toBe(-1);
    expect(cut.anomalies.get("truncated_packet")).toBe(1);
  });
});
