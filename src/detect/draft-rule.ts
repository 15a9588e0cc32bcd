/**
 * @module Draft Suricata rules for campaigns no rule matched (docs/campaigns.md "Draft rules"):
 * stable contents of the campaign's sampled sessions, chosen greedily until no sampled session
 * of another template matches, checked by evaluating the emitted content forms.
 */

import { renderRule } from "./draft-render.js";
import {
  contentMatches,
  type DraftBuffer,
  type DraftContent,
  type RuleSample,
} from "./draft-sample.js";
import { isDomain } from "./host-text.js";

/** Draft sids: DRAFT_SID_BASE + a number from the template id, below DRAFT_SID_BASE + DRAFT_SID_SPAN. */
export const DRAFT_SID_BASE = 9_900_000;
export const DRAFT_SID_SPAN = 100_000;
/** Most contents a draft carries, and the longest content. */
export const MAX_DRAFT_CONTENTS = 8;
export const MAX_CONTENT = 48;
/** A draft whose contents (besides the method) are shorter than this gets more stable ones. */
export const MIN_SPECIFIC_CHARS = 8;
/** Other templates' samples considered while choosing contents (all are checked at the end). */
export const MAX_GREEDY_NEGATIVES = 400;
/** Fragments taken per buffer of the first sample. */
const MAX_FRAGMENTS = 48;

export interface DraftInput {
  templateId: string;
  /** Template kind: "http", "telnet", "tcp", "udp". */
  kind: string;
  ports: number[];
  positives: readonly RuleSample[];
  negatives: readonly RuleSample[];
  /** Suricata metadata date, "YYYY_MM_DD". */
  date: string;
  sid: number;
}

export type DraftResult = { rule: string; contents: DraftContent[] } | { reason: string };

/** The draft sid of a template id (collisions are the caller's to resolve). */
export function draftSid(templateId: string): number {
  const v = Number.parseInt(templateId.slice(-8), 16);
  return DRAFT_SID_BASE + ((Number.isFinite(v) ? v : 0) % DRAFT_SID_SPAN);
}

/** Whether a set of contents (and the port list) matches a sample, as the rendered rule would. */
export function draftMatches(
  contents: readonly DraftContent[],
  http: boolean,
  s: RuleSample,
  strict: boolean,
): boolean {
  if (http && !s.http) return false;
  for (const c of contents) if (!contentMatches(c, s, strict)) return false;
  return true;
}

function commonPrefix(a: string, b: string): string {
  let i = 0;
  const n = Math.min(a.length, b.length);
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return a.slice(0, i);
}

/**
 * The stable start of the campaign's URIs: their common prefix (raw and decoded), cut before
 * what varies between senders (digits runs, escapes, '+', spaces) and after the first '=' of
 * the query.
 */
function uriPrefix(ps: readonly RuleSample[]): string {
  let p = (ps[0] as RuleSample).uri;
  for (const s of ps) p = commonPrefix(commonPrefix(p, s.uri), s.uriDecoded);
  let end = Math.min(p.length, MAX_CONTENT);
  const q = p.indexOf("?");
  for (let i = 0; i < end; i++) {
    const c = p.charCodeAt(i);
    if (c === 0x25 || c === 0x2b || c <= 0x20 || c >= 0x7f) end = i;
    else if (c === 0x3d && q >= 0 && i > q) end = i + 1;
    else if (c >= 0x30 && c <= 0x39 && i + 2 < p.length) {
      const d1 = p.charCodeAt(i + 1);
      const d2 = p.charCodeAt(i + 2);
      if (d1 >= 0x30 && d1 <= 0x39 && d2 >= 0x30 && d2 <= 0x39) end = i;
    }
  }
  return p.slice(0, end);
}

function isStableChar(c: number): boolean {
  return (
    (c >= 0x20 && c <= 0x7e && !(c >= 0x30 && c <= 0x39) && c !== 0x25) || c === 0x0d || c === 0x0a
  );
}

/** True when a fragment names a host or URL (a downloader), which other senders change. */
function namesHost(f: string): boolean {
  if (f.includes("://")) return true;
  for (const w of f.split(/[^A-Za-z0-9.-]+/, 32)) {
    if (w.includes(".") && isDomain(w.replace(/^\.+|\.+$/g, ""), false)) return true;
  }
  return false;
}

/** Stable substrings of a buffer: runs without digits, escapes or binary, in windows. */
function fragments(text: string, buffer: DraftBuffer, out: DraftContent[]): void {
  let kept = 0;
  let i = 0;
  const n = text.length;
  const push = (a: number, e: number): void => {
    const f = text.slice(a, Math.min(e, a + MAX_CONTENT)).trim();
    if (f.length >= 4 && !namesHost(f) && !out.some((c) => c.buffer === buffer && c.text === f)) {
      out.push({ buffer, text: f });
      kept++;
    }
  };
  while (i < n && kept < MAX_FRAGMENTS) {
    while (i < n && !isStableChar(text.charCodeAt(i))) i++;
    let e = i;
    while (e < n && isStableChar(text.charCodeAt(e))) e++;
    // Windows from the run's start (they may span lines: header order), then each line of the
    // run on its own, so a line's content does not depend on how long the lines before it are.
    for (let a = i; a + 4 <= e && kept < MAX_FRAGMENTS; a += MAX_CONTENT) push(a, e);
    for (let a = i; a < e && kept < MAX_FRAGMENTS; ) {
      let le = text.indexOf("\n", a);
      if (le < 0 || le > e) le = e;
      if (a > i || le < e) push(a, le);
      a = le + 1;
    }
    i = e;
  }
}

/** The common start of the client streams (raw payloads), with its depth. */
function streamPrefix(ps: readonly RuleSample[]): DraftContent | undefined {
  let p = (ps[0] as RuleSample).stream;
  for (const s of ps) p = commonPrefix(p, s.stream);
  // With few samples a common prefix may run into a nonce: keep it short and before digits.
  let end = Math.min(p.length, ps.length < 3 ? 16 : 32);
  for (let i = 0; i < end; i++) {
    const c = p.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) end = i;
  }
  if (end < 2) return undefined;
  return { buffer: "stream", text: p.slice(0, end), depth: end };
}

/** Proposes a rule for the campaign whose sampled sessions are `positives`. */
export function draftRule(input: DraftInput): DraftResult {
  const ps = input.positives;
  if (ps.length === 0) return { reason: "no sampled session" };
  const http = input.kind === "http" && ps.every((s) => s.http);
  const contents: DraftContent[] = [];
  const candidates: DraftContent[] = [];
  const first = ps[0] as RuleSample;
  if (http) {
    if (ps.every((s) => s.method === first.method) && first.method !== "") {
      contents.push({ buffer: "method", text: first.method.slice(0, MAX_CONTENT) });
    }
    const up = uriPrefix(ps);
    if (up.length >= 1) contents.push({ buffer: "uri", text: up, startswith: true });
    fragments(first.body, "body", candidates);
    fragments(first.header, "header", candidates);
    fragments(first.stream, "stream", candidates);
  } else {
    const sp = streamPrefix(ps);
    if (sp !== undefined) contents.push(sp);
    fragments(first.stream, "stream", candidates);
  }
  const stable = candidates.filter((c) => ps.every((s) => contentMatches(c, s, true)));
  const proto = http ? "http" : input.kind === "udp" ? "udp" : "tcp";
  const sameProto = (s: RuleSample): boolean =>
    proto === "udp" ? s.proto === "udp" : s.proto === "tcp";
  let remaining = input.negatives.filter(
    (s) => sameProto(s) && draftMatches(contents, http, s, false),
  );
  while (remaining.length > 0 && contents.length < MAX_DRAFT_CONTENTS) {
    const pool =
      remaining.length > MAX_GREEDY_NEGATIVES
        ? remaining.slice(0, MAX_GREEDY_NEGATIVES)
        : remaining;
    let best: DraftContent | undefined;
    let bestScore = 0;
    for (const c of stable) {
      if (contents.includes(c)) continue;
      let excluded = 0;
      for (const s of pool) if (!contentMatches(c, s, false)) excluded++;
      // Most negatives excluded first; among equals, the most varied content (a padding run
      // says less than the field names before it), then the longest.
      const score = excluded === 0 ? 0 : excluded * 65536 + variety(c.text) * 64 + c.text.length;
      if (score > bestScore) {
        best = c;
        bestScore = score;
      }
    }
    if (best === undefined) break;
    contents.push(best);
    const b = best;
    remaining = remaining.filter((s) => contentMatches(b, s, false));
  }
  // A method and a URI alone say little of what makes the payload an exploit (the overflow's
  // padding, the injected command): add the most varied stable content not already implied,
  // then more while the draft is still too short to be specific (a bare "/" URI).
  const ranked = [...stable].sort(
    (x, y) => variety(y.text) * 64 + y.text.length - (variety(x.text) * 64 + x.text.length),
  );
  const redundant = (c: DraftContent): boolean =>
    contents.some((d) => d === c || d.text.includes(c.text) || c.text.includes(d.text));
  if (contents.every((c) => c.buffer === "method" || c.buffer === "uri")) {
    // Not from the request line: its stable bits are the URI's, and the URI content has them.
    const line = first.stream.slice(0, first.stream.indexOf("\n") + 1);
    const extra = ranked.find(
      (c) => !redundant(c) && !(c.buffer === "stream" && line.includes(c.text)),
    );
    if (extra !== undefined) contents.push(extra);
  }
  for (const c of ranked) {
    if (specificChars(contents) >= MIN_SPECIFIC_CHARS || contents.length >= MAX_DRAFT_CONTENTS) {
      break;
    }
    if (!redundant(c)) contents.push(c);
  }
  if (specificChars(contents) === 0) return { reason: "no stable content in the sampled sessions" };
  remaining = remaining.filter((s) => draftMatches(contents, http, s, false));
  const onPorts = remaining.filter((s) => input.ports.includes(s.port));
  if (onPorts.length > 0) {
    const other = (onPorts[0] as RuleSample).template;
    return {
      reason: `no stable content separates it from template ${other} (${onPorts.length} sampled sessions of other templates would match)`,
    };
  }
  if (!ps.every((s) => draftMatches(contents, http, s, true))) {
    return { reason: "a sampled session does not match the draft" };
  }
  return { rule: renderRule(input, proto, contents), contents };
}

function specificChars(contents: readonly DraftContent[]): number {
  let n = 0;
  for (const c of contents) if (c.buffer !== "method") n += c.text.length;
  return n;
}

/** Distinct characters of a content, at most 63. */
function variety(t: string): number {
  const seen = new Set<number>();
  for (let i = 0; i < t.length && seen.size < 63; i++) seen.add(t.charCodeAt(i));
  return seen.size;
}
