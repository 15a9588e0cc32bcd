import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addrMatches, ipv6ToBigInt, parseAddresses } from "./addresses.js";
import { asciiLower } from "./keywords/content.js";
import { KEYWORD_LIST } from "./keywords/index.js";
import { lexOptions, splitRuleLines } from "./lexer.js";
import { parseRules } from "./parse.js";
import { parsePorts, portMatches } from "./ports.js";
import type { ContentItem } from "./types.js";
import { parseContent, parseNumTest } from "./values.js";

const one = (text: string) => parseRules(text, "t.rules");

describe("lexer", () => {
  it("joins continuation lines and skips comments", () => {
    const lines = splitRuleLines(
      '# c\n\nalert tcp any any -> any any (msg:"a"; \\\n sid:1;)\n#alert x\n',
    );
    expect(lines).toEqual([{ line: 3, text: 'alert tcp any any -> any any (msg:"a"; sid:1;)' }]);
  });

  it("keeps ; inside quotes and escaped", () => {
    expect(lexOptions('msg:"a;b"; content:"x\\;y"; nocase;')).toEqual([
      { name: "msg", value: '"a;b"' },
      { name: "content", value: '"x\\;y"' },
      { name: "nocase", value: undefined },
    ]);
  });
});

describe("values", () => {
  it("decodes content with hex and escapes", () => {
    expect(parseContent('"a|20 41|\\"b"')).toEqual({ negated: false, bytes: 'a A"b' });
    expect(parseContent('!"x"')).toEqual({ negated: true, bytes: "x" });
    expect(typeof parseContent('"|4|"')).toBe("string");
  });

  it("parses number tests", () => {
    expect(parseNumTest("<10")).toEqual({ op: "<", a: 10, b: 0 });
    expect(parseNumTest("8<>20")).toEqual({ op: "<>", a: 8, b: 20 });
    expect(parseNumTest("!9")).toEqual({ op: "!=", a: 9, b: 0 });
  });
});

describe("addresses and ports", () => {
  it("matches CIDR groups with negation", () => {
    const g = parseAddresses("[192.0.2.0/24,!192.0.2.7]");
    expect(typeof g).toBe("object");
    const grp = g as Exclude<typeof g, string>;
    expect(addrMatches(grp, 0xc0000201)).toBe(true);
    expect(addrMatches(grp, 0xc0000207)).toBe(false);
    expect(addrMatches(grp, 0xc6336401)).toBe(false);
  });

  it("matches IPv6 prefixes", () => {
    const g = parseAddresses("2001:db8::/32") as Exclude<ReturnType<typeof parseAddresses>, string>;
    expect(addrMatches(g, "2001:db8::1")).toBe(true);
    expect(addrMatches(g, "2001:db9::1")).toBe(false);
    expect(ipv6ToBigInt("::ffff:192.0.2.1")).toBe(0xffffc0000201n);
  });

  it("parses port ranges and negation", () => {
    const p = parsePorts("[1024:,!8080]") as Exclude<ReturnType<typeof parsePorts>, string>;
    expect(portMatches(p, 80)).toBe(false);
    expect(portMatches(p, 8000)).toBe(true);
    expect(portMatches(p, 8080)).toBe(false);
    expect(parsePorts("any")).toBeNull();
    expect(typeof parsePorts("[!0:65535]")).toBe("string");
  });
});

describe("parseRules", () => {
  it("compiles metadata, references and CVEs", () => {
    const set = one(
      'alert http $EXTERNAL_NET any -> $HOME_NET any (msg:"uc-httpd overflow"; flow:established,to_server; http.method; content:"POST"; http.uri; content:"/login.htm"; reference:cve,2018-10088; classtype:attempted-admin; metadata:created_at 2018_06_14, cve CVE_2018_10088; sid:9000001; rev:2;)',
    );
    expect(set.problems).toEqual([]);
    const r = set.rules[0]!;
    expect(r.info).toMatchObject({
      sid: 9000001,
      rev: 2,
      msg: "uc-httpd overflow",
      classtype: "attempted-admin",
      category: "Attempted Administrator Privilege Gain",
      priority: 1,
      cve: ["CVE-2018-10088"],
      metadata: { created_at: ["2018_06_14"], cve: ["CVE_2018_10088"] },
    });
    expect(r.lists.map((l) => l.buffer.name)).toEqual(["http.method", "http.uri"]);
    expect(r.http).toBe(true);
    expect(r.flow).toEqual({ dir: 1, established: 1, stream: 0 });
  });

  it("moves legacy-modified contents and lowercases nocase patterns", () => {
    const r = one(
      'alert tcp any any -> any any (content:"GET"; http_method; content:"ABC"; nocase; http_uri; sid:1;)',
    ).rules[0]!;
    expect(r.lists.map((l) => l.buffer.name)).toEqual(["http.method", "http.uri"]);
    expect((r.lists[1]!.items[0] as ContentItem).pattern).toBe("abc");
  });

  it("reports unsupported keywords with sid and line, and skips the rule", () => {
    const set = one(
      'alert tcp any any -> any any (msg:"a"; sid:1;)\nalert tls any any -> any any (tls.sni; content:"x"; sid:2;)\n',
    );
    expect(set.rules.length).toBe(1);
    expect(set.problems).toEqual([
      {
        file: "t.rules",
        line: 2,
        sid: 2,
        kind: "unsupported",
        keyword: "tls.sni",
        reason: "unsupported keyword tls.sni",
      },
    ]);
    expect(set.files).toEqual([
      { file: "t.rules", loaded: 1, unsupported: 1, invalid: 0, duplicates: 0 },
    ]);
  });

  it("reports invalid rules with the reason", () => {
    const set = one(
      'alert tcp any any -> any any (msg:"a"; content:"|4|"; sid:1;)\nalert tcp any any (sid:2;)\nalert tcp $NOPE any -> any any (sid:3;)\nalert tcp any any -> any any (nocase; sid:4;)',
    );
    expect(set.rules.length).toBe(0);
    expect(set.problems.map((p) => [p.line, p.kind, p.reason])).toEqual([
      [1, "invalid", "content: odd number of hex digits in |...|"],
      [2, "invalid", "header has 4 fields, expected 7 (action proto src sport dir dst dport)"],
      [3, "invalid", 'source "$NOPE": unknown variable $NOPE'],
      [4, "invalid", "nocase without a content before it"],
    ]);
  });

  it("honours variable overrides", () => {
    const text = "alert tcp $HOME_NET any -> any $HTTP_PORTS (sid:1;)";
    const r = parseRules(text, "t", { vars: { HOME_NET: "192.0.2.0/24", HTTP_PORTS: "8000" } })
      .rules[0]!;
    expect(addrMatches(r.src, 0xc0000201)).toBe(true);
    expect(addrMatches(r.src, 0xcb007101)).toBe(false);
    expect(portMatches(r.dport, 8000)).toBe(true);
    expect(portMatches(r.dport, 80)).toBe(false);
  });

  it("keeps the higher rev of a duplicate sid", () => {
    const set = one(
      "alert tcp any any -> any any (sid:5; rev:1;)\nalert udp any any -> any any (sid:5; rev:3;)",
    );
    expect(set.rules.map((r) => r.proto)).toEqual(["udp"]);
    expect(set.files[0]!.duplicates).toBe(1);
  });

  it("never throws, whatever the text", () => {
    const piece = fc.constantFrom(
      "alert",
      "tcp",
      "any",
      "->",
      "(",
      ")",
      ";",
      ":",
      '"',
      "|",
      "\\",
      "content",
      "pcre",
      "/",
      "sid",
      "1",
      "[",
      "]",
      "!",
      "$HOME_NET",
      " ",
      "\n",
      "byte_test",
      ",",
      "distance",
      "http.uri",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (parts) => {
        const set = one(parts.join(""));
        expect(set.rules.length + set.problems.length).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 500 },
    );
  });
});

describe("docs/rules.md", () => {
  it("lists every keyword of the registry", () => {
    const doc = readFileSync("docs/rules.md", "utf8");
    const missing = KEYWORD_LIST.map((k) => k.name).filter((n) => !doc.includes(`\`${n}\``));
    expect(missing).toEqual([]);
  });
});

describe("asciiLower", () => {
  it("folds ASCII letters only, as Suricata's nocase", () => {
    expect(asciiLower("GET /Index.HTML")).toBe("get /index.html");
    expect(asciiLower("\u00c9T\u00c9 \u00dc")).toBe("\u00c9t\u00c9 \u00dc");
    expect(asciiLower("already lower")).toBe("already lower");
  });
});
