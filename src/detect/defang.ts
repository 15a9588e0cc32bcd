/**
 * @module Defanging IoCs for human eyes (`hxxp://198.51.100[.]7/r`, `evil.example[.]com`) and
 * refanging them back. JSON keeps real values; the terminal and exports defang by default.
 */

import type { IocType } from "../schema/detection.js";
import { isDomain, isIpv4, isLabelChar } from "./host-text.js";

const SCHEMES: Record<string, string> = {
  http: "hxxp",
  https: "hxxps",
  ftp: "fxp",
  tftp: "tfxp",
};

/** Replaces the last dot of a host by "[.]". */
function defangHost(h: string): string {
  const dot = h.lastIndexOf(".");
  return dot < 0 ? h : `${h.slice(0, dot)}[.]${h.slice(dot + 1)}`;
}

/**
 * The defanged form of an IoC. URLs get a broken scheme (`http` → `hxxp`, `https` → `hxxps`,
 * `ftp` → `fxp`, `tftp` → `tfxp`) and a bracketed last dot in the host; IPv4 addresses and
 * domains (and downloader hosts) a bracketed last dot; IPv6 addresses bracketed colons; file
 * names stay; commands, and text of unknown type, have every URL, address and domain inside
 * defanged. Already-defanged text is left as it is.
 */
export function defang(value: string, type?: IocType): string {
  switch (type) {
    case "filename":
      return value;
    case "ipv4":
    case "domain":
    case "downloader":
      if (value.includes(":") && !value.includes(".")) return defangIpv6(value);
      if (value.includes("[.]")) return value;
      return isIpv4(value) || isDomain(value, false) ? defangHost(value) : defangText(value);
    case "ipv6":
      return defangIpv6(value);
    default:
      return defangText(value);
  }
}

function defangIpv6(v: string): string {
  return v.includes("[:]") ? v : v.replaceAll(":", "[:]");
}

/** Defangs every URL scheme, IPv4 address and domain name in free text. */
function defangText(s: string): string {
  let out = "";
  let i = 0;
  const n = s.length;
  let afterScheme = false;
  while (i < n) {
    const c = s.charCodeAt(i);
    const prev = i > 0 ? s.charCodeAt(i - 1) : 0x20;
    // A scheme glued to what precedes it ("wget%20http://..." in a query string) is still a
    // URL: catch it unless a letter comes right before (as in "xhttp://").
    if (isLabelChar(prev) && !isLetter(prev)) {
      const len = schemeAt(s, i);
      if (len > 0) {
        out += SCHEMES[s.slice(i, i + len).toLowerCase()];
        afterScheme = true;
        i += len;
        continue;
      }
    }
    if (!isLabelChar(c) || isLabelChar(prev) || prev === 0x2e || prev === 0x25) {
      out += s[i];
      if (c !== 0x2f && c !== 0x3a) afterScheme = false;
      i++;
      continue;
    }
    let e = i;
    while (e < n && (isLabelChar(s.charCodeAt(e)) || s.charCodeAt(e) === 0x2e)) e++;
    let end = e;
    while (end > i && s.charCodeAt(end - 1) === 0x2e) end--;
    const word = s.slice(i, end);
    const mapped = SCHEMES[word.toLowerCase()];
    if (mapped !== undefined && s.startsWith("://", end)) {
      out += mapped;
      afterScheme = true;
    } else if (
      (prev !== 0x2f || afterScheme) &&
      (isIpv4(word) || isDomain(word, !(afterScheme || prev === 0x40)))
    ) {
      out += defangHost(word);
      afterScheme = false;
    } else {
      out += word;
      afterScheme = false;
    }
    out += s.slice(end, e);
    i = e;
  }
  return out;
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** Length of the scheme name at `i` when a known scheme followed by "://" starts there, else 0. */
function schemeAt(s: string, i: number): number {
  for (const name of Object.keys(SCHEMES)) {
    const end = i + name.length;
    if (s.slice(i, end).toLowerCase() === name && s.startsWith("://", end)) return name.length;
  }
  return 0;
}

const REFANG: Array<[string, string]> = [
  ["[.]", "."],
  ["(.)", "."],
  ["{.}", "."],
  ["[dot]", "."],
  ["(dot)", "."],
  ["[:]", ":"],
  ["[://]", "://"],
];
const REFANG_SCHEMES: Record<string, string> = {
  hxxp: "http",
  hxxps: "https",
  fxp: "ftp",
  tfxp: "tftp",
  hxtp: "http",
  hxtps: "https",
};

/**
 * The inverse of `defang`: bracketed dots and colons restored, broken schemes repaired (also
 * the common variants "(.)", "[dot]", "hXXp"). For any value without such markers,
 * `refang(defang(v)) === v`.
 */
export function refang(value: string): string {
  let s = value;
  for (const [from, to] of REFANG) if (s.includes(from)) s = s.replaceAll(from, to);
  let out = "";
  let start = 0;
  for (let i = s.indexOf("://"); i > 0; i = s.indexOf("://", i + 3)) {
    let a = i;
    while (a > 0 && i - a < 5 && isLabelChar(s.charCodeAt(a - 1))) a--;
    const mapped = REFANG_SCHEMES[s.slice(a, i).toLowerCase()];
    if (mapped === undefined || a < start) continue;
    out += s.slice(start, a) + mapped;
    start = i;
  }
  return out + s.slice(start);
}
