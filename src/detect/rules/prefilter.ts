/**
 * @module The multi-pattern prefilter: each rule's fast pattern goes into one Aho-Corasick
 * automaton per buffer; a session's buffers are scanned once each and only rules whose pattern
 * occurred are evaluated in full. Rules without a usable content are always evaluated.
 */

import { AhoCorasick } from "./ahocorasick.js";
import { BUFFERS, type BufferDef, PAYLOAD } from "./buffers.js";
import type { SessionBuffers } from "./session-buffers.js";
import { type ContentItem, type Rule, TO_CLIENT, TO_SERVER } from "./types.js";

/** A rule's fast pattern: the content the prefilter looks for. */
export interface FastPattern {
  buffer: BufferDef;
  /** Pattern bytes (the automaton folds ASCII case; evaluation then checks the case). */
  pattern: string;
}

/** The content `fast_pattern` names, else the longest positive content of an inspectable buffer. */
export function fastPattern(r: Rule): FastPattern | undefined {
  let best: { c: ContentItem; b: BufferDef } | undefined;
  for (const l of r.lists) {
    if (l.buffer.side === "base64" || l.buffer.side === "dns") continue;
    for (const it of l.items) {
      if (it.kind !== "content" || it.negated) continue;
      if (it.fastPattern) return { buffer: l.buffer, pattern: it.pattern };
      if (best === undefined || it.pattern.length > best.c.pattern.length)
        best = { c: it, b: l.buffer };
    }
  }
  return best === undefined ? undefined : { buffer: best.b, pattern: best.c.pattern };
}

interface Group {
  buffer: BufferDef;
  ac: AhoCorasick;
  /** Pattern index -> rule indices. */
  rules: number[][];
  seen: Uint32Array;
}

export class Prefilter {
  private readonly groups: Group[] = [];
  /** Indices of rules without a fast pattern (evaluated for every session). */
  readonly always: number[] = [];
  private gen = 0;
  private readonly marks: Uint32Array;
  private readonly out: number[] = [];

  /** With `enabled` false every eligible rule is always evaluated (for tests and benchmarks). */
  constructor(rules: readonly Rule[], eligible: (r: Rule) => boolean, enabled = true) {
    const byBuffer = new Map<number, Map<string, number[]>>();
    rules.forEach((r, i) => {
      if (!eligible(r)) return;
      const fp = enabled ? fastPattern(r) : undefined;
      if (fp === undefined) {
        this.always.push(i);
        return;
      }
      let m = byBuffer.get(fp.buffer.id);
      if (m === undefined) {
        m = new Map();
        byBuffer.set(fp.buffer.id, m);
      }
      const list = m.get(fp.pattern) ?? [];
      list.push(i);
      m.set(fp.pattern, list);
    });
    for (const [id, m] of byBuffer) {
      const patterns = [...m.keys()];
      this.groups.push({
        buffer: BUFFERS[id] as BufferDef,
        ac: new AhoCorasick(patterns),
        rules: patterns.map((p) => m.get(p) as number[]),
        seen: new Uint32Array(patterns.length),
      });
    }
    this.marks = new Uint32Array(rules.length);
  }

  /** Automaton states over all buffers (a size measure). */
  get states(): number {
    return this.groups.reduce((n, g) => n + g.ac.states, 0);
  }

  /** Rule indices to evaluate for a session, ascending (the always list included). */
  candidates(sb: SessionBuffers): number[] {
    const gen = ++this.gen;
    this.curGen = gen;
    const out = this.out;
    out.length = 0;
    for (const g of this.groups) {
      this.cur = g;
      const b = g.buffer;
      if (b.id === PAYLOAD) {
        g.ac.scan(sb.s.clientBytes, g.seen, gen, this.hit);
        g.ac.scan(sb.s.serverBytes, g.seen, gen, this.hit);
        continue;
      }
      const n = sb.transactions;
      for (let tx = 0; tx < n; tx++) {
        if (b.side !== "response") {
          const v = sb.get(b, tx, TO_SERVER);
          if (v !== undefined) g.ac.scan(v, g.seen, gen, this.hit);
        }
        if (b.side === "response" || b.side === "both") {
          const v = sb.get(b, tx, TO_CLIENT);
          if (v !== undefined) g.ac.scan(v, g.seen, gen, this.hit);
        }
      }
    }
    const always = this.always;
    for (let i = 0; i < always.length; i++) out.push(always[i] as number);
    if (out.length > 1) out.sort(ascending);
    return out;
  }

  /** The group being scanned and the generation of this session, for `hit`. */
  private cur: Group | undefined;
  private curGen = 0;

  /** Marks the rules of a pattern found (bound once: no closure per scan). */
  private readonly hit = (p: number): void => {
    const gen = this.curGen;
    const marks = this.marks;
    for (const ri of (this.cur as Group).rules[p] as number[]) {
      if (marks[ri] !== gen) {
        marks[ri] = gen;
        this.out.push(ri);
      }
    }
  };
}

function ascending(a: number, b: number): number {
  return a - b;
}
