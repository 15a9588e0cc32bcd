/**
 * @module The scale store: ClickHouse over HTTP. Tables are ReplacingMergeTree sorted by each
 * record's id, so a redelivered record collapses into one; reads that sum use FINAL, reads that
 * count distinct sources need not. Appends stream RowBinary. The SQL keeps to what ClickHouse
 * 18.16 (Debian's) and current releases both run: no query parameters, no newer functions.
 */

import { Readable } from "node:stream";
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from "@clickhouse/client";
import { PortentError } from "../schema/errors.js";
import { type Cell, plainRows, ROW_TABLES } from "./batch-rows.js";
import { checkBucket, int, StoreArgumentError } from "./query-util.js";
import {
  type AlertRows,
  DEFAULT_BUCKET_SECONDS,
  isRunId,
  type MinuteRows,
  type RecordBatch,
  runNumber,
  type SourceRows,
  TABLES,
  type TableName,
  type TemplateSourceRows,
} from "./records.js";
import { RowBinaryWriter } from "./rowbinary.js";
import { columnList, SCHEMA } from "./schema.js";
import { type Dialect, SqlQueries } from "./sql-queries.js";
import type { Store, StoreStats } from "./store.js";

export interface ClickHouseStoreOptions {
  /** HTTP interface, e.g. http://127.0.0.1:8123. */
  url: string;
  /** Database (created when missing); default "portent". */
  database?: string;
  username?: string;
  password?: string;
  /** Bucket of per-source rows for a new database (seconds); an existing one keeps its own. */
  bucketSeconds?: number;
  /** Days to keep, as a table TTL (ClickHouse 19.6 and later; older servers: use prune). */
  retentionDays?: number;
}

/** How long a prune waits for ClickHouse's asynchronous deletes to finish. */
export const PRUNE_WAIT_MS = 120_000;

const CH_DIALECT: Dialect = {
  distinct: (col, cond) =>
    cond === undefined ? `uniqExact(${col})` : `uniqExactIf(${col}, ${cond})`,
  div: (a, b) => `intDiv(${a}, ${b})`,
  secs: (col) => `toInt64(toUInt32(${col}))`,
  time: (s) => `toDateTime(${s})`,
  final: "FINAL",
  text: (col) => `toString(${col})`,
  concat: (col) => `arrayStringConcat(groupArray(${col}), ',')`,
  any: (col) => `any(${col})`,
  argMax: (col, by) => `argMax(${col}, ${by})`,
};

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The ClickHouse store. The constructor is inert; `open` connects and creates the tables. */
export class ClickHouseStore extends SqlQueries implements Store {
  readonly kind = "clickhouse" as const;
  protected readonly d = CH_DIALECT;
  private client: ClickHouseClient | undefined;
  private version: number[] = [];

  constructor(private readonly opts: ClickHouseStoreOptions) {
    super();
  }

  get database(): string {
    return this.opts.database ?? "portent";
  }

  /** The server's version, e.g. [18, 16, 1] (valid after open). */
  get serverVersion(): number[] {
    return this.version;
  }

  async open(): Promise<void> {
    const db = this.database;
    if (!NAME_RE.test(db)) throw new StoreArgumentError(`bad database name ${JSON.stringify(db)}`);
    const auth = {
      ...(this.opts.username !== undefined ? { username: this.opts.username } : {}),
      ...(this.opts.password !== undefined ? { password: this.opts.password } : {}),
    };
    const admin = createClient({
      url: this.opts.url,
      log: { level: ClickHouseLogLevel.OFF },
      ...auth,
    });
    try {
      const v = await queryRows(admin, "SELECT version()");
      this.version = String(v[0]?.[0] ?? "0")
        .split(".")
        .map(Number);
      await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
    } catch (e) {
      throw new PortentError(
        "E_INPUT_UNREADABLE",
        `${this.opts.url}: cannot reach ClickHouse (${e instanceof Error ? e.message : String(e)})`,
      );
    } finally {
      await admin.close();
    }
    this.client = createClient({
      url: this.opts.url,
      database: db,
      log: { level: ClickHouseLogLevel.OFF },
      request_timeout: 600_000,
      ...auth,
    });
    const ch = this.ch();
    await ch.command({
      query:
        "CREATE TABLE IF NOT EXISTS meta (key String, value String) ENGINE = ReplacingMergeTree() ORDER BY key",
    });
    for (const t of TABLES) await ch.command({ query: createTable(t) });
    await this.setUpRetention();
    const stored = (
      await queryRows(ch, "SELECT value FROM meta FINAL WHERE key = 'bucket_seconds'")
    )[0]?.[0];
    const asked = this.opts.bucketSeconds;
    if (stored === undefined) {
      this.bucket = checkBucket(asked ?? DEFAULT_BUCKET_SECONDS);
      await ch.command({
        query: `INSERT INTO meta VALUES ('bucket_seconds', '${int(this.bucket)}'), ('schema_version', '1')`,
      });
    } else {
      this.bucket = Number(stored);
      if (asked !== undefined && asked !== this.bucket) {
        throw new StoreArgumentError(
          `${db} keeps ${this.bucket}s buckets; it cannot take ${asked}s buckets`,
        );
      }
    }
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      await this.client?.close();
      this.client = undefined;
    });
  }

  append(batch: RecordBatch): Promise<void> {
    return this.exclusive(() => this.appendNow(batch));
  }

  private async appendNow(batch: RecordBatch): Promise<void> {
    if (!isRunId(batch.run))
      throw new StoreArgumentError(`bad run id ${JSON.stringify(batch.run)}`);
    for (const rows of [batch.sources, batch.templateSources]) {
      if (rows === undefined) continue;
      for (let i = 0; i < rows.length; i++) {
        if ((rows.bucket[i] as number) % this.bucket !== 0) {
          throw new StoreArgumentError(
            `a row's bucket is not a multiple of the store's ${this.bucket}s`,
          );
        }
      }
    }
    const run = runNumber(batch.run);
    // One INSERT per table, all at once: the server parses, sorts and writes each on its own
    // thread (an INSERT is single-threaded), and records are independent of each other.
    const inserts: Array<Promise<void>> = [];
    const m = batch.minutes;
    if (m !== undefined && m.length > 0)
      inserts.push(this.insert("minutes", encodeMinutes(run, m)));
    const s = batch.sources;
    if (s !== undefined && s.length > 0)
      inserts.push(this.insert("sources", encodeSources(run, s)));
    const ts = batch.templateSources;
    if (ts !== undefined && ts.length > 0) {
      inserts.push(this.insert("template_sources", encodeTemplateSources(run, ts)));
    }
    const a = batch.alerts;
    if (a !== undefined && a.length > 0) inserts.push(this.insert("alerts", encodeAlerts(run, a)));
    for (const t of ROW_TABLES) {
      const rows = plainRows(t, batch, run);
      if (rows.length > 0) inserts.push(this.insert(t, encodeRows(t, rows)));
    }
    const results = await Promise.allSettled(inserts);
    for (const r of results) if (r.status === "rejected") throw r.reason;
  }

  /** Streams RowBinary blocks into `t` as one INSERT. */
  private async insert(t: TableName, blocks: Iterable<Uint8Array>): Promise<void> {
    const r = await this.ch().exec({
      query: `INSERT INTO ${t} (${columnList(t)}) FORMAT RowBinary`,
      values: Readable.from(blocks, { objectMode: false }),
    });
    r.stream.resume();
    await new Promise<void>((resolve, reject) => {
      r.stream.on("end", resolve);
      r.stream.on("error", reject);
    });
  }

  async stats(): Promise<StoreStats> {
    const rows = {} as Record<TableName, number>;
    for (const t of TABLES) rows[t] = Number((await this.one(`SELECT count() FROM ${t} FINAL`))[0]);
    const span = await this.one(
      "SELECT min(toUInt32(minute)), max(toUInt32(minute)), uniqExact(run) FROM minutes",
    );
    const empty = rows.minutes === 0;
    return {
      kind: this.kind,
      rows,
      first: empty ? null : Number(span[0]) * 1e6,
      last: empty ? null : (Number(span[1]) + 60) * 1e6,
      bucketSeconds: this.bucket,
      runs: Number(span[2]),
    };
  }

  /**
   * Deletes rows older than `before` (µs) with ALTER TABLE DELETE (the mutations 18.16 has) and
   * waits until ClickHouse has applied them.
   */
  prune(before: number): Promise<void> {
    return this.exclusive(async () => {
      const ch = this.ch();
      for (const t of TABLES) {
        const time = SCHEMA[t].time;
        if (time === undefined) continue;
        const { column, unit } = time;
        const cond =
          unit === "s"
            ? `${column} < toDateTime(${int(Math.floor(before / 1e6))})`
            : `${column} < ${int(Math.floor(before))}`;
        await ch.command({ query: `ALTER TABLE ${t} DELETE WHERE ${cond}` });
      }
      const deadline = Date.now() + PRUNE_WAIT_MS;
      for (;;) {
        const pending = await queryRows(
          ch,
          `SELECT count() FROM system.mutations WHERE database = '${this.database}' AND is_done = 0`,
        );
        if (Number(pending[0]?.[0] ?? 0) === 0) return;
        if (Date.now() > deadline) {
          throw new PortentError(
            "E_OUTPUT_UNWRITABLE",
            "clickhouse: prune still running; check system.mutations",
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    });
  }

  protected query(sql: string): Promise<unknown[][]> {
    return queryRows(this.ch(), sql);
  }

  private ch(): ClickHouseClient {
    if (this.client === undefined) throw new PortentError("E_USAGE", "clickhouse store not open");
    return this.client;
  }

  /** TTLs when asked for: refused on servers older than 19.6, which have none. */
  private async setUpRetention(): Promise<void> {
    const days = this.opts.retentionDays;
    if (days === undefined) return;
    const [major = 0, minor = 0] = this.version;
    if (major < 19 || (major === 19 && minor < 6)) {
      throw new StoreArgumentError(
        `ClickHouse ${this.version.join(".")} has no table TTL (19.6+); run "portent db prune" on a schedule instead`,
      );
    }
    for (const t of TABLES) {
      const time = ttlTime(t);
      if (time === undefined) continue;
      await this.ch().command({
        query: `ALTER TABLE ${t} MODIFY TTL ${time} + INTERVAL ${int(days)} DAY`,
      });
    }
  }
}

function ttlTime(t: TableName): string | undefined {
  const time = SCHEMA[t].time;
  if (time === undefined) return undefined;
  return time.unit === "s" ? time.column : `toDateTime(intDiv(${time.column}, 1000000))`;
}

function createTable(t: TableName): string {
  const spec = SCHEMA[t];
  const cols = spec.columns.map((c) => `${c.name} ${c.ch}`).join(", ");
  const partition = spec.partition === undefined ? "" : `PARTITION BY ${spec.partition} `;
  return (
    `CREATE TABLE IF NOT EXISTS ${t} (${cols}) ENGINE = ReplacingMergeTree() ` +
    `${partition}ORDER BY (${spec.order.join(", ")})`
  );
}

async function queryRows(client: ClickHouseClient, sql: string): Promise<unknown[][]> {
  const rs = await client.query({ query: sql, format: "JSONCompact" });
  return (await rs.json<unknown[]>()).data as unknown[][];
}

/** Bytes of one row of minutes and of sources in RowBinary. */
const MINUTE_BYTES = 8 + 4 + 1 + 2 + 12;
const SOURCE_BYTES = 8 + 4 + 1 + 2 + 16 + 28 + 1 + 4;

/** RowBinary of minute rows (also the raw reference of bench/store.ts). */
export function* encodeMinutes(run: bigint, m: MinuteRows): Generator<Uint8Array> {
  const w = new RowBinaryWriter();
  for (let i = 0; i < m.length; i++) {
    w.reserve(MINUTE_BYTES);
    w.i64(run);
    w.u32(m.minute[i] as number);
    w.u8(m.proto[i] as number);
    w.u16(m.port[i] as number);
    w.u32(m.packets[i] as number);
    w.u32(m.probes[i] as number);
    w.u32(m.sessions[i] as number);
    if (w.pending > 0) yield* w.take();
  }
  yield* w.take();
}

/** RowBinary of per-source rows. */
export function* encodeSources(run: bigint, s: SourceRows): Generator<Uint8Array> {
  const w = new RowBinaryWriter();
  for (let i = 0; i < s.length; i++) {
    w.reserve(SOURCE_BYTES);
    w.i64(run);
    w.u32(s.bucket[i] as number);
    w.u8(s.proto[i] as number);
    w.u16(s.port[i] as number);
    w.addr(s.src, i);
    w.u32(s.packets[i] as number);
    w.u32(s.probes[i] as number);
    w.u32(s.sessions[i] as number);
    w.u32(s.mirai[i] as number);
    w.u32(s.masscan[i] as number);
    w.u32(s.zmap[i] as number);
    w.u32(s.unknown[i] as number);
    // Enum8 values are the code's index - 128 (schema.ts), stored as a signed byte.
    w.u8(((s.country[i] as number) - 128) & 0xff);
    w.u32(s.asn[i] as number);
    if (w.pending > 0) yield* w.take();
  }
  yield* w.take();
}

function* encodeTemplateSources(run: bigint, t: TemplateSourceRows): Generator<Uint8Array> {
  const w = new RowBinaryWriter();
  for (let i = 0; i < t.length; i++) {
    w.reserve(64);
    w.i64(run);
    w.u32(t.bucket[i] as number);
    w.u8(t.proto[i] as number);
    w.u16(t.port[i] as number);
    w.string(t.template[i] as string);
    w.reserve(24);
    w.addr(t.src, i);
    w.u32(t.sessions[i] as number);
    if (w.pending > 0) yield* w.take();
  }
  yield* w.take();
}

function* encodeAlerts(run: bigint, a: AlertRows): Generator<Uint8Array> {
  const w = new RowBinaryWriter();
  for (let i = 0; i < a.length; i++) {
    w.reserve(64);
    w.i64(run);
    w.string(a.id[i] as string);
    w.reserve(48);
    w.i64(a.ts[i] as number);
    w.u32(a.sid[i] as number);
    w.u32(a.gid[i] as number);
    w.u32(a.rev[i] as number);
    w.u8(a.proto[i] as number);
    w.string(a.src[i] as string);
    w.reserve(8);
    w.u32(a.sport[i] as number);
    w.string(a.dst[i] as string);
    w.reserve(8);
    w.u32(a.dport[i] as number);
    w.string(a.session[i] as string);
    w.reserve(8);
    w.i32(a.httpIndex[i] as number);
    if (w.pending > 0) yield* w.take();
  }
  yield* w.take();
}

function* encodeRows(t: TableName, rows: Cell[][]): Generator<Uint8Array> {
  const types = SCHEMA[t].columns.map((c) => c.ch);
  const w = new RowBinaryWriter();
  for (const r of rows) {
    w.reserve(64);
    for (let c = 0; c < types.length; c++) {
      const v = r[c] as Cell;
      w.reserve(16);
      switch (types[c]) {
        case "UInt64":
        case "Int64":
          w.i64(typeof v === "string" ? Number(v) : v);
          break;
        case "UInt32":
        case "DateTime":
          w.u32(Number(v));
          break;
        case "Int32":
          w.i32(Number(v));
          break;
        case "UInt16":
          w.u16(Number(v));
          break;
        case "UInt8":
          w.u8(Number(v));
          break;
        case "FixedString(16)":
          w.bigAddr(typeof v === "bigint" ? v : 0n);
          break;
        default:
          w.string(String(v));
      }
    }
    if (w.pending > 0) yield* w.take();
  }
  yield* w.take();
}

/** Opens a ClickHouse store. */
export async function openClickHouseStore(opts: ClickHouseStoreOptions): Promise<ClickHouseStore> {
  const s = new ClickHouseStore(opts);
  try {
    await s.open();
  } catch (e) {
    await s.close();
    throw e;
  }
  return s;
}
