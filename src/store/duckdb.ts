/**
 * @module The embedded store: one DuckDB file (or ":memory:"). Appends go straight into the
 * tables when the batch's run is new, and through a staging table and an anti-join when it is not,
 * so a record is stored once however often it arrives.
 */

import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from "@duckdb/node-api";
import { PortentError } from "../schema/errors.js";
import { type Cell, plainRows, ROW_TABLES, type RowTable, uniqueAlerts } from "./batch-rows.js";
import { appendColumns, appendRows, type Column } from "./duckdb-append.js";
import { checkBucket, int, StoreArgumentError } from "./query-util.js";
import {
  DEFAULT_BUCKET_SECONDS,
  isRunId,
  pickRows,
  type RecordBatch,
  runNumber,
  TABLES,
  type TableName,
} from "./records.js";
import { columnList, SCHEMA } from "./schema.js";
import { type Dialect, SqlQueries } from "./sql-queries.js";
import type { Store, StoreStats } from "./store.js";

export interface DuckDbStoreOptions {
  /** Bucket of per-source rows for a new store (seconds); an existing store keeps its own. */
  bucketSeconds?: number;
}

const SCHEMA_VERSION = "1";

/** DuckDB's SQL: exact distinct counts, `//` division; writes dedupe, so reads need no FINAL. */
const DUCKDB_DIALECT: Dialect = {
  distinct: (col, cond) =>
    cond === undefined ? `count(DISTINCT ${col})` : `count(DISTINCT ${col}) FILTER (WHERE ${cond})`,
  div: (a, b) => `((${a}) // ${b})`,
  secs: (col) => `CAST(${col} AS BIGINT)`,
  time: (s) => String(s),
  final: "",
  text: (col) => `CAST(${col} AS VARCHAR)`,
  concat: (col) => `string_agg(${col}, ',')`,
  any: (col) => `any_value(${col})`,
  argMax: (col, by) => `arg_max(${col}, ${by})`,
};

/** The DuckDB store. The constructor is inert; `open` connects and creates the tables. */
export class DuckDbStore extends SqlQueries implements Store {
  readonly kind = "duckdb" as const;
  protected readonly d = DUCKDB_DIALECT;
  private instance: DuckDBInstance | undefined;
  private con: DuckDBConnection | undefined;
  private staged = new Set<TableName>();

  constructor(
    readonly path: string,
    private readonly opts: DuckDbStoreOptions = {},
  ) {
    super();
  }

  async open(): Promise<void> {
    try {
      this.instance = await DuckDBInstance.create(this.path);
      this.con = await this.instance.connect();
    } catch (e) {
      throw new PortentError(
        "E_INPUT_UNREADABLE",
        `${this.path}: cannot open the DuckDB store (${e instanceof Error ? e.message : String(e)})`,
      );
    }
    const con = this.db();
    await con.run("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)");
    for (const t of TABLES) {
      const cols = SCHEMA[t].columns.map((c) => `${c.name} ${c.duck}`).join(", ");
      await con.run(`CREATE TABLE IF NOT EXISTS ${t} (${cols})`);
    }
    const stored = await this.meta("bucket_seconds");
    const asked = this.opts.bucketSeconds;
    if (stored === undefined) {
      this.bucket = checkBucket(asked ?? DEFAULT_BUCKET_SECONDS);
      await this.setMeta("bucket_seconds", String(this.bucket));
      await this.setMeta("schema_version", SCHEMA_VERSION);
    } else {
      this.bucket = Number(stored);
      if (asked !== undefined && asked !== this.bucket) {
        throw new StoreArgumentError(
          `${this.path} keeps ${this.bucket}s buckets; it cannot take ${asked}s buckets`,
        );
      }
    }
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      this.con?.closeSync();
      this.instance?.closeSync();
      this.con = undefined;
      this.instance = undefined;
    });
  }

  append(batch: RecordBatch): Promise<void> {
    return this.exclusive(() => this.appendNow(batch));
  }

  private async appendNow(batch: RecordBatch): Promise<void> {
    if (!isRunId(batch.run))
      throw new StoreArgumentError(`bad run id ${JSON.stringify(batch.run)}`);
    this.checkBuckets(batch);
    const run = runNumber(batch.run);
    const con = this.db();
    await con.run("BEGIN TRANSACTION");
    try {
      if (batch.minutes !== undefined && batch.minutes.length > 0) {
        const m = batch.minutes;
        const cols: Column[] = [
          "run",
          { data: m.minute, width: 4 },
          { data: m.proto, width: 1 },
          { data: m.port, width: 2 },
          { data: m.packets, width: 4 },
          { data: m.probes, width: 4 },
          { data: m.sessions, width: 4 },
        ];
        await this.appendTable("minutes", run, (t, cat) =>
          appendColumns(con, t, cat, cols, m.length, run),
        );
      }
      if (batch.sources !== undefined && batch.sources.length > 0) {
        const s = batch.sources;
        const cols: Column[] = [
          "run",
          { data: s.bucket, width: 4 },
          { data: s.proto, width: 1 },
          { data: s.port, width: 2 },
          { data: s.src, width: 16 },
          { data: s.packets, width: 4 },
          { data: s.probes, width: 4 },
          { data: s.sessions, width: 4 },
          { data: s.mirai, width: 4 },
          { data: s.masscan, width: 4 },
          { data: s.zmap, width: 4 },
          { data: s.unknown, width: 4 },
          { data: s.country, width: 1 },
          { data: s.asn, width: 4 },
        ];
        await this.appendTable("sources", run, (t, cat) =>
          appendColumns(con, t, cat, cols, s.length, run),
        );
      }
      const ts = batch.templateSources;
      if (ts !== undefined && ts.length > 0) {
        const cols: Column[] = [
          "run",
          { data: ts.bucket, width: 4 },
          { data: ts.proto, width: 1 },
          { data: ts.port, width: 2 },
          { text: ts.template },
          { data: ts.src, width: 16 },
          { data: ts.sessions, width: 4 },
        ];
        await this.appendTable("template_sources", run, (t, cat) =>
          appendColumns(con, t, cat, cols, ts.length, run),
        );
      }
      if (batch.alerts !== undefined && batch.alerts.length > 0) {
        const keep = uniqueAlerts(batch.alerts);
        const a = keep === undefined ? batch.alerts : pickRows(batch.alerts, keep);
        const cols: Column[] = [
          "run",
          { text: a.id },
          { int64: a.ts },
          { data: a.sid, width: 4 },
          { data: a.gid, width: 4 },
          { data: a.rev, width: 4 },
          { data: a.proto, width: 1 },
          { text: a.src },
          { data: a.sport, width: 4 },
          { text: a.dst },
          { data: a.dport, width: 4 },
          { text: a.session },
          { data: a.httpIndex, width: 4 },
        ];
        await this.appendTable("alerts", run, (t, cat) =>
          appendColumns(con, t, cat, cols, a.length, run),
        );
      }
      for (const t of ROW_TABLES) {
        const rows = plainRows(t, batch, run);
        if (rows.length === 0) continue;
        const values = rows.map((r) => toDuck(t, r));
        await this.appendTable(t, run, (name, cat) => appendRows(con, name, cat, values));
      }
      await con.run("COMMIT");
    } catch (e) {
      await con.run("ROLLBACK");
      throw e;
    }
  }

  /**
   * Appends through `write`: into the table itself when no row of `run` is stored yet (the
   * common case, checked through the row groups' min/max of `run`), else into a staging table
   * whose rows with an unseen id are then copied over.
   */
  private async appendTable(
    t: TableName,
    run: bigint,
    write: (table: string, catalog: string | null) => Promise<void>,
  ): Promise<void> {
    const con = this.db();
    const seen = await con.runAndReadAll(`SELECT 1 FROM ${t} WHERE run = ${int(run)} LIMIT 1`);
    if (seen.currentRowCount === 0) {
      await write(t, null);
      return;
    }
    const stage = `stage_${t}`;
    if (!this.staged.has(t)) {
      await con.run(`CREATE TEMP TABLE IF NOT EXISTS ${stage} AS SELECT * FROM ${t} LIMIT 0`);
      this.staged.add(t);
    }
    await write(stage, "temp");
    const same = SCHEMA[t].key.map((k) => `t.${k} = s.${k}`).join(" AND ");
    await con.run(
      `INSERT INTO ${t} SELECT ${columnList(t)} FROM temp.${stage} s WHERE NOT EXISTS ` +
        `(SELECT 1 FROM ${t} t WHERE t.run = ${int(run)} AND ${same})`,
    );
    await con.run(`DELETE FROM temp.${stage}`);
  }

  private checkBuckets(batch: RecordBatch): void {
    const b = this.bucket;
    for (const rows of [batch.sources, batch.templateSources]) {
      if (rows === undefined) continue;
      for (let i = 0; i < rows.length; i++) {
        if ((rows.bucket[i] as number) % b !== 0) {
          throw new StoreArgumentError(`a row's bucket is not a multiple of the store's ${b}s`);
        }
      }
    }
  }

  async stats(): Promise<StoreStats> {
    const rows = {} as Record<TableName, number>;
    for (const t of TABLES) rows[t] = Number((await this.one(`SELECT count(*) FROM ${t}`))[0]);
    const span = await this.one(
      "SELECT min(minute), max(minute), count(DISTINCT run) FROM minutes",
    );
    return {
      kind: this.kind,
      rows,
      first: span[0] === null ? null : Number(span[0]) * 1e6,
      last: span[1] === null ? null : (Number(span[1]) + 60) * 1e6,
      bucketSeconds: this.bucket,
      runs: Number(span[2]),
    };
  }

  prune(before: number): Promise<void> {
    return this.exclusive(async () => {
      for (const t of TABLES) {
        const time = SCHEMA[t].time;
        if (time === undefined) continue;
        const { column, unit } = time;
        const limit = unit === "s" ? Math.floor(before / 1e6) : Math.floor(before);
        await this.db().run(`DELETE FROM ${t} WHERE ${column} < ${int(limit)}`);
      }
    });
  }

  private db(): DuckDBConnection {
    if (this.con === undefined) throw new PortentError("E_USAGE", `${this.path}: store not open`);
    return this.con;
  }

  protected async query(sql: string): Promise<unknown[][]> {
    return (await this.db().runAndReadAll(sql)).getRowsJS();
  }

  private async meta(key: string): Promise<string | undefined> {
    const r = await this.db().runAndReadAll("SELECT value FROM meta WHERE key = $1", [key]);
    const v = r.getRowsJS()[0]?.[0];
    return typeof v === "string" ? v : undefined;
  }

  private async setMeta(key: string, value: string): Promise<void> {
    await this.db().run("INSERT OR REPLACE INTO meta VALUES ($1, $2)", [key, value]);
  }
}

/** Cells as DuckDB values: BIGINT columns want bigint. */
function toDuck(t: RowTable, r: Cell[]): DuckDBValue[] {
  const cols = SCHEMA[t].columns;
  return r.map((v, i) =>
    typeof v === "number" && (cols[i]?.duck === "BIGINT" || cols[i]?.duck === "UBIGINT")
      ? BigInt(v)
      : v,
  );
}

/** Opens a DuckDB store at `path` (":memory:" for a throwaway one). */
export async function openDuckDbStore(
  path: string,
  opts: DuckDbStoreOptions = {},
): Promise<DuckDbStore> {
  const s = new DuckDbStore(path, opts);
  try {
    await s.open();
  } catch (e) {
    await s.close();
    throw e;
  }
  return s;
}
