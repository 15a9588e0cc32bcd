/**
 * @module Family attribution: which botnet family a campaign's payloads, URLs, user agents and
 * CVEs point to, from the user-extendable markers of rules/families.json (docs/iot-pack.md).
 */

import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import RE2 from "re2";
import { InputError } from "../schema/errors.js";

/** Where a marker looks: `any` means the payload, the URLs and the user agents. */
export const MARKER_KINDS = ["payload", "url", "userAgent", "cve", "any"] as const;
export type MarkerKind = (typeof MARKER_KINDS)[number];
export const MATCH_MODES = ["contains", "equals", "regex"] as const;
export type MatchMode = (typeof MATCH_MODES)[number];

/** A family below this confidence is not named, unless a families file sets its own. */
export const DEFAULT_MIN_CONFIDENCE = 0.3;
/** Payload text markers look at (sessions are capped well below this anyway). */
export const MAX_PAYLOAD_CHARS = 256 * 1024;
/** The families file shipped with Portent, relative to the package root. */
export const DEFAULT_FAMILIES_FILE = "rules/families.json";

export interface FamilyMarker {
  kind: MarkerKind;
  match: MatchMode;
  value: string;
  nocase: boolean;
  /** Evidence strength in (0, 1]. */
  weight: number;
  /** Where the fact comes from (shown in every reason). */
  source: string;
  /** True when the marker matches one of the texts. */
  test(text: string): boolean;
}

export interface Family {
  name: string;
  aliases: string[];
  description: string;
  markers: FamilyMarker[];
}

export interface FamilySet {
  families: Family[];
  minConfidence: number;
  /** The files loaded, in order. */
  files: string[];
}

/** What a campaign (or one session) offers: latin1 payload text, URLs, user agents and CVEs. */
export interface Evidence {
  payload: string;
  urls: string[];
  userAgents: string[];
  cves: string[];
}

export interface Attribution {
  family: string;
  /** 1 - prod(1 - weight) over the family's markers that matched, rounded to 3 digits. */
  confidence: number;
  /** One sentence per matched marker: what matched and its source. */
  reasons: string[];
}

/** The shipped families file: found by walking up from this module (src/ or dist/src/). */
export function defaultFamiliesPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = join(dir, DEFAULT_FAMILIES_FILE);
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  return resolve(DEFAULT_FAMILIES_FILE);
}

/**
 * Loads the shipped families file and then each of `paths`. A family named again adds its
 * markers (or replaces them with `"replace": true`); a later `minConfidence` wins. Any problem
 * with a file is an InputError naming the file and where (JSON position, or the field path).
 */
export function loadFamilies(paths: string[] = [], opts: { defaults?: boolean } = {}): FamilySet {
  const set: FamilySet = { families: [], minConfidence: DEFAULT_MIN_CONFIDENCE, files: [] };
  const files = opts.defaults === false ? paths : [defaultFamiliesPath(), ...paths];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new InputError(file, `cannot read families file (${(e as Error).message})`);
    }
    mergeFamilies(set, text, file);
  }
  return set;
}

/** Parses one families file's text and merges it into `set` (exported for tests). */
export function mergeFamilies(set: FamilySet, text: string, file: string): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const at = jsonErrorAt(text);
    const pos = at < 0 ? "" : `${lineCol(text, at)} (position ${at}): `;
    throw new InputError(file, `invalid JSON at ${pos}${(e as Error).message}`);
  }
  const issues: string[] = [];
  const parsed = readDoc(doc, issues);
  if (issues.length > 0) throw new InputError(file, `invalid families file: ${issues.join("; ")}`);
  if (parsed.minConfidence !== undefined) set.minConfidence = parsed.minConfidence;
  for (const f of parsed.families) {
    const old = set.families.find((g) => g.name === f.family.name);
    if (old === undefined) set.families.push(f.family);
    else {
      old.markers = f.replace ? f.family.markers : [...old.markers, ...f.family.markers];
      old.aliases = [...new Set([...old.aliases, ...f.family.aliases])];
      if (f.family.description !== "") old.description = f.family.description;
    }
  }
  set.files.push(file);
}

/** The best-supported family, or undefined when none reaches the set's minimum confidence. */
export function attribute(set: FamilySet, evidence: Evidence): Attribution | undefined {
  const payloads = payloadTexts(evidence.payload.slice(0, MAX_PAYLOAD_CHARS));
  const texts: Record<MarkerKind, string[]> = {
    payload: payloads,
    url: evidence.urls,
    userAgent: evidence.userAgents,
    cve: evidence.cves.map((c) => c.trim().toUpperCase()),
    any: [...payloads, ...evidence.urls, ...evidence.userAgents],
  };
  let best: (Attribution & { hits: number }) | undefined;
  for (const f of set.families) {
    let miss = 1;
    const reasons: string[] = [];
    for (const m of f.markers) {
      if (!texts[m.kind].some((t) => m.test(t))) continue;
      miss *= 1 - m.weight;
      reasons.push(`${describe(m)} (weight ${m.weight}): ${m.source}`);
    }
    if (reasons.length === 0) continue;
    const confidence = Math.round((1 - miss) * 1000) / 1000;
    if (
      best === undefined ||
      confidence > best.confidence ||
      (confidence === best.confidence && reasons.length > best.hits)
    ) {
      best = { family: f.name, confidence, reasons, hits: reasons.length };
    }
  }
  if (best === undefined || best.confidence < set.minConfidence) return undefined;
  return { family: best.family, confidence: best.confidence, reasons: best.reasons };
}

function describe(m: FamilyMarker): string {
  const what = m.kind === "any" ? "payload, URL or user agent" : m.kind === "cve" ? "CVE" : m.kind;
  const how = m.match === "regex" ? "matches /" : m.match === "equals" ? 'is "' : 'contains "';
  const end = m.match === "regex" ? "/" : '"';
  return `${what} ${how}${m.value}${end}${m.nocase ? " (any case)" : ""}`;
}

/** The payload as sent, percent-decoded, and with `+` read as a space (form encoding). */
function payloadTexts(p: string): string[] {
  const decoded = p.includes("%")
    ? p.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) =>
        String.fromCharCode(Number.parseInt(h, 16)),
      )
    : p;
  const spaced = decoded.includes("+") ? decoded.replace(/\+/g, " ") : decoded;
  return [...new Set([p, decoded, spaced])];
}

interface ParsedFamily {
  family: Family;
  replace: boolean;
}

function readDoc(
  doc: unknown,
  issues: string[],
): { families: ParsedFamily[]; minConfidence?: number } {
  const need = (ok: boolean, msg: string): boolean => check(issues, ok, msg);
  if (!need(isObject(doc), "the top level must be an object with a `families` array")) {
    return { families: [] };
  }
  const d = doc as Record<string, unknown>;
  need(d.version === undefined || d.version === 1, "version: only 1 is known");
  const mc = d.minConfidence;
  const mcOk = typeof mc === "number" && mc >= 0 && mc <= 1;
  need(mc === undefined || mcOk, "minConfidence: must be a number in [0, 1]");
  if (!need(Array.isArray(d.families), "families: must be an array")) return { families: [] };
  const families: ParsedFamily[] = [];
  for (const [i, f] of (d.families as unknown[]).entries()) {
    const at = `families[${i}]`;
    if (!isObject(f)) {
      need(false, `${at}: must be an object`);
      continue;
    }
    const name = f.name;
    need(
      typeof name === "string" && /^[a-z0-9][a-z0-9._-]*$/.test(name),
      `${at}.name: must be lowercase letters, digits, '.', '_' or '-'`,
    );
    const aliases = f.aliases ?? [];
    const aliasesOk = Array.isArray(aliases) && aliases.every((x) => typeof x === "string");
    need(aliasesOk, `${at}.aliases: must be an array of strings`);
    const desc = f.description;
    need(desc === undefined || typeof desc === "string", `${at}.description: must be a string`);
    need(f.replace === undefined || typeof f.replace === "boolean", `${at}.replace: true or false`);
    if (!need(Array.isArray(f.markers), `${at}.markers: must be an array`)) continue;
    const markers: FamilyMarker[] = [];
    for (const [j, m] of (f.markers as unknown[]).entries()) {
      const marker = readMarker(m, `${at}.markers[${j}]`, issues);
      if (marker !== undefined) markers.push(marker);
    }
    families.push({
      family: {
        name: String(name),
        aliases: aliasesOk ? (aliases as string[]) : [],
        description: typeof desc === "string" ? desc : "",
        markers,
      },
      replace: f.replace === true,
    });
  }
  return mcOk ? { families, minConfidence: mc } : { families };
}

function readMarker(m: unknown, at: string, issues: string[]): FamilyMarker | undefined {
  const n = issues.length;
  const need = (ok: boolean, msg: string): boolean => check(issues, ok, `${at}${msg}`);
  if (!need(isObject(m), ": must be an object")) return undefined;
  const o = m as Record<string, unknown>;
  const kind = o.kind as MarkerKind;
  const match = (o.match ?? "contains") as MatchMode;
  const { value, weight, source } = o;
  need(MARKER_KINDS.includes(kind), `.kind: one of ${MARKER_KINDS.join(", ")}`);
  need(MATCH_MODES.includes(match), `.match: one of ${MATCH_MODES.join(", ")}`);
  need(typeof value === "string" && value !== "", ".value: a non-empty string");
  need(o.nocase === undefined || typeof o.nocase === "boolean", ".nocase: true or false");
  need(typeof weight === "number" && weight > 0 && weight <= 1, ".weight: a number in (0, 1]");
  need(
    typeof source === "string" && source.trim() !== "",
    ".source: say where the fact comes from",
  );
  if (issues.length > n) return undefined;
  const v = value as string;
  // CVE ids compare in upper case, whatever the file says.
  const nocase = o.nocase === true || kind === "cve";
  let test: (t: string) => boolean;
  if (match === "regex") {
    let re: RE2;
    try {
      re = new RE2(v, nocase ? "i" : "");
    } catch (e) {
      need(false, `.value: not a valid RE2 regular expression (${(e as Error).message})`);
      return undefined;
    }
    test = (t) => re.test(t);
  } else {
    const lv = nocase ? v.toLowerCase() : v;
    const norm = nocase ? (t: string) => t.toLowerCase() : (t: string) => t;
    test = match === "equals" ? (t) => norm(t) === lv : (t) => norm(t).includes(lv);
  }
  return {
    kind,
    match,
    value: v,
    nocase,
    weight: weight as number,
    source: source as string,
    test,
  };
}

/** Records `msg` as an issue unless `ok`; returns `ok`. */
function check(issues: string[], ok: boolean, msg: string): boolean {
  if (!ok) issues.push(msg);
  return ok;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function lineCol(text: string, at: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < at && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      col = 1;
    } else col++;
  }
  return `line ${line}, column ${col}`;
}

/**
 * Where the first JSON syntax error is (-1 if none): JSON.parse does not always say (Node 20
 * reports "Unexpected token" without a position), so failed input is scanned again here.
 */
export function jsonErrorAt(t: string): number {
  let i = 0;
  const ws = (): void => {
    while (i < t.length && (t[i] === " " || t[i] === "\t" || t[i] === "\n" || t[i] === "\r")) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const str = (): void => {
    for (i++; t.charCodeAt(i) !== 34; ) {
      const c = t.charCodeAt(i);
      if (Number.isNaN(c) || c < 32) fail();
      if (c !== 92) i++;
      else if (t[i + 1] === "u" && /^[0-9a-fA-F]{4}$/.test(t.slice(i + 2, i + 6))) i += 6;
      else if ('"\\/bfnrt'.includes(t[i + 1] ?? "x")) i += 2;
      else fail();
    }
    i++;
  };
  const NUM = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const WORD = /true|false|null/y;
  const value = (): void => {
    ws();
    const c = t[i];
    if (c === '"') {
      str();
    } else if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      i++;
      ws();
      let more = t[i] !== close;
      while (more) {
        if (c === "{") {
          ws();
          if (t[i] !== '"') fail();
          str();
          ws();
          if (t[i] !== ":") fail();
          i++;
        }
        value();
        ws();
        more = t[i] === ",";
        if (!more && t[i] !== close) fail();
        if (more) i++;
      }
      i++;
    } else {
      NUM.lastIndex = i;
      WORD.lastIndex = i;
      if (NUM.test(t)) i = NUM.lastIndex;
      else if (WORD.test(t)) i = WORD.lastIndex;
      else fail();
    }
  };
  try {
    value();
    ws();
    return i < t.length ? i : -1;
  } catch (e) {
    return typeof e === "number" ? e : -1;
  }
}
