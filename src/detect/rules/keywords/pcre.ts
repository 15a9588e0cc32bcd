/** @module The pcre keyword: delimiters, PCRE flags and Suricata's buffer modifier letters. */

import type { BufferDef } from "../buffers.js";
import { PCRE_BUFFERS } from "../buffers.js";
import { Regex, type RegexFlags } from "../regex.js";
import { type Keyword, KeywordError, need, UnsupportedError } from "./keyword.js";

export interface PcreSpec {
  negated: boolean;
  pattern: string;
  flags: RegexFlags;
  relative: boolean;
  buffer: BufferDef | undefined;
}

/** Parses `!"/pattern/flags"` (the `m<delim>` form too). Throws KeywordError when malformed. */
export function parsePcre(raw: string): PcreSpec {
  let v = raw.trim();
  let negated = false;
  if (v.startsWith("!")) {
    negated = true;
    v = v.slice(1).trim();
  }
  if (v.length < 2 || !v.startsWith('"') || !v.endsWith('"')) {
    throw new KeywordError("pcre must be a double-quoted /pattern/flags");
  }
  v = v.slice(1, -1);
  let delim = "/";
  if (v.startsWith("m") && v.length > 1 && !/[A-Za-z0-9\\\s]/.test(v[1] as string)) {
    delim = v[1] as string;
    v = v.slice(1);
  }
  if (!v.startsWith(delim)) throw new KeywordError(`pcre "${raw}" must start with ${delim}`);
  const end = v.lastIndexOf(delim);
  if (end <= 0) throw new KeywordError(`pcre "${raw}" has no closing ${delim}`);
  // The rule parser keeps `\"` and `\;` escapes: inside a pattern they mean the bare character.
  const pattern = v.slice(1, end).replace(/\\([";])/g, "$1");
  const flags: RegexFlags = {
    i: false,
    s: false,
    m: false,
    x: false,
    anchored: false,
    ungreedy: false,
  };
  let relative = false;
  let buffer: BufferDef | undefined;
  for (const f of v.slice(end + 1)) {
    switch (f) {
      case "i":
      case "s":
      case "m":
      case "x":
        flags[f] = true;
        break;
      case "A":
        flags.anchored = true;
        break;
      case "G":
        flags.ungreedy = true;
        break;
      case "E":
      case "O":
      case "B":
        break;
      case "R":
        relative = true;
        break;
      default: {
        const b = PCRE_BUFFERS.get(f);
        if (b === undefined) throw new KeywordError(`unknown pcre modifier "${f}"`);
        if (buffer !== undefined && buffer !== b) {
          throw new KeywordError("pcre names two buffers");
        }
        buffer = b;
      }
    }
  }
  return { negated, pattern, flags, relative, buffer };
}

export const PCRE_KEYWORD: Keyword = {
  name: "pcre",
  doc: "A Perl-compatible regex with i,s,m,x,A,E,G,O flags, R (relative) and the buffer letters U,I,H,D,M,C,S,Y,P,Q,V,W,Z (B accepted).",
  setup(b, v) {
    const spec = parsePcre(need("pcre", v));
    const re = Regex.compile(spec.pattern, spec.flags);
    if (typeof re === "string") throw new UnsupportedError(`pcre: ${re}`);
    const buf =
      spec.buffer ?? (spec.relative && b.lastList !== undefined ? b.lastList.buffer : b.sticky);
    b.add(
      { kind: "pcre", re, negated: spec.negated, relative: spec.relative, source: v ?? "" },
      buf,
    );
  },
};
