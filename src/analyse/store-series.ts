/**
 * @module The series of the surge detector read back from a store (DuckDB or ClickHouse), with
 * the per-bucket detail its explanations read, so `portent surges` explains what `analyze` would.
 */

import { StoreArgumentError } from "../store/query-util.js";
import type { LabelCells, PortCells, PortKey, Store, TimeRange } from "../store/store.js";
import { isoHour } from "./open-bucket.js";
import { DEFAULT_BUCKET_SECONDS, HEAVY_MIN_PACKETS_PER_HOUR, HEAVY_MIN_SHARE } from "./series.js";
import {
  type CellDetail,
  portKey,
  SERIES_FINGERPRINTS,
  SERIES_PROTOS,
  Series,
  type SeriesProto,
  type SeriesSet,
} from "./series-columns.js";
import { DEFAULT_SURGE_OPTIONS } from "./surges.js";

const NFP = SERIES_FINGERPRINTS.length;

export interface StoreSeriesOptions {
  /** Bucket of the series: a multiple of the store's that divides a day (default: 1 hour, or the store's when coarser). */
  bucketSeconds?: number;
  /**
   * Ports whose busiest bucket holds fewer distinct sources are left out (ports a template or
   * rule went to stay in). Default: the lowest floor of the default detector, so no port that
   * could fire is left out; 0 keeps every port.
   */
  minPeakSources?: number;
  heavyMinPacketsPerHour?: number;
  heavyMinShare?: number;
}

/** The series bucket `portent surges` uses on a store keeping `stored`-second buckets. */
export function defaultStoreBucket(stored: number): number {
  return stored <= DEFAULT_BUCKET_SECONDS && DEFAULT_BUCKET_SECONDS % stored === 0
    ? DEFAULT_BUCKET_SECONDS
    : stored;
}

/** The lowest floor of the default detector at bucket `b`: a series below it never fires. */
export function lowestFloor(b: number): number {
  const o = DEFAULT_SURGE_OPTIONS;
  const scale = Math.min(1, b / 3600);
  return Math.max(o.floorMin, Math.round(Math.min(o.minSources, o.newSeriesMinSources) * scale));
}

function emptySet(b: number): SeriesSet {
  return {
    bucketSeconds: b,
    first: 0,
    end: 0,
    lastPartial: false,
    ports: [],
    templates: [],
    sids: [],
    heavyHitters: [],
    stats: { probes: 0, sessions: 0, excluded: 0, late: 0, cells: 0, peakOpenPairs: 0 },
  };
}

function detailOf(s: Series, bucket: number): CellDetail | undefined {
  const row = s.row(bucket);
  if (row < 0) return undefined;
  s.details ??= new Map();
  let d = s.details.get(row);
  if (d === undefined) {
    d = {};
    s.details.set(row, d);
  }
  return d;
}

function portSeries(c: PortCells, bu: number): Series {
  const s = new Series("port", `${c.proto}/${c.port}`, c.proto, c.port, "", -1);
  for (let k = 0; k < c.starts.length; k++) {
    // A bucket with packets of earlier connections only has no source in the series.
    if (c.sources[k] === 0) continue;
    const row = s.push(
      Math.floor((c.starts[k] as number) / bu),
      c.sources[k] as number,
      c.packets[k] as number,
      c.sessions[k] as number,
    );
    for (let f = 0; f < NFP; f++) s.fp[row * NFP + f] = c.fingerprints[k * NFP + f] as number;
  }
  return s;
}

/** Adds labels to the port cells they went to, and the ports to the label series. */
function addLabels(
  labels: LabelCells,
  ports: Map<number, Series>,
  templates: Map<string, Series>,
  sids: Map<number, Series>,
  bu: number,
): void {
  const cellsWithBoth = new Set<CellDetail>();
  for (const c of labels.templates) {
    const b = Math.floor(c.start / bu);
    const k = portKey(c.proto, c.port);
    const pd = ports.get(k) && detailOf(ports.get(k) as Series, b);
    if (pd !== undefined) {
      pd.templates ??= new Map();
      pd.templates.set(c.template, (pd.templates.get(c.template) ?? 0) + c.sessions);
    }
    const t = templates.get(c.template);
    const td = t && detailOf(t, b);
    if (td !== undefined) {
      td.ports ??= new Map();
      td.ports.set(k, (td.ports.get(k) ?? 0) + c.sessions);
    }
  }
  for (const c of labels.sids) {
    const b = Math.floor(c.start / bu);
    const k = portKey(c.proto, c.port);
    const pd = ports.get(k) && detailOf(ports.get(k) as Series, b);
    if (pd !== undefined) {
      pd.sids ??= new Map();
      pd.sids.set(c.sid, (pd.sids.get(c.sid) ?? 0) + c.sessions);
      if (pd.templates !== undefined) cellsWithBoth.add(pd);
    }
    const s = sids.get(c.sid);
    const sd = s && detailOf(s, b);
    if (sd !== undefined) {
      sd.ports ??= new Map();
      sd.ports.set(k, (sd.ports.get(k) ?? 0) + c.sessions);
    }
  }
  // A cell's template and rule go together when the rule matched the template's sample sessions.
  for (const d of cellsWithBoth) {
    for (const { template, sid } of labels.pairs) {
      const t = d.templates?.get(template);
      const r = d.sids?.get(sid);
      if (t === undefined || r === undefined) continue;
      d.templateSids ??= new Map();
      d.templateSids.set(`${template} ${sid}`, Math.min(t, r));
    }
  }
}

/**
 * Builds the series set of `range` (µs) from `store`: per port, template and rule sid, distinct
 * sources per bucket, with fingerprints, the templates and rules of each port cell and heavy
 * hitters. The observation is `range` clipped to the store's data; an `until` before the end of
 * the data is taken down to a whole bucket (a stored bucket cannot be cut).
 */
export async function seriesFromStore(
  store: Store,
  range: TimeRange,
  opts: StoreSeriesOptions = {},
): Promise<SeriesSet> {
  const b = opts.bucketSeconds ?? defaultStoreBucket(store.bucketSeconds);
  if (!Number.isInteger(b) || b % store.bucketSeconds !== 0 || 86400 % b !== 0) {
    throw new StoreArgumentError(
      `bucket of ${b}s: use a multiple of the store's ${store.bucketSeconds}s that divides a day`,
    );
  }
  const bu = b * 1e6;
  const stats = await store.stats();
  if (stats.first === null || stats.last === null) return emptySet(b);
  const lo = Math.max(range.from, stats.first);
  let hi = Math.min(range.to, stats.last);
  const cut = hi < stats.last;
  if (cut) hi = Math.floor(hi / bu) * bu;
  if (hi <= lo) return emptySet(b);
  const first = Math.floor(lo / bu);
  const end = Math.floor((hi - 1) / bu) + 1;
  const q = { from: first * bu, to: end * bu };
  const perHour = opts.heavyMinPacketsPerHour ?? HEAVY_MIN_PACKETS_PER_HOUR;
  const heavyMin = Math.max(1, Math.round((perHour * b) / 3600));

  const cells = await store.portCells(q, {
    bucketSeconds: b,
    minPeakSources: opts.minPeakSources ?? lowestFloor(b),
  });
  const labels = await store.labelCells(q, { bucketSeconds: b });
  const heavy = await store.heavySources(q, { bucketSeconds: b, minPackets: heavyMin });
  const ports = new Map<number, Series>();
  for (const c of cells) ports.set(portKey(c.proto, c.port), portSeries(c, bu));
  // Ports below the floor that a label or a heavy hitter needs for its explanation.
  const missing = new Map<number, PortKey>();
  for (const c of [...labels.templates, ...labels.sids, ...heavy]) {
    const k = portKey(c.proto, c.port);
    if (!ports.has(k)) missing.set(k, { proto: c.proto, port: c.port });
  }
  if (missing.size > 0) {
    for (const c of await store.portCells(q, { bucketSeconds: b, ports: [...missing.values()] })) {
      ports.set(portKey(c.proto, c.port), portSeries(c, bu));
    }
  }

  const templates = new Map<string, Series>();
  const fpOf = new Map<string, number[]>();
  for (const f of labels.templateFingerprints) fpOf.set(`${f.template} ${f.start}`, f.fingerprints);
  for (const t of await store.templateSeries(q, { bucketSeconds: b })) {
    const s = new Series("template", t.template, "tcp", -1, t.template, -1);
    const at = Math.floor(t.start / bu);
    for (let i = 0; i < t.sources.length; i++) {
      const n = t.sources[i] as number;
      if (n === 0) continue;
      const row = s.push(at + i, n, t.sessions[i] as number, t.sessions[i] as number);
      const fp = fpOf.get(`${t.template} ${t.start + i * bu}`) ?? [];
      for (let f = 0; f < NFP; f++) s.fp[row * NFP + f] = fp[f] ?? 0;
    }
    templates.set(t.template, s);
  }
  const sids = new Map<number, Series>();
  for (const f of labels.sidFingerprints) fpOf.set(`sid:${f.sid} ${f.start}`, f.fingerprints);
  for (const r of await store.sidSeries(q, { bucketSeconds: b })) {
    const s = new Series("sid", `sid:${r.sid}`, "tcp", -1, "", r.sid);
    const at = Math.floor(r.start / bu);
    for (let i = 0; i < r.sources.length; i++) {
      const n = r.sources[i] as number;
      if (n === 0) continue;
      const row = s.push(at + i, n, r.alerts[i] as number, r.alerts[i] as number);
      const fp = fpOf.get(`${s.key} ${r.start + i * bu}`) ?? [];
      for (let f = 0; f < NFP; f++) s.fp[row * NFP + f] = fp[f] ?? 0;
    }
    sids.set(r.sid, s);
  }
  addLabels(labels, ports, templates, sids, bu);

  const portList = [...ports.entries()].sort((x, y) => x[0] - y[0]).map((e) => e[1]);
  let sessions = 0;
  let cellCount = 0;
  for (const s of portList) {
    cellCount += s.n;
    for (let i = 0; i < s.n; i++) sessions += s.sessions[i] as number;
  }
  return {
    bucketSeconds: b,
    first,
    end,
    lastPartial: !cut && hi - 1 < end * bu - 0.1 * bu,
    ports: portList,
    templates: [...templates.values()],
    sids: [...sids.values()].sort((x, y) => x.sid - y.sid),
    heavyHitters: heavyHitters(heavy, ports, bu, opts.heavyMinShare ?? HEAVY_MIN_SHARE),
    stats: { probes: 0, sessions, excluded: 0, late: 0, cells: cellCount, peakOpenPairs: 0 },
  };
}

/** Heavy sources that also sent a large share of their port's packets, merged over buckets. */
function heavyHitters(
  heavy: Awaited<ReturnType<Store["heavySources"]>>,
  ports: Map<number, Series>,
  bu: number,
  minShare: number,
): SeriesSet["heavyHitters"] {
  const out = new Map<string, SeriesSet["heavyHitters"][number]>();
  for (const h of [...heavy].sort((x, y) => x.start - y.start)) {
    const k = portKey(h.proto, h.port);
    const s = ports.get(k);
    const row = s?.row(Math.floor(h.start / bu)) ?? -1;
    const total = row >= 0 ? (s?.packets[row] as number) : 0;
    if (total <= 0 || h.packets < minShare * total) continue;
    const share = h.packets / total;
    const at = isoHour(h.start);
    const key = `${h.address}|${k}`;
    const e = out.get(key);
    if (e === undefined) {
      out.set(key, {
        address: h.address,
        proto: SERIES_PROTOS[k >>> 16] as SeriesProto,
        port: h.port,
        first: at,
        last: at,
        packets: h.packets,
        buckets: 1,
        share,
      });
    } else {
      e.last = at;
      e.packets += h.packets;
      e.buckets++;
      if (share > e.share) e.share = share;
    }
  }
  return [...out.values()].sort((x, y) => y.packets - x.packets);
}
