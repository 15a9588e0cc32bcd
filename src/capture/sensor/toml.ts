/** @module A small TOML subset reader: every value keeps its line and column, every problem is an issue, nothing throws. */

/** Texts longer than this (in characters) are refused whole: a sensor config is a few hundred bytes. */
export const MAX_TOML_CHARS = 1 << 20;
/** Arrays nested deeper than this are refused, which keeps the recursive reader's stack small. */
export const MAX_ARRAY_DEPTH = 16;
/** The reader stops after this many issues and adds one more that says so. */
export const MAX_TOML_ISSUES = 100;

/** A place in the text: 1-based line and column (columns count UTF-16 code units). */
export interface TomlPos {
  line: number;
  column: number;
}

export interface TomlString extends TomlPos {
  kind: "string";
  value: string;
}

export interface TomlInteger extends TomlPos {
  kind: "integer";
  value: number;
}

export interface TomlBoolean extends TomlPos {
  kind: "boolean";
  value: boolean;
}

export interface TomlArray extends TomlPos {
  kind: "array";
  items: TomlValue[];
}

/** A value written after `=`. */
export type TomlValue = TomlString | TomlInteger | TomlBoolean | TomlArray;

/** A table; its position is its `[header]` (or the key that implied it). */
export interface TomlTable extends TomlPos {
  kind: "table";
  /** Where it sits, for messages: "", "limits", "listen[1]", "persona.telnet". */
  path: string;
  /** How it came to be: the root, a [header], implied by a deeper header, or a dotted key. */
  origin: "root" | "header" | "implicit" | "dotted";
  entries: Map<string, TomlEntry>;
}

/** The tables of `[[name]]` headers, in order; its position is the first header. */
export interface TomlTableArray extends TomlPos {
  kind: "table-array";
  tables: TomlTable[];
}

export type TomlNode = TomlValue | TomlTable | TomlTableArray;

/** A key of a table, where the key itself was written, and what it holds. */
export interface TomlEntry {
  key: string;
  at: TomlPos;
  node: TomlNode;
}

export type TomlIssueCode = "syntax" | "unsupported" | "duplicate" | "too-large";

export interface TomlIssue extends TomlPos {
  code: TomlIssueCode;
  /** The key path the issue concerns, or "" when the line could not be read that far. */
  path: string;
  message: string;
}

export interface TomlDocument {
  root: TomlTable;
  issues: TomlIssue[];
}

import { type Scanned, scanBare, scanString, show } from "./toml-scalars.js";

const BARE_KEY = /[A-Za-z0-9_-]/;
const STATEMENT = /[A-Za-z0-9_-]+([ \t]*\.[ \t]*[A-Za-z0-9_-]+)*[ \t]*=/y;
const HEADER = /\[\[?[ \t]*([A-Za-z_-][A-Za-z0-9_.\- \t]*)\]\]?[ \t]*(#[^\n]*)?(\r?\n|$)/y;
/** Joins a table path and a key the way messages show them (quoted when not a bare key). */
export function joinPath(path: string, key: string): string {
  const k = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
  return path === "" ? k : `${path}.${k}`;
}

const newTable = (path: string, origin: TomlTable["origin"], at: TomlPos): TomlTable => ({
  kind: "table",
  path,
  origin,
  entries: new Map(),
  line: at.line,
  column: at.column,
});

interface Mark {
  i: number;
  line: number;
  lineStart: number;
}

class Reader {
  i = 0;
  line = 1;
  lineStart = 0;
  full = false;
  readonly issues: TomlIssue[] = [];
  readonly root = newTable("", "root", { line: 1, column: 1 });

  constructor(readonly s: string) {}

  pos(at = this.i): TomlPos {
    return { line: this.line, column: at - this.lineStart + 1 };
  }

  issue(at: TomlPos, code: TomlIssueCode, path: string, message: string): void {
    if (this.full) return;
    if (this.issues.length >= MAX_TOML_ISSUES) {
      this.full = true;
      this.issues.push({
        ...at,
        code: "too-large",
        path: "",
        message: "too many issues, stopping",
      });
      return;
    }
    this.issues.push({ line: at.line, column: at.column, code, path, message });
  }

  save(): Mark {
    return { i: this.i, line: this.line, lineStart: this.lineStart };
  }

  restore(m: Mark): void {
    this.i = m.i;
    this.line = m.line;
    this.lineStart = m.lineStart;
  }

  skipWs(): void {
    const s = this.s;
    while (s[this.i] === " " || s[this.i] === "\t" || s[this.i] === "\r") this.i++;
  }

  atLineEnd(): boolean {
    return this.i >= this.s.length || this.s[this.i] === "\n";
  }

  skipToLineEnd(): void {
    while (!this.atLineEnd()) this.i++;
  }

  newline(): void {
    this.i++;
    this.line++;
    this.lineStart = this.i;
  }

  /** Skips spaces, comments and newlines inside an array; true when a newline was crossed. */
  skipArraySpace(): boolean {
    let crossed = false;
    for (;;) {
      this.skipWs();
      if (this.s[this.i] === "#") this.skipToLineEnd();
      if (this.i >= this.s.length || this.s[this.i] !== "\n") return crossed;
      this.newline();
      crossed = true;
    }
  }

  read(): TomlDocument {
    if (this.s.length > MAX_TOML_CHARS) {
      this.issue(
        { line: 1, column: 1 },
        "too-large",
        "",
        `longer than ${MAX_TOML_CHARS} characters`,
      );
      return { root: this.root, issues: this.issues };
    }
    if (this.s.charCodeAt(0) === 0xfeff) this.i = this.lineStart = 1;
    let current = this.root;
    while (this.i < this.s.length && !this.full) {
      this.skipWs();
      const c = this.s[this.i];
      if (c === undefined) break;
      if (c === "\n") this.newline();
      else if (c === "#") this.skipToLineEnd();
      else if (c === "[") {
        const t = this.header();
        // Keys under a broken header go to a table nobody reads: one issue, not a cascade.
        current = t ?? newTable("(broken header)", "header", this.pos());
        this.endLine(t !== null);
      } else this.endLine(this.keyValue(current));
    }
    return { root: this.root, issues: this.issues };
  }

  /** After a statement: only a comment may follow; after a failed one, the line is dropped. */
  endLine(ok: boolean): void {
    if (ok) {
      this.skipWs();
      if (this.s[this.i] === "#") this.skipToLineEnd();
      if (!this.atLineEnd()) {
        this.issue(
          this.pos(),
          "syntax",
          "",
          "expected the end of the line (one key = value per line)",
        );
      }
    }
    this.skipToLineEnd();
  }

  /** Reads `a.b."c"`; null (with an issue) when there is no key. */
  keyPath(): Array<{ key: string; at: TomlPos }> | null {
    const segs: Array<{ key: string; at: TomlPos }> = [];
    for (;;) {
      this.skipWs();
      const at = this.pos();
      const c = this.s[this.i];
      let key: string | null = null;
      if (c === '"' || c === "'") key = this.take(scanString(this.s, this.i), "");
      else {
        const from = this.i;
        while (this.i < this.s.length && BARE_KEY.test(this.s[this.i] as string)) this.i++;
        if (this.i > from) key = this.s.slice(from, this.i);
        else {
          const what = this.atLineEnd() ? "the end of the line" : show(c as string);
          this.issue(at, "syntax", "", `expected a key, found ${what}`);
        }
      }
      if (key === null) return null;
      segs.push({ key, at });
      this.skipWs();
      if (this.s[this.i] !== ".") return segs;
      this.i++;
    }
  }

  /** Walks (creating) the tables named by `segs` from `table`; null with an issue on a clash. */
  walk(
    table: TomlTable,
    segs: Array<{ key: string; at: TomlPos }>,
    mode: "header" | "dotted",
  ): TomlTable | null {
    for (const seg of segs) {
      const path = joinPath(table.path, seg.key);
      const e = table.entries.get(seg.key);
      if (e === undefined) {
        const t = newTable(path, mode === "header" ? "implicit" : "dotted", seg.at);
        table.entries.set(seg.key, { key: seg.key, at: seg.at, node: t });
        table = t;
      } else if (e.node.kind === "table") table = e.node;
      else if (e.node.kind === "table-array" && mode === "header") {
        table = e.node.tables[e.node.tables.length - 1] as TomlTable;
      } else {
        const what = e.node.kind === "table-array" ? "an array of tables" : "a value";
        this.issue(seg.at, "duplicate", path, `${path} is already ${what} (line ${e.at.line})`);
        return null;
      }
    }
    return table;
  }

  /** Reads `[a.b]` or `[[a.b]]`; returns the table that the following keys fill. */
  header(): TomlTable | null {
    const start = this.pos();
    const many = this.s[this.i + 1] === "[";
    this.i += many ? 2 : 1;
    const segs = this.keyPath();
    if (segs === null) return null;
    this.skipWs();
    const close = many ? "]]" : "]";
    if (!this.s.startsWith(close, this.i)) {
      this.issue(this.pos(), "syntax", "", `expected "${close}" to close the table header`);
      return null;
    }
    this.i += close.length;
    const parent = this.walk(this.root, segs.slice(0, -1), "header");
    if (parent === null) return null;
    const last = segs[segs.length - 1] as { key: string; at: TomlPos };
    const path = joinPath(parent.path, last.key);
    const prev = parent.entries.get(last.key);
    if (many) {
      if (prev === undefined) {
        const t = newTable(`${path}[0]`, "header", start);
        const node: TomlTableArray = { kind: "table-array", tables: [t], ...start };
        parent.entries.set(last.key, { key: last.key, at: last.at, node });
        return t;
      }
      if (prev.node.kind === "table-array") {
        const t = newTable(`${path}[${prev.node.tables.length}]`, "header", start);
        prev.node.tables.push(t);
        return t;
      }
    } else if (prev === undefined) {
      const t = newTable(path, "header", start);
      parent.entries.set(last.key, { key: last.key, at: last.at, node: t });
      return t;
    } else if (prev.node.kind === "table" && prev.node.origin === "implicit") {
      prev.node.origin = "header";
      return prev.node;
    }
    const was =
      prev.node.kind === "table-array"
        ? `an array of tables ([[${path}]], line ${prev.node.line})`
        : prev.node.kind === "table"
          ? `defined at line ${prev.node.line}`
          : `a value (line ${prev.at.line})`;
    this.issue(
      start,
      "duplicate",
      path,
      `${many ? `[[${path}]]` : `[${path}]`}: ${path} is already ${was}`,
    );
    return null;
  }

  /** Reads `key = value` into `table`; false (with an issue) when the line is broken. */
  keyValue(table: TomlTable): boolean {
    const segs = this.keyPath();
    if (segs === null) return false;
    this.skipWs();
    const last = segs[segs.length - 1] as { key: string; at: TomlPos };
    const shown = segs.map((s) => s.key).join(".");
    if (this.s[this.i] !== "=") {
      const found = this.atLineEnd() ? "the end of the line" : show(this.s[this.i] as string);
      this.issue(
        this.pos(),
        "syntax",
        shown,
        `expected "=" after the key ${shown}, found ${found}`,
      );
      return false;
    }
    this.i++;
    this.skipWs();
    const target = this.walk(table, segs.slice(0, -1), "dotted");
    if (target === null) return false;
    const path = joinPath(target.path, last.key);
    const value = this.value(0, path);
    if (value === null) return false;
    const prev = target.entries.get(last.key);
    if (prev !== undefined) {
      this.issue(last.at, "duplicate", path, `${path} is already set (line ${prev.at.line})`);
    } else target.entries.set(last.key, { key: last.key, at: last.at, node: value });
    return true;
  }

  /** Reads one value; null (with an issue) when it is not one the subset knows. */
  value(depth: number, path: string): TomlValue | null {
    const c = this.s[this.i];
    const at = this.pos();
    if (c === "[") return this.array(depth, path);
    if (c === "{") {
      this.issue(at, "unsupported", path, "inline tables { } are not supported: use a [table]");
      return null;
    }
    if (c === '"' || c === "'") {
      const value = this.take(scanString(this.s, this.i), path);
      return value === null ? null : { kind: "string", value, ...at };
    }
    const r = scanBare(this.s, this.i);
    if (r.end === this.i) {
      const found = this.atLineEnd() || c === "#" ? "nothing" : show(c as string);
      this.issue(at, "syntax", path, `expected a value, found ${found}`);
      return null;
    }
    const value = this.take(r, path);
    if (typeof value === "number") return { kind: "integer", value, ...at };
    return value === null ? null : { kind: "boolean", value, ...at };
  }

  /** Reads `[v, v, ...]`, over several lines if need be, with comments and a trailing comma. */
  array(depth: number, path: string): TomlArray | null {
    const start = this.pos();
    if (depth >= MAX_ARRAY_DEPTH) {
      this.issue(start, "too-large", path, `arrays nested deeper than ${MAX_ARRAY_DEPTH}`);
      return null;
    }
    this.i++;
    const items: TomlValue[] = [];
    let n = 0;
    let failed = false;
    const unterminated = (): null => {
      this.issue(start, "syntax", path, 'unterminated array: "]" is missing');
      return null;
    };
    for (;;) {
      const mark = this.save();
      // A line that reads as a new statement means the "]" was forgotten; resume at that line.
      if (this.skipArraySpace() && this.looksLikeStatement()) {
        this.restore(mark);
        return unterminated();
      }
      if (this.i >= this.s.length) return unterminated();
      if (this.s[this.i] === "]") {
        this.i++;
        return failed ? null : { kind: "array", items, ...start };
      }
      const v = this.value(depth + 1, `${path}[${n++}]`);
      if (v !== null) {
        items.push(v);
        const after = this.save();
        if (this.skipArraySpace() && this.looksLikeStatement()) {
          this.restore(after);
          return unterminated();
        }
        if (this.s[this.i] === ",") {
          this.i++;
          continue;
        }
        if (this.s[this.i] === "]" || this.i >= this.s.length) continue;
        this.issue(
          this.pos(),
          "syntax",
          path,
          `expected "," or "]" in the array, found ${show(this.s[this.i] as string)}`,
        );
      }
      failed = true;
      if (!this.resync()) return null;
    }
  }

  /** After a bad array item: skips to the next "," or "]" on this line; false when there is none. */
  resync(): boolean {
    while (!this.atLineEnd()) {
      const c = this.s[this.i];
      if (c === "]") return true;
      this.i++;
      if (c === ",") return true;
    }
    return false;
  }

  looksLikeStatement(): boolean {
    STATEMENT.lastIndex = this.i;
    if (STATEMENT.test(this.s)) return true;
    HEADER.lastIndex = this.i;
    const m = HEADER.exec(this.s);
    return m !== null && !/^(true|false)$/.test((m[1] as string).trim());
  }

  /** Moves past a scanned token and reports its problems; its value, or null. */
  take<T>(r: Scanned<T>, path: string): T | null {
    for (const p of r.problems) this.issue(this.pos(p.index), p.code, path, p.message);
    this.i = r.end;
    return r.value;
  }
}

/** Reads a TOML subset. Never throws: what cannot be read becomes an issue with its line and column. */
export function parseToml(text: string): TomlDocument {
  return new Reader(text).read();
}
