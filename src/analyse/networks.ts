/**
 * @module Lists of networks (IPv4 and IPv6 CIDRs) to match source keys against, and the shipped
 * list of known research scanners (data/research-scanners.json), which users can extend.
 */

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { InputError, PortentError } from "../schema/errors.js";

/** One named group of networks in a research-scanner file. */
export interface NetworkGroup {
  name: string;
  /** Where the ranges come from (a published list or page). */
  source?: string;
  networks: string[];
}

/** The file format of data/research-scanners.json and of user lists. */
export interface NetworkFile {
  description?: string;
  groups: NetworkGroup[];
}

/** Bound on remembered IPv6 verdicts, so a flood of distinct IPv6 sources cannot grow memory. */
const V6_CACHE_MAX = 65536;

/** Parses IPv6 text (with "::" and an optional trailing dotted quad) into 16 bytes, or null. */
export function parseIpv6(text: string): Uint8Array | null {
  let s = text;
  const out = new Uint8Array(16);
  const dot = s.lastIndexOf(".");
  if (dot >= 0) {
    const colon = s.lastIndexOf(":");
    const v4 = parseIpv4(s.slice(colon + 1));
    if (v4 === null) return null;
    s = `${s.slice(0, colon + 1)}${((v4 >>> 16) & 0xffff).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] === "" ? [] : (halves[0] as string).split(":");
  const rest = halves.length === 2 && halves[1] !== "" ? (halves[1] as string).split(":") : [];
  if (halves.length === 1 && head.length !== 8) return null;
  if (head.length + rest.length > (halves.length === 2 ? 7 : 8)) return null;
  const groups = [...head, ...new Array<string>(8 - head.length - rest.length).fill("0"), ...rest];
  for (let i = 0; i < 8; i++) {
    const g = groups[i] as string;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    const v = Number.parseInt(g, 16);
    out[2 * i] = v >>> 8;
    out[2 * i + 1] = v & 255;
  }
  return out;
}

/** Parses dotted-quad IPv4 text into an unsigned 32-bit number, or null. */
export function parseIpv4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    v = v * 256 + Number(p);
  }
  return v;
}

/** A set of networks answering "is this source key inside one of them?" quickly. */
export class NetworkList {
  /** Sorted, merged IPv4 ranges [lo, hi] as unsigned numbers. */
  private lo: Float64Array = new Float64Array(0);
  private hi: Float64Array = new Float64Array(0);
  private readonly v6: Array<{ bytes: Uint8Array; len: number; name: string }> = [];
  private readonly v4Names: Array<{ lo: number; hi: number; name: string }> = [];
  private readonly v6Cache = new Map<string, string>();

  /** Builds the list; throws PortentError E_USAGE naming every malformed network at once. */
  constructor(groups: readonly NetworkGroup[]) {
    const issues: string[] = [];
    for (const g of groups) {
      for (const n of g.networks) {
        const [addr = "", lenText] = n.split("/");
        const v4 = parseIpv4(addr);
        if (v4 !== null) {
          const len = lenText === undefined ? 32 : Number(lenText);
          if (!Number.isInteger(len) || len < 0 || len > 32) issues.push(n);
          else {
            const size = 2 ** (32 - len);
            const lo = Math.floor(v4 / size) * size;
            this.v4Names.push({ lo, hi: lo + size - 1, name: g.name });
          }
          continue;
        }
        const v6 = parseIpv6(addr);
        const len = lenText === undefined ? 128 : Number(lenText);
        if (v6 === null || !Number.isInteger(len) || len < 0 || len > 128) issues.push(n);
        else this.v6.push({ bytes: v6, len, name: g.name });
      }
    }
    if (issues.length > 0) {
      throw new PortentError("E_USAGE", `not a network (CIDR): ${issues.join(", ")}`);
    }
    this.v4Names.sort((a, b) => a.lo - b.lo);
    const lo: number[] = [];
    const hi: number[] = [];
    for (const r of this.v4Names) {
      const last = hi.length - 1;
      if (last >= 0 && r.lo <= (hi[last] as number) + 1)
        hi[last] = Math.max(hi[last] as number, r.hi);
      else {
        lo.push(r.lo);
        hi.push(r.hi);
      }
    }
    this.lo = Float64Array.from(lo);
    this.hi = Float64Array.from(hi);
  }

  get size(): number {
    return this.v4Names.length + this.v6.length;
  }

  /** True when `key` (an IPv4 number or IPv6 text, as Session/Probe `srcKey`) is listed. */
  has(key: number | string): boolean {
    return this.nameOf(key) !== "";
  }

  /** The group name of the network holding `key`, or "". */
  nameOf(key: number | string): string {
    if (typeof key === "number") {
      const lo = this.lo;
      let a = 0;
      let b = lo.length - 1;
      if (b < 0 || key < (lo[0] as number)) return "";
      while (a < b) {
        const m = (a + b + 1) >>> 1;
        if ((lo[m] as number) <= key) a = m;
        else b = m - 1;
      }
      if (key > (this.hi[a] as number)) return "";
      for (const r of this.v4Names) if (key >= r.lo && key <= r.hi) return r.name;
      return "";
    }
    if (this.v6.length === 0) return "";
    const hit = this.v6Cache.get(key);
    if (hit !== undefined) return hit;
    const bytes = parseIpv6(key);
    let name = "";
    if (bytes !== null) {
      for (const n of this.v6) {
        if (prefixMatch(bytes, n.bytes, n.len)) {
          name = n.name;
          break;
        }
      }
    }
    if (this.v6Cache.size >= V6_CACHE_MAX) this.v6Cache.clear();
    this.v6Cache.set(key, name);
    return name;
  }
}

function prefixMatch(a: Uint8Array, b: Uint8Array, len: number): boolean {
  const full = len >>> 3;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rem = len & 7;
  if (rem === 0) return true;
  const mask = (0xff << (8 - rem)) & 0xff;
  return ((a[full] as number) & mask) === ((b[full] as number) & mask);
}

/** Reads a network file (the research-scanner format); throws InputError (E_INPUT_UNREADABLE). */
export function readNetworkFile(path: string): NetworkGroup[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new InputError(path, (e as Error).message);
  }
  const groups = (parsed as Partial<NetworkFile>)?.groups;
  const ok =
    Array.isArray(groups) &&
    groups.every(
      (g: Partial<NetworkGroup>) =>
        typeof g?.name === "string" &&
        Array.isArray(g.networks) &&
        g.networks.every((n) => typeof n === "string"),
    );
  if (!ok) {
    throw new InputError(
      path,
      `expected {"groups": [{"name": "...", "networks": ["a.b.c.d/len"]}]}`,
    );
  }
  return groups as NetworkGroup[];
}

/** Path of the shipped research-scanner list (data/ at the package root, from src/ or dist/src/). */
export function researchScannersPath(): string {
  let dir = import.meta.dirname;
  for (let i = 0; i < 5; i++) {
    const p = join(dir, "data", "research-scanners.json");
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  return join(import.meta.dirname, "../../data/research-scanners.json");
}

/** The shipped research scanners plus the networks of any user files. */
export function researchScanners(extraFiles: readonly string[] = []): NetworkList {
  const groups = readNetworkFile(researchScannersPath());
  for (const f of extraFiles) groups.push(...readNetworkFile(f));
  return new NetworkList(groups);
}
