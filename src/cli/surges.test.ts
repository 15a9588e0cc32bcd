import { describe, expect, it } from "vitest";
import { UsageError } from "../schema/errors.js";
import { parseTime } from "./surges.js";

describe("parseTime", () => {
  const latest = Date.parse("2018-06-16T00:00:00Z") * 1000;
  it("reads ISO times and spans before the newest data", () => {
    expect(parseTime("since", "2018-06-09T00:00Z", latest)).toBe(
      Date.parse("2018-06-09T00:00Z") * 1000,
    );
    expect(parseTime("since", "7d", latest)).toBe(latest - 7 * 86_400e6);
    expect(parseTime("since", "48h", latest)).toBe(latest - 48 * 3_600e6);
    expect(parseTime("since", "90m", latest)).toBe(latest - 90 * 60e6);
  });
  it("names the option and the forms it takes on anything else", () => {
    expect(() => parseTime("until", "last week", latest)).toThrow(UsageError);
    expect(() => parseTime("until", "last week", latest)).toThrow(/--until takes an ISO time/);
  });
});
