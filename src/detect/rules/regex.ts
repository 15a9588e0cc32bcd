/**
 * @module Rule regexes: PCRE patterns run by RE2 (linear time) when it can express them, else by
 * a JS RegExp that only ever sees a bounded slice of the buffer.
 */

import { createContext, Script } from "node:vm";
import RE2 from "re2";
import { translatePcre } from "./pcre-syntax.js";

/**
 * Bytes of a buffer a backtracking (JS) regex may look at, from its start position. Patterns RE2
 * cannot run (backreferences, lookaround) are a few percent of ET Open; bounding what they see
 * bounds the damage a crafted payload can do to a catastrophic pattern.
 */
export const BACKTRACK_LIMIT = 8192;

/**
 * Milliseconds one backtracking run may take. Bounding the input is not enough on its own (a
 * nested quantifier is exponential in a few dozen bytes), so fallback regexes run under a
 * watchdog that interrupts them; an interrupted run counts as no match.
 */
export const BACKTRACK_TIMEOUT_MS = 50;

/** Runs of fallback regexes interrupted by the watchdog (process-wide). */
export const regexStats = { fallbackRuns: 0, timeouts: 0 };

interface Sandbox {
  re: RegExp | undefined;
  s: string;
  m: RegExpExecArray | null;
}

let sandbox: Sandbox | undefined;
let runner: Script | undefined;

/** `re.exec(s)` under the watchdog; undefined when interrupted. */
function guardedExec(re: RegExp, s: string): RegExpExecArray | null | undefined {
  if (sandbox === undefined || runner === undefined) {
    sandbox = createContext({ re: undefined, s: "", m: null }) as Sandbox;
    runner = new Script("m = re.exec(s)");
  }
  sandbox.re = re;
  sandbox.s = s;
  sandbox.m = null;
  regexStats.fallbackRuns++;
  try {
    runner.runInContext(sandbox as unknown as object, { timeout: BACKTRACK_TIMEOUT_MS });
    return sandbox.m;
  } catch {
    regexStats.timeouts++;
    return undefined;
  } finally {
    sandbox.re = undefined;
    sandbox.s = "";
  }
}

export interface RegexFlags {
  i: boolean;
  s: boolean;
  m: boolean;
  x: boolean;
  /** PCRE_ANCHORED: match only at the start. */
  anchored: boolean;
  /** PCRE_UNGREEDY (Suricata's `G`). */
  ungreedy: boolean;
}

/** A compiled rule regex. After a successful `search`, `start`/`end` hold the match. */
export class Regex {
  start = 0;
  end = 0;

  private constructor(
    readonly engine: "re2" | "js",
    private readonly re: RE2 | RegExp,
  ) {}

  /**
   * Compiles a PCRE pattern (without delimiters) for RE2, else for JS. Returns a reason string
   * when neither can take it.
   */
  static compile(pattern: string, f: RegexFlags): Regex | string {
    const src = f.x ? stripExtended(pattern) : pattern;
    const re2 = translatePcre(src, "re2", f.m);
    if (typeof re2 === "object") {
      let body = re2.pattern;
      const inline = `${re2.flags}${f.ungreedy ? "U" : ""}`;
      if (inline !== "") body = `(?${inline})${body}`;
      if (f.anchored) body = `\\A(?:${body})`;
      try {
        const flags = `${f.i ? "i" : ""}${f.s ? "s" : ""}${f.m ? "m" : ""}`;
        return new Regex("re2", new RE2(body, flags));
      } catch {
        // RE2 refused something the translation let through: try the JS engine.
      }
    }
    if (f.ungreedy) return "ungreedy (G) patterns RE2 cannot run are not supported";
    const js = translatePcre(src, "js", f.m);
    if (typeof js === "string") return js;
    let body = js.pattern;
    if (f.anchored) body = `^(?:${body})`;
    const flags = `${f.i || js.flags.includes("i") ? "i" : ""}${f.s || js.flags.includes("s") ? "s" : ""}${f.m || js.flags.includes("m") ? "m" : ""}`;
    try {
      return new Regex("js", new RegExp(body, flags));
    } catch (e) {
      return `pattern not understood: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** Whether the pattern matches `s` from `from` (cheaper than `search`: no positions). */
  test(s: string, from: number): boolean {
    if (this.engine === "js") return this.search(s, from);
    return this.re.test(from === 0 ? s : s.slice(from));
  }

  /**
   * Searches `s` from `from`; the subject starts there (so `^` anchors at `from`, as Suricata's
   * relative pcre does). Sets start/end (absolute offsets in `s`) on success.
   */
  search(s: string, from: number): boolean {
    let subject: string;
    if (this.engine === "js") {
      subject = s.length - from > BACKTRACK_LIMIT ? s.slice(from, from + BACKTRACK_LIMIT) : s;
      if (subject === s && from !== 0) subject = s.slice(from);
    } else {
      subject = from === 0 ? s : s.slice(from);
    }
    const m =
      this.engine === "js" ? guardedExec(this.re as RegExp, subject) : this.re.exec(subject);
    if (m === null || m === undefined) return false;
    const base = subject === s ? 0 : from;
    this.start = base + m.index;
    this.end = this.start + (m[0] as string).length;
    return true;
  }
}

/** Removes unescaped whitespace and `#` comments outside classes (PCRE_EXTENDED). */
export function stripExtended(p: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string;
    if (c === "\\") {
      out += c + (p[i + 1] ?? "");
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      if (p[i + 1] === "^") out += p[++i];
      if (p[i + 1] === "]") out += p[++i];
      continue;
    }
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v") continue;
    if (c === "#") {
      while (i < p.length && p[i] !== "\n") i++;
      continue;
    }
    out += c;
  }
  return out;
}
