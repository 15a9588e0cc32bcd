/**
 * @module The store queries behind surges read from a store (analyse/store-series.ts): per port
 * and bucket the sources, packets, sessions and fingerprint sources; templates and rule sids per
 * port and bucket; heavy sources. Written once over the dialect of sql-queries.ts, in SQL that
 * ClickHouse 18.16 and DuckDB both run (tuple IN subqueries, no JOIN, no window functions).
 */

import { ADDR_WORDS, bigIntAddrText, putAddr } from "./address.js";
import { bucketBounds, code, int, protoName, seriesBucket } from "./query-util.js";
import type { TableName } from "./records.js";
import type { Dialect } from "./sql-queries.js";
import type {
  HeavySource,
  LabelCells,
  PortCellOptions,
  PortCells,
  PortKey,
  TimeRange,
} from "./store.js";

/** What the queries need of a store: its dialect, its bucket, and a way to run SQL. */
export interface QueryContext {
  d: Dialect;
  bucket: number;
  rows(sql: string): Promise<unknown[][]>;
}

const n = (v: unknown): number => Number(v ?? 0);
const s = (v: unknown): string => (v === null || v === undefined ? "" : String(v));

const words = new Uint32Array(ADDR_WORDS);

/** A stored address's hex() as one key: DuckDB leaves out leading zeros, ClickHouse keeps them. */
function hexKey(hex: string): string {
  return hex.replace(/^0+/, "").toLowerCase();
}

/** The hexKey of an address given as text ("" when it is not one). */
function addrHex(text: string): string {
  if (!putAddr(text, words, 0)) return "";
  let h = "";
  for (let w = ADDR_WORDS - 1; w >= 0; w--) h += (words[w] as number).toString(16).padStart(8, "0");
  return hexKey(h);
}

function cmp(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A per-source row whose source began a connection attempt (a probe or a session) in its bucket:
 * rows of packets of a connection begun in an earlier bucket do not make a source count again,
 * as in the in-memory series, which count probes and sessions where they start.
 */
const STARTED = "probes > 0 OR sessions > 0";

/** A (proto, port) pair as one integer, the same expression on both stores. */
const PORT_KEY = "proto * 65536 + port";

function from(d: Dialect, t: TableName): string {
  return d.final === "" ? t : `${t} ${d.final}`;
}

function during(d: Dialect, col: string, lo: number, hi: number): string {
  return `${col} >= ${d.time(lo)} AND ${col} < ${d.time(hi)}`;
}

/** Bucket index of a seconds column (or expression) from `lo`, in buckets of `b` seconds. */
function index(d: Dialect, secs: string, lo: number, b: number): string {
  return d.div(`${secs} - ${int(lo)}`, b);
}

function portIn(ports: PortKey[]): string {
  if (ports.length === 0) return "1 = 0";
  const keys = ports.map((p) => int(code(p.proto) * 65536 + p.port));
  return `${PORT_KEY} IN (${[...new Set(keys)].join(", ")})`;
}

export async function portCells(
  q: QueryContext,
  range: TimeRange,
  opts: PortCellOptions = {},
): Promise<PortCells[]> {
  const b = seriesBucket(q.bucket, opts.bucketSeconds);
  const { from: lo, to: hi } = bucketBounds(range, b);
  const { d } = q;
  const i = index(d, d.secs("bucket"), lo, b);
  const when = during(d, "bucket", lo, hi);
  const conds = [when];
  if (opts.ports !== undefined) conds.push(portIn(opts.ports));
  const peak = opts.minPeakSources ?? 0;
  if (peak > 1) {
    // Distinct counts need no FINAL (a duplicate row adds no source), so the subquery reads plainly.
    conds.push(
      `${PORT_KEY} IN (SELECT k FROM (SELECT ${PORT_KEY} AS k, ${i} AS i, ` +
        `${d.distinct("src", STARTED)} AS n FROM sources WHERE ${when} GROUP BY k, i) ` +
        `WHERE n >= ${int(peak)})`,
    );
  }
  const rows = await q.rows(
    `SELECT proto, port, ${i} AS i, ${d.distinct("src", STARTED)}, sum(packets), sum(sessions), ` +
      `${d.distinct("src", "mirai > 0")}, ${d.distinct("src", "masscan > 0")}, ` +
      `${d.distinct("src", "zmap > 0")}, ${d.distinct("src", "unknown > 0")} ` +
      `FROM ${from(d, "sources")} WHERE ${conds.join(" AND ")} GROUP BY proto, port, i`,
  );
  rows.sort((x, y) => n(x[0]) - n(y[0]) || n(x[1]) - n(y[1]) || n(x[2]) - n(y[2]));
  const out: PortCells[] = [];
  for (let r = 0; r < rows.length; ) {
    let e = r;
    while (
      e < rows.length &&
      n(rows[e]?.[0]) === n(rows[r]?.[0]) &&
      n(rows[e]?.[1]) === n(rows[r]?.[1])
    )
      e++;
    const len = e - r;
    const cells: PortCells = {
      proto: protoName(n(rows[r]?.[0])),
      port: n(rows[r]?.[1]),
      bucketSeconds: b,
      starts: new Array<number>(len),
      sources: new Uint32Array(len),
      packets: new Float64Array(len),
      sessions: new Uint32Array(len),
      fingerprints: new Uint32Array(4 * len),
    };
    for (let k = 0; k < len; k++) {
      const row = rows[r + k] as unknown[];
      cells.starts[k] = (lo + n(row[2]) * b) * 1e6;
      cells.sources[k] = n(row[3]);
      cells.packets[k] = n(row[4]);
      cells.sessions[k] = n(row[5]);
      for (let f = 0; f < 4; f++) cells.fingerprints[4 * k + f] = n(row[6 + f]);
    }
    out.push(cells);
    r = e;
  }
  return out;
}

export async function labelCells(
  q: QueryContext,
  range: TimeRange,
  opts: { bucketSeconds?: number } = {},
): Promise<LabelCells> {
  const b = seriesBucket(q.bucket, opts.bucketSeconds);
  const { from: lo, to: hi } = bucketBounds(range, b);
  const { d } = q;
  const i = index(d, d.secs("bucket"), lo, b);
  const when = during(d, "bucket", lo, hi);
  const start = (v: unknown) => (lo + n(v) * b) * 1e6;
  const templates = await q.rows(
    `SELECT template, ${i} AS i, proto, port, sum(sessions), ${d.distinct("src")} ` +
      `FROM ${from(d, "template_sources")} WHERE ${when} GROUP BY template, i, proto, port`,
  );
  // A template's source has a fingerprint in a bucket when its per-source row on that port has
  // a SYN of it: a tuple IN per fingerprint, over the ports templates went to only.
  const tplPorts = `${PORT_KEY} IN (SELECT ${PORT_KEY} FROM template_sources WHERE ${when})`;
  const fp = ["mirai", "masscan", "zmap", "unknown"].map((f) =>
    d.distinct(
      "src",
      `(bucket, proto, port, src) IN (SELECT bucket, proto, port, src FROM sources ` +
        `WHERE ${when} AND ${f} > 0 AND ${tplPorts})`,
    ),
  );
  const tplFp = await q.rows(
    `SELECT template, ${i} AS i, ${fp.join(", ")} FROM template_sources WHERE ${when} ` +
      "GROUP BY template, i",
  );
  const ai = index(d, d.div("ts", 1_000_000), lo, b);
  const sids = await q.rows(
    `SELECT sid, ${ai} AS i, proto, dport, count(*), ${d.distinct("src")} ` +
      `FROM ${from(d, "alerts")} WHERE ts >= ${int(lo * 1e6)} AND ts < ${int(hi * 1e6)} ` +
      "AND session_id != '' GROUP BY sid, i, proto, dport",
  );
  // Which rule matched which template: the rules that matched a template's stored sample
  // sessions (sessions of one template carry one normalised payload).
  const samples = `SELECT sample_session FROM templates WHERE last >= ${int(lo * 1e6)} AND first < ${int(hi * 1e6)}`;
  const matched = await q.rows(
    `SELECT sid, session_id FROM alerts WHERE session_id IN (${samples}) GROUP BY sid, session_id`,
  );
  const bySession = new Map<string, Set<number>>();
  for (const r of matched) {
    const k = s(r[1]);
    let set = bySession.get(k);
    if (set === undefined) {
      set = new Set();
      bySession.set(k, set);
    }
    set.add(n(r[0]));
  }
  const pairs = new Map<string, { template: string; sid: number }>();
  if (bySession.size > 0) {
    const owners = await q.rows(
      `SELECT template, sample_session FROM templates WHERE last >= ${int(lo * 1e6)} ` +
        `AND first < ${int(hi * 1e6)} GROUP BY template, sample_session`,
    );
    for (const r of owners) {
      for (const sid of bySession.get(s(r[1])) ?? []) {
        pairs.set(`${s(r[0])} ${sid}`, { template: s(r[0]), sid });
      }
    }
  }
  const byCell = <T extends { start: number; proto: string; port: number }>(
    a: T[],
    key: (x: T) => string | number,
  ): T[] =>
    a.sort(
      (x, y) =>
        x.start - y.start || cmp(key(x), key(y)) || cmp(x.proto, y.proto) || x.port - y.port,
    );
  return {
    templates: byCell(
      templates.map((r) => ({
        template: s(r[0]),
        start: start(r[1]),
        proto: protoName(n(r[2])),
        port: n(r[3]),
        sessions: n(r[4]),
        sources: n(r[5]),
      })),
      (x) => x.template,
    ),
    sids: byCell(
      sids.map((r) => ({
        sid: n(r[0]),
        start: start(r[1]),
        proto: protoName(n(r[2])),
        port: n(r[3]),
        sessions: n(r[4]),
        sources: n(r[5]),
      })),
      (x) => x.sid,
    ),
    templateFingerprints: tplFp
      .map((r) => ({
        template: s(r[0]),
        start: start(r[1]),
        fingerprints: [n(r[2]), n(r[3]), n(r[4]), n(r[5])],
      }))
      .sort((x, y) => x.start - y.start || cmp(x.template, y.template)),
    sidFingerprints: await sidFingerprints(q, lo, hi, b),
    pairs: [...pairs.values()].sort((x, y) => cmp(x.template, y.template) || x.sid - y.sid),
  };
}

/**
 * Per rule sid and bucket, its sources (of alerts on sessions) whose per-source row on the
 * alert's port and stored bucket has a SYN of each fingerprint. Alerts keep their source as
 * text and per-source rows as a number, so the two meet here: the per-source rows with sessions
 * of the (bucket, port) cells alerts fell in are read with their address, and matched by text
 * (an alert on a session is stored in the bucket of the session's start, where its source's
 * row counts that session).
 */
async function sidFingerprints(
  q: QueryContext,
  lo: number,
  hi: number,
  b: number,
): Promise<LabelCells["sidFingerprints"]> {
  const { d, bucket: sb } = q;
  const alertWhen = `ts >= ${int(lo * 1e6)} AND ts < ${int(hi * 1e6)} AND session_id != ''`;
  const ak = d.div(d.div("ts", 1_000_000), sb);
  const alerted = await q.rows(
    `SELECT sid, ${index(d, d.div("ts", 1_000_000), lo, b)} AS i, ${ak} AS k, ` +
      `proto * 65536 + dport AS pk, src FROM alerts WHERE ${alertWhen} GROUP BY sid, i, k, pk, src`,
  );
  if (alerted.length === 0) return [];
  const sk = d.div(d.secs("bucket"), sb);
  const bit = (col: string, v: number) => `(CASE WHEN max(${col}) > 0 THEN ${v} ELSE 0 END)`;
  const rows = await q.rows(
    `SELECT ${sk} AS k, ${PORT_KEY} AS pk, hex(src), ` +
      `${bit("mirai", 1)} + ${bit("masscan", 2)} + ${bit("zmap", 4)} + ${bit("unknown", 8)} ` +
      `FROM sources WHERE ${during(d, "bucket", lo, hi)} AND ` +
      `sessions > 0 AND (mirai > 0 OR masscan > 0 OR zmap > 0 OR unknown > 0) AND ` +
      `(${sk}, ${PORT_KEY}) IN ` +
      `(SELECT ${ak}, proto * 65536 + dport FROM alerts WHERE ${alertWhen}) GROUP BY k, pk, src`,
  );
  const fpOf = new Map<string, number>();
  for (const r of rows) fpOf.set(`${n(r[0])} ${n(r[1])} ${hexKey(s(r[2]))}`, n(r[3]));
  // A source counts once per (sid, bucket), with the fingerprints of any of its alerted ports.
  const bits = new Map<string, { sid: number; i: number; srcs: Map<string, number> }>();
  for (const r of alerted) {
    const key = `${n(r[0])} ${n(r[1])}`;
    let e = bits.get(key);
    if (e === undefined) {
      e = { sid: n(r[0]), i: n(r[1]), srcs: new Map() };
      bits.set(key, e);
    }
    const addr = addrHex(s(r[4]));
    const x = fpOf.get(`${n(r[2])} ${n(r[3])} ${addr}`) ?? 0;
    e.srcs.set(addr, (e.srcs.get(addr) ?? 0) | x);
  }
  const out = [...bits.values()].map((e) => {
    const fingerprints = [0, 0, 0, 0];
    for (const x of e.srcs.values()) {
      for (let f = 0; f < 4; f++) if (x & (1 << f)) (fingerprints[f] as number)++;
    }
    return { sid: e.sid, start: (lo + e.i * b) * 1e6, fingerprints };
  });
  return out.sort((x, y) => x.start - y.start || x.sid - y.sid);
}

export async function heavySources(
  q: QueryContext,
  range: TimeRange,
  opts: { bucketSeconds?: number; minPackets: number },
): Promise<HeavySource[]> {
  const b = seriesBucket(q.bucket, opts.bucketSeconds);
  const { from: lo, to: hi } = bucketBounds(range, b);
  const { d } = q;
  const i = index(d, d.secs("bucket"), lo, b);
  // hex() of DuckDB's UHUGEINT and of ClickHouse's FixedString(16) (network order) both give
  // the address as a big-endian hex number.
  const rows = await q.rows(
    `SELECT proto, port, ${i} AS i, hex(src), sum(packets) FROM ${from(d, "sources")} ` +
      `WHERE ${during(d, "bucket", lo, hi)} GROUP BY proto, port, i, src ` +
      `HAVING sum(packets) >= ${int(Math.max(1, Math.ceil(opts.minPackets)))}`,
  );
  return rows
    .map((r) => ({
      proto: protoName(n(r[0])),
      port: n(r[1]),
      start: (lo + n(r[2]) * b) * 1e6,
      address: bigIntAddrText(BigInt(`0x${s(r[3]) || "0"}`)),
      packets: n(r[4]),
    }))
    .sort(
      (x, y) =>
        y.packets - x.packets ||
        x.start - y.start ||
        code(x.proto) - code(y.proto) ||
        x.port - y.port ||
        (x.address < y.address ? -1 : 1),
    );
}
