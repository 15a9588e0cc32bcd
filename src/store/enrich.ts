/**
 * @module Country and ASN of source addresses from offline databases shipped as npm packages,
 * loaded only when asked for: no run-time downloads. Country: an MMDB read with mmdb-lib;
 * ASN: the range CSVs of @ip-location-db/asn (no MMDB of it is published on npm).
 */

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { PortentError } from "../schema/errors.js";
import { ADDR_WORDS, addrText, putAddr } from "./address.js";
import type { Enricher } from "./ingest.js";

/** Country database: CC0-1.0 (RIR whois and ASN data), IPv4 and IPv6 in one MMDB. */
export const COUNTRY_PACKAGE = "@ip-location-db/geo-whois-asn-country-mmdb";
export const COUNTRY_FILE = "geo-whois-asn-country.mmdb";
/** ASN ranges: CC BY 4.0 (RouteViews, DB-IP, NRO): attribution in docs/storage.md. */
export const ASN_PACKAGE = "@ip-location-db/asn";
export const ASN_FILES = { v4: "asn-ipv4-num.csv", v6: "asn-ipv6-num.csv" } as const;

export interface GeoEnricher {
  lookup: Enricher;
  /** The organisation name of an AS, when the ASN database is loaded. */
  asName(asn: number): string | undefined;
  /** The files in use (null: that part is not available). */
  files: { country: string | null; asnV4: string | null; asnV6: string | null };
}

export interface EnrichOptions {
  /** Explicit files instead of the packages' (e.g. a newer copy kept locally); "" turns a part off. */
  countryDb?: string;
  asnV4?: string;
  asnV6?: string;
  /** Fail when a package is missing (default), or go on without that part. */
  required?: boolean;
}

const requireFrom = createRequire(import.meta.url);

function resolvePackageFile(pkg: string, file: string): string | null {
  try {
    return requireFrom.resolve(`${pkg}/${file}`);
  } catch {
    return null;
  }
}

/**
 * Addresses no database should place: private, loopback, link-local, CGNAT, multicast,
 * documentation (RFC 5737, RFC 3849) and unique-local ranges. Words as in address.ts.
 */
export function isSpecialAddress(w: Uint32Array, row = 0): boolean {
  const o = row * ADDR_WORDS;
  if (w[o + 3] === 0 && w[o + 2] === 0 && w[o + 1] === 0xffff) {
    const a = w[o] as number;
    const top = a >>> 24;
    const top16 = a >>> 16;
    const top24 = a >>> 8;
    return (
      top === 0 ||
      top === 10 ||
      top === 127 ||
      top >= 224 ||
      top16 === 0xa9fe ||
      top16 === 0xc0a8 ||
      a >>> 20 === 0xac1 ||
      a >>> 22 === 0x191 ||
      top24 === 0xc00002 ||
      top24 === 0xc63364 ||
      top24 === 0xcb0071
    );
  }
  const hi = w[o + 3] as number;
  return (
    hi === 0x20010db8 ||
    hi >>> 25 === 0x7e ||
    hi >>> 22 === 0x3fa ||
    hi >>> 24 === 0xff ||
    (hi === 0 && w[o + 2] === 0)
  );
}

interface Ranges4 {
  start: Uint32Array;
  end: Uint32Array;
  asn: Uint32Array;
}

interface Ranges6 {
  /** Start and end as (high, low) 64-bit halves. */
  start: BigUint64Array;
  end: BigUint64Array;
  asn: Uint32Array;
}

/** Parses an @ip-location-db "-num" CSV: start,end,asn,organisation (maybe quoted). */
function parseAsnCsv(
  text: string,
  onRow: (start: string, end: string, asn: number) => void,
  names: Map<number, string>,
): void {
  let i = 0;
  while (i < text.length) {
    let nl = text.indexOf("\n", i);
    if (nl < 0) nl = text.length;
    const c1 = text.indexOf(",", i);
    const c2 = text.indexOf(",", c1 + 1);
    const c3 = text.indexOf(",", c2 + 1);
    if (c1 > i && c2 > c1 && c3 > c2 && c3 < nl) {
      const asn = Number(text.slice(c2 + 1, c3));
      if (!names.has(asn)) {
        let org = text.slice(c3 + 1, nl).replace(/\r$/, "");
        if (org.startsWith('"') && org.endsWith('"')) org = org.slice(1, -1).replace(/""/g, '"');
        names.set(asn, org);
      }
      onRow(text.slice(i, c1), text.slice(c1 + 1, c2), asn);
    }
    i = nl + 1;
  }
}

function loadV4(file: string, names: Map<number, string>): Ranges4 {
  const start: number[] = [];
  const end: number[] = [];
  const asn: number[] = [];
  parseAsnCsv(
    readFileSync(file, "latin1"),
    (s, e, a) => {
      start.push(Number(s));
      end.push(Number(e));
      asn.push(a);
    },
    names,
  );
  return { start: Uint32Array.from(start), end: Uint32Array.from(end), asn: Uint32Array.from(asn) };
}

function loadV6(file: string, names: Map<number, string>): Ranges6 {
  const rows: Array<[bigint, bigint, number]> = [];
  parseAsnCsv(
    readFileSync(file, "latin1"),
    (s, e, a) => rows.push([BigInt(s), BigInt(e), a]),
    names,
  );
  const start = new BigUint64Array(rows.length * 2);
  const end = new BigUint64Array(rows.length * 2);
  const asn = new Uint32Array(rows.length);
  const mask = 0xffffffffffffffffn;
  rows.forEach(([s, e, a], k) => {
    start[2 * k] = s >> 64n;
    start[2 * k + 1] = s & mask;
    end[2 * k] = e >> 64n;
    end[2 * k + 1] = e & mask;
    asn[k] = a;
  });
  return { start, end, asn };
}

/** The last range starting at or before `ip` (ranges are sorted by start), -1 when none. */
function floor4(r: Ranges4, ip: number): number {
  let lo = 0;
  let hi = r.start.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if ((r.start[mid] as number) <= ip) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

function le(ah: bigint, al: bigint, bh: bigint, bl: bigint): boolean {
  return ah < bh || (ah === bh && al <= bl);
}

function floor6(r: Ranges6, h: bigint, l: bigint): number {
  let lo = 0;
  let hi = r.asn.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (le(r.start[2 * mid] as bigint, r.start[2 * mid + 1] as bigint, h, l)) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/**
 * Loads the databases (the MMDB parser itself is imported here, on first use). With
 * `required` (the default) a missing package is an error naming it; otherwise that part is off.
 */
export async function loadEnricher(opts: EnrichOptions = {}): Promise<GeoEnricher> {
  const required = opts.required ?? true;
  const pick = (given: string | undefined, pkg: string, file: string): string | null =>
    given === "" ? null : (given ?? resolvePackageFile(pkg, file));
  const countryFile = pick(opts.countryDb, COUNTRY_PACKAGE, COUNTRY_FILE);
  const v4File = pick(opts.asnV4, ASN_PACKAGE, ASN_FILES.v4);
  const v6File = pick(opts.asnV6, ASN_PACKAGE, ASN_FILES.v6);
  if (required && (countryFile === null || v4File === null)) {
    const missing = [
      countryFile === null ? COUNTRY_PACKAGE : "",
      v4File === null ? ASN_PACKAGE : "",
    ];
    throw new PortentError(
      "E_INPUT_UNREADABLE",
      `enrichment needs ${missing.filter((m) => m !== "").join(" and ")} (npm install it; no data is downloaded at run time)`,
    );
  }
  let country: ((ip: string) => string) | undefined;
  if (countryFile !== null) {
    const { Reader } = await import("mmdb-lib");
    const reader = new Reader(readFileSync(countryFile));
    // The @ip-location-db country MMDBs hold {country_code: "US"} records, not MaxMind's shape.
    country = (ip) => {
      const r = reader.get(ip) as unknown as { country_code?: unknown } | null;
      return typeof r?.country_code === "string" ? r.country_code : "";
    };
  }
  const names = new Map<number, string>();
  const v4 = v4File === null ? undefined : loadV4(v4File, names);
  // IPv6 ranges are parsed on the first IPv6 source: most captures have none.
  let v6: Ranges6 | null | undefined = v6File === null ? null : undefined;
  const words = new Uint32Array(ADDR_WORDS);
  const lookup: Enricher = (key) => {
    if (!putAddr(key, words, 0) || isSpecialAddress(words)) return undefined;
    const isV4 = words[3] === 0 && words[2] === 0 && words[1] === 0xffff;
    let asn = 0;
    if (isV4 && v4 !== undefined) {
      const ip = words[0] as number;
      const k = floor4(v4, ip);
      if (k >= 0 && (v4.end[k] as number) >= ip) asn = v4.asn[k] as number;
    } else if (!isV4 && v6 !== null && v6File !== null) {
      v6 ??= loadV6(v6File, names);
      const h = (BigInt(words[3] as number) << 32n) | BigInt(words[2] as number);
      const l = (BigInt(words[1] as number) << 32n) | BigInt(words[0] as number);
      const k = floor6(v6, h, l);
      if (k >= 0 && le(h, l, v6.end[2 * k] as bigint, v6.end[2 * k + 1] as bigint)) {
        asn = v6.asn[k] as number;
      }
    }
    const cc = country?.(addrText(words, 0)) ?? "";
    return cc === "" && asn === 0 ? undefined : { country: cc, asn };
  };
  return {
    lookup,
    asName: (asn) => names.get(asn),
    files: { country: countryFile, asnV4: v4File, asnV6: v6File },
  };
}
