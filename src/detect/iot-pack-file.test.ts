import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { caseBytes, PACK_CASES, PACK_SID_MAX, PACK_SID_MIN } from "./iot-pack.cases.js";

// Static checks of the shipped pack, its test cases and its documentation; the engine-driven
// checks are in iot-pack.pending.ts.
const RULES = readFileSync("rules/portent-iot.rules", "utf8");
const DOC = readFileSync("docs/iot-pack.md", "utf8");
const FAMILIES = JSON.parse(readFileSync("rules/families.json", "utf8")) as {
  families: Array<{ name: string }>;
};
/** Classtypes of Suricata's classification.config that the pack may use. */
const CLASSTYPES = new Set([
  "attempted-admin",
  "attempted-user",
  "attempted-recon",
  "web-application-attack",
  "trojan-activity",
  "misc-attack",
  "default-login-attempt",
  "suspicious-filename-detect",
]);

interface PackRule {
  line: string;
  sid: number;
  opts: Map<string, string[]>;
}

/** Options of each rule by name (values as written); `;` never appears unescaped in values. */
const rules: PackRule[] = RULES.split("\n")
  .filter((l) => l.startsWith("alert "))
  .map((line) => {
    const body = line.slice(line.indexOf("(") + 1, line.lastIndexOf(")"));
    const opts = new Map<string, string[]>();
    for (const part of body.split(/(?<!\\);/)) {
      const t = part.trim();
      if (t === "") continue;
      const k = t.indexOf(":");
      const name = k < 0 ? t : t.slice(0, k).trim();
      opts.set(name, [...(opts.get(name) ?? []), k < 0 ? "" : t.slice(k + 1).trim()]);
    }
    return { line, sid: Number(opts.get("sid")?.[0]), opts };
  });

const canon = (c: string): string => `CVE-${c.replace(/^CVE[-_]/i, "").replace(/_/g, "-")}`;

describe("rules/portent-iot.rules", () => {
  it("documents its sid range and keeps every sid in it, once", () => {
    expect(RULES).toContain("9200000-9209999");
    const sids = rules.map((r) => r.sid);
    expect(new Set(sids).size).toBe(sids.length);
    for (const s of sids) {
      expect(s).toBeGreaterThanOrEqual(PACK_SID_MIN);
      expect(s).toBeLessThanOrEqual(PACK_SID_MAX);
    }
  });

  it("gives every rule msg, rev, a standard classtype and dated metadata", () => {
    for (const r of rules) {
      expect(r.opts.get("msg")?.[0], `${r.sid}`).toMatch(/^"PORTENT [A-Z]+ /);
      expect(r.opts.get("rev")?.[0], `${r.sid}`).toMatch(/^\d+$/);
      expect(CLASSTYPES.has(r.opts.get("classtype")?.[0] ?? ""), `${r.sid}`).toBe(true);
      const meta = r.opts.get("metadata")?.[0] ?? "";
      expect(meta, `${r.sid}`).toMatch(/(^|, )created_at \d{4}_\d\d_\d\d(,|$)/);
      expect(meta, `${r.sid}`).toMatch(/(^|, )updated_at \d{4}_\d\d_\d\d(,|$)/);
      expect(r.opts.get("flow")?.[0], `${r.sid}`).toBe("established,to_server");
    }
  });

  it("names the same CVEs in reference:cve, metadata cve and the test cases", () => {
    for (const r of rules) {
      const refs = (r.opts.get("reference") ?? [])
        .filter((v) => v.startsWith("cve,"))
        .map((v) => canon(v.slice(4)));
      const meta = [
        ...(r.opts.get("metadata")?.[0] ?? "").matchAll(/(?:^|, )cve (\S+?)(?=,|$)/g),
      ].map((m) => canon(m[1] as string));
      const cases = PACK_CASES.find((c) => c.sid === r.sid);
      expect(refs.sort(), `${r.sid}`).toEqual(meta.sort());
      expect(refs.sort(), `${r.sid}`).toEqual([...(cases?.cve ?? [])].sort());
    }
  });

  it("has at least one positive and one negative case per sid, and no case for a missing sid", () => {
    expect(PACK_CASES.map((c) => c.sid).sort()).toEqual(rules.map((r) => r.sid).sort());
    const sids = new Set(rules.map((r) => r.sid));
    for (const c of PACK_CASES) {
      expect(c.positives.length, `${c.sid}`).toBeGreaterThan(0);
      expect(c.negatives.length, `${c.sid}`).toBeGreaterThan(0);
      for (const p of c.positives) {
        expect(p.expect, p.name).toContain(c.sid);
        for (const s of p.expect) expect(sids.has(s), p.name).toBe(true);
      }
      for (const n of c.negatives) expect(n.expect, n.name).toEqual([]);
    }
  });

  it("uses only documentation, loopback and private addresses in its cases", () => {
    const ok = /^(?:192\.0\.2|198\.51\.100|203\.0\.113)\.\d+$|^127\.0\.0\.1$|^192\.168\.\d+\.\d+$/;
    for (const c of PACK_CASES.flatMap((s) => [...s.positives, ...s.negatives])) {
      const text = Buffer.from(caseBytes(c)).toString("latin1");
      for (const m of text.matchAll(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g))
        expect(m[0], c.name).toMatch(ok);
    }
  });
});

describe("docs/iot-pack.md", () => {
  it("describes every sid and every shipped family", () => {
    for (const r of rules) expect(DOC, `${r.sid}`).toContain(String(r.sid));
    for (const f of FAMILIES.families) expect(DOC, f.name).toContain(`\`${f.name}\``);
  });
});
