/**
 * @module A small YAML reader for suricata-verify's test.yaml files: block maps and lists,
 * plain, quoted and folded multi-line scalars, comments. Not a general YAML parser.
 */

export type Yaml = string | number | boolean | null | Yaml[] | { [k: string]: Yaml };

interface Line {
  indent: number;
  text: string;
}

function stripComment(s: string): string {
  let q = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (q !== "") {
      if (c === q) q = "";
    } else if (c === '"' || c === "'") {
      if (i === 0 || /[\s:[{,-]/.test(s[i - 1] as string)) q = c;
    } else if (c === "#" && (i === 0 || /\s/.test(s[i - 1] as string))) {
      return s.slice(0, i);
    }
  }
  return s;
}

function scalar(raw: string): Yaml {
  const s = raw.trim();
  if (
    s.length >= 2 &&
    ((s.startsWith('"') && s.endsWith('"')) || (s.startsWith("'") && s.endsWith("'")))
  ) {
    return s.slice(1, -1);
  }
  if (s === "" || s === "~" || s === "null") return null;
  if (s === "true" || s === "yes") return true;
  if (s === "false" || s === "no") return false;
  if (/^-?\d+(\.\d+)?$/.test(s) && !/^0\d/.test(s)) return Number(s);
  return s;
}

/** Index of the `key:` separator of a map line, or -1. */
function keySep(t: string): number {
  let q = "";
  for (let i = 0; i < t.length; i++) {
    const c = t[i] as string;
    if (q !== "") {
      if (c === q) q = "";
    } else if (c === '"' || c === "'") q = c;
    else if (c === ":" && (i + 1 === t.length || t[i + 1] === " ")) return i;
  }
  return -1;
}

export function parseYaml(text: string): Yaml {
  const lines: Line[] = [];
  for (const l of text.split(/\r?\n/)) {
    if (/^\s*(%|---)/.test(l)) continue;
    const t = stripComment(l).replace(/\s+$/, "");
    if (t.trim() === "") continue;
    lines.push({ indent: t.length - t.trimStart().length, text: t.trim() });
  }
  let i = 0;

  function block(indent: number): Yaml {
    const first = lines[i];
    if (first === undefined || first.indent < indent) return null;
    if (first.text.startsWith("- ") || first.text === "-") return list(first.indent);
    return map(first.indent);
  }

  function valueAfter(rest: string, parentIndent: number): Yaml {
    if (rest.trim() !== "") {
      let v = rest.trim();
      // Plain scalars may continue on more-indented lines.
      while (
        i < lines.length &&
        (lines[i] as Line).indent > parentIndent &&
        keySep((lines[i] as Line).text) < 0 &&
        !(lines[i] as Line).text.startsWith("- ")
      ) {
        v += ` ${(lines[i] as Line).text}`;
        i++;
      }
      return scalar(v);
    }
    const next = lines[i];
    if (next === undefined || next.indent <= parentIndent) {
      if (next !== undefined && next.indent === parentIndent && next.text.startsWith("- "))
        return list(next.indent);
      return null;
    }
    return block(next.indent);
  }

  function map(indent: number): Yaml {
    const out: { [k: string]: Yaml } = {};
    while (i < lines.length) {
      const l = lines[i] as Line;
      if (l.indent !== indent || l.text.startsWith("- ")) break;
      const sep = keySep(l.text);
      if (sep < 0) throw new Error(`yaml: expected "key:" in "${l.text}"`);
      const key = scalar(l.text.slice(0, sep));
      i++;
      out[String(key)] = valueAfter(l.text.slice(sep + 1), indent);
    }
    return out;
  }

  function list(indent: number): Yaml {
    const out: Yaml[] = [];
    while (i < lines.length) {
      const l = lines[i] as Line;
      if (l.indent !== indent || !(l.text.startsWith("- ") || l.text === "-")) break;
      const rest = l.text === "-" ? "" : l.text.slice(2);
      const itemIndent = indent + 2 + (rest.length - rest.trimStart().length);
      if (rest.trim() === "") {
        i++;
        out.push(block(indent + 1));
      } else if (keySep(rest) >= 0) {
        // "- key: value" starts a map whose keys sit at the item's indent.
        lines[i] = { indent: itemIndent, text: rest.trim() };
        out.push(map(itemIndent));
      } else {
        i++;
        out.push(scalar(rest));
      }
    }
    return out;
  }

  return block(0);
}
