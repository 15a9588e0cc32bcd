import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Cursor } from "./cursor.js";
import { ipv4ToString } from "./decoded.js";
import { formatIpv6Groups, readIpv6Text } from "./ipv6-text.js";
import { cat, decode, ether, ipPacket, ipv4, ipv6, tcpSyn4, u16s } from "./test-util.js";

/** The TCP segment of a SYN to port 80, without its IP header. */
const tcp = tcpSyn4(80).subarray(20);
const tcpBytes = new Uint8Array(tcp);

describe("IPv4", () => {
  it("decodes addresses, id, ttl and options", () => {
    const nops = Uint8Array.of(1, 1, 1, 1, 1, 1, 1, 0); // 8 option bytes
    const r = decode(ether(0x0800, ipv4(6, tcpBytes, { options: nops, id: 54321 })));
    expect(r.ok).toBe(true);
    expect(ipv4ToString(r.out.src4)).toBe("192.0.2.1");
    expect(r.out.srcKey).toBe(r.out.src4);
    expect(r.out.dstKey).toBe(r.out.dst4);
    expect(r.out.ipOptionsLen).toBe(8);
    expect(r.out.ipId).toBe(54321);
    expect(r.out.ttl).toBe(64);
    expect(r.out.dport).toBe(80);
    expect(r.out.tcpFlags).toBe(2);
    expect(r.anomalies.total()).toBe(0);
  });

  it("marks fragments and skips their transport", () => {
    for (const frag of [0x2000, 0x0010, 0x2010]) {
      const r = decode(ether(0x0800, ipv4(6, tcpBytes, { frag })));
      expect(r.ok).toBe(true);
      expect(r.out.fragment).toBe(true);
      expect(r.out.proto).toBe(6);
      expect(r.out.dport).toBe(0);
      expect(r.out.payloadLength).toBe(0);
      expect(r.anomalies.get("ip_fragment")).toBe(1);
    }
    const df = decode(ether(0x0800, ipv4(6, tcpBytes, { frag: 0x4000 })));
    expect(df.out.fragment).toBe(false);
    expect(df.out.dport).toBe(80);
  });

  it("trusts a zero total length as segmentation offload", () => {
    const r = decode(
      ether(0x0800, ipv4(17, cat(u16s(5353, 53, 12, 0), Uint8Array.of(1, 2, 3, 4)), { total: 0 })),
    );
    expect(r.out.payloadLength).toBe(4);
    expect(r.anomalies.total()).toBe(0);
  });

  it("rejects a header length below 20 and a total length below the header", () => {
    const p = ipv4(6, tcpBytes);
    p[0] = 0x44;
    expect(decode(p, 101).anomalies.get("bad_ip_header")).toBe(1);
    const short = decode(ipv4(6, tcpBytes, { total: 19 }), 101);
    expect(short.ok).toBe(false);
    expect(short.anomalies.get("bad_ip_header")).toBe(1);
  });

  it("counts a total length beyond the frame but decodes the bytes there", () => {
    const r = decode(ipv4(6, tcpBytes, { total: 400 }), 101);
    expect(r.ok).toBe(true);
    expect(r.anomalies.get("bad_ip_header")).toBe(1);
    expect(r.out.dport).toBe(80);
  });

  it("does not count a total length beyond a snap-length-cut capture", () => {
    const full = ipv4(6, cat(tcpBytes, new Uint8Array(1000)));
    const r = decode(full.subarray(0, 60), 101, full.length);
    expect(r.anomalies.total()).toBe(0);
    expect(r.out.payloadLength).toBe(20);
  });

  it("rejects an ethertype/version mismatch", () => {
    const r = decode(ether(0x0800, ipv6(59, new Uint8Array(0))));
    expect(r.ok).toBe(false);
    expect(r.anomalies.get("bad_ip_version")).toBe(1);
  });
});

const hbh = (next: number) => Uint8Array.of(next, 0, 1, 4, 0, 0, 0, 0);
const frag = (next: number, offset: number, more: boolean, ident: number) =>
  cat(Uint8Array.of(next, 0), u16s((offset << 3) | (more ? 1 : 0), ident >>> 16, ident & 0xffff));

describe("IPv6", () => {
  it("decodes the fixed header with canonical addresses", () => {
    const p = ipPacket({
      src: "2001:db8:0:0:1:0:0:1",
      dst: "2001:0db8::0001",
      proto: "udp",
      dport: 53,
      ttl: 7,
    });
    const r = decode(p, 101);
    expect(r.out.src6).toBe("2001:db8::1:0:0:1");
    expect(r.out.dst6).toBe("2001:db8::1");
    expect(r.out.srcKey).toBe("2001:db8::1:0:0:1");
    expect(r.out.src4).toBe(0);
    expect(r.out.ttl).toBe(7);
    expect(r.out.dport).toBe(53);
  });

  it("walks hop-by-hop, destination options and a fragment header", () => {
    const chain = cat(hbh(60), hbh(44), frag(6, 0, true, 0xabcd1234), tcpBytes);
    const r = decode(ipv6(0, chain), 101);
    expect(r.ok).toBe(true);
    expect(r.out.fragment).toBe(true);
    expect(r.out.ipId).toBe(0x1234);
    expect(r.out.proto).toBe(6);
    expect(r.out.dport).toBe(0);
    expect(r.anomalies.get("ip_fragment")).toBe(1);
    const later = decode(ipv6(44, cat(frag(6, 185, false, 7), tcpBytes)), 101);
    expect(later.out.fragment).toBe(true);
  });

  it("decodes through an atomic fragment (RFC 6946), routing, AH and mobility headers", () => {
    const ah = cat(Uint8Array.of(135, 4), new Uint8Array(22)); // (4 + 2) * 4 = 24 bytes
    const routing = Uint8Array.of(51, 0, 0, 0, 0, 0, 0, 0);
    const mobility = cat(Uint8Array.of(6, 1), new Uint8Array(14));
    const chain = cat(frag(43, 0, false, 99), routing, ah, mobility, tcpBytes);
    const r = decode(ipv6(44, chain), 101);
    expect(r.out.fragment).toBe(false);
    expect(r.out.ipId).toBe(99);
    expect(r.out.proto).toBe(6);
    expect(r.out.dport).toBe(80);
    expect(r.out.payloadLength).toBe(0);
    expect(r.anomalies.total()).toBe(0);
  });

  it("bounds the extension header chain", () => {
    const chain = cat(...Array.from({ length: 9 }, () => hbh(60)), tcpBytes);
    const r = decode(ipv6(60, chain), 101);
    expect(r.ok).toBe(true);
    expect(r.anomalies.get("ipv6_ext_header_loop")).toBe(1);
    expect(r.out.dport).toBe(0);
  });

  it("stops at no-next-header and reports a cut extension header", () => {
    const none = decode(ipv6(60, hbh(59)), 101);
    expect(none.ok).toBe(true);
    expect(none.out.proto).toBe(59);
    const full = ipv6(0, cat(Uint8Array.of(6, 2), new Uint8Array(22)));
    const cut = decode(full.subarray(0, 50), 101, full.length);
    expect(cut.ok).toBe(true);
    expect(cut.anomalies.get("truncated_packet")).toBe(1);
    const lying = decode(ipv6(0, Uint8Array.of(6, 2, 0, 0, 0, 0, 0, 0)), 101);
    expect(lying.anomalies.get("bad_ip_header")).toBe(1);
  });
});

describe("IPv6 text", () => {
  const fmt = (...g: number[]) => formatIpv6Groups(Int32Array.from(g));
  it("follows RFC 5952", () => {
    expect(fmt(0, 0, 0, 0, 0, 0, 0, 0)).toBe("::");
    expect(fmt(0, 0, 0, 0, 0, 0, 0, 1)).toBe("::1");
    expect(fmt(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0)).toBe("2001:db8::");
    expect(fmt(0x2001, 0xdb8, 0, 1, 0, 0, 0, 1)).toBe("2001:db8:0:1::1"); // single 0 kept
    expect(fmt(0x2001, 0, 0, 1, 0, 0, 0, 1)).toBe("2001:0:0:1::1"); // longest run wins
    expect(fmt(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1)).toBe("2001:db8::1:0:0:1"); // first on a tie
    expect(fmt(0x2001, 0xdb8, 0xabcd, 0x12, 0xff, 0xa, 0xb, 0xc)).toBe("2001:db8:abcd:12:ff:a:b:c");
    expect(fmt(0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201)).toBe("::ffff:192.0.2.1");
  });

  it("matches the WHATWG URL serializer and survives cache collisions", () => {
    const group = fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: 0, max: 0xffff }));
    const c = new Cursor();
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (g) => {
        const bytes = new Uint8Array(16);
        g.forEach((v, i) => {
          bytes[i * 2] = v >> 8;
          bytes[i * 2 + 1] = v & 255;
        });
        const text = readIpv6Text(c.reset(bytes));
        expect(readIpv6Text(c.reset(bytes))).toBe(text); // a cache hit gives the same text
        const mapped = g.slice(0, 5).every((v) => v === 0) && g[5] === 0xffff;
        if (!mapped) expect(text).toBe(new URL(`http://[${text}]/`).hostname.slice(1, -1));
        const hex = g.map((v) => v.toString(16)).join(":");
        expect(new URL(`http://[${hex}]/`).hostname).toBe(new URL(`http://[${text}]/`).hostname);
      }),
      { numRuns: 3000 },
    );
  });
});
