import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatPortentTs,
  formatProxyV1,
  PROXY_V1_MAX_LENGTH,
  parsePortentTs,
  parsePreamble,
  parseProxyV1,
} from "./proxy-protocol.js";

const enc = (s: string) => new TextEncoder().encode(s);

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join("."));
const ipv6 = fc.ipV6().filter((a) => !a.includes("%"));
const port = fc.nat(65535);
const endpoints = fc.oneof(
  fc.record({ src: ipv4, dst: ipv4, sport: port, dport: port }),
  fc.record({ src: ipv6, dst: ipv6, sport: port, dport: port }),
);

describe("parseProxyV1", () => {
  it("reads a TCP4 line and its length", () => {
    const b = enc("PROXY TCP4 198.51.100.7 203.0.113.9 40123 8000\r\nGET / HTTP/1.1\r\n");
    expect(parseProxyV1(b)).toEqual({
      family: "TCP4",
      src: "198.51.100.7",
      dst: "203.0.113.9",
      sport: 40123,
      dport: 8000,
      length: 48,
    });
  });

  it("reads a TCP6 line", () => {
    const r = parseProxyV1(enc("PROXY TCP6 2001:db8::10 2001:db8::1 65535 0\r\n"));
    expect(r).toMatchObject({ family: "TCP6", src: "2001:db8::10", sport: 65535, dport: 0 });
  });

  it("asks for more bytes while the prefix can still become a line", () => {
    const line = "PROXY TCP4 198.51.100.7 203.0.113.9 40123 8000\r\n";
    for (let n = 0; n < line.length; n++)
      expect(parseProxyV1(enc(line.slice(0, n)))).toBeUndefined();
  });

  it.each([
    ["not PROXY at all", "GET / HTTP/1.1\r\n"],
    ["UNKNOWN", "PROXY UNKNOWN\r\n"],
    ["UDP4", "PROXY UDP4 192.0.2.1 192.0.2.2 1 2\r\n"],
    ["family mismatch", "PROXY TCP4 2001:db8::1 192.0.2.2 1 2\r\n"],
    ["leading zero address", "PROXY TCP4 192.0.2.01 192.0.2.2 1 2\r\n"],
    ["leading zero port", "PROXY TCP4 192.0.2.1 192.0.2.2 01 2\r\n"],
    ["port too large", "PROXY TCP4 192.0.2.1 192.0.2.2 1 65536\r\n"],
    ["double space", "PROXY TCP4  192.0.2.1 192.0.2.2 1 2\r\n"],
    ["missing field", "PROXY TCP4 192.0.2.1 192.0.2.2 1\r\n"],
    ["extra field", "PROXY TCP4 192.0.2.1 192.0.2.2 1 2 3\r\n"],
    ["bare LF", "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\n"],
    ["CR without LF", "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\rX"],
    ["zone id", "PROXY TCP6 fe80::1%eth0 fe80::2 1 2\r\n"],
    ["host name", "PROXY TCP4 example.com 192.0.2.2 1 2\r\n"],
  ])("refuses %s", (_why, text) => {
    expect(parseProxyV1(enc(text))).toBe("invalid");
  });

  it("refuses a line longer than 107 bytes even when it ends later", () => {
    const long = `PROXY TCP4 192.0.2.1 192.0.2.2 1 2${" ".repeat(PROXY_V1_MAX_LENGTH)}\r\n`;
    expect(parseProxyV1(enc(long))).toBe("invalid");
    expect(parseProxyV1(enc(long.slice(0, PROXY_V1_MAX_LENGTH)))).toBe("invalid");
  });

  it("reads back every line formatProxyV1 writes", () => {
    fc.assert(
      fc.property(endpoints, fc.uint8Array({ maxLength: 20 }), (e, tail) => {
        const line = enc(formatProxyV1(e));
        const r = parseProxyV1(new Uint8Array([...line, ...tail]));
        expect(r).toEqual({
          family: e.src.includes(":") ? "TCP6" : "TCP4",
          ...e,
          length: line.length,
        });
        expect(line.length).toBeLessThanOrEqual(PROXY_V1_MAX_LENGTH);
      }),
    );
  });

  it("never throws, and a line it accepts is one it would also format", () => {
    const near = fc
      .tuple(endpoints, fc.nat(60), fc.uint8Array({ maxLength: 3 }))
      .map(([e, cut, junk]) => {
        const b = enc(formatProxyV1(e));
        return new Uint8Array([
          ...b.subarray(0, Math.min(cut, b.length)),
          ...junk,
          ...b.subarray(cut),
        ]);
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), near), (bytes) => {
        const r = parseProxyV1(bytes);
        if (r === undefined || r === "invalid") return;
        expect(formatProxyV1(r)).toBe(new TextDecoder().decode(bytes.subarray(0, r.length)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("parsePortentTs", () => {
  it("reads the timestamp after a given offset", () => {
    const b = enc("xxPORTENT-TS 1528945800123456\r\nrest");
    expect(parsePortentTs(b, 2)).toEqual({ ts: 1528945800123456, length: 29 });
  });

  it("tells absent, incomplete and invalid apart", () => {
    expect(parsePortentTs(enc("GET /"))).toBe("absent");
    expect(parsePortentTs(enc(""))).toBeUndefined();
    expect(parsePortentTs(enc("PORTENT-T"))).toBeUndefined();
    expect(parsePortentTs(enc("PORTENT-TS 15289"))).toBeUndefined();
    expect(parsePortentTs(enc("PORTENT-TS \r\n"))).toBe("invalid");
    expect(parsePortentTs(enc("PORTENT-TS 0123\r\n"))).toBe("invalid");
    expect(parsePortentTs(enc("PORTENT-TS -5\r\n"))).toBe("invalid");
    expect(parsePortentTs(enc("PORTENT-TS 99999999999999999\r\n"))).toBe("invalid");
  });

  it("never throws on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(45), (b, at) => {
        const r = parsePortentTs(b, at);
        if (typeof r === "object") expect(Number.isSafeInteger(r.ts)).toBe(true);
      }),
    );
  });
});

describe("parsePreamble", () => {
  const proxy = "PROXY TCP4 198.51.100.7 203.0.113.9 40123 8000\r\n";

  it("reads PROXY and PORTENT-TS and says where the client's bytes start", () => {
    const text = `${proxy}${formatPortentTs(1528945800123456)}POST /x`;
    const r = parsePreamble(enc(text));
    expect(r).toMatchObject({ ts: 1528945800123456, proxy: { dport: 8000 } });
    if (typeof r !== "object") throw new Error("no preamble");
    expect(text.slice(r.length)).toBe("POST /x");
  });

  it("takes PROXY alone when the next bytes cannot be PORTENT-TS", () => {
    const r = parsePreamble(enc(`${proxy}POST /x`));
    expect(r).toEqual(expect.objectContaining({ length: proxy.length }));
    expect(r).not.toHaveProperty("ts");
  });

  it("waits on bytes that could begin PORTENT-TS, unless told the input is complete", () => {
    expect(parsePreamble(enc(`${proxy}PO`))).toBeUndefined();
    expect(parsePreamble(enc(proxy))).toBeUndefined();
    expect(parsePreamble(enc(`${proxy}PO`), true)).toMatchObject({ length: proxy.length });
    expect(parsePreamble(enc("PROXY TCP4"), true)).toBe("invalid");
  });

  it("refuses PORTENT-TS without PROXY and a broken PORTENT-TS", () => {
    expect(parsePreamble(enc(formatPortentTs(5)))).toBe("invalid");
    expect(parsePreamble(enc(`${proxy}PORTENT-TS x\r\n`))).toBe("invalid");
  });

  it("never throws on random bytes after a valid PROXY line", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.boolean(), (tail, complete) => {
        const b = new Uint8Array([...enc(proxy), ...tail]);
        const r = parsePreamble(b, complete);
        if (typeof r === "object") expect(r.length).toBeLessThanOrEqual(b.length);
      }),
    );
  });
});
