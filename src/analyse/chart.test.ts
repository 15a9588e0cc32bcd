import { describe, expect, it } from "vitest";
import { resampleMax, textChart } from "./chart.js";

describe("text chart", () => {
  it("resamples by the maximum of each column, so a one-bucket peak survives", () => {
    expect(resampleMax([1, 1, 9, 1, 1, 1], 3)).toEqual([1, 9, 1]);
    expect(resampleMax([2, 3], 10)).toEqual([2, 3]);
  });

  it("draws rows of blocks with the maximum on the top row and marks under the plot", () => {
    const lines = textChart([0, 0, 2, 4, 8, 8], {
      width: 6,
      height: 2,
      marks: [
        { index: 2, char: "o" },
        { index: 2, char: "d" },
      ],
    });
    expect(lines).toEqual(["8 ┤    ██", "  ┤  ▄███", "     od"]);
  });

  it("keeps a flat series flat and an empty one empty", () => {
    expect(textChart([5, 5, 5], { width: 3, height: 1 })).toEqual(["5 ┤███"]);
    expect(textChart([], { width: 3, height: 1 })).toEqual([]);
  });
});
