import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HttpRequest, HttpResponse } from "../schema/session.js";
import { bytes } from "./flow-fixture.js";
import { isHttpVersion, parseHttpRequests, parseHttpResponses, splitStatusLine } from "./http.js";

const VALID = [
  "GET /a HTTP/1.1\r\nHost: x\r\n\r\n",
  "POST /login.htm HTTP/1.1\r\ncommand=login&username=AAAA&password=PoC\r\n\r\n",
  "POST /u HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
  "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde",
  "GET /x\nX: a\n b\n\n",
];
const RESPONSES = [
  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
  "HTTP/1.0 404 Not Found\r\n\r\nbody",
];

/** Bytes mutated at random positions: flips, inserted CR/LF/space/colon, and cuts. */
const mutated = (seeds: string[]) =>
  fc
    .tuple(
      fc.constantFrom(...seeds),
      fc.array(
        fc.tuple(fc.nat(), fc.constantFrom(0, 10, 13, 32, 58, 59, 48, 70, 255), fc.boolean()),
        { maxLength: 8 },
      ),
      fc.nat(),
    )
    .map(([s, edits, cut]) => {
      const b = [...bytes(s + s)];
      for (const [pos, v, insert] of edits) {
        const at = pos % (b.length + 1);
        if (insert) b.splice(at, 0, v);
        else b[at] = v;
      }
      return Uint8Array.from(b.slice(0, b.length - (cut % 8)));
    });

/** Every message lies inside the input, in order, without overlap. */
function wellFormed(msgs: Array<HttpRequest | HttpResponse>, n: number): void {
  let end = 0;
  for (const m of msgs) {
    expect(m.offset).toBeGreaterThanOrEqual(end);
    expect(m.length).toBeGreaterThan(0);
    end = m.offset + m.length;
    expect(end).toBeLessThanOrEqual(n);
    for (const [name, value] of m.headers) {
      expect(typeof name).toBe("string");
      expect(typeof value).toBe("string");
    }
  }
}

describe("HTTP parsers never throw and always terminate", () => {
  it("on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (b) => {
        wellFormed(parseHttpRequests(b), b.length);
        wellFormed(parseHttpResponses(b), b.length);
      }),
      { numRuns: 2000 },
    );
  });

  it("on random bytes behind a request line", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (tail) => {
        const b = Uint8Array.from([...bytes("POST / HTTP/1.1\r\n"), ...tail]);
        const rs = parseHttpRequests(b);
        expect(rs.length).toBeGreaterThanOrEqual(1);
        wellFormed(rs, b.length);
      }),
      { numRuns: 1000 },
    );
  });

  it("on mutated valid requests and responses", () => {
    fc.assert(
      fc.property(mutated(VALID), (b) => wellFormed(parseHttpRequests(b), b.length)),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(mutated(RESPONSES), (b) => wellFormed(parseHttpResponses(b, ["GET"]), b.length)),
      { numRuns: 2000 },
    );
  });
});

// The parser's hand-written matchers against the regular expressions they replaced: the same
// answer on any Latin-1 line, including the whitespace that \s knows and [ \t] does not.
describe("status line and version matchers", () => {
  const STATUS_LINE = /^(HTTP\/\S*)[ \t]+(\d{3})(?:[ \t]+(.*))?$/s;
  const VERSION = /^HTTP\/\d\.\d$/;
  const char = fc.constantFrom(..."HTP/1.0 29\t\v\f\r\n\u00a0\u0085xO".split(""));
  const line = fc.oneof(
    fc
      .tuple(
        fc.constantFrom("HTTP/", "HTTP/1.1", "HTTP/1.0 ", "HTTP/1.1 200", "HTTP/1.1 404 ", "HTP/"),
        fc.array(char, { maxLength: 12 }).map((a) => a.join("")),
      )
      .map(([a, b]) => a + b),
    fc.string({ unit: "binary", maxLength: 20 }).map((s) => `HTTP/${s}`),
  );

  it("splitStatusLine agrees with the expression", () => {
    fc.assert(
      fc.property(line, (l) => {
        const m = STATUS_LINE.exec(l);
        const want =
          m === null ? undefined : { version: m[1], status: Number(m[2]), reason: m[3] ?? "" };
        expect(splitStatusLine(l)).toEqual(want);
      }),
      { numRuns: 5000 },
    );
  });

  it("isHttpVersion agrees with the expression", () => {
    fc.assert(
      fc.property(line, (l) => {
        expect(isHttpVersion(l)).toBe(VERSION.test(l));
      }),
      { numRuns: 5000 },
    );
    for (const v of ["HTTP/1.1", "HTTP/0.9", "HTTP/1.1 ", "HTTP/11", "HTTP/a.1", "http/1.1"]) {
      expect(isHttpVersion(v)).toBe(VERSION.test(v));
    }
  });
});
