import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PairSet, U32Map } from "./int-hash.js";

describe("U32Map", () => {
  it("behaves like a Map for unsigned 32-bit keys, across growth", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(0xffffffff), fc.nat(1 << 30)), { maxLength: 3000 }),
        (ops) => {
          const m = new U32Map(4);
          const ref = new Map<number, number>();
          for (const [k, v] of ops) {
            m.set(k, v);
            ref.set(k, v);
          }
          expect(m.size).toBe(ref.size);
          for (const [k, v] of ref) expect(m.get(k)).toBe(v);
          expect(m.get(0xfffffffe)).toBe(ref.get(0xfffffffe) ?? -1);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("PairSet", () => {
  it("behaves like a Set of pairs, across growth", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(300), fc.nat(2000)), { maxLength: 3000 }), (pairs) => {
        const s = new PairSet(4);
        const ref = new Set<string>();
        for (const [x, y] of pairs) {
          expect(s.add(x, y)).toBe(!ref.has(`${x},${y}`));
          ref.add(`${x},${y}`);
        }
        expect(s.size).toBe(ref.size);
        let n = 0;
        s.forEach((x, y) => {
          expect(ref.has(`${x},${y}`)).toBe(true);
          n++;
        });
        expect(n).toBe(ref.size);
        expect(s.has(301, 0)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
