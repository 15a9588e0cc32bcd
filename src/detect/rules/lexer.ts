/** @module Splits rule files into rules and rules into a header and raw `name:value;` options. */

/** One rule's text with the line it starts on (continuation lines joined). */
export interface RuleLine {
  line: number;
  text: string;
}

/** One option as written: `name:value;` or `name;` (value undefined). */
export interface RawOption {
  name: string;
  value: string | undefined;
}

export interface RawRule {
  action: string;
  proto: string;
  src: string;
  sport: string;
  dir: string;
  dst: string;
  dport: string;
  options: RawOption[];
}

/**
 * Splits a rules file into rules: skips blank lines and comments, joins lines ending with a
 * backslash. A commented-out rule (`#alert ...`) is a comment, as in Suricata.
 */
export function splitRuleLines(text: string): RuleLine[] {
  const out: RuleLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let cur = (lines[i] as string).trim();
    const start = i + 1;
    while (cur.endsWith("\\") && i + 1 < lines.length) {
      i++;
      cur = `${cur.slice(0, -1)}${(lines[i] as string).trim()}`;
    }
    if (cur === "" || cur.startsWith("#")) continue;
    out.push({ line: start, text: cur });
  }
  return out;
}

/** Splits a header on whitespace, keeping bracketed groups (which may hold spaces) whole. */
function headerTokens(h: string): string[] {
  const out: string[] = [];
  let cur = "";
  let depth = 0;
  for (const ch of h) {
    if (ch === "[") depth++;
    else if (ch === "]") depth--;
    if ((ch === " " || ch === "\t") && depth <= 0) {
      if (cur !== "") out.push(cur);
      cur = "";
    } else if (!((ch === " " || ch === "\t") && depth > 0)) {
      cur += ch;
    }
  }
  if (cur !== "") out.push(cur);
  return out;
}

/**
 * Parses one rule's text into header fields and raw options. Returns a string (the reason) when
 * the text is not a rule. Option values keep their quotes and escapes: each keyword decodes its
 * own value. A `;` ends an option unless escaped (`\;`) or inside double quotes.
 */
export function lexRule(text: string): RawRule | string {
  const open = text.indexOf("(");
  if (open < 0) return "no option list: expected '(' after the header";
  const close = text.lastIndexOf(")");
  if (close < open) return "option list not closed: expected ')' at the end";
  if (text.slice(close + 1).trim() !== "") return "text after the closing ')'";
  const h = headerTokens(text.slice(0, open).trim());
  if (h.length !== 7) {
    return `header has ${h.length} fields, expected 7 (action proto src sport dir dst dport)`;
  }
  const [action, proto, src, sport, dir, dst, dport] = h as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const options = lexOptions(text.slice(open + 1, close));
  if (typeof options === "string") return options;
  return { action, proto, src, sport, dir, dst, dport, options };
}

/** Splits the text between the parentheses into options. */
export function lexOptions(body: string): RawOption[] | string {
  const out: RawOption[] = [];
  let i = 0;
  const n = body.length;
  while (i < n) {
    while (i < n && /\s/.test(body[i] as string)) i++;
    if (i >= n) break;
    let j = i;
    let quoted = false;
    let colon = -1;
    for (; j < n; j++) {
      const c = body[j] as string;
      if (c === "\\") {
        j++;
        continue;
      }
      if (c === '"') quoted = !quoted;
      else if (c === ":" && colon < 0 && !quoted) colon = j;
      else if (c === ";" && !quoted) break;
    }
    if (j >= n) {
      const rest = body.slice(i).trim();
      if (quoted) return `unterminated quoted value in option "${rest.slice(0, 40)}"`;
      return `option "${rest.slice(0, 40)}" not terminated by ';'`;
    }
    const name = (colon >= 0 ? body.slice(i, colon) : body.slice(i, j)).trim();
    if (name === "" || !/^[A-Za-z0-9_.-]+$/.test(name)) {
      return `bad option name "${name.slice(0, 40)}"`;
    }
    const value = colon >= 0 ? body.slice(colon + 1, j).trim() : undefined;
    out.push({ name: name.toLowerCase(), value });
    i = j + 1;
  }
  return out;
}
