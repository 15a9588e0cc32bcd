import { describe, expect, it } from "vitest";
import { ipv4ToString } from "./decoded.js";
import { cat, decode, ether, ipPacket, ipv4, ipv6, tcpSyn4, u16s } from "./test-util.js";

const inner = tcpSyn4(80, new TextEncoder().encode("GET /x HTTP/1.1\r\n\r\n"));
const inner6 = ipPacket({ src: "2001:db8::a", dst: "2001:db8::b", proto: "udp", dport: 161 });

/** Asserts the result is the inner IPv4 packet `inner`, `depth` tunnels deep. */
function expectInner(r: ReturnType<typeof decode>, depth = 1) {
  expect(r.ok).toBe(true);
  expect(r.out.tunnelDepth).toBe(depth);
  expect(ipv4ToString(r.out.src4)).toBe("192.0.2.10");
  expect(ipv4ToString(r.out.dst4)).toBe("203.0.113.5");
  expect(r.out.proto).toBe(6);
  expect(r.out.dport).toBe(80);
  expect(r.out.payloadLength).toBe(19);
  expect(r.anomalies.total()).toBe(0);
}

const gre = (flags: number, ptype: number, ...rest: Uint8Array[]) =>
  ether(0x0800, ipv4(47, cat(u16s(flags, ptype), ...rest)));

describe("GRE", () => {
  it("decodes plain GRE carrying IPv4 and IPv6", () => {
    expectInner(decode(gre(0, 0x0800, inner)));
    const r = decode(gre(0, 0x86dd, inner6));
    expect(r.out.ipVersion).toBe(6);
    expect(r.out.src6).toBe("2001:db8::a");
    expect(r.out.dport).toBe(161);
  });

  it("skips checksum, key and sequence number", () => {
    expectInner(decode(gre(0x3000, 0x0800, new Uint8Array(8), inner))); // key + sequence
    expectInner(decode(gre(0xb000, 0x0800, new Uint8Array(12), inner))); // + checksum
  });

  it("skips RFC 1701 source routes", () => {
    const sre = cat(u16s(0x0800), Uint8Array.of(0, 4), new Uint8Array(4), u16s(0, 0));
    expectInner(decode(gre(0x4000, 0x0800, new Uint8Array(4), sre, inner)));
  });

  it("decodes transparent Ethernet bridging with a VLAN tag inside", () => {
    const r = decode(gre(0, 0x6558, ether(0x0800, inner, [[0x8100, 7]])));
    expectInner(r);
    expect(r.out.vlanCount).toBe(1);
  });

  it("decodes ERSPAN type I (no sequence number) and type II", () => {
    expectInner(decode(gre(0, 0x88be, ether(0x0800, inner))));
    const hdr = Uint8Array.of(0x10, 0x07, 0x00, 0x05, 0, 0, 0, 0x12); // version 1, VLAN 7
    expectInner(decode(gre(0x1000, 0x88be, new Uint8Array(4), hdr, ether(0x0800, inner))));
  });

  it("decodes ERSPAN type III with and without the platform subheader", () => {
    const hdr = (o: boolean, ft = 0) =>
      cat(Uint8Array.of(0x20, 0, 0, 1), new Uint8Array(4), u16s(0, (ft << 10) | (o ? 1 : 0)));
    expectInner(decode(gre(0x1000, 0x22eb, new Uint8Array(4), hdr(false), ether(0x0800, inner))));
    const platform = new Uint8Array(8);
    expectInner(
      decode(gre(0x1000, 0x22eb, new Uint8Array(4), hdr(true), platform, ether(0x0800, inner))),
    );
    expectInner(decode(gre(0x1000, 0x22eb, new Uint8Array(4), hdr(false, 2), inner)));
  });

  it("keeps the outer packet for unsupported GRE payloads", () => {
    for (const [flags, ptype] of [
      [0x3001, 0x880b], // PPTP's enhanced GRE
      [0, 0x1234],
    ] as const) {
      const r = decode(gre(flags, ptype, new Uint8Array(8), new Uint8Array(40)));
      expect(r.ok).toBe(true);
      expect(r.out.proto).toBe(47);
      expect(r.out.tunnelDepth).toBe(0);
      expect(ipv4ToString(r.out.src4)).toBe("192.0.2.1");
      expect(r.anomalies.get("unsupported_tunnel")).toBe(1);
    }
  });

  it("keeps the outer packet when the inner frame is not IP or is broken", () => {
    const arp = decode(gre(0, 0x6558, ether(0x0806, new Uint8Array(28))));
    expect(arp.ok).toBe(true);
    expect(arp.out.proto).toBe(47);
    const broken = decode(gre(0, 0x0800, Uint8Array.of(0x45, 0, 0, 10), new Uint8Array(30)));
    expect(broken.out.proto).toBe(47);
    expect(broken.out.tunnelDepth).toBe(0);
    expect(broken.anomalies.get("bad_ip_header")).toBe(1);
  });
});

describe("VXLAN", () => {
  const vx = (flags: number, payload: Uint8Array) =>
    ipv4(
      17,
      cat(
        u16s(33333, 4789, 16 + payload.length, 0),
        Uint8Array.of(flags, 0, 0, 0, 0, 0, 42, 0),
        payload,
      ),
    );

  it("decodes Ethernet inside VXLAN and forgets the outer UDP facts", () => {
    const r = decode(ether(0x0800, vx(0x08, ether(0x0800, inner))));
    expectInner(r);
    expect(r.out.sport).toBe(40000);
  });

  it("leaves a datagram to 4789 without the I flag as plain UDP", () => {
    const r = decode(ether(0x0800, vx(0x00, ether(0x0800, inner))));
    expect(r.out.proto).toBe(17);
    expect(r.out.dport).toBe(4789);
    expect(r.out.tunnelDepth).toBe(0);
    expect(r.out.payloadLength).toBe(8 + 14 + inner.length);
    expect(r.anomalies.total()).toBe(0);
  });

  it("keeps the outer UDP facts when the inner frame has no IP", () => {
    const r = decode(ether(0x0800, vx(0x08, ether(0x0806, new Uint8Array(28)))));
    expect(r.out.proto).toBe(17);
    expect(r.out.sport).toBe(33333);
    expect(r.out.payloadLength).toBe(8 + 14 + 28);
  });
});

describe("IP in IP", () => {
  it("decodes IPv4-in-IPv4, IPv6-in-IPv4 and IPv4-in-IPv6", () => {
    expectInner(decode(ipv4(4, inner), 101));
    expect(decode(ipv4(41, inner6), 101).out.src6).toBe("2001:db8::a");
    expectInner(decode(ipv6(4, inner), 101));
  });

  it("peels at most 4 tunnels", () => {
    let p = inner;
    for (let i = 0; i < 4; i++) p = ipv4(4, p);
    expectInner(decode(p, 101), 4);
    const deeper = decode(ipv4(4, p), 101);
    expect(deeper.anomalies.get("tunnel_too_deep")).toBe(1);
    expect(deeper.out.tunnelDepth).toBe(4);
    expect(deeper.out.proto).toBe(4);
  });
});
