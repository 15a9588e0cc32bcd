import { describe, expect, it } from "vitest";
import { HourlyCounts } from "./hourly.js";
import { topIndexes } from "./report.js";

describe("HourlyCounts", () => {
  it("counts hours given in any order and re-bases for earlier ones", () => {
    const h = new HourlyCounts();
    h.add(100);
    h.add(100);
    h.add(130, 3);
    h.add(90);
    expect(h.range(90, 101)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    expect(h.range(129, 132)).toEqual([0, 3, 0]);
    expect(h.range(0, 2)).toEqual([0, 0]);
  });
});

describe("topIndexes", () => {
  it("returns the k largest, largest first, ties by lower index", () => {
    const v = Float64Array.from([5, 1, 9, 5, 7, 0, 9]);
    expect(topIndexes(v, v.length, 3)).toEqual([2, 6, 4]);
    expect(topIndexes(v, v.length, 10)).toEqual([2, 6, 4, 0, 3, 1, 5]);
    expect(topIndexes(v, 0, 3)).toEqual([]);
  });
});

describe("HourlyCounts against a reference", () => {
  it("matches a Map of hour counts for any order, through the sparse-to-dense switch", async () => {
    const fc = (await import("fast-check")).default;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 400_000, max: 400_300 }), { maxLength: 500 }),
        (hours) => {
          const h = new HourlyCounts();
          const ref = new Map<number, number>();
          for (const x of hours) {
            h.add(x);
            ref.set(x, (ref.get(x) ?? 0) + 1);
          }
          const got = h.range(399_990, 400_310);
          for (let i = 0; i < got.length; i++) expect(got[i]).toBe(ref.get(399_990 + i) ?? 0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
