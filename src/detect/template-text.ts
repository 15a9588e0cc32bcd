/**
 * @module The text normaliser behind templates: replaces what varies between senders of one
 * payload (addresses, hosts, numbers, long runs, random tokens, binary noise) with placeholders.
 */

import { ipv4End, isDigit, isDomain, isIpv6 } from "./host-text.js";

/** A run of this many identical characters becomes `<run>` (overflow padding, NOP sleds). */
export const RUN_MIN = 8;
/** A stretch of non-printable bytes this long, with this many distinct values, becomes `<bin>`. */
export const BIN_MIN = 8;
export const BIN_DISTINCT = 6;
/**
 * Printable runs shorter than this inside binary belong to it: random bytes hold short printable
 * runs by chance (a run of 4 appears in about half of all 32-byte nonces, a run of 8 in 1%).
 */
export const TEXT_RUN = 8;
/**
 * A run of this many letters ends a binary stretch even when shorter than TEXT_RUN: names inside
 * binary protocols ("public" of SNMP, DNS labels) stay visible, while a random nonce holds one
 * by chance only about once in 100 (a byte is a letter with probability 52/256).
 */
export const WORD_RUN = 5;
/** Words longer than this become `<long>`. */
export const LONG_WORD = 40;

const HEX = "0123456789abcdef";

/** `\r`, `\n`, `\t` or `\xNN` for a non-printable character (and for anything above 0x7e). */
export function escapeChar(c: number): string {
  if (c === 0x0d) return "\\r";
  if (c === 0x0a) return "\\n";
  if (c === 0x09) return "\\t";
  const b = c & 0xff;
  return `\\x${HEX[b >> 4]}${HEX[b & 15]}`;
}

function isPrintable(c: number): boolean {
  return c >= 0x20 && c <= 0x7e;
}

/** Word characters of the normaliser: letters, digits, '_' and '-'. */
function isWordChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x5f ||
    c === 0x2d
  );
}

function isHexChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/**
 * A word's placeholder when it is a number or looks random, else the word with its digit runs
 * replaced by `<n>` ("DeviceUpgrade_1" gives "DeviceUpgrade_<n>").
 */
export function normaliseWord(w: string): string {
  const n = w.length;
  let digits = 0;
  let letters = 0;
  let hex = 0;
  let switches = 0;
  let prevCase = 0;
  for (let i = 0; i < n; i++) {
    const c = w.charCodeAt(i);
    if (isDigit(c)) digits++;
    else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) {
      letters++;
      const cs = c <= 0x5a ? 1 : 2;
      if (prevCase !== 0 && cs !== prevCase) switches++;
      prevCase = cs;
    }
    if (isHexChar(c)) hex++;
  }
  if (digits === n) return "<n>";
  if (n >= 8 && hex === n && digits > 0) return "<hex>";
  if (n >= 10 && digits >= 2 && letters >= 2) return "<tok>";
  if (n >= 16 && switches >= 4) return "<tok>";
  if (n > LONG_WORD) return "<long>";
  if (digits === 0) return w;
  let out = "";
  let i = 0;
  while (i < n) {
    const start = i;
    if (isDigit(w.charCodeAt(i))) {
      while (i < n && isDigit(w.charCodeAt(i))) i++;
      out += "<n>";
    } else {
      while (i < n && !isDigit(w.charCodeAt(i))) i++;
      out += w.slice(start, i);
    }
  }
  return out;
}

/** The end of a run of [0-9A-Fa-f:.] from `a` that is an IPv6 address, or -1. */
function ipv6End(s: string, a: number, limit: number): number {
  let i = a;
  let colons = 0;
  while (i < limit && i - a < 46) {
    const c = s.charCodeAt(i);
    if (c === 0x3a) colons++;
    else if (!(isHexChar(c) || c === 0x2e)) break;
    i++;
  }
  if (colons < 2 || i - a < 3) return -1;
  if (i < limit && isWordChar(s.charCodeAt(i))) return -1;
  return isIpv6(s.slice(a, i)) ? i : -1;
}

/** Options of `normaliseText`. */
export interface NormaliseOptions {
  /** Replace host names under a real TLD by `<host>` (off for URL paths, where "x.sh" is a file). */
  hosts: boolean;
  /** Longest output; longer text is cut and ends in "...". */
  max: number;
}

/** Which byte values a stretch holds: `distinct[b] === stamp` when seen in the current one. */
const distinct = new Int32Array(256);
let stamp = 0;
/** The rendering of the last `binaryStretch` (a module field: no closure or tuple per call). */
let stretchText = "";

/**
 * Normalises printable-or-not text (one char per byte, as latin1 gives it). Single pass, no
 * regular expressions: each position is looked at a bounded number of times.
 */
export function normaliseText(s: string, opts: NormaliseOptions): string {
  const n = Math.min(s.length, opts.max * 4);
  let out = "";
  let i = 0;
  let prevWord = false;
  while (i < n && out.length < opts.max) {
    const c = s.charCodeAt(i);
    let r = i + 1;
    while (r < n && r - i < RUN_MIN && s.charCodeAt(r) === c) r++;
    if (r - i >= RUN_MIN) {
      while (r < n && s.charCodeAt(r) === c) r++;
      out += "<run>";
      i = r;
      prevWord = false;
      continue;
    }
    if (!prevWord && (isHexChar(c) || c === 0x3a)) {
      const e6 = ipv6End(s, i, n);
      if (e6 > 0) {
        out += "<host>";
        i = e6;
        continue;
      }
    }
    if (isWordChar(c)) {
      let e = i;
      while (e < n && (isWordChar(s.charCodeAt(e)) || s.charCodeAt(e) === 0x2e)) e++;
      while (e > i && s.charCodeAt(e - 1) === 0x2e) e--;
      out += dottedWord(s, i, e, opts.hosts);
      i = e;
      prevWord = true;
      continue;
    }
    prevWord = false;
    if (isPrintable(c)) {
      out += s[i];
      i++;
      continue;
    }
    i = binaryStretch(s, i, n);
    out += stretchText;
  }
  if (i < s.length) out += "...";
  return out;
}

/** A word with dots: an address, a host, or words joined by dots, each normalised. */
function dottedWord(s: string, a: number, e: number, hosts: boolean): string {
  // Addresses and names share one placeholder: bots of one campaign fetch from either.
  if (isDigit(s.charCodeAt(a)) && ipv4End(s, a, e) === e) return "<host>";
  const w = s.slice(a, e);
  if (hosts && w.includes(".") && isDomain(w, true)) return "<host>";
  if (!w.includes(".")) return normaliseWord(w);
  return w
    .split(".")
    .map((p) => (p === "" ? "" : normaliseWord(p)))
    .join(".");
}

/**
 * Renders the non-printable stretch starting at `a`: `<bin>` when it is long and varied (random
 * or structured binary), else byte by byte. Printable runs shorter than TEXT_RUN (and without
 * WORD_RUN letters in a row) belong to the stretch. Returns where it ends; the caller goes on from there, so each byte is read once.
 */
function binaryStretch(s: string, a: number, n: number): number {
  if (++stamp > 0x3fffffff) {
    stamp = 1;
    distinct.fill(0);
  }
  let kinds = 1;
  distinct[s.charCodeAt(a) & 0xff] = stamp;
  let last = a;
  let letters = 0;
  for (let j = a + 1; j < n && j - last <= TEXT_RUN && letters < WORD_RUN; j++) {
    const c = s.charCodeAt(j);
    if (isPrintable(c)) {
      letters = (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a ? letters + 1 : 0;
      continue;
    }
    letters = 0;
    last = j;
    if (distinct[c & 0xff] !== stamp) {
      distinct[c & 0xff] = stamp;
      kinds++;
    }
  }
  const end = last + 1;
  if (end - a >= BIN_MIN && kinds >= BIN_DISTINCT) {
    stretchText = "<bin>";
    return end;
  }
  let t = "";
  for (let k = a; k < end; k++) {
    const c = s.charCodeAt(k);
    t += isPrintable(c) ? (s[k] as string) : escapeChar(c);
  }
  stretchText = t;
  return end;
}

/** Printable rendering of text, escaping the rest, cut at `max` chars (then "..."). */
export function escapeText(s: string, max: number): string {
  let out = "";
  const n = s.length;
  let i = 0;
  for (; i < n && out.length < max; i++) {
    const c = s.charCodeAt(i);
    out += isPrintable(c) ? s[i] : escapeChar(c);
  }
  return i < n ? `${out}...` : out;
}
