/** @module Port groups of rule headers: any, N, lo:hi, lo:, :hi, lists and negation. */

import { splitTop } from "./addresses.js";

/** A compiled port group: a sorted list of allowed [lo, hi] ranges; `null` means any. */
export interface PortGroup {
  /** Flat pairs lo0, hi0, lo1, hi1, ... sorted and merged. */
  ranges: Int32Array;
}

type Ranges = Array<[number, number]>;

/** Parses a port spec (variables already expanded). Returns null for `any`, or a reason. */
export function parsePorts(spec: string): PortGroup | null | string {
  const t = spec.trim();
  if (t === "any") return null;
  const r = parseSet(t, 0);
  if (typeof r === "string") return r;
  if (r.length === 0) return `port group "${spec}" matches no port`;
  if (r.length === 1 && r[0]?.[0] === 0 && r[0][1] === 65535) return null;
  return { ranges: Int32Array.from(r.flat()) };
}

function parseSet(t: string, depth: number): Ranges | string {
  if (depth > 8) return "port groups nest too deep";
  let s = t.trim();
  let neg = false;
  while (s.startsWith("!")) {
    neg = !neg;
    s = s.slice(1).trim();
  }
  let set: Ranges;
  if (s.startsWith("[")) {
    if (!s.endsWith("]")) return `unbalanced brackets in "${t}"`;
    const parts = splitTop(s.slice(1, -1));
    if (typeof parts === "string") return parts;
    let pos: Ranges = [];
    let anyPos = false;
    const negs: Ranges[] = [];
    for (const p of parts) {
      const q = p.trim();
      if (q === "") return `empty element in "${t}"`;
      if (q.startsWith("!")) {
        const r = parseSet(q.slice(1), depth + 1);
        if (typeof r === "string") return r;
        negs.push(r);
      } else {
        const r = parseSet(q, depth + 1);
        if (typeof r === "string") return r;
        pos = pos.concat(r);
        anyPos = true;
      }
    }
    set = anyPos ? merge(pos) : [[0, 65535]];
    for (const n of negs) set = subtract(set, n);
  } else if (s === "any") {
    set = [[0, 65535]];
  } else {
    const m = /^(\d*)\s*:\s*(\d*)$/.exec(s);
    if (m !== null) {
      const lo = m[1] === "" ? 0 : Number(m[1]);
      const hi = m[2] === "" ? 65535 : Number(m[2]);
      if (m[1] === "" && m[2] === "") return `"${s}" is not a port range`;
      if (lo > 65535 || hi > 65535 || lo > hi) return `bad port range "${s}"`;
      set = [[lo, hi]];
    } else if (/^\d+$/.test(s)) {
      const p = Number(s);
      if (p > 65535) return `port ${s} out of range`;
      set = [[p, p]];
    } else {
      return `"${s}" is not a port, range or group`;
    }
  }
  return neg ? subtract([[0, 65535]], set) : set;
}

function merge(r: Ranges): Ranges {
  const s = [...r].sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [lo, hi] of s) {
    const last = out[out.length - 1];
    if (last !== undefined && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function subtract(a: Ranges, b: Ranges): Ranges {
  let cur = merge(a);
  for (const [blo, bhi] of b) {
    const next: Ranges = [];
    for (const [lo, hi] of cur) {
      if (bhi < lo || blo > hi) {
        next.push([lo, hi]);
        continue;
      }
      if (blo > lo) next.push([lo, blo - 1]);
      if (bhi < hi) next.push([bhi + 1, hi]);
    }
    cur = next;
  }
  return cur;
}

/** Whether a port is in a group (`null` matches all). */
export function portMatches(g: PortGroup | null, port: number): boolean {
  if (g === null) return true;
  const r = g.ranges;
  for (let i = 0; i < r.length; i += 2) {
    if (port < (r[i] as number)) return false;
    if (port <= (r[i + 1] as number)) return true;
  }
  return false;
}
