/** @module Recognising addresses and domain names in attacker text, by hand-written scanners. */

import { createRequire } from "node:module";
import { isIPv6 } from "node:net";

// The `tlds` package is a JSON array (its main is index.json): ESM would need an import
// attribute, which the type declarations do not describe, so it is loaded through require.
const TLD_LIST = createRequire(import.meta.url)("tlds") as string[];

/** The IANA top-level domains, lowercase (punycode and Unicode forms as the list gives them). */
export const TLDS: ReadonlySet<string> = new Set(TLD_LIST.map((t) => t.toLowerCase()));

/**
 * File extensions that are also TLDs. A two-label name ending in one of them ("bins.sh",
 * "x.zip", "main.py") is far more often a file than a host, so free text does not yield it as a
 * domain; inside a URL's host it still counts.
 */
export const FILE_EXTENSION_TLDS: ReadonlySet<string> = new Set(
  ["sh", "py", "pl", "zip", "mov", "so", "run", "app", "rs", "md", "ps", "cc", "bin", "exe"].filter(
    (t) => TLDS.has(t),
  ),
);

/** True for a character of a host name label: letters, digits, '-'. */
export function isLabelChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d
  );
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * The end of a dotted-quad IPv4 address starting at `s[a]` (four 1-3 digit parts, each at most
 * 255), or -1. The address must not continue into a longer dotted number ("1.2.3.4.5").
 */
export function ipv4End(s: string, a: number, limit = s.length): number {
  let i = a;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (i >= limit || s.charCodeAt(i) !== 0x2e) return -1;
      i++;
    }
    let v = 0;
    let n = 0;
    while (i < limit && n < 4 && isDigit(s.charCodeAt(i))) {
      v = v * 10 + s.charCodeAt(i) - 0x30;
      i++;
      n++;
    }
    if (n === 0 || n > 3 || v > 255) return -1;
  }
  if (i < limit && isDigit(s.charCodeAt(i))) return -1;
  if (i + 1 < limit && s.charCodeAt(i) === 0x2e && isDigit(s.charCodeAt(i + 1))) return -1;
  return i;
}

/** True when the whole of `s` is a dotted-quad IPv4 address. */
export function isIpv4(s: string): boolean {
  return s.length >= 7 && s.length <= 15 && ipv4End(s, 0) === s.length;
}

/**
 * True for IPv4 addresses that are never a useful indicator: "this network" (0/8), loopback,
 * multicast and reserved (224/3), which payloads name as placeholders or SSDP targets.
 */
export function isNoiseIpv4(s: string): boolean {
  const dot = s.indexOf(".");
  const first = Number(s.slice(0, dot));
  return first === 0 || first === 127 || first >= 224;
}

/** True when `s` is an IPv6 address text (Node's parser; callers pass only short candidates). */
export function isIpv6(s: string): boolean {
  return s.length >= 2 && s.length <= 45 && s.includes(":") && isIPv6(s);
}

/**
 * True when `s` is a host name under a real TLD: two or more labels of letters, digits and '-'
 * (1-63 chars, not starting or ending with '-'), 253 chars at most, the last label in the IANA
 * list. `strict` (free text, not a URL host) also refuses two-label names ending in a file
 * extension and single-letter first labels of two-label names ("a.sh").
 */
export function isDomain(s: string, strict: boolean): boolean {
  const n = s.length;
  if (n < 4 || n > 253) return false;
  let labels = 0;
  let start = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? s.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      const len = i - start;
      if (len < 1 || len > 63) return false;
      if (s.charCodeAt(start) === 0x2d || s.charCodeAt(i - 1) === 0x2d) return false;
      labels++;
      start = i + 1;
    } else if (!isLabelChar(c)) {
      return false;
    }
  }
  if (labels < 2) return false;
  const tld = s.slice(s.lastIndexOf(".") + 1).toLowerCase();
  if (!TLDS.has(tld)) return false;
  if (strict && labels === 2 && (FILE_EXTENSION_TLDS.has(tld) || s.indexOf(".") < 2)) return false;
  return true;
}
