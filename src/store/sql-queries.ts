/**
 * @module The read side of both stores, written once: each query is built from a small dialect
 * (how to count distinct values, divide, compare times, deduplicate) that DuckDB and ClickHouse
 * fill in. Every literal spliced into SQL is an integer or a checked hex id (query-util.ts).
 */

import {
  bucketBounds,
  code,
  densify,
  hexLiteral,
  int,
  portFilter,
  protoName,
  secondBounds,
  seriesBucket,
  splitList,
} from "./query-util.js";
import type { TableName } from "./records.js";
import {
  type AlertRow,
  type AlertSummary,
  type HeavySource,
  type IocSummary,
  type LabelCells,
  type MinutePoint,
  type PortBreakdown,
  type PortCellOptions,
  type PortCells,
  type PortKey,
  type PortSeries,
  type PortTotal,
  SAMPLES_PER_TEMPLATE,
  type SensorSummary,
  type SeriesOptions,
  type SidSeries,
  type TemplateSeries,
  type TemplateSummary,
  type TimeRange,
} from "./store.js";
import * as surgeQueries from "./surge-queries.js";

export interface Dialect {
  /** Count of distinct values; with a condition, among the rows that satisfy it. */
  distinct(col: string, cond?: string): string;
  /** Integer division. */
  div(a: string, b: number): string;
  /** A time column (seconds) as an integer expression. */
  secs(col: string): string;
  /** An epoch-seconds literal comparable with a time column. */
  time(s: number): string;
  /** What follows a table name so duplicate ids are read once ("" where writes dedupe). */
  final: string;
  /** Text of an enum column. */
  text(col: string): string;
  /** Comma-joined text of a string column over a group. */
  concat(col: string): string;
  /** Any value of a column over a group. */
  any(col: string): string;
  /** The value of `col` in the row with the largest `by`, over a group. */
  argMax(col: string, by: string): string;
}

const n = (v: unknown): number => Number(v ?? 0);
const s = (v: unknown): string => (v === null || v === undefined ? "" : String(v));

/** Query methods over `rows(sql)`; subclasses connect, append, and supply the dialect. */
export abstract class SqlQueries {
  protected bucket = 0;
  private queue: Promise<unknown> = Promise.resolve();
  protected abstract readonly d: Dialect;

  get bucketSeconds(): number {
    return this.bucket;
  }

  /** Runs a query; resolves with its rows as arrays of JS values. */
  protected abstract query(sql: string): Promise<unknown[][]>;

  /** Runs `fn` after every earlier call to `exclusive` has finished (one connection, in order). */
  protected exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  protected rows(sql: string): Promise<unknown[][]> {
    return this.exclusive(() => this.query(sql));
  }

  protected async one(sql: string): Promise<unknown[]> {
    return (await this.rows(sql))[0] ?? [];
  }

  private from(t: TableName): string {
    return this.d.final === "" ? t : `${t} ${this.d.final}`;
  }

  /** WHERE condition on a seconds time column for [from, to). */
  private during(col: string, from: number, to: number): string {
    return `${col} >= ${this.d.time(from)} AND ${col} < ${this.d.time(to)}`;
  }

  async portSeries(range: TimeRange, opts: SeriesOptions = {}): Promise<PortSeries[]> {
    const b = seriesBucket(this.bucket, opts.bucketSeconds);
    const { from, to, n: len } = bucketBounds(range, b);
    const d = this.d;
    const rows = await this.rows(
      `SELECT proto, port, ${d.div(`${d.secs("bucket")} - ${int(from)}`, b)} AS i, ` +
        `${d.distinct("src")} AS n FROM sources WHERE ${this.during("bucket", from, to)} ` +
        `AND ${portFilter(opts.ports)} GROUP BY proto, port, i`,
    );
    const series = densify(
      rows.map((r) => ({
        key: `${r[0]}/${r[1]}`,
        keyValue: { proto: protoName(n(r[0])), port: n(r[1]) },
        i: n(r[2]),
        values: [n(r[3])],
      })),
      len,
      1,
    );
    for (const p of opts.ports ?? []) {
      const k = `${code(p.proto)}/${p.port}`;
      if (!series.has(k)) series.set(k, { keyValue: p, columns: [new Uint32Array(len)] });
    }
    return [...series.values()]
      .map((e) => ({
        ...e.keyValue,
        start: from * 1e6,
        bucketSeconds: b,
        sources: e.columns[0] as Uint32Array,
      }))
      .sort((x, y) => code(x.proto) - code(y.proto) || x.port - y.port);
  }

  async templateSeries(
    range: TimeRange,
    opts: { bucketSeconds?: number; templates?: string[] } = {},
  ): Promise<TemplateSeries[]> {
    const b = seriesBucket(this.bucket, opts.bucketSeconds);
    const { from, to, n: len } = bucketBounds(range, b);
    const d = this.d;
    const only =
      opts.templates === undefined
        ? "1 = 1"
        : opts.templates.length === 0
          ? "1 = 0"
          : `template IN (${opts.templates.map(hexLiteral).join(", ")})`;
    const rows = await this.rows(
      `SELECT template, ${d.div(`${d.secs("bucket")} - ${int(from)}`, b)} AS i, ` +
        `${d.distinct("src")}, sum(sessions) FROM ${this.from("template_sources")} ` +
        `WHERE ${this.during("bucket", from, to)} AND ${only} GROUP BY template, i`,
    );
    const series = densify(
      rows.map((r) => ({
        key: s(r[0]),
        keyValue: s(r[0]),
        i: n(r[1]),
        values: [n(r[2]), n(r[3])],
      })),
      len,
      2,
    );
    return [...series.values()]
      .map((e) => ({
        template: e.keyValue,
        start: from * 1e6,
        bucketSeconds: b,
        sources: e.columns[0] as Uint32Array,
        sessions: e.columns[1] as Uint32Array,
      }))
      .sort((x, y) => (x.template < y.template ? -1 : 1));
  }

  async sidSeries(range: TimeRange, opts: { bucketSeconds?: number } = {}): Promise<SidSeries[]> {
    const b = seriesBucket(this.bucket, opts.bucketSeconds);
    const { from, to, n: len } = bucketBounds(range, b);
    const d = this.d;
    const rows = await this.rows(
      `SELECT sid, ${d.div(`${d.div("ts", 1_000_000)} - ${int(from)}`, b)} AS i, ` +
        `${d.distinct("src")}, count(*) FROM ${this.from("alerts")} ` +
        `WHERE ts >= ${int(from * 1e6)} AND ts < ${int(to * 1e6)} GROUP BY sid, i`,
    );
    const series = densify(
      rows.map((r) => ({
        key: s(r[0]),
        keyValue: n(r[0]),
        i: n(r[1]),
        values: [n(r[2]), n(r[3])],
      })),
      len,
      2,
    );
    return [...series.values()]
      .map((e) => ({
        sid: e.keyValue,
        start: from * 1e6,
        bucketSeconds: b,
        sources: e.columns[0] as Uint32Array,
        alerts: e.columns[1] as Uint32Array,
      }))
      .sort((x, y) => x.sid - y.sid);
  }

  async minutes(port: PortKey, range: TimeRange): Promise<MinutePoint[]> {
    const { from, to } = secondBounds(range);
    const d = this.d;
    const rows = await this.rows(
      `SELECT ${d.secs("minute")} AS m, sum(packets), sum(probes), sum(sessions) ` +
        `FROM ${this.from("minutes")} WHERE proto = ${int(code(port.proto))} ` +
        `AND port = ${int(port.port)} AND ${this.during("minute", from, to)} GROUP BY m ORDER BY m`,
    );
    return rows.map((r) => ({
      minute: n(r[0]) * 1e6,
      packets: n(r[1]),
      probes: n(r[2]),
      sessions: n(r[3]),
    }));
  }

  async topPorts(range: TimeRange, limit: number): Promise<PortTotal[]> {
    const { from, to } = secondBounds(range);
    const rows = await this.rows(
      `SELECT proto, port, ${this.d.distinct("src")} AS n, sum(packets) AS p, sum(probes), ` +
        `sum(sessions) FROM ${this.from("sources")} WHERE ${this.during("bucket", from, to)} ` +
        `GROUP BY proto, port ORDER BY n DESC, p DESC, proto, port LIMIT ${int(limit)}`,
    );
    return rows.map((r) => ({
      proto: protoName(n(r[0])),
      port: n(r[1]),
      sources: n(r[2]),
      packets: n(r[3]),
      probes: n(r[4]),
      sessions: n(r[5]),
    }));
  }

  async portBreakdown(port: PortKey, range: TimeRange, limit = 10): Promise<PortBreakdown> {
    const { from, to } = secondBounds(range);
    const d = this.d;
    const where =
      `WHERE proto = ${int(code(port.proto))} AND port = ${int(port.port)} ` +
      `AND ${this.during("bucket", from, to)}`;
    const fp = await this.one(
      `SELECT ${d.distinct("src")}, ${d.distinct("src", "mirai > 0")}, ` +
        `${d.distinct("src", "masscan > 0")}, ${d.distinct("src", "zmap > 0")}, ` +
        `${d.distinct("src", "unknown > 0")} FROM sources ${where}`,
    );
    const countries = await this.rows(
      `SELECT ${d.text("country")} AS c, ${d.distinct("src")} AS n FROM sources ${where} ` +
        `GROUP BY c ORDER BY n DESC, c LIMIT ${int(limit)}`,
    );
    const asns = await this.rows(
      `SELECT asn, ${d.distinct("src")} AS n FROM sources ${where} ` +
        `GROUP BY asn ORDER BY n DESC, asn LIMIT ${int(limit)}`,
    );
    const templates = await this.rows(
      `SELECT template, sum(sessions) AS k, ${d.distinct("src")} FROM ` +
        `${this.from("template_sources")} ${where} GROUP BY template ORDER BY k DESC, template ` +
        `LIMIT ${int(limit)}`,
    );
    return {
      sources: n(fp[0]),
      fingerprints: { mirai: n(fp[1]), masscan: n(fp[2]), zmap: n(fp[3]), unknown: n(fp[4]) },
      countries: countries.map((r) => ({ country: s(r[0]), sources: n(r[1]) })),
      asns: asns.map((r) => ({ asn: n(r[0]), sources: n(r[1]) })),
      templates: templates.map((r) => ({ template: s(r[0]), sessions: n(r[1]), sources: n(r[2]) })),
    };
  }

  async templates(range?: TimeRange, limit = 100): Promise<TemplateSummary[]> {
    const d = this.d;
    const where =
      range === undefined ? "" : `WHERE last >= ${int(range.from)} AND first < ${int(range.to)}`;
    const rows = await this.rows(
      `SELECT template, ${d.any("kind")}, ${d.any("text")}, min(first), max(last), ` +
        `sum(count) AS k FROM ${this.from("templates")} ${where} GROUP BY template ` +
        `ORDER BY k DESC, template LIMIT ${int(limit)}`,
    );
    const out: TemplateSummary[] = rows.map((r) => ({
      template: s(r[0]),
      kind: s(r[1]),
      text: s(r[2]),
      first: n(r[3]),
      last: n(r[4]),
      count: n(r[5]),
      samples: [],
      sampleSessions: [],
    }));
    if (out.length === 0) return out;
    const byId = new Map(out.map((t) => [t.template, t]));
    const samples = await this.rows(
      `SELECT template, sample, sample_session FROM ${this.from("templates")} WHERE template IN ` +
        `(${out.map((t) => hexLiteral(t.template)).join(", ")}) ORDER BY template, first, sample_session`,
    );
    for (const r of samples) {
      const t = byId.get(s(r[0]));
      if (t === undefined || t.samples.length >= SAMPLES_PER_TEMPLATE) continue;
      if (t.samples.includes(s(r[1]))) continue;
      t.samples.push(s(r[1]));
      t.sampleSessions.push(s(r[2]));
    }
    return out;
  }

  /** Rule texts by "gid:sid:rev" and, newest revision first, by sid. */
  private async ruleTexts(): Promise<{
    byRule: Map<string, { msg: string; cve: string; classtype: string }>;
    bySid: Map<number, { msg: string; cve: string; classtype: string }>;
  }> {
    const d = this.d;
    const rows = await this.rows(
      `SELECT gid, sid, rev, ${d.any("msg")}, ${d.any("cve")}, ${d.any("classtype")} ` +
        `FROM ${this.from("rules")} GROUP BY gid, sid, rev ORDER BY sid, rev`,
    );
    const byRule = new Map<string, { msg: string; cve: string; classtype: string }>();
    const bySid = new Map<number, { msg: string; cve: string; classtype: string }>();
    for (const r of rows) {
      const t = { msg: s(r[3]), cve: s(r[4]), classtype: s(r[5]) };
      byRule.set(`${n(r[0])}:${n(r[1])}:${n(r[2])}`, t);
      bySid.set(n(r[1]), t);
    }
    return { byRule, bySid };
  }

  async alerts(range: TimeRange, opts: { limit?: number; sid?: number } = {}): Promise<AlertRow[]> {
    const sid = opts.sid === undefined ? "" : `AND sid = ${int(opts.sid)}`;
    const rows = await this.rows(
      "SELECT ts, sid, gid, rev, proto, src, sport, dst, dport, session_id " +
        `FROM ${this.from("alerts")} WHERE ts >= ${int(range.from)} AND ts < ${int(range.to)} ` +
        `${sid} ORDER BY ts, id LIMIT ${int(opts.limit ?? 1000)}`,
    );
    const { byRule } = await this.ruleTexts();
    return rows.map((r) => {
      const rule = byRule.get(`${n(r[2])}:${n(r[1])}:${n(r[3])}`);
      return {
        ts: n(r[0]),
        sid: n(r[1]),
        gid: n(r[2]),
        rev: n(r[3]),
        msg: rule?.msg ?? "",
        cve: splitList(rule?.cve ?? ""),
        classtype: rule?.classtype ?? "",
        proto: protoName(n(r[4])),
        src: s(r[5]),
        sport: n(r[6]),
        dst: s(r[7]),
        dport: n(r[8]),
        sessionId: s(r[9]),
      };
    });
  }

  async alertSummary(range: TimeRange): Promise<AlertSummary[]> {
    const d = this.d;
    const rows = await this.rows(
      `SELECT sid, count(*) AS k, ${d.distinct("src")}, min(ts), max(ts) ` +
        `FROM ${this.from("alerts")} WHERE ts >= ${int(range.from)} AND ts < ${int(range.to)} ` +
        "GROUP BY sid ORDER BY k DESC, sid",
    );
    const { bySid } = await this.ruleTexts();
    return rows.map((r) => {
      const rule = bySid.get(n(r[0]));
      return {
        sid: n(r[0]),
        msg: rule?.msg ?? "",
        cve: splitList(rule?.cve ?? ""),
        count: n(r[1]),
        sources: n(r[2]),
        first: n(r[3]),
        last: n(r[4]),
      };
    });
  }

  async iocs(range?: TimeRange, limit = 1000): Promise<IocSummary[]> {
    const where =
      range === undefined ? "" : `WHERE last >= ${int(range.from)} AND first < ${int(range.to)}`;
    const rows = await this.rows(
      `SELECT type, value, min(first), max(last), sum(count) AS k, ${this.d.concat("templates")} ` +
        `FROM ${this.from("iocs")} ${where} GROUP BY type, value ORDER BY k DESC, type, value ` +
        `LIMIT ${int(limit)}`,
    );
    return rows.map((r) => ({
      type: s(r[0]),
      value: s(r[1]),
      first: n(r[2]),
      last: n(r[3]),
      count: n(r[4]),
      templates: [...new Set(splitList(s(r[5])).filter((x) => x !== ""))].sort(),
    }));
  }

  async sensors(): Promise<SensorSummary[]> {
    const rows = await this.rows(
      `SELECT sensor, min(first), max(last), ${this.d.distinct("run")} FROM ` +
        `${this.from("sensors")} GROUP BY sensor ORDER BY sensor`,
    );
    return rows.map((r) => ({ sensor: s(r[0]), first: n(r[1]), last: n(r[2]), runs: n(r[3]) }));
  }

  /** The queries of surges read from a store live in surge-queries.ts. */
  private get surgeContext(): surgeQueries.QueryContext {
    return { d: this.d, bucket: this.bucket, rows: (sql) => this.rows(sql) };
  }

  portCells(range: TimeRange, opts?: PortCellOptions): Promise<PortCells[]> {
    return surgeQueries.portCells(this.surgeContext, range, opts);
  }

  labelCells(range: TimeRange, opts?: { bucketSeconds?: number }): Promise<LabelCells> {
    return surgeQueries.labelCells(this.surgeContext, range, opts);
  }

  heavySources(
    range: TimeRange,
    opts: { bucketSeconds?: number; minPackets: number },
  ): Promise<HeavySource[]> {
    return surgeQueries.heavySources(this.surgeContext, range, opts);
  }
}
