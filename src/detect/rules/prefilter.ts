/**
 * @module The multi-pattern prefilter. Each rule's fast pattern goes into an Aho-Corasick
 * automaton; a session's bytes are scanned once per direction and only rules whose pattern
 * occurred are evaluated in full. Rules without a usable content are always evaluated.
 *
 * Most HTTP buffers are pieces of the raw stream (method, raw URI, header values, bodies sent
 * with a length, status line, ...), so their patterns join the payload patterns in one automaton
 * per direction: a pattern found in a buffer is found in the stream, and the stream is scanned
 * once instead of every buffer. Buffers Portent derives (normalised URI, `http.header`, header
 * names, de-chunked or inflated bodies, the DNS query) have automata of their own, scanned when
 * the derived text differs from the raw one.
 */

import { headerValue } from "../../decode/http.js";
import { AhoCorasick } from "./ahocorasick.js";
import { speaks } from "./applayer.js";
import { type BufferDef, byName } from "./buffers.js";
import { portMatches } from "./ports.js";
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
    if (l.buffer.side === "base64") continue;
    for (const it of l.items) {
      if (it.kind !== "content" || it.negated) continue;
      if (it.fastPattern) return { buffer: l.buffer, pattern: it.pattern };
      if (best === undefined || it.pattern.length > best.c.pattern.length) {
        best = { c: it, b: l.buffer };
      }
    }
  }
  return best === undefined ? undefined : { buffer: best.b, pattern: best.c.pattern };
}

/** Buffers that are not pieces of the stream: always scanned on their own. */
const DERIVED = new Set(["http.header", "http.header_names", "dns.query"]);
/** Buffers that are pieces of the stream unless normalised, de-chunked or inflated. */
const SOMETIMES = new Set(["http.uri", "http.request_body", "http.response_body", "file.data"]);

const URI = byName("http.uri");
const REQUEST_BODY = byName("http.request_body");
const RESPONSE_BODY = byName("http.response_body");
const FILE_DATA = byName("file.data");
const DERIVED_HEADERS = [byName("http.header"), byName("http.header_names")];

/** One automaton and, per pattern, the rules whose fast pattern it is. */
class Group {
  readonly ac: AhoCorasick;
  readonly rules: number[][];
  readonly seen: Uint32Array;
  /** Whether some rule of the group inspects requests / responses (for `both` buffers). */
  readonly requests: boolean;
  readonly responses: boolean;

  constructor(m: Map<string, number[]>, all: readonly Rule[]) {
    const patterns = [...m.keys()];
    this.ac = new AhoCorasick(patterns);
    this.rules = patterns.map((p) => m.get(p) as number[]);
    this.seen = new Uint32Array(patterns.length);
    const dirs = this.rules.flat().reduce((d, ri) => d | (all[ri] as Rule).flow.dir, 0);
    this.requests = (dirs & TO_SERVER) !== 0;
    this.responses = (dirs & TO_CLIENT) !== 0;
  }
}

function add(
  to: Map<string, Map<string, number[]>>,
  key: string,
  pattern: string,
  rule: number,
): void {
  let m = to.get(key);
  if (m === undefined) {
    m = new Map();
    to.set(key, m);
  }
  const list = m.get(pattern) ?? [];
  if (!list.includes(rule)) list.push(rule);
  m.set(pattern, list);
}

function chunked(h: Array<[string, string]>): boolean {
  return /chunked/i.test(headerValue(h, "transfer-encoding") ?? "");
}

function folded(problems: string[]): boolean {
  return problems.includes("obs_fold");
}

export class Prefilter {
  /** Indices of rules without a fast pattern (evaluated for every session). */
  readonly always: number[] = [];
  /** Of those, the rules that look only at client-to-server traffic towards some ports. */
  private readonly portBound: number[] = [];
  private readonly unbound: number[] = [];
  /** Port-bound rules by destination port, built on first use of each port. */
  private readonly byPort = new Map<number, number[]>();
  /** Automata over the client's and the server's raw stream. */
  private readonly client: Group | undefined;
  private readonly server: Group | undefined;
  /** Automata of derived buffers, by buffer name. */
  private readonly derived = new Map<string, Group>();
  /** Rules whose fast pattern is in a header value (all candidates when a header was folded). */
  private readonly headerValueRules: number[] = [];
  private readonly rules: readonly Rule[];
  private gen = 0;
  private readonly marks: Uint32Array;
  private readonly out: number[] = [];
  private cur: Group | undefined;
  private curGen = 0;

  /** With `enabled` false every eligible rule is always evaluated (for tests and benchmarks). */
  constructor(rules: readonly Rule[], eligible: (r: Rule) => boolean, enabled = true) {
    this.rules = rules;
    const maps = new Map<string, Map<string, number[]>>();
    rules.forEach((r, i) => {
      if (!eligible(r)) return;
      const fp = enabled ? fastPattern(r) : undefined;
      if (fp === undefined) {
        this.always.push(i);
        if (enabled && r.flow.dir === TO_SERVER && !r.bidirectional && r.dport !== null) {
          this.portBound.push(i);
        } else this.unbound.push(i);
        return;
      }
      const b = fp.buffer;
      if (DERIVED.has(b.name) || SOMETIMES.has(b.name)) add(maps, b.name, fp.pattern, i);
      if (DERIVED.has(b.name)) return;
      if (b.side !== "response") add(maps, "client", fp.pattern, i);
      if (b.side !== "request") add(maps, "server", fp.pattern, i);
      if (b.header !== undefined) this.headerValueRules.push(i);
    });
    for (const [k, m] of maps) {
      const g = new Group(m, rules);
      if (k === "client") this.client = g;
      else if (k === "server") this.server = g;
      else this.derived.set(k, g);
    }
    this.marks = new Uint32Array(rules.length);
  }

  /** Automaton states over all automata (a size measure). */
  get states(): number {
    let n = (this.client?.ac.states ?? 0) + (this.server?.ac.states ?? 0);
    for (const g of this.derived.values()) n += g.ac.states;
    return n;
  }

  /** Rule indices to evaluate for a session, ascending (the always list included). */
  candidates(sb: SessionBuffers): Int32Array {
    return this.withAlways(this.fromContent(sb), sb.s.dport);
  }

  /** Rules whose fast pattern occurs in the session's bytes (unsorted; valid until the next call). */
  fromContent(sb: SessionBuffers): readonly number[] {
    this.curGen = ++this.gen;
    const out = this.out;
    out.length = 0;
    const s = sb.s;
    if (this.client !== undefined) this.scan(this.client, s.clientBytes);
    if (this.server !== undefined) this.scan(this.server, s.serverBytes);
    if (this.derived.size > 0) this.scanDerived(sb);
    return out;
  }

  /** Content candidates plus the always-evaluated rules for a destination port, ascending. */
  withAlways(content: ArrayLike<number>, dport: number): Int32Array {
    let bound = this.byPort.get(dport);
    if (bound === undefined) {
      bound = this.portBound.filter((ri) => portMatches((this.rules[ri] as Rule).dport, dport));
      this.byPort.set(dport, bound);
    }
    const n = content.length + this.unbound.length + bound.length;
    if (this.sorted.length < n) this.sorted = new Int32Array(n * 2);
    // A typed array sorts numbers without a comparator call per step.
    const view = this.sorted.subarray(0, n);
    let k = 0;
    for (let i = 0; i < content.length; i++) view[k++] = content[i] as number;
    for (const ri of this.unbound) view[k++] = ri;
    for (const ri of bound) view[k++] = ri;
    return view.sort();
  }

  private sorted = new Int32Array(64);

  private scan(g: Group, text: string | Uint8Array | undefined): void {
    if (text === undefined || text.length === 0) return;
    this.cur = g;
    g.ac.scan(text, g.seen, this.curGen, this.hit);
  }

  private scanDerived(sb: SessionBuffers): void {
    const h = sb.s.http;
    const d = this.derived;
    const dns = d.get("dns.query");
    if (dns !== undefined && speaks(sb.s, "dns")) this.scan(dns, sb.dnsQuery());
    if (h === undefined) return;
    for (let tx = 0; tx < sb.transactions; tx++) {
      const req = h.requests[tx];
      const res = h.responses[tx];
      for (const b of DERIVED_HEADERS) {
        const g = d.get(b.name);
        if (g === undefined) continue;
        if (req !== undefined && g.requests) this.scan(g, sb.get(b, tx, TO_SERVER));
        if (res !== undefined && g.responses) this.scan(g, sb.get(b, tx, TO_CLIENT));
      }
      if (req !== undefined) {
        const uri = d.get("http.uri");
        if (uri !== undefined) {
          const u = sb.get(URI, tx, TO_SERVER);
          if (u !== req.target) this.scan(uri, u);
        }
        if (chunked(req.headers)) {
          this.scanBuffer(sb, "http.request_body", REQUEST_BODY, tx, TO_SERVER);
          this.scanBuffer(sb, "file.data", FILE_DATA, tx, TO_SERVER);
        }
        if (folded(req.problems)) this.markAll(this.headerValueRules);
      }
      if (res !== undefined) {
        if (chunked(res.headers) || headerValue(res.headers, "content-encoding") !== undefined) {
          this.scanBuffer(sb, "http.response_body", RESPONSE_BODY, tx, TO_CLIENT);
          this.scanBuffer(sb, "file.data", FILE_DATA, tx, TO_CLIENT);
        }
        if (folded(res.problems)) this.markAll(this.headerValueRules);
      }
    }
  }

  private scanBuffer(
    sb: SessionBuffers,
    name: string,
    b: BufferDef,
    tx: number,
    dir: number,
  ): void {
    const g = this.derived.get(name);
    if (g !== undefined) this.scan(g, sb.get(b, tx, dir));
  }

  private markAll(list: readonly number[]): void {
    const gen = this.curGen;
    for (const ri of list) {
      if (this.marks[ri] !== gen) {
        this.marks[ri] = gen;
        this.out.push(ri);
      }
    }
  }

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
