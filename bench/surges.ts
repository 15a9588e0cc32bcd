/**
 * @module Benchmark of the surge pass: detectSurges over 30 days × 65,536 TCP ports of hourly
 * series, shaped like a large darknet (≈1,000 busy ports with a daily cycle, ≈5,000 ports with a
 * few sources most hours, the rest a handful of sources a month) with 40 injected surges.
 * Series are built once (not timed); the pass runs BENCH_REPEAT times (default 3) and the
 * median is printed, with how many injected surges it found (the result is consumed).
 *
 * Run: npm run build && node dist/bench/surges.js
 */

import { detectSurges } from "../src/analyse/detect-surges.js";
import { Series, type SeriesSet } from "../src/analyse/series.js";

const DAYS = 30;
const HOURS = DAYS * 24;
const PORTS = 65536;
const BUSY = 1000;
const MEDIUM = 5000;
const SURGES = 40;
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
/** 2018-06-01T00:00Z as an hour index. */
const FIRST = Date.UTC(2018, 5, 1) / 3_600_000;

/** mulberry32: the same series on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function poisson(r: () => number, lambda: number): number {
  if (lambda > 30) {
    const g = Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * g));
  }
  const l = Math.exp(-lambda);
  let k = 0;
  let p = r();
  while (p > l) {
    k++;
    p *= r();
  }
  return k;
}

interface Built {
  set: SeriesSet;
  rows: number;
  injected: Array<{ port: number; at: number }>;
}

function build(): Built {
  const r = rng(42);
  const ports: Series[] = [];
  const injected: Array<{ port: number; at: number }> = [];
  const surgeAt = new Map<number, number>();
  while (surgeAt.size < SURGES) {
    // a third of the surges on busy ports, a third on medium ones, a third on quiet ones
    const k = surgeAt.size % 3;
    const port =
      k === 0
        ? Math.floor(r() * BUSY)
        : k === 1
          ? BUSY + Math.floor(r() * MEDIUM)
          : 10000 + Math.floor(r() * 50000);
    if (!surgeAt.has(port)) surgeAt.set(port, 72 + Math.floor(r() * (HOURS - 120)));
  }
  let rows = 0;
  for (let port = 0; port < PORTS; port++) {
    const s = new Series("port", `tcp/${port}`, "tcp", port, "", -1);
    const level = port < BUSY ? 10 + 300 * r() ** 3 : port < BUSY + MEDIUM ? 0.5 + 2 * r() : 0;
    const peak = r() * 24;
    const at = surgeAt.get(port) ?? -1;
    if (at >= 0) injected.push({ port, at: FIRST + at });
    const extra = (h: number) => (at >= 0 && h >= at && h < at + 48 ? Math.max(40, 4 * level) : 0);
    if (level > 0) {
      for (let h = 0; h < HOURS; h++) {
        const cycle = 1 + 0.35 * Math.cos((2 * Math.PI * ((h % 24) - peak)) / 24);
        const x = poisson(r, level * cycle) + poisson(r, extra(h));
        if (x > 0) s.push(FIRST + h, x, x, 0);
      }
    } else {
      // a quiet port: a few sources on a few random hours of the month
      const hits = new Set<number>();
      const n = Math.floor(r() * 8);
      for (let i = 0; i < n; i++) hits.add(Math.floor(r() * HOURS));
      for (let h = 0; h < HOURS; h++) {
        const x =
          (hits.has(h) ? 1 + Math.floor(r() * 2) : 0) + (extra(h) > 0 ? poisson(r, extra(h)) : 0);
        if (x > 0) s.push(FIRST + h, x, x, 0);
      }
    }
    rows += s.n;
    ports.push(s);
  }
  const set: SeriesSet = {
    bucketSeconds: 3600,
    first: FIRST,
    end: FIRST + HOURS,
    lastPartial: false,
    ports,
    templates: [],
    sids: [],
    heavyHitters: [],
    stats: { probes: 0, sessions: 0, excluded: 0, late: 0, cells: rows, peakOpenPairs: 0 },
  };
  return { set, rows, injected };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const t0 = performance.now();
const { set, rows, injected } = build();
process.stderr.write(
  `bench surges: built ${PORTS} series, ${rows.toLocaleString("en-US")} non-empty hours in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
);
const times: number[] = [];
let found = 0;
let total = 0;
for (let i = 0; i < REPEAT; i++) {
  const a = performance.now();
  const surges = detectSurges(set);
  times.push((performance.now() - a) / 1000);
  total = surges.length;
  found = injected.filter((j) =>
    surges.some(
      (s) =>
        s.port === j.port &&
        Date.parse(s.onset) / 3.6e6 <= j.at + 2 &&
        Date.parse(s.detectedAt) / 3.6e6 >= j.at,
    ),
  ).length;
}
process.stdout.write(
  `surge pass, ${DAYS} days × ${PORTS} ports hourly (${rows.toLocaleString("en-US")} non-empty hours): ` +
    `${median(times).toFixed(2)} s (median of ${REPEAT}; runs ${times.map((t) => t.toFixed(2)).join(", ")}); ` +
    `${total} surges, ${found} of ${injected.length} injected found\n`,
);
