import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_ARRAY_DEPTH,
  MAX_TOML_CHARS,
  MAX_TOML_ISSUES,
  parseToml,
  type TomlNode,
  type TomlTable,
} from "./toml.js";

/** The document as plain data (tables as objects, arrays of tables as arrays). */
function plain(n: TomlNode): unknown {
  if (n.kind === "table") {
    return Object.fromEntries([...n.entries].map(([k, e]) => [k, plain(e.node)]));
  }
  if (n.kind === "table-array") return n.tables.map(plain);
  if (n.kind === "array") return n.items.map(plain);
  return n.value;
}

const ok = (text: string): unknown => {
  const d = parseToml(text);
  expect(d.issues).toEqual([]);
  return plain(d.root);
};

/** The issues as "LINE:COL code path" strings, for compact expectations. */
const issues = (text: string): string[] =>
  parseToml(text).issues.map((i) => `${i.line}:${i.column} ${i.code} ${i.path}`.trimEnd());

const messages = (text: string): string[] => parseToml(text).issues.map((i) => i.message);

describe("parseToml values", () => {
  it("reads strings, integers, booleans and arrays", () => {
    expect(
      ok(
        [
          'a = "x\\"y\\\\z\\n\\t\\u00e9\\U0001F600"',
          "b = 'C:\\path\\n'",
          "c = 1_000_000",
          "d = -42",
          "e = +7",
          "f = true",
          "g = false",
          'h = [1, "two", true, [3]]',
          "i = []",
          "j = 0",
        ].join("\n"),
      ),
    ).toEqual({
      a: 'x"y\\z\n\té😀',
      b: "C:\\path\\n",
      c: 1_000_000,
      d: -42,
      e: 7,
      f: true,
      g: false,
      h: [1, "two", true, [3]],
      i: [],
      j: 0,
    });
  });

  it("reads multi-line arrays with comments and a trailing comma", () => {
    expect(ok('rules = [\n  "a.rules", # first\n\n  "b.rules",\n]\nx = 1')).toEqual({
      rules: ["a.rules", "b.rules"],
      x: 1,
    });
  });

  it("skips comments, blank lines, CRLF and a byte order mark", () => {
    expect(ok('\uFEFF# c\r\n\r\na = 1 # one\r\n  b = "#"\r\n')).toEqual({ a: 1, b: "#" });
  });

  it("keeps every value's line and column and every key's place", () => {
    const d = parseToml('# c\n  port = 8000\nlist = [1,\n  "x"]\n');
    const port = d.root.entries.get("port");
    expect(port?.at).toEqual({ line: 2, column: 3 });
    expect(port?.node).toMatchObject({ line: 2, column: 10, value: 8000 });
    const list = d.root.entries.get("list")?.node;
    expect(list?.kind === "array" && list.items.map((i) => [i.line, i.column])).toEqual([
      [3, 9],
      [4, 3],
    ]);
  });
});

describe("parseToml tables", () => {
  it("reads [tables], [a.b], dotted keys, quoted keys and [[arrays of tables]]", () => {
    const text = [
      "top = 1",
      "[limits]",
      "idle = 30",
      "[persona.telnet]",
      'accept-after = "2"',
      "[[listen]]",
      "port = 1",
      "[[listen]]",
      "port = 2",
      "[listen.extra]",
      "x = true",
      "[a]",
      "b.c = 3",
      '"quoted key" = 4',
    ].join("\n");
    expect(ok(text)).toEqual({
      top: 1,
      limits: { idle: 30 },
      persona: { telnet: { "accept-after": "2" } },
      listen: [{ port: 1 }, { port: 2, extra: { x: true } }],
      a: { b: { c: 3 }, "quoted key": 4 },
    });
    const listen = parseToml(text).root.entries.get("listen")?.node;
    expect(listen?.kind === "table-array" && listen.tables.map((t) => [t.path, t.line])).toEqual([
      ["listen[0]", 6],
      ["listen[1]", 8],
    ]);
  });

  it("lets a header define a table a deeper header implied, once", () => {
    expect(ok("[a.b]\nx = 1\n[a]\ny = 2")).toEqual({ a: { b: { x: 1 }, y: 2 } });
    expect(issues("[a.b]\n[a]\n[a]")).toEqual(["3:1 duplicate a"]);
  });

  it("reports duplicate keys and tables at the second one, naming the first line", () => {
    expect(issues("a = 1\na = 2")).toEqual(["2:1 duplicate a"]);
    expect(messages("a = 1\na = 2")).toEqual(["a is already set (line 1)"]);
    expect(issues("[t]\n[t]")).toEqual(["2:1 duplicate t"]);
    expect(issues("t = 1\n[t]")).toEqual(["2:1 duplicate t"]);
    expect(issues("[t]\n[[t]]")).toEqual(["2:1 duplicate t"]);
    expect(issues("[[t]]\n[t]")).toEqual(["2:1 duplicate t"]);
    expect(issues("a = 1\n[a.b]")).toEqual(["2:2 duplicate a"]);
    expect(issues("a = 1\na.b = 2")).toEqual(["2:1 duplicate a"]);
    expect(issues("l.y = 1\n[[l]]")).toEqual(["2:1 duplicate l"]);
  });

  it("ignores the keys under a broken header instead of filing them elsewhere", () => {
    const d = parseToml("[t]\n[t]\nx = 1");
    expect(d.issues).toHaveLength(1);
    expect(plain(d.root)).toEqual({ t: {} });
  });
});

describe("parseToml issues", () => {
  const cases: Array<[string, string, string]> = [
    ["missing =", "port 8000", "1:6 syntax port"],
    ["missing value", "port =", "1:7 syntax port"],
    ["missing value before comment", "port = # x", "1:8 syntax port"],
    ["no key", "= 1", "1:1 syntax"],
    ["bad key character", "po$rt = 1", "1:3 syntax po"],
    ["unquoted string", "id = hp-01", "1:6 syntax id"],
    ["trailing text", 'a = "x" y', "1:9 syntax"],
    ["unterminated basic string", 'a = "abc', "1:5 syntax a"],
    ["unterminated literal string", "a = 'abc", "1:5 syntax a"],
    ["bad escape", 'a = "x\\qy"', "1:7 syntax a"],
    ["short \\u escape", 'a = "\\u12"', "1:6 syntax a"],
    ["surrogate escape", 'a = "\\uD800"', "1:6 syntax a"],
    ["control character", 'a = "x\u0001"', "1:7 syntax a"],
    ["leading zero", "a = 08", "1:5 syntax a"],
    ["doubled underscore", "a = 1__0", "1:5 syntax a"],
    ["float", "a = 1.5", "1:5 unsupported a"],
    ["exponent", "a = 1e3", "1:5 unsupported a"],
    ["inf", "a = inf", "1:5 unsupported a"],
    ["hex", "a = 0x1F", "1:5 unsupported a"],
    ["date", "a = 2024-01-02", "1:5 unsupported a"],
    ["too large integer", "a = 9007199254740993", "1:5 unsupported a"],
    ["inline table", "a = { b = 1 }", "1:5 unsupported a"],
    ["multi-line basic string", 'a = """x"""', "1:5 unsupported a"],
    ["multi-line literal string", "a = '''x'''", "1:5 unsupported a"],
    ["unclosed header", "[limits", "1:8 syntax"],
    ["unclosed array header", "[[listen]", "1:9 syntax"],
    ["empty header", "[]", "1:2 syntax"],
    ["missing comma", "a = [1 2]", "1:8 syntax a"],
    ["bad array item", "a = [1, 2.5, 3]", "1:9 unsupported a[1]"],
    ["unterminated array at the end", "a = [1, 2", "1:5 syntax a"],
  ];
  for (const [name, text, want] of cases) {
    it(`${name}: ${JSON.stringify(text)}`, () => {
      const d = parseToml(text);
      expect(d.issues.map((i) => `${i.line}:${i.column} ${i.code} ${i.path}`.trimEnd())).toEqual([
        want,
      ]);
      expect(d.issues[0]?.message).not.toBe("");
    });
  }

  it("explains what it expected", () => {
    expect(messages("id = hp-01")[0]).toContain('strings are quoted: "hp-01"');
    expect(messages("a = 1.5")[0]).toContain("floats are not supported");
    expect(messages("port 8000")[0]).toBe('expected "=" after the key port, found "8"');
    expect(messages('a = "x\\qy"')[0]).toContain('bad escape "\\\\q"');
  });

  it("ends an unterminated multi-line array at the next statement and reads on", () => {
    const text = 'rules = [\n  "a",\n\nquiet = true\n[limits]\nx = 1';
    expect(issues(text)).toEqual(["1:9 syntax rules"]);
    expect(plain(parseToml(text).root)).toEqual({ quiet: true, limits: { x: 1 } });
    expect(issues("a = [\n  1,\n[t]\n")).toEqual(["1:5 syntax a"]);
    // A nested array of booleans on its own line is a value, not a header.
    expect(ok("a = [\n  [true],\n  [false]\n]")).toEqual({ a: [[true], [false]] });
  });

  it("reports every bad item of an array and every bad line, not only the first", () => {
    expect(issues("a = [1.5, x, 3]\nb = 2.5\nc = ok\nd = 1")).toEqual([
      "1:6 unsupported a[0]",
      "1:11 syntax a[1]",
      "2:5 unsupported b",
      "3:5 syntax c",
    ]);
    const d = parseToml("a = [1.5, x, 3]\nb = 2.5\nc = ok\nd = 1");
    expect(plain(d.root)).toEqual({ d: 1 });
    expect(issues('a = "\\q\\w"')).toEqual(["1:6 syntax a", "1:8 syntax a"]);
  });

  it("bounds nesting, size and the number of issues", () => {
    const deep = `a = ${"[".repeat(MAX_ARRAY_DEPTH + 1)}${"]".repeat(MAX_ARRAY_DEPTH + 1)}`;
    expect(issues(deep).map((i) => i.split(" ")[1])).toEqual(["too-large"]);
    expect(ok(`a = ${"[".repeat(MAX_ARRAY_DEPTH)}${"]".repeat(MAX_ARRAY_DEPTH)}`)).toBeDefined();
    expect(issues("#".repeat(MAX_TOML_CHARS + 1))).toEqual(["1:1 too-large"]);
    const many = parseToml("x\n".repeat(MAX_TOML_ISSUES * 3));
    expect(many.issues).toHaveLength(MAX_TOML_ISSUES + 1);
    expect(many.issues.at(-1)?.code).toBe("too-large");
  });
});

describe("parseToml never throws", () => {
  /** Parses and checks that every place is inside the text; returns the first wrong thing. */
  const wrong = (text: string): string | null => {
    const d = parseToml(text);
    const lines = text.split("\n").length;
    for (const i of d.issues) {
      if (i.line < 1 || i.line > lines || i.column < 1 || i.message === "") {
        return `issue ${JSON.stringify(i)}`;
      }
    }
    const walk = (t: TomlTable): string | null => {
      for (const e of t.entries.values()) {
        if (e.node.line > lines || e.at.line > lines) return `node of ${e.key}`;
        const inner =
          e.node.kind === "table"
            ? walk(e.node)
            : e.node.kind === "table-array"
              ? (e.node.tables.map(walk).find((w) => w !== null) ?? null)
              : null;
        if (inner !== null) return inner;
      }
      return null;
    };
    return walk(d.root);
  };
  const check = (text: string): void => {
    expect(wrong(text)).toBeNull();
  };

  it("on any text", () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), check), { numRuns: 500 });
    // Any UTF-16 code units, lone surrogates and NULs included.
    const units = fc
      .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 200 })
      .map((cs) => String.fromCharCode(...cs));
    fc.assert(fc.property(units, check), { numRuns: 300 });
  });

  it("on text built from TOML's own characters", () => {
    const piece = fc.constantFrom(
      "[",
      "]",
      "[[",
      "]]",
      "=",
      " = ",
      '"',
      "'",
      "\\",
      "\\u",
      ",",
      ".",
      "#",
      "\n",
      "\r\n",
      " ",
      "a",
      "b-c",
      "1",
      "_",
      "-",
      "+",
      "0x",
      "1.5",
      "true",
      "{",
      "}",
      '"""',
      "\t",
      "\u0000",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (parts) => check(parts.join(""))),
      { numRuns: 1000 },
    );
  });
});
