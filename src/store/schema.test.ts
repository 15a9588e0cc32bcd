import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COUNTRY_CODES } from "./countries.js";
import { TABLES } from "./records.js";
import { SCHEMA } from "./schema.js";

describe("store schema", () => {
  const doc = readFileSync("docs/storage.md", "utf8");

  it("is documented table by table, column by column in docs/storage.md", () => {
    for (const t of TABLES) {
      const start = doc.indexOf(`### ${t} `);
      expect(start, `section for ${t}`).toBeGreaterThan(0);
      const end = doc.indexOf("\n### ", start + 4);
      const section = doc.slice(start, end < 0 ? undefined : end);
      for (const c of SCHEMA[t].columns) expect(section, `${t}.${c.name}`).toContain(c.name);
    }
  });

  it("keys every table by run and its key, and sorts ClickHouse tables by that id", () => {
    for (const t of TABLES) {
      const s = SCHEMA[t];
      const names = s.columns.map((c) => c.name);
      expect(names[0]).toBe("run");
      for (const k of [...s.key, "run"]) {
        expect(names).toContain(k);
        expect(s.order).toContain(k);
      }
      if (s.time !== undefined) expect(names).toContain(s.time.column);
    }
  });

  it("fits the country codes in an Enum8, without repeats", () => {
    expect(COUNTRY_CODES.length).toBeLessThanOrEqual(256);
    expect(new Set(COUNTRY_CODES).size).toBe(COUNTRY_CODES.length);
    expect(COUNTRY_CODES[0]).toBe("");
  });
});
