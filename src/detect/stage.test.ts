import { describe, expect, it } from "vitest";
import type { Alert, RuleInfo } from "../schema/detection.js";
import type { Probe, Session } from "../schema/session.js";
import { DetectStage } from "./stage.js";

const rule: RuleInfo = {
  sid: 9200001,
  gid: 1,
  rev: 1,
  msg: "m",
  classtype: "",
  category: "",
  priority: 1,
  cve: [],
  references: [],
  metadata: {},
};

const session = {
  id: "s1",
  src: "198.51.100.1",
  srcKey: 1,
  start: 5,
  dport: 8000,
  clientBytes: new Uint8Array(3),
} as Session;
const probe = { src: "198.51.100.2", srcKey: 2, ts: 7, dport: 23 } as Probe;

describe("DetectStage", () => {
  it("hands each session's alerts, template and IoCs on to every part", () => {
    const seen: string[] = [];
    const alert = { rule, ts: 5, src: session.src, dport: 8000 } as Alert;
    const stage = new DetectStage({
      rules: { session: () => [alert], probe: () => [alert] },
      template: () => ({ id: "t1", text: "POST /login.htm", kind: "http" }),
      iocs: () => [{ type: "url", value: "http://198.51.100.7/x" }],
      campaigns: {
        add: (_s, t, iocs, alerts) => seen.push(`campaign ${t.id} ${iocs.length} ${alerts.length}`),
      },
      series: {
        onSession: () => seen.push("series session"),
        onProbe: () => seen.push("series probe"),
        label: (s, id, sids) => seen.push(`label ${s.start} ${id} ${sids.join(",")}`),
        addSid: (ts, sid) => seen.push(`sid ${ts} ${sid}`),
      },
      onAlert: (_a, s) => seen.push(`alert ${s?.id ?? "probe"}`),
    });
    expect(stage.wantsProbes).toBe(true);
    stage.session(session);
    stage.probe(probe);
    expect(seen).toEqual([
      "alert s1",
      "series session",
      "label 5 t1 9200001",
      "campaign t1 1 1",
      "series probe",
      "alert probe",
      "sid 7 9200001",
    ]);
    expect(stage.payloadBytes).toBe(3);
    expect(stage.alerts.rows()[0]).toMatchObject({ sid: 9200001, count: 2, sources: 1 });
  });

  it("needs no probes when nothing looks at them", () => {
    expect(new DetectStage({}).wantsProbes).toBe(false);
  });
});

describe("DetectStage payload memo", () => {
  const enc = new TextEncoder();
  const http = (dst: string, text: string) =>
    ({
      ...session,
      proto: "tcp",
      dst,
      clientBytes: enc.encode(text),
      http: { requests: [], responses: [] },
    }) as unknown as Session;

  it("computes template and IoCs once per distinct HTTP payload and destination", () => {
    let templates = 0;
    let iocRuns = 0;
    const got: string[] = [];
    const stage = new DetectStage({
      template: (s) => {
        templates++;
        return { id: `t-${s.clientBytes.length}`, text: "x", kind: "http" };
      },
      iocs: (s) => {
        iocRuns++;
        return [{ type: "ipv4", value: s.dst }];
      },
      record: (_s, t, iocs) => got.push(`${t?.id} ${iocs.map((i) => i.value).join(",")}`),
    });
    stage.session(http("203.0.113.1", "GET /a HTTP/1.1\r\n\r\n"));
    stage.session(http("203.0.113.1", "GET /a HTTP/1.1\r\n\r\n"));
    stage.session(http("203.0.113.2", "GET /a HTTP/1.1\r\n\r\n"));
    stage.session(http("203.0.113.1", "GET /ab HTTP/1.1\r\n\r\n"));
    expect(templates).toBe(3);
    expect(iocRuns).toBe(3);
    expect(got).toEqual([
      "t-19 203.0.113.1",
      "t-19 203.0.113.1",
      "t-19 203.0.113.2",
      "t-20 203.0.113.1",
    ]);
  });

  it("does not remember sessions that are not HTTP (telnet templates depend on server bytes)", () => {
    let templates = 0;
    const stage = new DetectStage({
      template: () => {
        templates++;
        return { id: "t", text: "x", kind: "telnet" };
      },
    });
    const raw = { ...session, proto: "tcp", dst: "203.0.113.1" } as Session;
    stage.session(raw);
    stage.session(raw);
    expect(templates).toBe(2);
  });
});
