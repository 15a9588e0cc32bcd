/** @module Packet header keywords: flags, seq, ack, window, ttl, id, itype, icode. */

import type { HeaderTest } from "../types.js";
import { parseNumTest } from "../values.js";
import { type Keyword, KeywordError, need } from "./keyword.js";

const FLAG_BITS: Record<string, number> = {
  F: 0x01,
  S: 0x02,
  R: 0x04,
  P: 0x08,
  A: 0x10,
  U: 0x20,
  E: 0x40,
  C: 0x80,
  "2": 0x40,
  "1": 0x80,
};

function bitsOf(s: string): number {
  let bits = 0;
  for (const ch of s.toUpperCase()) {
    if (ch === "0") continue;
    const b = FLAG_BITS[ch];
    if (b === undefined) throw new KeywordError(`flags: unknown flag "${ch}"`);
    bits |= b;
  }
  return bits;
}

/** Parses `[+*!]FLAGS[,MASK]`. */
export function parseFlags(v: string): NonNullable<HeaderTest["flags"]> {
  const [f, m] = v.replace(/\s+/g, "").split(",", 2) as [string, string | undefined];
  let mode: "exact" | "all" | "any" | "not" = "exact";
  let s = f;
  for (;;) {
    const c = s[0];
    if (c === "+") mode = "all";
    else if (c === "*") mode = "any";
    else if (c === "!") mode = "not";
    else break;
    s = s.slice(1);
  }
  // Snort also allowed the modifier after the letters ("SA+").
  const last = s[s.length - 1];
  if (last === "+" || last === "*" || last === "!") {
    mode = last === "+" ? "all" : last === "*" ? "any" : "not";
    s = s.slice(0, -1);
  }
  if (s === "") throw new KeywordError("flags: no flags given");
  return { bits: bitsOf(s), mask: m === undefined ? 0 : bitsOf(m), mode };
}

function numeric(field: HeaderTest["field"], doc: string): Keyword {
  return {
    name: field,
    doc,
    setup(b, v) {
      const t = parseNumTest(need(field, v));
      if (typeof t === "string") throw new KeywordError(`${field}: ${t}`);
      b.header.push({ field, test: t });
      b.packetOnly = true;
    },
  };
}

const flags: Keyword = {
  name: "flags",
  doc: "TCP flags: exact, `+` all of, `*` any of, `!` none of; `,MASK` flags to ignore.",
  setup(b, v) {
    b.header.push({ field: "flags", flags: parseFlags(need("flags", v)) });
    b.packetOnly = true;
  },
};

export const HEADER_KEYWORDS: Keyword[] = [
  flags,
  { ...flags, name: "tcp.flags" },
  numeric("seq", "TCP sequence number."),
  numeric("ack", "TCP acknowledgement number."),
  numeric("window", "TCP window size."),
  numeric("ttl", "IP time to live (hop limit)."),
  numeric("id", "IPv4 identification."),
  numeric("itype", "ICMP type."),
  numeric("icode", "ICMP code."),
];
