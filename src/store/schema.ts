/**
 * @module The tables of both stores from one description: column types per dialect, the key that
 * makes a record's id, and ClickHouse's sorting and partitioning. docs/storage.md mirrors it.
 */

import { COUNTRY_CODES } from "./countries.js";
import type { TableName } from "./records.js";

export interface ColumnSpec {
  name: string;
  duck: string;
  ch: string;
}

export interface TableSpec {
  name: TableName;
  columns: ColumnSpec[];
  /** With `run`, the record's id: a record whose id is stored is not stored again. */
  key: string[];
  /** ClickHouse sorting key: the id's columns, range-query columns first (ReplacingMergeTree). */
  order: string[];
  /** ClickHouse partition expression (monthly, so old months drop whole); none for rules. */
  partition?: string;
  /** The column retention compares, and its unit; rules are kept (they are few). */
  time?: { column: string; unit: "s" | "us" };
}

const quoted = (s: string): string => `'${s}'`;
const COUNTRY_DUCK = `ENUM(${COUNTRY_CODES.map(quoted).join(", ")})`;
const COUNTRY_CH = `Enum8(${COUNTRY_CODES.map((c, i) => `${quoted(c)} = ${i - 128}`).join(", ")})`;

const c = (name: string, duck: string, ch: string): ColumnSpec => ({ name, duck, ch });
const RUN = c("run", "UBIGINT", "UInt64");
const PROTO = c("proto", "UTINYINT", "UInt8");
const PORT = c("port", "USMALLINT", "UInt16");
const SRC = c("src", "UHUGEINT", "FixedString(16)");
const U32 = (name: string): ColumnSpec => c(name, "UINTEGER", "UInt32");
const US = (name: string): ColumnSpec => c(name, "BIGINT", "Int64");
const STR = (name: string): ColumnSpec => c(name, "VARCHAR", "String");
const MONTH_S = (col: string): string => `toYYYYMM(${col})`;
const MONTH_US = (col: string): string => `toYYYYMM(toDateTime(intDiv(${col}, 1000000)))`;

export const SCHEMA: Record<TableName, TableSpec> = {
  minutes: {
    name: "minutes",
    columns: [
      RUN,
      c("minute", "UINTEGER", "DateTime"),
      PROTO,
      PORT,
      U32("packets"),
      U32("probes"),
      U32("sessions"),
    ],
    key: ["minute", "proto", "port"],
    order: ["proto", "port", "minute", "run"],
    partition: MONTH_S("minute"),
    time: { column: "minute", unit: "s" },
  },
  sources: {
    name: "sources",
    columns: [
      RUN,
      c("bucket", "UINTEGER", "DateTime"),
      PROTO,
      PORT,
      SRC,
      U32("packets"),
      U32("probes"),
      U32("sessions"),
      U32("mirai"),
      U32("masscan"),
      U32("zmap"),
      U32("unknown"),
      c("country", COUNTRY_DUCK, COUNTRY_CH),
      U32("asn"),
    ],
    key: ["bucket", "proto", "port", "src"],
    order: ["proto", "port", "bucket", "src", "run"],
    partition: MONTH_S("bucket"),
    time: { column: "bucket", unit: "s" },
  },
  templates: {
    name: "templates",
    columns: [
      RUN,
      STR("template"),
      STR("kind"),
      STR("text"),
      US("first"),
      US("last"),
      U32("count"),
      STR("sample"),
      STR("sample_session"),
    ],
    key: ["template"],
    order: ["template", "run"],
    partition: MONTH_US("last"),
    time: { column: "last", unit: "us" },
  },
  template_sources: {
    name: "template_sources",
    columns: [
      RUN,
      c("bucket", "UINTEGER", "DateTime"),
      PROTO,
      PORT,
      STR("template"),
      SRC,
      U32("sessions"),
    ],
    key: ["bucket", "proto", "port", "template", "src"],
    order: ["template", "bucket", "proto", "port", "src", "run"],
    partition: MONTH_S("bucket"),
    time: { column: "bucket", unit: "s" },
  },
  alerts: {
    name: "alerts",
    columns: [
      RUN,
      STR("id"),
      US("ts"),
      U32("sid"),
      U32("gid"),
      U32("rev"),
      PROTO,
      STR("src"),
      U32("sport"),
      STR("dst"),
      U32("dport"),
      STR("session_id"),
      c("http_index", "INTEGER", "Int32"),
    ],
    key: ["id"],
    order: ["sid", "ts", "id", "run"],
    partition: MONTH_US("ts"),
    time: { column: "ts", unit: "us" },
  },
  rules: {
    name: "rules",
    columns: [RUN, U32("gid"), U32("sid"), U32("rev"), STR("msg"), STR("cve"), STR("classtype")],
    key: ["gid", "sid", "rev"],
    order: ["gid", "sid", "rev", "run"],
  },
  iocs: {
    name: "iocs",
    columns: [
      RUN,
      STR("type"),
      STR("value"),
      US("first"),
      US("last"),
      U32("count"),
      STR("templates"),
    ],
    key: ["type", "value"],
    order: ["type", "value", "run"],
    partition: MONTH_US("last"),
    time: { column: "last", unit: "us" },
  },
  sensors: {
    name: "sensors",
    columns: [RUN, STR("sensor"), US("first"), US("last")],
    key: ["sensor"],
    order: ["sensor", "run"],
    partition: MONTH_US("last"),
    time: { column: "last", unit: "us" },
  },
};

/** Columns of a table, comma-separated. */
export function columnList(t: TableName): string {
  return SCHEMA[t].columns.map((col) => col.name).join(", ");
}
