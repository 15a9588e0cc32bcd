/**
 * @module The small tables of a batch as plain rows in schema column order (run first), one row
 * per id: both stores append these, each in its own encoding.
 */

import { addrBigInt, canonicalAddr } from "./address.js";
import { alertId, protoCode, type RecordBatch } from "./records.js";

/** A cell: numbers for integer columns (µs times included), bigint for addresses, or text. */
export type Cell = number | bigint | string;

export type RowTable = "templates" | "template_sources" | "alerts" | "iocs" | "sensors";
export const ROW_TABLES: readonly RowTable[] = [
  "templates",
  "template_sources",
  "alerts",
  "iocs",
  "sensors",
];

/** How many key cells (after `run`) make a row's id, per table (the schema's key, in order). */
const KEY_CELLS: Record<RowTable, (r: Cell[]) => string> = {
  templates: (r) => String(r[1]),
  template_sources: (r) => `${r[1]}|${r[2]}|${r[3]}|${r[4]}|${r[5]}`,
  alerts: (r) => String(r[1]),
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
    case "template_sources": {
      const ts = b.templateSources;
      if (ts === undefined) return [];
      const out: Cell[][] = [];
      for (let i = 0; i < ts.length; i++) {
        out.push([
          run,
          ts.bucket[i] as number,
          ts.proto[i] as number,
          ts.port[i] as number,
          ts.template[i] as string,
          addrBigInt(ts.src, i),
          ts.sessions[i] as number,
        ]);
      }
      return out;
    }
    case "alerts":
      return (b.alerts ?? []).map((a) => [
        run,
        alertId(a),
        a.ts,
        a.rule.sid,
        a.rule.gid,
        a.rule.rev,
        a.rule.msg,
        a.rule.cve.join(","),
        a.rule.classtype,
        Math.max(0, protoCode(a.proto)),
        canonicalAddr(a.src),
        a.sport,
        canonicalAddr(a.dst),
        a.dport,
        a.sessionId,
        a.httpIndex,
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
