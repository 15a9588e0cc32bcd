/**
 * @module Store benchmark: appends the minute aggregates and per-source rows of the benchmark
 * capture into DuckDB (a file) and ClickHouse (Debian's server, started here), next to appends
 * of the same rows through each database's plain bulk path in the same run (DuckDB: the public
 * data-chunk API, a setItem per value; ClickHouse: RowBinary into a plain MergeTree; neither with
 * ids), and times the queries analysis makes (one port's 30-day hourly series, the top 20 ports).
 *
 * Run: `npm run build && node dist/bench/store.js` (BENCH_SCALE, BENCH_REPEAT as in bench/run.ts;
 * PORTENT_CLICKHOUSE_URL to use a running server instead of starting one).
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { ClickHouseLogLevel, createClient } from "@clickhouse/client";
import { DuckDBDataChunk, DuckDBInstance, type DuckDBVector } from "@duckdb/node-api";
import { Analyzer } from "../src/aggregate/analyzer.js";
import { Rollup } from "../src/aggregate/rollup.js";
import { readCaptures } from "../src/capture/read.js";
import { Anomalies } from "../src/schema/anomalies.js";
import { simulate } from "../src/simulate/scenarios.js";
import { addrBigInt } from "../src/store/address.js";
import { encodeMinutes, encodeSources, openClickHouseStore } from "../src/store/clickhouse.js";
import { type ClickHouseServer, startClickHouse } from "../src/store/clickhouse-server.js";
import { COUNTRY_CODES } from "../src/store/countries.js";
import { openDuckDbStore } from "../src/store/duckdb.js";
import { buildBatch } from "../src/store/ingest.js";
import { type RecordBatch, runIdOf, runNumber } from "../src/store/records.js";
import { SCHEMA } from "../src/store/schema.js";
import type { Store } from "../src/store/store.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SCALE = Number(process.env.BENCH_SCALE ?? 10);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const CAPTURE = join(ROOT, ".bench", `satori-2018-seed42-x${SCALE}.pcap`);

const secs = (t0: number): number => (performance.now() - t0) / 1000;
const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function analyse(): Promise<{ rollup: Rollup; packets: number; seconds: number }> {
  try {
    statSync(CAPTURE);
  } catch {
    process.stderr.write(`bench: generating ${CAPTURE} (once)...\n`);
    simulate("satori-2018", { seed: 42, scale: SCALE, out: CAPTURE });
  }
  const anomalies = new Anomalies();
  const rollup = new Rollup();
  const a = new Analyzer({ anomalies, fileNames: [CAPTURE], rollup });
  const t0 = performance.now();
  await readCaptures([CAPTURE], (raw) => a.packet(raw), { anomalies });
  a.finish();
  return { rollup, packets: a.packets, seconds: secs(t0) };
}

/**
 * Raw DuckDB reference: the same minute and per-source rows through the public data-chunk API
 * (one `setItem` per value, as @duckdb/node-api documents it) into plain tables, no ids.
 */
async function rawDuck(file: string, batch: RecordBatch): Promise<number> {
  const inst = await DuckDBInstance.create(file);
  const con = await inst.connect();
  let rows = 0;
  const t0 = performance.now();
  for (const t of ["minutes", "sources"] as const) {
    const rec = t === "minutes" ? batch.minutes : batch.sources;
    if (rec === undefined) continue;
    const cols = SCHEMA[t].columns;
    await con.run(`CREATE TABLE raw_${t} (${cols.map((c) => `${c.name} ${c.duck}`).join(", ")})`);
    const app = await con.createAppender(`raw_${t}`);
    const chunk = DuckDBDataChunk.create(cols.map((_, i) => app.columnType(i)));
    const run = runNumber(batch.run);
    const arrays = cols.map((c) => (rec as unknown as Record<string, Uint32Array>)[c.name]);
    for (let base = 0; base < rec.length; base += 2048) {
      const m = Math.min(2048, rec.length - base);
      chunk.rowCount = m;
      const v = cols.map((_, c) => chunk.getColumnVector(c));
      for (let c = 0; c < cols.length; c++) {
        const vec = v[c] as DuckDBVector;
        const name = cols[c]?.name;
        const a = arrays[c] as Uint32Array;
        for (let i = 0; i < m; i++) {
          const r = base + i;
          if (name === "run") vec.setItem(i, run);
          else if (name === "src") vec.setItem(i, addrBigInt(a, r));
          else if (name === "country") vec.setItem(i, COUNTRY_CODES[a[r] as number] as string);
          else vec.setItem(i, a[r] as number);
        }
        vec.flush();
      }
      app.appendDataChunk(chunk);
    }
    app.flushSync();
    app.closeSync();
    rows += rec.length;
  }
  const t = secs(t0);
  con.closeSync();
  inst.closeSync();
  return rows / t;
}

/** Raw ClickHouse reference: the same rows as RowBinary INSERTs into plain MergeTree tables. */
async function rawClickHouse(url: string, batch: RecordBatch): Promise<number> {
  const c = createClient({ url, log: { level: ClickHouseLogLevel.OFF } });
  const run = runNumber(batch.run);
  const made: string[] = [];
  for (const t of ["minutes", "sources"] as const) {
    const spec = SCHEMA[t];
    await c.command({ query: `DROP TABLE IF EXISTS default.raw_${t}` });
    await c.command({
      query:
        `CREATE TABLE default.raw_${t} (${spec.columns.map((x) => `${x.name} ${x.ch}`).join(", ")}) ` +
        `ENGINE = MergeTree() PARTITION BY ${spec.partition} ORDER BY (${spec.order.join(", ")})`,
    });
    made.push(`default.raw_${t}`);
  }
  const t0 = performance.now();
  let rows = 0;
  for (const [t, blocks, n] of [
    // The store's own encoders: the rows are the same bytes, only the ids and dedup differ.
    ["minutes", batch.minutes ? encodeMinutes(run, batch.minutes) : [], batch.minutes?.length ?? 0],
    ["sources", batch.sources ? encodeSources(run, batch.sources) : [], batch.sources?.length ?? 0],
  ] as const) {
    const res = await c.exec({
      query: `INSERT INTO default.raw_${t} FORMAT RowBinary`,
      values: Readable.from(blocks),
    });
    res.stream.resume();
    await new Promise((ok) => res.stream.on("end", ok));
    rows += n;
  }
  const t = secs(t0);
  for (const m of made) await c.command({ query: `DROP TABLE ${m}` });
  await c.close();
  return rows / t;
}

interface Measured {
  store: string;
  minutesRps: number;
  sourcesRps: number;
  endToEndRps: number;
  rawRps: number;
  seriesMs: number;
  topMs: number;
}

async function measure(
  name: string,
  open: (i: number) => Promise<Store>,
  rollup: Rollup,
  raw: (batch: RecordBatch) => Promise<number>,
): Promise<Measured> {
  const runs: Array<{ m: number; s: number; e: number; raw: number }> = [];
  let series: number[] = [];
  let top: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const store = await open(i);
    const t0 = performance.now();
    const batch = buildBatch(store.bucketSeconds, rollup, { runId: runIdOf("bench", i) });
    const tBuild = secs(t0);
    const nm = batch.minutes?.length ?? 0;
    const ns = batch.sources?.length ?? 0;
    const t1 = performance.now();
    await store.append({ run: batch.run, ...(batch.minutes ? { minutes: batch.minutes } : {}) });
    const tm = secs(t1);
    const t2 = performance.now();
    await store.append({ run: batch.run, ...(batch.sources ? { sources: batch.sources } : {}) });
    const ts = secs(t2);
    // End to end: building the batch and appending it whole, as ingestAnalysis does (a new run).
    const t3 = performance.now();
    const whole = buildBatch(store.bucketSeconds, rollup, { runId: runIdOf("bench-whole", i) });
    await store.append(whole);
    const te = secs(t3);
    const stats = await store.stats();
    const range = { from: stats.first ?? 0, to: stats.last ?? 0 };
    series = [];
    top = [];
    for (let q = 0; q < 3; q++) {
      const a = performance.now();
      await store.portSeries(range, { ports: [{ proto: "tcp", port: 8000 }] });
      series.push(performance.now() - a);
      const b = performance.now();
      await store.topPorts(range, 20);
      top.push(performance.now() - b);
    }
    await store.close();
    const rawRps = await raw(batch);
    runs.push({ m: nm / tm, s: ns / ts, e: (nm + ns) / te, raw: rawRps });
    process.stderr.write(
      `bench: ${name} round ${i + 1}: ${fmt(nm)} minute rows, ${fmt(ns)} source rows; build ${tBuild.toFixed(2)} s, ` +
        `minutes ${tm.toFixed(2)} s, sources ${ts.toFixed(2)} s, whole batch (build + append) ${te.toFixed(2)} s; ` +
        `raw ${fmt(rawRps)} rows/s\n`,
    );
  }
  return {
    store: name,
    minutesRps: median(runs.map((r) => r.m)),
    sourcesRps: median(runs.map((r) => r.s)),
    endToEndRps: median(runs.map((r) => r.e)),
    rawRps: median(runs.map((r) => r.raw)),
    seriesMs: median(series),
    topMs: median(top),
  };
}

async function main(): Promise<void> {
  const an = await analyse();
  process.stderr.write(
    `bench: analysed ${fmt(an.packets)} packets with the rollup in ${an.seconds.toFixed(2)} s\n`,
  );
  const dir = mkdtempSync(join(tmpdir(), "portent-bench-store-"));
  let server: ClickHouseServer | undefined;
  const results: Measured[] = [];
  try {
    results.push(
      await measure(
        "DuckDB (file)",
        (i) => openDuckDbStore(join(dir, `store-${i}.duckdb`)),
        an.rollup,
        (b) => rawDuck(join(dir, `raw-${Math.random()}.duckdb`), b),
      ),
    );
    const external = process.env.PORTENT_CLICKHOUSE_URL;
    if (external === undefined) server = await startClickHouse();
    const url = external ?? (server as ClickHouseServer).url;
    const version = await (async () => {
      const c = createClient({ url, log: { level: ClickHouseLogLevel.OFF } });
      const rs = await c.query({ query: "SELECT version()", format: "JSONCompact" });
      const v = String(((await rs.json<unknown[]>()).data as unknown[][])[0]?.[0]);
      await c.close();
      return v;
    })();
    results.push(
      await measure(
        `ClickHouse ${version}`,
        (i) => openClickHouseStore({ url, database: `portent_bench_${process.pid}_${i}` }),
        an.rollup,
        (b) => rawClickHouse(url, b),
      ),
    );
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const lines = [
    `capture: ${CAPTURE.slice(ROOT.length + 1)}: ${fmt(an.packets)} packets -> ${fmt(an.rollup.minuteRows)} minute rows, ${fmt(an.rollup.sourceRows)} per-source rows (1 h); median of ${REPEAT} rounds`,
    "",
    "| store | minutes rows/s | per-source rows/s | end to end rows/s (build + append of both) | plain bulk API, same rows, no ids (same run) | end to end ÷ plain | 30-day series of one port | top-20 ports |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...results.map(
      (r) =>
        `| ${r.store} | ${fmt(r.minutesRps)} | ${fmt(r.sourcesRps)} | ${fmt(r.endToEndRps)} | ${fmt(r.rawRps)} | ` +
        `${((100 * r.endToEndRps) / r.rawRps).toFixed(0)}% | ${r.seriesMs.toFixed(1)} ms | ${r.topMs.toFixed(1)} ms |`,
    ),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

await main();
