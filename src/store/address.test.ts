import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addrBigInt, addrText, bigIntAddrText, canonicalAddr, putAddr } from "./address.js";

describe("store addresses", () => {
  const words = new Uint32Array(8);

  it("keeps IPv4 as ::ffff:a.b.c.d and prints it as a dotted quad", () => {
    expect(putAddr(0xc0000201, words, 1)).toBe(true);
    expect([...words.subarray(4)]).toEqual([0xc0000201, 0xffff, 0, 0]);
    expect(addrText(words, 1)).toBe("192.0.2.1");
    expect(addrBigInt(words, 1)).toBe(0xffffc0000201n);
    expect(putAddr("198.51.100.7", words, 0)).toBe(true);
    expect(addrText(words, 0)).toBe("198.51.100.7");
    expect(canonicalAddr("::ffff:203.0.113.5")).toBe("203.0.113.5");
  });

  it("reads IPv6 text in every spelling and prints it canonically", () => {
    for (const [text, want] of [
      ["2001:db8::1", "2001:db8::1"],
      ["2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
      ["::", "::"],
      ["::1", "::1"],
      ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6"],
      ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
    ] as const) {
      expect(putAddr(text, words, 0)).toBe(true);
      expect(addrText(words, 0)).toBe(want);
      expect(bigIntAddrText(addrBigInt(words, 0))).toBe(want);
    }
  });

  it("writes zeros for text that is not an address", () => {
    for (const bad of ["", "1.2.3", "256.1.1.1", "2001:db8::1::2", "g::1", "1:2:3:4:5:6:7:8:9"]) {
      expect(putAddr(bad, words, 0)).toBe(false);
      expect([...words.subarray(0, 4)]).toEqual([0, 0, 0, 0]);
    }
  });

  it("round-trips any IPv6 address through text and the 128-bit number", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }),
        (g) => {
          const text = g.map((x) => x.toString(16)).join(":");
          expect(putAddr(text, words, 0)).toBe(true);
          const printed = addrText(words, 0);
          expect(putAddr(printed, words, 1)).toBe(true);
          expect([...words.subarray(4)]).toEqual([...words.subarray(0, 4)]);
          expect(bigIntAddrText(addrBigInt(words, 0))).toBe(printed);
        },
      ),
    );
  });
});
