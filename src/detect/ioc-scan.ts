/**
 * @module Scanners for URLs, addresses and domain names in decoded payload text, and the sink
 * that collects a session's IoCs (deduplicated, capped). Hand-written loops, no regexes.
 */

import type { Ioc, IocType } from "../schema/detection.js";
import {
  ipv4End,
  isDigit,
  isDomain,
  isIpv4,
  isIpv6,
  isLabelChar,
  isNoiseIpv4,
} from "./host-text.js";

/** IoCs kept per session; past it more are dropped (the sink counts them). */
export const MAX_IOCS_PER_SESSION = 64;
/** Longest URL taken (longer ones are cut here), and longest IoC value kept (longer: dropped). */
export const MAX_URL = 512;
export const MAX_IOC_VALUE = 512;
/** URLs looked at per piece of text. */
export const MAX_URLS_PER_TEXT = 64;
const SCHEMES = new Set(["http", "https", "ftp", "tftp"]);

/** Collects one session's IoCs: deduplicated by (type, value), capped, the sensor left out. */
export class IocSink {
  readonly list: Ioc[] = [];
  /** IoCs over the cap, not kept. */
  dropped = 0;
  private readonly seen = new Set<string>();

  /** `sensor`: the session's server address, which a payload names as its target, not an IoC. */
  constructor(private readonly sensor: string) {}

  add(type: IocType, value: string): void {
    if (value === "" || value === this.sensor) return;
    if (value.length > MAX_IOC_VALUE) {
      this.dropped++;
      return;
    }
    const key = `${type} ${value}`;
    if (this.seen.has(key)) return;
    if (this.list.length >= MAX_IOCS_PER_SESSION) {
      this.dropped++;
      return;
    }
    this.seen.add(key);
    this.list.push({ type, value });
  }

  /** A host named by a URL or a fetch command: as its address or domain IoC, and as downloader. */
  host(host: string, downloader: boolean): void {
    if (isIpv4(host)) {
      if (isNoiseIpv4(host)) return;
      this.add("ipv4", host);
    } else if (host.includes(":")) {
      if (!isIpv6(host)) return;
      this.add("ipv6", host);
    } else {
      this.add("domain", host);
    }
    if (downloader) this.add("downloader", host);
  }
}

/** A URL found in text. */
export interface FoundUrl {
  url: string;
  host: string;
  /** Index after the URL's last character. */
  end: number;
}

function isUrlChar(c: number): boolean {
  if (c <= 0x20 || c >= 0x7f) return false;
  // Quotes, shell metacharacters and brackets end a URL inside commands and markup.
  return !(
    c === 0x22 ||
    c === 0x27 ||
    c === 0x3c ||
    c === 0x3e ||
    c === 0x60 ||
    c === 0x3b ||
    c === 0x7c ||
    c === 0x5c ||
    c === 0x7b ||
    c === 0x7d ||
    c === 0x5e ||
    c === 0x28 ||
    c === 0x29 ||
    c === 0x24
  );
}

/**
 * The host of a URL authority ("user@host:port"), lowercase, or "" when it is not an IPv4
 * address, a bracketed IPv6 address or a name under a real TLD, or the port is not a number.
 */
export function authorityHost(auth: string): string {
  const at = auth.lastIndexOf("@");
  const hp = at >= 0 ? auth.slice(at + 1) : auth;
  let host: string;
  let port: string;
  if (hp.startsWith("[")) {
    const close = hp.indexOf("]");
    if (close < 0) return "";
    host = hp.slice(1, close).toLowerCase();
    port = hp.slice(close + 1);
    if (!isIpv6(host)) return "";
  } else {
    const colon = hp.indexOf(":");
    host = (colon < 0 ? hp : hp.slice(0, colon)).toLowerCase();
    port = colon < 0 ? "" : hp.slice(colon);
    if (!isIpv4(host) && !isDomain(host, false)) return "";
  }
  if (port !== "") {
    if (port.length < 2 || port.length > 6 || port.charCodeAt(0) !== 0x3a) return "";
    for (let i = 1; i < port.length; i++) if (!isDigit(port.charCodeAt(i))) return "";
    if (Number(port.slice(1)) > 65535) return "";
  }
  return host;
}

/** The URL whose "://" is at `at`, or undefined when the scheme or host is not acceptable. */
export function urlAt(s: string, at: number): FoundUrl | undefined {
  let a = at;
  while (a > 0 && at - a < 5) {
    const c = s.charCodeAt(a - 1) | 0x20;
    if (c < 0x61 || c > 0x7a) break;
    a--;
  }
  if (a > 0 && isLabelChar(s.charCodeAt(a - 1))) return undefined;
  const scheme = s.slice(a, at).toLowerCase();
  if (!SCHEMES.has(scheme)) return undefined;
  let e = at + 3;
  const limit = Math.min(s.length, a + MAX_URL);
  while (e < limit && isUrlChar(s.charCodeAt(e))) e++;
  // Sentence punctuation after a URL is not part of it.
  while (e > at + 3) {
    const c = s.charCodeAt(e - 1);
    if (c === 0x2e || c === 0x2c || c === 0x3a || c === 0x21 || c === 0x3f) e--;
    else break;
  }
  let authEnd = at + 3;
  while (authEnd < e) {
    const c = s.charCodeAt(authEnd);
    if (c === 0x2f || c === 0x3f || c === 0x23) break;
    authEnd++;
  }
  const auth = s.slice(at + 3, authEnd);
  const host = authorityHost(auth);
  if (host === "") return undefined;
  const at2 = auth.lastIndexOf("@");
  const authText =
    at2 >= 0 ? auth.slice(0, at2 + 1) + auth.slice(at2 + 1).toLowerCase() : auth.toLowerCase();
  return { url: `${scheme}://${authText}${s.slice(authEnd, e)}`, host, end: e };
}

/** Adds every URL in `s` (and its host); `downloader` marks the hosts as droppers' servers. */
export function scanUrls(s: string, sink: IocSink, downloader: boolean): void {
  let found = 0;
  for (let i = s.indexOf("://"); i > 0 && found < MAX_URLS_PER_TEXT; i = s.indexOf("://", i + 3)) {
    const u = urlAt(s, i);
    if (u === undefined) continue;
    found++;
    sink.add("url", u.url);
    sink.host(u.host, downloader);
  }
}

function isHostBoundary(c: number): boolean {
  // Before an address or name: not part of a longer word, path, number, e-mail address or
  // percent-escape ("%2Fbad.ru" is "/bad.ru", found when the text is decoded).
  return !(
    isLabelChar(c) ||
    c === 0x2e ||
    c === 0x5f ||
    c === 0x2f ||
    c === 0x40 ||
    c === 0x3a ||
    c === 0x25
  );
}

function isHex(c: number): boolean {
  return isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

/** Adds bare IPv4 and IPv6 addresses and domain names found in `s`. */
export function scanAddresses(s: string, sink: IocSink): void {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (i > 0 && !isHostBoundary(s.charCodeAt(i - 1))) {
      i++;
      continue;
    }
    if (isDigit(c)) {
      const e = ipv4End(s, i);
      if (e > 0 && !isLabelChar(s.charCodeAt(e))) {
        const ip = s.slice(i, e);
        if (!isNoiseIpv4(ip)) sink.add("ipv4", ip);
        i = e;
        continue;
      }
    }
    if (isHex(c) || c === 0x3a) {
      const e = ipv6Candidate(s, i);
      if (e > 0) {
        const ip = s.slice(i, e).toLowerCase();
        if (ip !== "::1" && ip !== "::" && !ip.startsWith("ff")) sink.add("ipv6", ip);
        i = e;
        continue;
      }
    }
    if (isLabelChar(c)) {
      let e = i;
      while (e < n && e - i < 254 && (isLabelChar(s.charCodeAt(e)) || s.charCodeAt(e) === 0x2e)) {
        e++;
      }
      let end = e;
      while (end > i && s.charCodeAt(end - 1) === 0x2e) end--;
      const next = s.charCodeAt(e);
      if (end > i + 3 && next !== 0x40 && next !== 0x5f && next !== 0x28) {
        const name = s.slice(i, end);
        if (name.includes(".") && isDomain(name, true)) sink.add("domain", name.toLowerCase());
      }
      i = e;
      continue;
    }
    i++;
  }
}

/** The end of an IPv6 address starting at `a` (two or more colons, "::" or eight groups), or -1. */
function ipv6Candidate(s: string, a: number): number {
  let i = a;
  let colons = 0;
  let hex = 0;
  let double = false;
  while (i < s.length && i - a < 46) {
    const c = s.charCodeAt(i);
    if (c === 0x3a) {
      colons++;
      if (s.charCodeAt(i + 1) === 0x3a) double = true;
    } else if (isHex(c)) hex++;
    else if (c !== 0x2e) break;
    i++;
  }
  if (colons < 2 || hex === 0 || !(double || colons >= 7)) return -1;
  if (i < s.length && (isLabelChar(s.charCodeAt(i)) || s.charCodeAt(i) === 0x5f)) return -1;
  return isIpv6(s.slice(a, i)) ? i : -1;
}
