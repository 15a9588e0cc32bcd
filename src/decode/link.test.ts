import { beforeEach, describe, expect, it } from "vitest";
import { LinkType } from "../schema/raw-packet.js";
import { decodeStats, resetDecodeStats } from "./decode.js";
import { ipv4ToString } from "./decoded.js";
import { cat, decode, ether, ipPacket, ipv6, tcpSyn4, u16s } from "./test-util.js";

const syn6 = ipPacket({ src: "2001:db8::10", dst: "2001:db8::20", proto: "tcp", dport: 23 });

function expectSyn4(r: ReturnType<typeof decode>) {
  expect(r.ok).toBe(true);
  expect(r.out.ipVersion).toBe(4);
  expect(ipv4ToString(r.out.src4)).toBe("192.0.2.10");
  expect(ipv4ToString(r.out.dst4)).toBe("203.0.113.5");
  expect(r.out.dport).toBe(80);
  expect(r.out.proto).toBe(6);
  expect(r.anomalies.total()).toBe(0);
}

describe("link layers", () => {
  beforeEach(() => resetDecodeStats());

  it("decodes plain Ethernet", () => {
    const r = decode(ether(0x0800, tcpSyn4()));
    expectSyn4(r);
    expect(r.out.vlanCount).toBe(0);
    expect(r.out.wireLen).toBe(14 + 40);
  });

  it("decodes QinQ (802.1ad outer, 802.1Q inner) and 0x9100 stacks", () => {
    const qinq = decode(
      ether(0x0800, tcpSyn4(), [
        [0x88a8, 100],
        [0x8100, 200],
      ]),
    );
    expectSyn4(qinq);
    expect(qinq.out.vlanCount).toBe(2);
    const three = decode(
      ether(0x0800, tcpSyn4(), [
        [0x9100, 1],
        [0x88a8, 2],
        [0x8100, 3],
      ]),
    );
    expectSyn4(three);
    expect(three.out.vlanCount).toBe(3);
  });

  it("bounds the VLAN stack", () => {
    const tags: [number, number][] = Array.from({ length: 9 }, () => [0x8100, 1]);
    const r = decode(ether(0x0800, tcpSyn4(), tags));
    expect(r.ok).toBe(false);
    expect(r.anomalies.get("vlan_too_deep")).toBe(1);
  });

  it("decodes Linux cooked SLL and SLL2", () => {
    const sll = cat(u16s(0, 1, 6), Uint8Array.of(2, 0, 0, 0, 0, 1, 0, 0), u16s(0x0800), tcpSyn4());
    expectSyn4(decode(sll, LinkType.LINUX_SLL));
    const sll2 = cat(u16s(0x86dd, 0), Uint8Array.of(0, 0, 0, 2), u16s(1));
    const r = decode(cat(sll2, Uint8Array.of(0, 6, 2, 0, 0, 0, 0, 1, 0, 0), syn6), 276);
    expect(r.ok).toBe(true);
    expect(r.out.src6).toBe("2001:db8::10");
    expect(r.out.dport).toBe(23);
  });

  it("counts cooked netlink and special protocols as non-IP", () => {
    const nl = cat(u16s(4, 824, 0), new Uint8Array(8), u16s(0x0800), tcpSyn4());
    expect(decode(nl, LinkType.LINUX_SLL).ok).toBe(false);
    const llc = cat(u16s(0, 1, 6), new Uint8Array(8), u16s(0x0004), new Uint8Array(20));
    expect(decode(llc, LinkType.LINUX_SLL).ok).toBe(false);
    expect(decodeStats.nonIp).toBe(2);
  });

  it("decodes raw IP by its version nibble, under every raw link type", () => {
    for (const lt of [101, 12, 14, 228]) expectSyn4(decode(tcpSyn4(), lt));
    for (const lt of [101, 12, 14, 229]) {
      const r = decode(syn6, lt);
      expect(r.out.ipVersion).toBe(6);
      expect(r.out.dst6).toBe("2001:db8::20");
    }
    const v5 = decode(Uint8Array.of(0x50, 0, 0, 0), 101);
    expect(v5.ok).toBe(false);
    expect(v5.anomalies.get("bad_ip_version")).toBe(1);
    // 228 promises IPv4: an IPv6 packet there is a version error, not a silent IPv6 decode.
    expect(decode(syn6, 228).anomalies.get("bad_ip_version")).toBe(1);
  });

  it("decodes BSD null loopback in both byte orders and every AF_INET6 value", () => {
    expectSyn4(decode(cat(Uint8Array.of(2, 0, 0, 0), tcpSyn4()), LinkType.NULL));
    expectSyn4(decode(cat(Uint8Array.of(0, 0, 0, 2), tcpSyn4()), LinkType.NULL));
    for (const af of [24, 28, 30]) {
      expect(decode(cat(Uint8Array.of(af, 0, 0, 0), syn6), 0).out.ipVersion).toBe(6);
      expect(decode(cat(Uint8Array.of(0, 0, 0, af), syn6), 0).out.ipVersion).toBe(6);
    }
    const odd = decode(cat(Uint8Array.of(7, 0, 0, 0), tcpSyn4()), 0);
    expect(odd.ok).toBe(false);
    expect(odd.anomalies.get("unsupported_ethertype")).toBe(1);
  });

  it("decodes LOOP with the family in network order", () => {
    expectSyn4(decode(cat(Uint8Array.of(0, 0, 0, 2), tcpSyn4()), LinkType.LOOP));
    expect(decode(cat(Uint8Array.of(0, 0, 0, 30), syn6), LinkType.LOOP).out.ipVersion).toBe(6);
  });

  it("counts an unknown link type as an anomaly", () => {
    const r = decode(tcpSyn4(), 147);
    expect(r.ok).toBe(false);
    expect(r.anomalies.get("unknown_link_type")).toBe(1);
    expect(r.anomalies.first.get("unknown_link_type")).toEqual({
      file: "test.pcap",
      offset: 24,
      detail: "147",
    });
  });

  it("counts ARP, LLDP and LLC frames as non-IP, not as anomalies", () => {
    expect(decode(ether(0x0806, new Uint8Array(28))).ok).toBe(false);
    expect(decode(ether(0x88cc, new Uint8Array(20), [[0x8100, 5]])).ok).toBe(false);
    const stp = decode(ether(38, Uint8Array.of(0x42, 0x42, 0x03, 0, 0, 0, 0, 0)));
    expect(stp.ok).toBe(false);
    expect(stp.anomalies.total()).toBe(0);
    expect(decodeStats.nonIp).toBe(3);
    expect(decodeStats.nonIpByType.get(0x0806)).toBe(1);
    expect(decodeStats.nonIpByType.get(0x88cc)).toBe(1);
    expect(decodeStats.nonIpByType.get(0)).toBe(1);
  });

  it("counts an unknown ethertype as unsupported_ethertype", () => {
    const r = decode(ether(0x1234, new Uint8Array(40)));
    expect(r.ok).toBe(false);
    expect(r.anomalies.first.get("unsupported_ethertype")?.detail).toBe("0x1234");
  });

  it("follows LLC/SNAP, MPLS and PPPoE sessions to IP", () => {
    const snap = Uint8Array.of(0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00);
    expectSyn4(decode(ether(snap.length + 40, cat(snap, tcpSyn4()))));
    const labels = Uint8Array.of(0, 1, 0, 64, 0, 2, 1, 64); // two labels, bottom of stack last
    expectSyn4(decode(ether(0x8847, cat(labels, tcpSyn4()))));
    const pppoe = cat(Uint8Array.of(0x11, 0, 0, 1), u16s(42, 0x0021));
    expectSyn4(decode(ether(0x8864, cat(pppoe, tcpSyn4()))));
    const lcp = cat(Uint8Array.of(0x11, 0, 0, 1), u16s(10, 0xc021), new Uint8Array(8));
    expect(decode(ether(0x8864, lcp)).anomalies.total()).toBe(0);
  });

  it("reports a cut link header as truncated_packet", () => {
    for (const [bytes, lt] of [
      [ether(0x0800, new Uint8Array(0)).subarray(0, 13), 1],
      [Uint8Array.of(2, 0), 0],
      [new Uint8Array(15), 113],
      [new Uint8Array(19), 276],
      [new Uint8Array(0), 101],
    ] as const) {
      const r = decode(bytes, lt);
      expect(r.ok).toBe(false);
      expect(r.anomalies.get("truncated_packet")).toBe(1);
    }
  });

  it("keeps ipv6 decoding under an Ethernet header", () => {
    const r = decode(ether(0x86dd, ipv6(59, new Uint8Array(0))));
    expect(r.ok).toBe(true);
    expect(r.out.proto).toBe(59);
  });
});
