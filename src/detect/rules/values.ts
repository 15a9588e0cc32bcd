/** @module Decoding of option values: quoted strings, content patterns with |hex|, number tests. */

/** A value with its surrounding double quotes removed (when present) and nothing else changed. */
export function stripQuotes(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1);
  return t;
}

/** A quoted text value (msg) with `\"`, `\\`, `\;` and `\:` escapes resolved. */
export function unescapeText(v: string): string {
  return stripQuotes(v).replace(/\\(.)/g, "$1");
}

export interface ContentValue {
  negated: boolean;
  /** The pattern as a latin1 string: one char per byte. */
  bytes: string;
}

/**
 * Decodes a content value: optional `!`, double quotes, `|41 42|` hex runs, and the escapes
 * `\"`, `\\`, `\;`, `\:` (as Suricata: any other escaped char is taken literally). Returns a
 * reason string on malformed input.
 */
export function parseContent(raw: string): ContentValue | string {
  let v = raw.trim();
  let negated = false;
  if (v.startsWith("!")) {
    negated = true;
    v = v.slice(1).trim();
  }
  if (v.length < 2 || !v.startsWith('"') || !v.endsWith('"')) {
    return "content must be a double-quoted string";
  }
  v = v.slice(1, -1);
  let out = "";
  let hex = false;
  let nib = "";
  for (let i = 0; i < v.length; i++) {
    const c = v[i] as string;
    if (hex) {
      if (c === "|") {
        if (nib !== "") return "odd number of hex digits in |...|";
        hex = false;
      } else if (c === " " || c === "\t") {
        if (nib !== "") return "hex byte split by a space in |...|";
      } else if (/[0-9a-fA-F]/.test(c)) {
        nib += c;
        if (nib.length === 2) {
          out += String.fromCharCode(Number.parseInt(nib, 16));
          nib = "";
        }
      } else {
        return `bad character "${c}" inside |hex|`;
      }
      continue;
    }
    if (c === "|") {
      hex = true;
    } else if (c === "\\") {
      if (i + 1 >= v.length) return "content ends with a lone backslash";
      out += v[++i];
    } else if (c === '"') {
      return "unescaped double quote inside content";
    } else {
      // Characters above 0xff cannot be bytes: keep their UTF-8 encoding, as the rule file has it.
      const code = c.charCodeAt(0);
      out += code <= 0xff ? c : Buffer.from(c, "utf8").toString("latin1");
    }
  }
  if (hex) return "unterminated |hex| run";
  if (out.length === 0) return "empty content";
  return { negated, bytes: out };
}

/** A numeric comparison as dsize, urilen, bsize and friends write it. */
export interface NumTest {
  op: "=" | "!=" | "<" | "<=" | ">" | ">=" | "<>";
  a: number;
  /** Upper bound for `<>` (exclusive, as Suricata's `a<>b` means a < x < b). */
  b: number;
}

/** Parses `N`, `!N`, `<N`, `<=N`, `>N`, `>=N`, `A<>B` (also `A-B`). */
export function parseNumTest(raw: string): NumTest | string {
  const v = raw.trim().replace(/\s+/g, "");
  let m = /^(\d+)<>(\d+)$/.exec(v) ?? /^(\d+)-(\d+)$/.exec(v);
  if (m !== null) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (a >= b) return `range "${raw}" must have its low end first`;
    return { op: "<>", a, b };
  }
  m = /^(!|<=|>=|<|>|=)?(\d+)$/.exec(v);
  if (m === null) return `"${raw}" is not a number test (N, !N, <N, <=N, >N, >=N, A<>B)`;
  const op = (
    m[1] === undefined || m[1] === "" ? "=" : m[1] === "!" ? "!=" : m[1]
  ) as NumTest["op"];
  return { op, a: Number(m[2]), b: 0 };
}

export function numTest(t: NumTest, x: number): boolean {
  switch (t.op) {
    case "=":
      return x === t.a;
    case "!=":
      return x !== t.a;
    case "<":
      return x < t.a;
    case "<=":
      return x <= t.a;
    case ">":
      return x > t.a;
    case ">=":
      return x >= t.a;
    default:
      return x > t.a && x < t.b;
  }
}

/** Parses a whole number written in decimal or 0x hex; undefined when it is neither. */
export function parseUint(raw: string): number | undefined {
  const v = raw.trim();
  if (/^\d+$/.test(v)) return Number(v);
  if (/^-\d+$/.test(v)) return Number(v);
  if (/^0x[0-9a-fA-F]+$/.test(v)) return Number.parseInt(v.slice(2), 16);
  return undefined;
}

/** Splits a comma-separated option value, trimming each part (quoted commas are kept). */
export function splitArgs(raw: string): string[] {
  const out: string[] = [];
  let cur = "";
  let q = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === "\\" && i + 1 < raw.length) {
      cur += c + raw[++i];
      continue;
    }
    if (c === '"') q = !q;
    if (c === "," && !q) {
      out.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  if (cur.trim() !== "" || out.length > 0) out.push(cur.trim());
  return out;
}
