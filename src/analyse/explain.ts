/**
 * @module Explains a surge: the templates and rules that rose with it (share of its sessions),
 * the fingerprint mix and top countries/ASNs of its sources, the heavy hitters on its port,
 * and the one-sentence `why`.
 */

import type { ReportHeavyHitter, ReportSurge, SurgeShare, SurgeState } from "../schema/surge.js";
import {
  type CellDetail,
  SERIES_FINGERPRINTS,
  type Series,
  type SeriesSet,
} from "./series-columns.js";
import type { RawSurge } from "./surges.js";

/** Templates and rules below this share of the surge's sessions are not listed. */
export const MIN_LABEL_SHARE = 0.05;
/** The why sentence names a template or fingerprint only from this share up. */
export const WHY_MIN_SHARE = 0.5;
/** Buckets after detection still read for the explanation (shares, fingerprints, countries). */
export const EXPLAIN_AFTER_BUCKETS = 6;
/** Countries and ASNs listed per surge. */
export const TOP_GEO = 5;
/** Buckets of series kept before the onset for charts (3 days of hours). */
export const CHART_BUCKETS_BEFORE = 72;
/** At most this many buckets of series per surge. */
export const CHART_MAX_BUCKETS = 480;

/** What detection knows about rules and templates (both optional). */
export interface ExplainInputs {
  rule?: (sid: number) => { msg: string; cve: string[] } | undefined;
  template?: (id: string) => { text: string } | undefined;
}

const FP_PHRASE: Record<string, string> = {
  mirai: "Mirai-style SYNs (seq = destination address)",
  masscan: "masscan SYNs",
  zmap: "ZMap SYNs",
};

export function iso(bucket: number, bucketSeconds: number): string {
  return new Date(bucket * bucketSeconds * 1000).toISOString().replace(".000Z", "Z");
}

function add<K>(into: Map<K, number>, from: Map<K, number> | undefined): void {
  if (from === undefined) return;
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Sum of the details of `s`'s rows in [lo, hi] (bucket indices). */
function details(
  s: Series,
  lo: number,
  hi: number,
): Required<Omit<CellDetail, "asOrgs">> & { asOrgs: Map<number, string> } {
  const out = {
    templates: new Map<string, number>(),
    sids: new Map<number, number>(),
    templateSids: new Map<string, number>(),
    ports: new Map<number, number>(),
    countries: new Map<string, number>(),
    asns: new Map<number, number>(),
    asOrgs: new Map<number, string>(),
  };
  for (let r = s.lowerBound(lo); r < s.n && (s.buckets[r] as number) <= hi; r++) {
    const d = s.details?.get(r);
    if (d === undefined) continue;
    add(out.templates, d.templates);
    add(out.sids, d.sids);
    add(out.templateSids, d.templateSids);
    add(out.ports, d.ports);
    add(out.countries, d.countries);
    add(out.asns, d.asns);
    for (const [k, v] of d.asOrgs ?? []) out.asOrgs.set(k, v);
  }
  return out;
}

function top<K>(
  m: Map<K, number>,
  total: number,
  min: number,
  limit = 10,
): Array<[K, number, number]> {
  return [...m]
    .map(([k, v]) => [k, v, total > 0 ? v / total : 0] as [K, number, number])
    .filter((e) => e[2] >= min)
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit);
}

/** Builds the report entry of one detection on series `s`. */
export function explainSurge(
  r: RawSurge,
  s: Series,
  set: SeriesSet,
  state: SurgeState,
  last: number,
  inputs: ExplainInputs = {},
): ReportSurge {
  const bs = set.bucketSeconds;
  // The buckets that explain it: its rise up to detection and a few after (for numbers), not
  // what the port carried days later (a long surge may change payloads on the way).
  const end = r.ended >= 0 ? r.ended : last;
  const hi = Math.min(end, r.detected + EXPLAIN_AFTER_BUCKETS);
  // The port whose cells explain it: its own, or the one most of a label's sessions went to.
  let port: Series | undefined = s.kind === "port" ? s : undefined;
  if (port === undefined) {
    const byPort = details(s, r.onset, hi).ports;
    const best = top(byPort, 1, 0, 1)[0];
    if (best !== undefined) {
      const k = best[0];
      port = set.ports.find(
        (p) => p.port === (k & 0xffff) && p.proto === ["tcp", "udp", "icmp", "icmpv6"][k >>> 16],
      );
    }
  }
  const pd = port !== undefined ? details(port, r.onset, hi) : undefined;
  let sessions = 0;
  if (port !== undefined) {
    for (let i = port.lowerBound(r.onset); i < port.n && (port.buckets[i] as number) <= hi; i++) {
      sessions += port.sessions[i] as number;
    }
  }
  const templateShares: Array<SurgeShare<string>> = [];
  const sids: Array<SurgeShare<number>> = [];
  const cve = new Set<string>();
  const pairs = pd?.templateSids ?? new Map<string, number>();
  if (pd !== undefined) {
    for (const [id, n, share] of top(pd.templates, sessions, MIN_LABEL_SHARE)) {
      const e: SurgeShare<string> = { id, share: round(share, 3), sessions: n };
      const text = inputs.template?.(id)?.text;
      if (text !== undefined) e.label = text;
      const tc = new Set<string>();
      for (const [pair] of pairs) {
        const [t, sid] = pair.split(" ");
        if (t === id) for (const c of inputs.rule?.(Number(sid))?.cve ?? []) tc.add(c);
      }
      if (tc.size > 0) e.cve = [...tc].sort();
      templateShares.push(e);
    }
    for (const [id, n, share] of top(pd.sids, sessions, MIN_LABEL_SHARE)) {
      const e: SurgeShare<number> = { id, share: round(share, 3), sessions: n };
      const rule = inputs.rule?.(id);
      if (rule !== undefined) {
        e.label = rule.msg;
        e.cve = rule.cve;
        for (const c of rule.cve) cve.add(c);
      }
      sids.push(e);
    }
  }
  for (const t of templateShares) for (const c of t.cve ?? []) cve.add(c);
  // A label surge is about its own label: its CVEs are the rule's (sid) or those of the rules its
  // sessions matched (template), not the whole mix of the port it went to.
  if (s.kind === "template") {
    const own = templateShares.find((t) => t.id === s.template);
    if (own === undefined) templateShares.unshift({ id: s.template, share: 1, sessions: 0 });
    else {
      templateShares.splice(templateShares.indexOf(own), 1);
      templateShares.unshift(own);
    }
    cve.clear();
    for (const c of own?.cve ?? []) cve.add(c);
  }
  if (s.kind === "sid") {
    const paired = new Set(
      [...pairs.keys()].filter((k) => k.endsWith(` ${s.sid}`)).map((k) => k.split(" ")[0]),
    );
    if (paired.size > 0) {
      const keep = templateShares.filter((t) => paired.has(t.id));
      templateShares.length = 0;
      templateShares.push(...keep);
    }
    cve.clear();
    for (const c of inputs.rule?.(s.sid)?.cve ?? []) cve.add(c);
  }

  // Fingerprint mix over the surge's buckets, per (bucket, source).
  let srcSum = 0;
  const fpSum = new Float64Array(SERIES_FINGERPRINTS.length);
  for (let i = s.lowerBound(r.onset); i < s.n && (s.buckets[i] as number) <= hi; i++) {
    srcSum += s.sources[i] as number;
    for (let f = 0; f < fpSum.length; f++) fpSum[f] += s.fp[i * fpSum.length + f] as number;
  }
  const fingerprints: Record<string, number> = {};
  SERIES_FINGERPRINTS.forEach((name, f) => {
    if ((fpSum[f] as number) > 0) fingerprints[name] = round((fpSum[f] as number) / srcSum, 3);
  });

  const sd = s.kind === "port" ? pd : details(s, r.onset, hi);
  const proto = port?.proto ?? "tcp";
  const portNo = port?.port ?? 0;
  const heavyHitters = heavyOn(set.heavyHitters, proto, portNo, iso(r.onset, bs), iso(end, bs));
  const chartLo = Math.max(set.first, r.onset - CHART_BUCKETS_BEFORE);
  const chartHi = Math.min(last, chartLo + CHART_MAX_BUCKETS - 1);
  const series: number[] = [];
  for (let b = chartLo; b <= chartHi; b++) {
    const row = s.row(b);
    series.push(row < 0 ? 0 : (s.sources[row] as number));
  }
  const out: ReportSurge = {
    proto,
    port: portNo,
    onset: iso(r.onset, bs),
    detectedAt: iso(r.detected + 1, bs),
    peak: iso(r.peak, bs),
    baselineSources: round(r.median),
    peakSources: r.peakSources,
    ratio: round(r.peakSources / Math.max(r.median, 1), 1),
    state,
    templates: templateShares.map((t) => t.id),
    cve: [...cve].sort(),
    fingerprints,
    why: "",
    id: `${s.kind}:${s.key}@${iso(r.detected + 1, bs)}`,
    kind: s.kind,
    key: s.key,
    bucketSeconds: bs,
    detectedSources: r.detectedSources,
    expectedSources: round(r.expected),
    detectedRatio: round(r.detectedSources / Math.max(r.median, 1), 1),
    baselineHours: Math.round((r.history * bs) / 3600),
    seasonal: r.seasonal,
    newSeries: r.newSeries,
    escalations: r.escalations.map((e) => ({
      detectedAt: iso(e.bucket + 1, bs),
      sources: e.sources,
      baselineSources: round(e.median),
    })),
    sessions,
    templateShares,
    sids,
    heavyHitters,
    seriesStart: iso(chartLo, bs),
    series,
  };
  if (s.kind === "template") out.template = s.template;
  if (s.kind === "sid") out.sid = s.sid;
  if (r.ended >= 0) out.ended = iso(r.ended + 1, bs);
  if (sd !== undefined && sd.countries.size > 0) {
    out.countries = top(sd.countries, srcSum, 0, TOP_GEO).map(([code, , share]) => ({
      code,
      share: round(share, 3),
    }));
  }
  if (sd !== undefined && sd.asns.size > 0) {
    out.asns = top(sd.asns, srcSum, 0, TOP_GEO).map(([asn, , share]) => {
      const org = sd.asOrgs.get(asn);
      return org === undefined
        ? { asn, share: round(share, 3) }
        : { asn, org, share: round(share, 3) };
    });
  }
  out.why = why(out) + howFound(r, bs);
  return out;
}

/**
 * What let a surge fire where the plain rules would not have, yet: a level above its whole
 * window (the lower rise ratio), evidence accumulated over a slow rise (the CUSUM). Empty for
 * the ordinary rules, whose numbers the sentence already gives.
 */
function howFound(r: RawSurge, bs: number): string {
  const unit =
    bs === 3600
      ? "hour"
      : bs % 3600 === 0
        ? `${bs / 3600}-hour bucket`
        : `${bs / 60}-minute bucket`;
  const parts: string[] = [];
  const hours = Math.round((r.history * bs) / 3600);
  const window = hours >= 36 ? `${Math.round(hours / 24)}-day` : `${hours}-hour`;
  if (r.novel) parts.push(`above every ${unit} of its ${window} window (highest ${r.windowMax})`);
  if (r.trigger === "accumulated") {
    const n = r.detected - r.onset + 1;
    parts.push(`evidence accumulated over ${n === 1 ? `one ${unit}` : `${n} ${unit}s`} of rise`);
  }
  return parts.map((p) => `; ${p}`).join("");
}

function heavyOn(
  all: readonly ReportHeavyHitter[],
  proto: string,
  port: number,
  from: string,
  to: string,
): ReportHeavyHitter[] {
  return all.filter((h) => h.proto === proto && h.port === port && h.last >= from && h.first <= to);
}

function num(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

function span(seconds: number): string {
  if (seconds === 3600) return "hour";
  if (seconds % 3600 === 0) return `${seconds / 3600} hours`;
  return `${seconds / 60} minutes`;
}

/** The one sentence: what rose, how far above what, and what explains it. */
export function why(s: ReportSurge): string {
  const head =
    s.kind === "port"
      ? `${s.port}/${s.proto}`
      : s.kind === "template"
        ? `template ${s.key.slice(0, 12)}`
        : `rule sid ${s.sid}`;
  const parts: string[] = [];
  const when = `${s.detectedSources} distinct sources in the ${span(s.bucketSeconds)} to ${s.detectedAt.slice(0, 16)}Z`;
  const window =
    s.baselineHours >= 36 ? `${Math.round(s.baselineHours / 24)}-day` : `${s.baselineHours}-hour`;
  if (s.newSeries) parts.push(`${head}: ${when}, with no baseline (${window} median 0)`);
  else {
    let base = `${head}: ${when}, ${num(s.detectedRatio)}x the ${window} median of ${num(s.baselineSources)}`;
    if (s.seasonal && s.expectedSources > 1.2 * s.baselineSources) {
      base += ` (${num(s.expectedSources)} expected at this hour)`;
    }
    parts.push(base);
  }
  if (s.kind !== "port" && s.port > 0) parts.push(`mostly to ${s.port}/${s.proto}`);
  const t = s.templateShares[0];
  if (s.kind !== "template" && t !== undefined && t.share >= WHY_MIN_SHARE) {
    const cve = t.cve !== undefined && t.cve.length > 0 ? ` matching ${t.cve.join(", ")}` : "";
    parts.push(
      `${Math.round(t.share * 100)}% of sessions carry template ${t.id.slice(0, 12)}${cve}`,
    );
  } else if (s.cve.length > 0) {
    parts.push(`matching ${s.cve.join(", ")}`);
  } else if (s.kind === "port" && s.sessions === 0) {
    parts.push("probes only, no payload");
  }
  const fp = Object.entries(s.fingerprints)
    .filter(([name]) => FP_PHRASE[name] !== undefined)
    .sort((a, b) => b[1] - a[1])[0];
  if (fp !== undefined && fp[1] >= WHY_MIN_SHARE) {
    parts.push(`${Math.round(fp[1] * 100)}% ${FP_PHRASE[fp[0]]}`);
  }
  if (s.heavyHitters.length > 0) {
    parts.push(
      `${s.heavyHitters.length} heavy hitter${s.heavyHitters.length > 1 ? "s" : ""} counted once`,
    );
  }
  return parts.join("; ");
}
