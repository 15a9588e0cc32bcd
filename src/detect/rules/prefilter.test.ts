import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AhoCorasick } from "./ahocorasick.js";
import { RuleEngine } from "./engine.js";
import { loadRules } from "./parse.js";
import { fastPattern } from "./prefilter.js";
import { makeSession } from "./test-session.js";

describe("Aho-Corasick", () => {
  it("finds every pattern occurrence, folding ASCII case", () => {
    const ac = new AhoCorasick(["he", "she", "HIS", "hers", "\u00e9t\u00e9"]);
    const found: number[] = [];
    ac.scan("ushers and his \u00e9t\u00e9", new Uint32Array(5), 1, (p) => found.push(p));
    expect(found.sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it("agrees with indexOf on random input", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: fc.constantFrom("a", "b", "A", "c"), minLength: 1, maxLength: 4 }),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        fc.string({ unit: fc.constantFrom("a", "b", "B", "c", "d"), maxLength: 40 }),
        (pats, text) => {
          const ac = new AhoCorasick(pats);
          const found = new Set<number>();
          ac.scan(text, new Uint32Array(pats.length), 1, (p) => found.add(p));
          const want = pats.flatMap((p, i) =>
            text.toLowerCase().includes(p.toLowerCase()) ? [i] : [],
          );
          expect([...found].sort()).toEqual(want);
        },
      ),
    );
  });
});

describe("prefilter", () => {
  const set = loadRules([
    "../shared/data/rules/et-open-2019-04_xisafe/emerging-exploit.rules",
    "../shared/data/rules/et-open-2019-04_xisafe/IOT-SUBSET.rules",
  ]);
  const patterns = set.rules.flatMap((r) => {
    const fp = fastPattern(r);
    return fp === undefined ? [] : [fp.pattern];
  });

  it("gives the same alerts as evaluating every rule", () => {
    const fragment = fc.oneof(
      fc.constantFrom(...patterns.slice(0, 400)),
      fc.constantFrom("/", "?", "=", "&", " ", "cmd", ";", "wget", ".cgi", "|"),
    );
    let alerts = 0;
    const body = fc.array(fragment, { maxLength: 12 }).map((a) => a.join(""));
    fc.assert(
      fc.property(
        fc.array(body, { minLength: 3, maxLength: 3 }),
        fc.boolean(),
        fc.boolean(),
        ([path, hdr, data], chunk, encode) => {
          // Chunked bodies and %-encoded paths make buffers that are not pieces of the stream.
          const p = encode
            ? (path ?? "").replace(/[a-z/.]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)
            : (path ?? "");
          const d = data ?? "";
          const half = d.length >> 1;
          const chunks = [d.slice(0, half), d.slice(half)].filter((c) => c !== "");
          const framing = chunk
            ? `Transfer-Encoding: chunked\r\n\r\n${chunks.map((c) => `${c.length.toString(16)}\r\n${c}\r\n`).join("")}0\r\n\r\n`
            : `Content-Length: ${d.length}\r\n\r\n${d}`;
          const client = `POST /${p} HTTP/1.1\r\nHost: 203.0.113.5\r\nUser-Agent: ${hdr ?? ""}\r\n${framing}`;
          const a = new RuleEngine(set).session(makeSession({ client, id: "0000000000000001" }));
          const b = new RuleEngine(set, { prefilter: false }).session(
            makeSession({ client, id: "0000000000000001" }),
          );
          expect(a.map((x) => x.rule.sid).sort()).toEqual(b.map((x) => x.rule.sid).sort());
          alerts += a.length;
        },
      ),
      { numRuns: 60 },
    );
    // The inputs are built from the rules' own patterns so that rules do fire.
    expect(alerts).toBeGreaterThan(0);
  });
});
