/** @module Rewrites PCRE syntax for RE2 or for a JS RegExp, or says why it cannot. */

export interface Translated {
  pattern: string;
  /** Inline flags lifted from the pattern's start (JS) or kept inline (RE2: always ""). */
  flags: string;
}

const POSIX: Record<string, string> = {
  alpha: "A-Za-z",
  digit: "0-9",
  alnum: "A-Za-z0-9",
  upper: "A-Z",
  lower: "a-z",
  space: " \\t\\r\\n\\v\\f",
  xdigit: "0-9A-Fa-f",
  punct: "!-\\/:-@\\[-`{-~",
  print: " -~",
  graph: "!-~",
  cntrl: "\\x00-\\x1f\\x7f",
  blank: " \\t",
  word: "A-Za-z0-9_",
};

/**
 * Translates a PCRE pattern. RE2 lacks backreferences and lookaround (the caller then tries
 * JS); JS lacks \A, \Z, \z, inline flags after the start and POSIX classes, which are rewritten.
 * Atomic groups and possessive quantifiers become plain ones: they change only how a
 * backtracking engine gets to an answer, rarely the answer.
 */
export function translatePcre(
  p: string,
  target: "re2" | "js",
  multiline: boolean,
): Translated | string {
  const js = target === "js";
  let out = "";
  let flags = "";
  let i = 0;
  let afterQuant = false;
  if (js) {
    const m = /^\(\?([imsx]+)\)/.exec(p);
    if (m !== null) {
      flags = (m[1] as string).replace("x", "");
      i = m[0].length;
    }
  }
  while (i < p.length) {
    const c = p[i] as string;
    if (c === "\\") {
      const r = escapeSeq(p, i, js, multiline, false);
      if (typeof r === "string") return r;
      out += r.text;
      i = r.next;
      afterQuant = false;
      continue;
    }
    if (c === "[") {
      const r = charClass(p, i, js);
      if (typeof r === "string") return r;
      out += r.text;
      i = r.next;
      afterQuant = false;
      continue;
    }
    if (c === "(" && p[i + 1] === "?") {
      const rest = p.slice(i + 2);
      if (rest.startsWith("#")) {
        const end = p.indexOf(")", i);
        if (end < 0) return "unterminated (?# comment";
        i = end + 1;
        continue;
      }
      if (rest.startsWith(":") || rest.startsWith("=") || rest.startsWith("!")) {
        if (!js && rest[0] !== ":") return "lookahead needs a backtracking engine";
        out += `(?${rest[0]}`;
        i += 3;
      } else if (rest.startsWith("<=") || rest.startsWith("<!")) {
        if (!js) return "lookbehind needs a backtracking engine";
        out += `(?${rest.slice(0, 2)}`;
        i += 4;
      } else if (rest.startsWith(">")) {
        out += "(?:";
        i += 3;
      } else if (/^P?<[A-Za-z_]/.test(rest)) {
        const skip = rest.startsWith("P") ? 1 : 0;
        out += js ? "(?<" : "(?P<";
        i += 3 + skip;
      } else if (rest.startsWith("P=")) {
        if (!js) return "named backreference needs a backtracking engine";
        const end = p.indexOf(")", i);
        if (end < 0) return "unterminated (?P= group";
        out += `\\k<${p.slice(i + 4, end)}>`;
        i = end + 1;
      } else {
        const m = /^([imsxU-]*)(:|\))/.exec(rest);
        if (m === null) return `unsupported group syntax "(?${rest.slice(0, 6)}"`;
        if (js) return "inline flags inside a pattern are not supported by JS regexes";
        const fl = (m[1] as string).replace(/x/g, "");
        out += fl.replace(/-$/, "") === "" && m[2] === ")" ? "" : `(?${fl}${m[2]}`;
        i += 2 + m[0].length;
      }
      afterQuant = false;
      continue;
    }
    if (c === "+" && afterQuant) {
      // Possessive quantifier: drop the '+'.
      i++;
      afterQuant = false;
      continue;
    }
    if (c === "*" || c === "+" || c === "?") {
      out += c;
      i++;
      afterQuant = c !== "?" || !afterQuant;
      if (c === "?" && p[i] === "+") i++;
      continue;
    }
    if (c === "{") {
      const m = /^\{\d*(,\d*)?\}/.exec(p.slice(i));
      if (m !== null && m[0] !== "{}" && m[0] !== "{,}") {
        out += m[0];
        i += m[0].length;
        afterQuant = true;
        continue;
      }
      out += "\\{";
      i++;
      afterQuant = false;
      continue;
    }
    if (c === "}") {
      out += "\\}";
      i++;
      afterQuant = false;
      continue;
    }
    out += c;
    i++;
    afterQuant = false;
  }
  return { pattern: out, flags };
}

interface Piece {
  text: string;
  next: number;
}

function escapeSeq(
  p: string,
  i: number,
  js: boolean,
  ml: boolean,
  inClass: boolean,
): Piece | string {
  const d = p[i + 1];
  if (d === undefined) return "pattern ends with a backslash";
  switch (d) {
    case "A":
      if (inClass) return "\\A inside a class";
      return { text: js ? (ml ? "(?<![\\s\\S])" : "^") : "\\A", next: i + 2 };
    case "Z":
      if (inClass) return "\\Z inside a class";
      return {
        text: js ? (ml ? "(?=\\n?(?![\\s\\S]))" : "(?=\\n?$)") : "(?:\\n?\\z)",
        next: i + 2,
      };
    case "z":
      if (inClass) return "\\z inside a class";
      return { text: js ? (ml ? "(?![\\s\\S])" : "$") : "\\z", next: i + 2 };
    case "h":
      return { text: inClass ? "\\t " : "[\\t ]", next: i + 2 };
    case "H":
      if (inClass) return "\\H inside a class";
      return { text: "[^\\t ]", next: i + 2 };
    case "R":
      if (inClass) return "\\R inside a class";
      return { text: "(?:\\r\\n|\\n|\\r)", next: i + 2 };
    case "e":
      return { text: "\\x1b", next: i + 2 };
    case "Q": {
      let end = p.indexOf("\\E", i + 2);
      if (end < 0) end = p.length;
      const lit = p.slice(i + 2, end).replace(/[\\^$.|?*+()[\]{}/-]/g, "\\$&");
      return { text: lit, next: Math.min(p.length, end + 2) };
    }
    case "E":
      return { text: "", next: i + 2 };
    case "x": {
      const m = /^\\x\{([0-9a-fA-F]{1,6})\}/.exec(p.slice(i));
      if (m !== null) {
        const v = Number.parseInt(m[1] as string, 16);
        const text =
          v <= 0xff
            ? `\\x${v.toString(16).padStart(2, "0")}`
            : js
              ? `\\u${v.toString(16).padStart(4, "0")}`
              : m[0];
        return { text, next: i + m[0].length };
      }
      const h = /^\\x([0-9a-fA-F]{1,2})/.exec(p.slice(i));
      if (h !== null) {
        return { text: `\\x${(h[1] as string).padStart(2, "0")}`, next: i + h[0].length };
      }
      return { text: "\\x00", next: i + 2 };
    }
    case "K":
    case "G":
    case "X":
      return `\\${d} is not supported`;
    case "C":
    case "p":
    case "P":
      if (js) return `\\${d} needs RE2`;
      return { text: p.slice(i, i + 2), next: i + 2 };
    default:
      if (/[1-9]/.test(d) && !inClass) {
        if (!js) return "backreference needs a backtracking engine";
        return { text: p.slice(i, i + 2), next: i + 2 };
      }
      if (d === "0" || (/[1-7]/.test(d) && inClass)) {
        const m = /^\\([0-7]{1,3})/.exec(p.slice(i));
        const v = Number.parseInt((m?.[1] ?? "0") as string, 8) & 0xff;
        return { text: `\\x${v.toString(16).padStart(2, "0")}`, next: i + (m?.[0].length ?? 2) };
      }
      return { text: p.slice(i, i + 2), next: i + 2 };
  }
}

function charClass(p: string, i: number, js: boolean): Piece | string {
  let out = "[";
  let j = i + 1;
  if (p[j] === "^") {
    out += "^";
    j++;
  }
  if (p[j] === "]") {
    out += "\\]";
    j++;
  }
  for (; j < p.length; ) {
    const c = p[j] as string;
    if (c === "]") return { text: `${out}]`, next: j + 1 };
    if (c === "\\") {
      const r = escapeSeq(p, j, js, false, true);
      if (typeof r === "string") return r;
      out += r.text;
      j = r.next;
      continue;
    }
    if (c === "[" && p[j + 1] === ":") {
      const end = p.indexOf(":]", j + 2);
      if (end > 0) {
        const name = p.slice(j + 2, end);
        const neg = name.startsWith("^");
        const set = POSIX[neg ? name.slice(1) : name];
        if (set === undefined) return `unknown POSIX class [:${name}:]`;
        if (neg) return `negated POSIX class [:${name}:] is not supported`;
        out += js ? set : p.slice(j, end + 2);
        j = end + 2;
        continue;
      }
    }
    if (c === "[") {
      out += "\\[";
      j++;
      continue;
    }
    out += c;
    j++;
  }
  return "unterminated character class";
}
