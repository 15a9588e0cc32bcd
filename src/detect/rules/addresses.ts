/** @module Address groups of rule headers: any, CIDR, ranges, lists, negation; IPv4 and IPv6. */

/** One element of a group; `neg` excludes what it matches. */
type AddrItem =
  | { neg: boolean; v4: true; lo: number; hi: number }
  | { neg: boolean; v4: false; lo: bigint; hi: bigint }
  | { neg: boolean; group: AddrGroup };

/**
 * A compiled address group: matches when some positive item matches (or there are none) and no
 * negative item does. `null` stands for `any` everywhere, so the common case costs one check.
 */
export interface AddrGroup {
  pos: AddrItem[];
  neg: AddrItem[];
}

/** Parses an address spec (variables already expanded). Returns null for `any`, or a reason. */
export function parseAddresses(spec: string): AddrGroup | null | string {
  const t = spec.trim();
  if (t === "any") return null;
  const r = parseItem(t, 0);
  if (typeof r === "string") return r;
  if ("group" in r && !r.neg) return r.group;
  return r.neg ? { pos: [], neg: [r] } : { pos: [r], neg: [] };
}

function parseItem(t: string, depth: number): AddrItem | string {
  if (depth > 8) return "address groups nest too deep";
  let s = t.trim();
  let neg = false;
  while (s.startsWith("!")) {
    neg = !neg;
    s = s.slice(1).trim();
  }
  if (s === "any") {
    if (neg) return "!any matches nothing";
    return { neg: false, v4: true, lo: 0, hi: 0xffffffff };
  }
  if (s.startsWith("[")) {
    if (!s.endsWith("]")) return `unbalanced brackets in "${t}"`;
    const parts = splitTop(s.slice(1, -1));
    if (typeof parts === "string") return parts;
    const g: AddrGroup = { pos: [], neg: [] };
    for (const p of parts) {
      if (p.trim() === "") return `empty element in "${t}"`;
      const it = parseItem(p, depth + 1);
      if (typeof it === "string") return it;
      if (it.neg) g.neg.push(it);
      else g.pos.push(it);
    }
    return { neg, group: g };
  }
  const range = parseRange(s);
  if (range === undefined) return `"${s}" is not an address, CIDR block or range`;
  return { neg, ...range } as AddrItem;
}

/** Splits a group's inside on top-level commas. */
export function splitTop(s: string): string[] | string {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const c of s) {
    if (c === "[") depth++;
    else if (c === "]") depth--;
    if (depth < 0) return `unbalanced brackets in "[${s}]"`;
    if (c === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  if (depth !== 0) return `unbalanced brackets in "[${s}]"`;
  out.push(cur);
  return out;
}

type Range = { v4: true; lo: number; hi: number } | { v4: false; lo: bigint; hi: bigint };

function parseRange(s: string): Range | undefined {
  const slash = s.indexOf("/");
  if (slash >= 0) {
    const base = s.slice(0, slash);
    const maskText = s.slice(slash + 1);
    const a4 = ipv4ToNumber(base);
    if (a4 !== undefined) {
      if (/^\d+$/.test(maskText)) {
        const bits = Number(maskText);
        if (bits > 32) return undefined;
        const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        const lo = (a4 & mask) >>> 0;
        return { v4: true, lo, hi: (lo | (~mask >>> 0)) >>> 0 };
      }
      const m = ipv4ToNumber(maskText);
      if (m === undefined) return undefined;
      const lo = (a4 & m) >>> 0;
      return { v4: true, lo, hi: (lo | (~m >>> 0)) >>> 0 };
    }
    const a6 = ipv6ToBigInt(base);
    if (a6 === undefined || !/^\d+$/.test(maskText)) return undefined;
    const bits = BigInt(maskText);
    if (bits > 128n) return undefined;
    const host = (1n << (128n - bits)) - 1n;
    const lo = a6 & ~host & ((1n << 128n) - 1n);
    return { v4: false, lo, hi: lo | host };
  }
  const dash = s.indexOf("-");
  if (dash > 0) {
    const lo4 = ipv4ToNumber(s.slice(0, dash));
    const hi4 = ipv4ToNumber(s.slice(dash + 1));
    if (lo4 !== undefined && hi4 !== undefined && lo4 <= hi4) return { v4: true, lo: lo4, hi: hi4 };
    const lo6 = ipv6ToBigInt(s.slice(0, dash));
    const hi6 = ipv6ToBigInt(s.slice(dash + 1));
    if (lo6 !== undefined && hi6 !== undefined && lo6 <= hi6)
      return { v4: false, lo: lo6, hi: hi6 };
    return undefined;
  }
  const a4 = ipv4ToNumber(s);
  if (a4 !== undefined) return { v4: true, lo: a4, hi: a4 };
  const a6 = ipv6ToBigInt(s);
  if (a6 !== undefined) return { v4: false, lo: a6, hi: a6 };
  return undefined;
}

export function ipv4ToNumber(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.trim());
  if (m === null) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const b = Number(m[i]);
    if (b > 255) return undefined;
    n = n * 256 + b;
  }
  return n;
}

/** Parses IPv6 text (with `::` and an optional dotted-quad tail) into a 128-bit number. */
export function ipv6ToBigInt(s: string): bigint | undefined {
  let t = s.trim();
  if (!t.includes(":")) return undefined;
  const pct = t.indexOf("%");
  if (pct >= 0) t = t.slice(0, pct);
  const lastColon = t.lastIndexOf(":");
  const v4 = ipv4ToNumber(t.slice(lastColon + 1));
  if (v4 !== undefined) {
    t = `${t.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = t.split("::");
  if (halves.length > 2) return undefined;
  const parse = (h: string): number[] | undefined => {
    if (h === "") return [];
    const out: number[] = [];
    for (const g of h.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0] as string);
  const rest = halves.length === 2 ? parse(halves[1] as string) : [];
  if (head === undefined || rest === undefined) return undefined;
  const fixed = head.length + rest.length;
  let groups: number[];
  if (halves.length === 2) {
    if (fixed > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - fixed).fill(0), ...rest];
  } else {
    groups = head;
    if (groups.length !== 8) return undefined;
  }
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  return n;
}

let lastV6Text = "";
let lastV6: bigint | undefined;

function v6Key(k: string): bigint | undefined {
  if (k !== lastV6Text) {
    lastV6Text = k;
    lastV6 = ipv6ToBigInt(k);
  }
  return lastV6;
}

function itemMatches(it: AddrItem, key: number | string): boolean {
  if ("group" in it) return groupMatches(it.group, key);
  if (it.v4) return typeof key === "number" && key >= it.lo && key <= it.hi;
  if (typeof key === "number") return false;
  const b = v6Key(key);
  return b !== undefined && b >= it.lo && b <= it.hi;
}

function groupMatches(g: AddrGroup, key: number | string): boolean {
  if (g.pos.length > 0) {
    let ok = false;
    for (const it of g.pos) {
      if (itemMatches(it, key)) {
        ok = true;
        break;
      }
    }
    if (!ok) return false;
  }
  for (const it of g.neg) if (itemMatches(it, key)) return false;
  return true;
}

/**
 * Whether an address matches a group. `key` is the address as the decoder keys it: an unsigned
 * number for IPv4, the text for IPv6. `null` (any) matches everything.
 */
export function addrMatches(g: AddrGroup | null, key: number | string): boolean {
  return g === null || groupMatches(g, key);
}
