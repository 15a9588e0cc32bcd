import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Analyzer } from "../aggregate/analyzer.js";
import { buildReport } from "../aggregate/report.js";
import { Rollup } from "../aggregate/rollup.js";
import { PcapFileWriter } from "../capture/pcap-writer.js";
import { readCaptures } from "../capture/read.js";
import { fnv1a64 } from "../decode/session-id.js";
import { Anomalies } from "../schema/anomalies.js";
import type { AnalysisReport } from "../schema/report.js";
import { simulate } from "../simulate/scenarios.js";
import { DetectionRollup, printableSample } from "./detections.js";
import { openDuckDbStore } from "./duckdb.js";
import { captureRunId, ingestAnalysis } from "./ingest.js";
import type { Store } from "./store.js";

const dir = mkdtempSync(join(tmpdir(), "portent-ingest-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const whole = join(dir, "smoke.pcap");
simulate("smoke", { seed: 11, out: whole });

interface Analysed {
  rollup: Rollup;
  detections: DetectionRollup;
  report: AnalysisReport;
  sessions: number;
}

async function analyse(file: string): Promise<Analysed> {
  const anomalies = new Anomalies();
  const rollup = new Rollup();
  const detections = new DetectionRollup();
  let sessions = 0;
  const a = new Analyzer({
    anomalies,
    fileNames: [file],
    rollup,
    onSession: (s) => {
      sessions++;
      const line = new TextDecoder().decode(s.clientBytes.subarray(0, 40)).split("\r\n")[0] ?? "";
      detections.session(s, { id: fnv1a64(line), text: line, kind: "tcp" }, [
        { type: "ipv4", value: "198.51.100.200" },
      ]);
    },
  });
  const summaries = await readCaptures([file], (raw) => a.packet(raw), { anomalies });
  a.finish();
  const report = buildReport(a, {
    anomalies,
    files: summaries.map((s) => ({ ...s, name: s.name })),
  });
  return { rollup, detections, report, sessions };
}

const ALL = { from: 0, to: 4e15 };

async function portsOf(s: Store) {
  return (await s.topPorts(ALL, 100000)).map((p) => ({ ...p }));
}

function reportPorts(r: AnalysisReport) {
  return r.ports.map((p) => ({
    proto: p.proto,
    port: p.port,
    sources: p.sources,
    packets: p.packets,
    probes: p.probes,
    sessions: p.sessions,
  }));
}

const byKey = <T extends { proto: string; port: number }>(xs: T[]): T[] =>
  [...xs].sort((a, b) => (a.proto < b.proto ? -1 : a.proto > b.proto ? 1 : a.port - b.port));

describe("ingestAnalysis", () => {
  it("stores what the report counts per port, once however often it is ingested", async () => {
    const x = await analyse(whole);
    const store = await openDuckDbStore(":memory:");
    const runId = captureRunId(x.report.input);
    expect(x.report.ports.length).toBeGreaterThan(5);
    expect(x.sessions).toBeGreaterThan(0);
    const r = await ingestAnalysis(store, x.rollup, { runId, detections: x.detections });
    expect(r.rows.sources).toBe(x.rollup.sourceRows);
    expect(r.rows.minutes).toBe(x.rollup.minuteRows);
    expect(byKey(await portsOf(store))).toEqual(byKey(reportPorts(x.report)));
    const before = await store.stats();
    const again = await analyse(whole);
    await ingestAnalysis(store, again.rollup, {
      runId: captureRunId(again.report.input),
      detections: again.detections,
    });
    expect(await store.stats()).toEqual(before);
    const templates = await store.templates();
    expect(templates.reduce((n, t) => n + t.count, 0)).toBe(x.sessions);
    expect((await store.iocs())[0]?.count).toBe(x.sessions);
    expect((await store.sensors())[0]?.sensor).toBe("offline");
    await store.close();
  });

  it("merges hourly rows into a store with coarser buckets", async () => {
    const x = await analyse(whole);
    const store = await openDuckDbStore(":memory:", { bucketSeconds: 7200 });
    await ingestAnalysis(store, x.rollup, { runId: captureRunId(x.report.input) });
    expect(byKey(await portsOf(store))).toEqual(byKey(reportPorts(x.report)));
    await store.close();
    const fine = await openDuckDbStore(":memory:", { bucketSeconds: 300 });
    await expect(
      ingestAnalysis(fine, x.rollup, { runId: captureRunId(x.report.input) }),
    ).rejects.toThrow(/finer/);
    await fine.close();
  });

  it("adds up two consecutive captures to the whole's packets and distinct sources", async () => {
    const frames: Array<{ ts: number; data: Uint8Array }> = [];
    await readCaptures([whole], (raw) => frames.push({ ts: raw.ts, data: raw.data.slice() }), {
      anomalies: new Anomalies(),
    });
    const cut = Math.floor(frames.length / 2);
    const parts = [join(dir, "a.pcap"), join(dir, "b.pcap")];
    parts.forEach((f, k) => {
      const w = new PcapFileWriter(f);
      for (const fr of k === 0 ? frames.slice(0, cut) : frames.slice(cut)) w.write(fr.ts, fr.data);
      w.close();
    });
    const store = await openDuckDbStore(":memory:");
    for (const f of parts) {
      const x = await analyse(f);
      await ingestAnalysis(store, x.rollup, { runId: captureRunId(x.report.input) });
    }
    const all = await analyse(whole);
    const got = byKey(await portsOf(store)).map((p) => [p.proto, p.port, p.sources, p.packets]);
    const want = byKey(reportPorts(all.report)).map((p) => [p.proto, p.port, p.sources, p.packets]);
    expect(got).toEqual(want);
    expect((await store.stats()).runs).toBe(2);
    await store.close();
  });

  it("stores each source's country and ASN from the enricher", async () => {
    const x = await analyse(whole);
    const store = await openDuckDbStore(":memory:");
    const asked = new Set<number | string>();
    await ingestAnalysis(store, x.rollup, {
      runId: captureRunId(x.report.input),
      enrich: (key) => {
        expect(asked.has(key)).toBe(false);
        asked.add(key);
        return typeof key === "number" && key % 2 === 0 ? { country: "BR", asn: 64500 } : undefined;
      },
    });
    const top = x.report.ports[0];
    if (top === undefined) throw new Error("no ports");
    const b = await store.portBreakdown(top, ALL);
    const even = b.countries.find((c) => c.country === "BR")?.sources ?? 0;
    const none = b.countries.find((c) => c.country === "")?.sources ?? 0;
    expect(even + none).toBe(top.sources);
    expect(b.asns.find((a) => a.asn === 64500)?.sources).toBe(even);
    await store.close();
  });

  it("derives run ids from content, not names", () => {
    const input = { packets: 10, bytes: 1000, start: "2018-06-09T00:00:00.000Z", end: null };
    expect(captureRunId(input)).toBe(captureRunId({ ...input }));
    expect(captureRunId(input)).not.toBe(captureRunId({ ...input, packets: 11 }));
    expect(captureRunId(input)).toMatch(/^[0-9a-f]{16}$/);
  });

  it("keeps samples printable", () => {
    const bytes = new Uint8Array([0x47, 0x45, 0x54, 0x20, 0x5c, 0x00, 0xff, 0x0d, 0x0a]);
    expect(printableSample(bytes)).toBe("GET \\\\\\x00\\xff\r\n");
    expect(printableSample(new Uint8Array(1000).fill(0x41)).length).toBe(512);
  });
});
