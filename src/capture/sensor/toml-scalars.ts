/** @module The TOML subset's one-line tokens: basic and literal strings, integers, booleans. */

/** Something wrong inside a token, at a character index of the text. */
export interface ScalarProblem {
  index: number;
  code: "syntax" | "unsupported";
  message: string;
}

/** A scanned token: where it ends, its value (null when it has problems), and the problems. */
export interface Scanned<T> {
  end: number;
  value: T | null;
  problems: ScalarProblem[];
}

const TOKEN = /[A-Za-z0-9_+\-.:]/;
const ESCAPES: Readonly<Record<string, string>> = {
  b: "\b",
  t: "\t",
  n: "\n",
  f: "\f",
  r: "\r",
  '"': '"',
  "\\": "\\",
};

/** What a message calls a stretch of source text (short, escaped, always quoted). */
export const show = (text: string): string =>
  JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);

const lineEnd = (s: string, i: number): number => {
  const n = s.indexOf("\n", i);
  return n < 0 ? s.length : n;
};

const endsLine = (s: string, i: number): boolean =>
  i >= s.length || s[i] === "\n" || (s[i] === "\r" && s[i + 1] === "\n");

/** A problem when `c` may not stand as itself in a string (a control character other than tab). */
function control(c: string, index: number): ScalarProblem | null {
  const code = c.charCodeAt(0);
  if ((code >= 0x20 && code !== 0x7f) || c === "\t") return null;
  const hex = code.toString(16).toUpperCase().padStart(4, "0");
  return {
    index,
    code: "syntax",
    message: `control character U+${hex} in a string: write an escape`,
  };
}

/** Decodes the escape at `i` (a backslash): its text or its problem, and where it ends. */
function decodeEscape(s: string, i: number): { end: number; text?: string; error?: string } {
  const e = s[i + 1];
  if (e !== undefined && e in ESCAPES) return { end: i + 2, text: ESCAPES[e] as string };
  if (e === "u" || e === "U") {
    const n = e === "u" ? 4 : 8;
    const hex = s.slice(i + 2, i + 2 + n);
    if (!new RegExp(`^[0-9A-Fa-f]{${n}}$`).test(hex)) {
      return { end: i + 2, error: `bad escape \\${e}: it takes ${n} hex digits` };
    }
    const cp = Number.parseInt(hex, 16);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return { end: i + 2 + n, error: `bad escape \\${e}${hex}: not a Unicode scalar value` };
    }
    return { end: i + 2 + n, text: String.fromCodePoint(cp) };
  }
  const atEnd = endsLine(s, i + 1);
  const what = atEnd ? "at the end of the line" : show(`\\${e}`);
  return {
    end: atEnd ? i + 1 : i + 2,
    error: `bad escape ${what}: use \\" \\\\ \\n \\t \\uXXXX (or a 'literal string')`,
  };
}

/**
 * Scans the string that opens at `i` ('"' or "'"): a basic string with escapes, or a literal
 * one without. Multi-line strings are outside the subset.
 */
export function scanString(s: string, i: number): Scanned<string> {
  const q = s[i] as string;
  if (s.startsWith(q.repeat(3), i)) {
    const message = `multi-line strings ${q.repeat(3)} are not supported`;
    return {
      end: lineEnd(s, i),
      value: null,
      problems: [{ index: i, code: "unsupported", message }],
    };
  }
  const problems: ScalarProblem[] = [];
  let out = "";
  let j = i + 1;
  for (;;) {
    if (endsLine(s, j)) {
      const message = `unterminated string: the closing ${q} is missing`;
      return {
        end: j,
        value: null,
        problems: [...problems, { index: i, code: "syntax", message }],
      };
    }
    const c = s[j] as string;
    if (c === q) break;
    if (c === "\\" && q === '"') {
      const r = decodeEscape(s, j);
      if (r.error !== undefined) problems.push({ index: j, code: "syntax", message: r.error });
      else out += r.text;
      j = r.end;
      continue;
    }
    const p = control(c, j);
    if (p !== null) problems.push(p);
    else out += c;
    j++;
  }
  return { end: j + 1, value: problems.length === 0 ? out : null, problems };
}

/** Scans a bare value at `i` (integer or boolean); `end === i` when there is no token at all. */
export function scanBare(s: string, i: number): Scanned<number | boolean> {
  let end = i;
  while (end < s.length && TOKEN.test(s[end] as string)) end++;
  const tok = s.slice(i, end);
  const fail = (code: ScalarProblem["code"], message: string): Scanned<number | boolean> => ({
    end,
    value: null,
    problems: [{ index: i, code, message }],
  });
  if (tok === "true" || tok === "false") return { end, value: tok === "true", problems: [] };
  if (/^[+-]?(0|[1-9](_?[0-9])*)$/.test(tok)) {
    const n = Number(tok.replaceAll("_", ""));
    // Normalises -0 to 0.
    if (Number.isSafeInteger(n)) return { end, value: n === 0 ? 0 : n, problems: [] };
    return fail("unsupported", `${tok} is too large (integers go up to 2^53 - 1)`);
  }
  if (/^[+-]?[0-9_]+$/.test(tok)) {
    return fail("syntax", `bad integer ${show(tok)}: no leading zeros, "_" only between digits`);
  }
  if (/^[+-]?(inf|nan)$/.test(tok) || /^[+-]?[0-9_]+(\.[0-9_]*)?([eE][+-]?[0-9_]+)?$/.test(tok)) {
    return fail("unsupported", `floats are not supported (${show(tok)}): use a whole number`);
  }
  if (/^[+-]?0[xob]/.test(tok)) {
    return fail("unsupported", `${show(tok)}: only decimal integers are supported`);
  }
  if (/^\d{4}-\d{2}-\d{2}|^\d{2}:\d{2}/.test(tok)) {
    return fail("unsupported", `dates and times are not supported (${show(tok)})`);
  }
  const hint = /^[A-Za-z]/.test(tok) ? `; strings are quoted: "${tok}"` : "";
  return fail("syntax", `expected a value, found ${show(tok)}${hint}`);
}
