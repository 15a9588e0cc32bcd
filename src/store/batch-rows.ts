/**
 * @module The small tables of a batch as plain rows in schema column order (run first), one row
 * per id: both stores append these, each in its own encoding.
 */

import type { AlertRows, RecordBatch } from "./records.js";

/** A cell: numbers for integer columns (µs times included), or text. */
export type Cell = number | bigint | string;

export type RowTable = "templates" | "rules" | "iocs" | "sensors";
export const ROW_TABLES: readonly RowTable[] = ["templates", "rules", "iocs", "sensors"];

/** The key cells (after `run`) that make a row's id, per table (the schema's key, in order). */
const KEY_CELLS: Record<RowTable, (r: Cell[]) => string> = {
  templates: (r) => String(r[1]),
  rules: (r) => `${r[1]}|${r[2]}|${r[3]}`,
  iocs: (r) => `${r[1]}|${r[2]}`,
  sensors: (r) => String(r[1]),
};

/** Rows of `table` in `batch`, `run` cell first; a repeated id keeps its first row. */
export function plainRows(table: RowTable, batch: RecordBatch, run: bigint): Cell[][] {
  const rows = rawRows(table, batch, run);
  const key = KEY_CELLS[table];
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = key(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function rawRows(table: RowTable, b: RecordBatch, run: bigint): Cell[][] {
  switch (table) {
    case "templates":
      return (b.templates ?? []).map((t) => [
        run,
        t.template,
        t.kind,
        t.text,
        t.first,
        t.last,
        t.count,
        t.sample,
        t.sampleSession,
      ]);
    case "rules":
      return (b.rules ?? []).map((r) => [
        run,
        r.gid,
        r.sid,
        r.rev,
        r.msg,
        r.cve.join(","),
        r.classtype,
      ]);
    case "iocs":
      return (b.iocs ?? []).map((x) => [
        run,
        x.type,
        x.value,
        x.first,
        x.last,
        x.count,
        [...new Set(x.templates)].join(","),
      ]);
    case "sensors":
      return (b.sensors ?? []).map((s) => [run, s.sensor, s.first, s.last]);
  }
}

/** The indexes of alerts whose id is not repeated earlier in the rows (all, usually). */
export function uniqueAlerts(rows: AlertRows): number[] | undefined {
  const seen = new Set<string>();
  let dup = false;
  for (let i = 0; i < rows.length; i++) {
    const id = rows.id[i] as string;
    if (seen.has(id)) dup = true;
    seen.add(id);
  }
  if (!dup) return undefined;
  seen.clear();
  const keep: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const id = rows.id[i] as string;
    if (!seen.has(id)) keep.push(i);
    seen.add(id);
  }
  return keep;
}
