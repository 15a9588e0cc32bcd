import { describe, expect, it } from "vitest";
import type { Alert, RuleInfo } from "../schema/detection.js";
import { AlertSummary } from "./alerts.js";

const rule = (sid: number, cve: string[] = []): RuleInfo => ({
  sid,
  gid: 1,
  rev: 2,
  msg: `rule ${sid}`,
  classtype: "attempted-admin",
  category: "",
  priority: 1,
  cve,
  references: [],
  metadata: {},
});

const alert = (r: RuleInfo, src: string, dport: number, ts: number): Alert => ({
  rule: r,
  ts,
  proto: "tcp",
  src,
  sport: 40000,
  dst: "203.0.113.5",
  dport,
  sessionId: "s",
  httpIndex: 0,
});

describe("AlertSummary", () => {
  it("counts alerts and distinct sources per rule, with first and last times", () => {
    const a = rule(9200001, ["CVE-2018-10088"]);
    const b = rule(9200002);
    const s = new AlertSummary();
    s.add(alert(a, "198.51.100.1", 8000, 2_000_000));
    s.add(alert(a, "198.51.100.1", 81, 1_000_000));
    s.add(alert(a, "198.51.100.2", 8000, 3_000_000));
    s.add(alert(b, "198.51.100.3", 80, 5_000_000));
    const rows = s.rows();
    expect(rows.map((r) => r.sid)).toEqual([9200001, 9200002]);
    expect(rows[0]).toMatchObject({
      count: 3,
      sources: 2,
      cve: ["CVE-2018-10088"],
      first: "1970-01-01T00:00:01.000Z",
      last: "1970-01-01T00:00:03.000Z",
      ports: [81, 8000],
    });
    expect(s.total).toBe(4);
  });
});
