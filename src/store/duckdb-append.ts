/**
 * @module Bulk appends into DuckDB: typed-array columns copied straight into data-chunk vectors
 * (one memcpy per column per 2048 rows), text through the vectors' setItem, and plain rows
 * through a chunk writer for the small tables.
 */

import {
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBDataChunkWriter,
  type DuckDBValue,
} from "@duckdb/node-api";
// The C API's vector copy. @duckdb/node-api wraps it per item (a JS call and a range check per
// value); copying whole typed arrays is what makes appends cost a few ns per row (docs/storage.md).
import duckdb from "@duckdb/node-bindings";

/** Rows per data chunk: DuckDB's vector size. */
const CHUNK = 2048;

/**
 * A column to append: a typed array holding `width` bytes per row (copied as it is), the batch's
 * run number, text (one string per row), or µs times held as doubles for a BIGINT column.
 */
export type Column =
  | { data: ArrayBufferView; width: number }
  | "run"
  | { text: readonly string[] }
  | { int64: Float64Array };

/** Appends `n` rows of typed columns to `table` (in `catalog`, e.g. "temp" for staging). */
export async function appendColumns(
  con: DuckDBConnection,
  table: string,
  catalog: string | null,
  cols: Column[],
  n: number,
  run: bigint,
): Promise<void> {
  if (n === 0) return;
  const app = await con.createAppender(table, null, catalog);
  try {
    if (app.columnCount !== cols.length) {
      throw new Error(`${table}: ${app.columnCount} columns, ${cols.length} given`);
    }
    const types = cols.map((_, i) => app.columnType(i));
    const chunk = DuckDBDataChunk.create(types);
    const runs = new BigUint64Array(CHUNK).fill(run);
    const int64 = new BigInt64Array(CHUNK);
    for (let base = 0; base < n; base += CHUNK) {
      const m = Math.min(CHUNK, n - base);
      chunk.rowCount = m;
      for (let c = 0; c < cols.length; c++) {
        const col = cols[c] as Column;
        if (col === "run") {
          duckdb.copy_data_to_vector(
            duckdb.data_chunk_get_vector(chunk.chunk, c),
            0,
            runs.buffer,
            0,
            m * 8,
          );
        } else if ("text" in col) {
          // Strings go through the public vector: DuckDB copies each into its own heap.
          const vec = chunk.getColumnVector(c);
          for (let i = 0; i < m; i++) vec.setItem(i, col.text[base + i] as string);
          vec.flush();
        } else if ("int64" in col) {
          for (let i = 0; i < m; i++) int64[i] = BigInt(col.int64[base + i] as number);
          duckdb.copy_data_to_vector(
            duckdb.data_chunk_get_vector(chunk.chunk, c),
            0,
            int64.buffer,
            0,
            m * 8,
          );
        } else {
          const off = col.data.byteOffset + base * col.width;
          const v = duckdb.data_chunk_get_vector(chunk.chunk, c);
          duckdb.copy_data_to_vector(v, 0, col.data.buffer as ArrayBuffer, off, m * col.width);
        }
      }
      app.appendDataChunk(chunk);
    }
    app.flushSync();
  } finally {
    app.closeSync();
  }
}

/** Appends plain rows (values typed as the columns want: bigint for BIGINT, UBIGINT, UHUGEINT). */
export async function appendRows(
  con: DuckDBConnection,
  table: string,
  catalog: string | null,
  rows: DuckDBValue[][],
): Promise<void> {
  if (rows.length === 0) return;
  const app = await con.createAppender(table, null, catalog);
  try {
    const w = DuckDBDataChunkWriter.forAppender(app);
    for (const r of rows) w.appendRow(r);
    w.flush();
    app.flushSync();
  } finally {
    app.closeSync();
  }
}
