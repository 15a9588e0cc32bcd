import { describe, expect, it } from "vitest";
import { Regex, regexStats } from "./regex.js";

const flags = { i: false, s: false, m: false, x: false, anchored: false, ungreedy: false };

describe("rule regexes", () => {
  it("runs on RE2 when the pattern allows, with PCRE syntax translated", () => {
    for (const p of ["a\\Z", "\\Ax\\h+y", "[[:alpha:]]{2}\\d++", "(?>ab)c", "\\x{41}\\e"]) {
      const re = Regex.compile(p, flags);
      expect(typeof re === "string" ? re : re.engine, p).toBe("re2");
    }
    const re = Regex.compile("\\Ax\\h+y", flags) as Regex;
    expect(re.search("x \t y", 0)).toBe(true);
    expect(re.end).toBe(5);
  });

  it("falls back to JS for backreferences and lookaround", () => {
    const re = Regex.compile("(?P<q>['\"]).+?(?P=q)(?=;)", flags) as Regex;
    expect(re.engine).toBe("js");
    expect(re.search("x='abc';", 0)).toBe(true);
    expect([re.start, re.end]).toEqual([2, 7]);
  });

  it("anchors relative searches where they start, as Suricata's /R", () => {
    const re = Regex.compile("^bc", flags) as Regex;
    expect(re.search("abc", 1)).toBe(true);
    expect(re.search("abc", 0)).toBe(false);
  });

  it("interrupts a catastrophic fallback regex instead of hanging", () => {
    const re = Regex.compile("^(\\w+\\s?)+(?=!)$", flags) as Regex;
    expect(re.engine).toBe("js");
    const before = regexStats.timeouts;
    const t = performance.now();
    expect(re.search(`${"a".repeat(40)}?`, 0)).toBe(false);
    expect(performance.now() - t).toBeLessThan(5000);
    expect(regexStats.timeouts).toBe(before + 1);
  });
});
