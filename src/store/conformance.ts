/**
 * @module The store conformance suite: one set of describe blocks that every Store implementation
 * runs (duckdb.test.ts, clickhouse.test.ts), so both answer every query the same way.
 */

import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { ALL, captureA, captureB, half, RUN_A, TPL, TPL2, US } from "./conformance-data.js";
import { HOUR, type SourceSpec, sourcesOf, T0 } from "./fixtures.js";
import { type RecordBatch, runIdOf, sliceRows, type TableName } from "./records.js";
import type { Store } from "./store.js";

/** Makes an open, empty store (a fresh file, database or schema per call). */
export type StoreFactory = (opts?: { bucketSeconds?: number }) => Promise<Store>;

/** Everything a store answers about its content, for comparing two stores. */
async function snapshot(s: Store): Promise<unknown> {
  const st = await s.stats();
  return {
    rows: st.rows,
    first: st.first,
    last: st.last,
    series: (await s.portSeries(ALL)).map((x) => ({ ...x, sources: [...x.sources] })),
    minutes: await s.minutes({ proto: "tcp", port: 8000 }, ALL),
    top: await s.topPorts(ALL, 10),
    breakdown: await s.portBreakdown({ proto: "tcp", port: 8000 }, ALL),
    templates: await s.templates(),
    alerts: await s.alertSummary(ALL),
    iocs: await s.iocs(),
    sensors: await s.sensors(),
    cells: await s.portCells(ALL),
    labels: await s.labelCells(ALL),
    heavy: await s.heavySources(ALL, { minPackets: 2 }),
  };
}

export function storeConformance(name: string, make: StoreFactory): void {
  const open: Store[] = [];
  const fresh = async (opts?: { bucketSeconds?: number }): Promise<Store> => {
    const s = await make(opts);
    open.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  describe(`${name}: an empty store`, () => {
    it("has every table, no rows, no time span, and the default bucket", async () => {
      const s = await fresh();
      const st = await s.stats();
      expect(st.kind).toBe(s.kind);
      expect(st.bucketSeconds).toBe(3600);
      expect(Object.values(st.rows)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
      expect(Object.keys(st.rows).sort()).toEqual([
        "alerts",
        "iocs",
        "minutes",
        "rules",
        "sensors",
        "sources",
        "template_sources",
        "templates",
      ] satisfies TableName[] as string[]);
      expect(st.first).toBeNull();
      expect(await s.topPorts(ALL, 5)).toEqual([]);
      expect(await s.portSeries(ALL)).toEqual([]);
      expect(await s.templates()).toEqual([]);
    });
  });

  describe(`${name}: queries`, () => {
    it("counts rows and the time span", async () => {
      const s = await fresh();
      await s.append(captureA());
      await s.append(captureB());
      const st = await s.stats();
      expect(st.rows).toEqual({
        minutes: 7,
        sources: 9,
        templates: 3,
        template_sources: 3,
        alerts: 3,
        rules: 2 + 1,
        iocs: 2,
        sensors: 2,
      });
      expect(st.first).toBe(T0 * US);
      expect(st.last).toBe((T0 + 2 * HOUR + 60) * US);
      expect(st.runs).toBe(2);
    });

    it("gives exact distinct sources per port and bucket over runs", async () => {
      const s = await fresh();
      await s.append(captureA());
      await s.append(captureB());
      const series = await s.portSeries({ from: T0 * US, to: (T0 + 3 * HOUR) * US });
      expect(series.map((x) => [x.proto, x.port, [...x.sources]])).toEqual([
        ["tcp", 23, [1, 0, 0]],
        ["tcp", 8000, [2, 3, 1]],
        ["udp", 5060, [0, 1, 0]],
      ]);
      expect(series[0]?.start).toBe(T0 * US);
      expect(series[0]?.bucketSeconds).toBe(3600);
      const two = await s.portSeries(
        { from: T0 * US, to: (T0 + 4 * HOUR) * US },
        {
          bucketSeconds: 2 * HOUR,
          ports: [
            { proto: "tcp", port: 8000 },
            { proto: "tcp", port: 81 },
          ],
        },
      );
      expect(two.map((x) => [x.port, [...x.sources]])).toEqual([
        [81, [0, 0]],
        [8000, [5, 1]],
      ]);
    });

    it("sums minute aggregates of one port over runs", async () => {
      const s = await fresh();
      await s.append(captureA());
      await s.append(captureB());
      expect(await s.minutes({ proto: "tcp", port: 8000 }, ALL)).toEqual([
        { minute: T0 * US, packets: 4, probes: 2, sessions: 0 },
        { minute: (T0 + 60) * US, packets: 1, probes: 0, sessions: 1 },
        { minute: (T0 + HOUR) * US, packets: 5, probes: 0, sessions: 0 },
        { minute: (T0 + HOUR + 120) * US, packets: 2, probes: 0, sessions: 2 },
        { minute: (T0 + 2 * HOUR) * US, packets: 1, probes: 1, sessions: 0 },
      ]);
      const one = await s.minutes(
        { proto: "tcp", port: 8000 },
        { from: (T0 + 60) * US, to: (T0 + HOUR) * US },
      );
      expect(one.map((m) => m.minute)).toEqual([(T0 + 60) * US]);
    });

    it("ranks ports by distinct sources with their totals", async () => {
      const s = await fresh();
      await s.append(captureA());
      await s.append(captureB());
      expect(await s.topPorts(ALL, 2)).toEqual([
        { proto: "tcp", port: 8000, sources: 5, packets: 13, probes: 3, sessions: 3 },
        { proto: "tcp", port: 23, sources: 1, packets: 1, probes: 1, sessions: 0 },
      ]);
      const late = await s.topPorts({ from: (T0 + 2 * HOUR) * US, to: ALL.to }, 5);
      expect(late).toEqual([
        { proto: "tcp", port: 8000, sources: 1, packets: 1, probes: 1, sessions: 0 },
      ]);
    });

    it("breaks a port down by fingerprint, origin and template", async () => {
      const s = await fresh();
      await s.append(captureA());
      await s.append(captureB());
      const b = await s.portBreakdown({ proto: "tcp", port: 8000 }, ALL);
      expect(b.sources).toBe(5);
      expect(b.fingerprints).toEqual({ mirai: 3, masscan: 1, zmap: 0, unknown: 1 });
      expect(b.countries).toEqual([
        { country: "", sources: 3 },
        { country: "BR", sources: 1 },
        { country: "CN", sources: 1 },
      ]);
      expect(b.asns).toEqual([
        { asn: 0, sources: 4 },
        { asn: 64496, sources: 1 },
      ]);
      expect(b.templates).toEqual([
        { template: TPL, sessions: 2, sources: 2 },
        { template: TPL2, sessions: 1, sources: 1 },
      ]);
    });

    it("gives series per template and per rule sid", async () => {
      const s = await fresh();
      await s.append(captureA());
      await s.append(captureB());
      const range = { from: T0 * US, to: (T0 + 2 * HOUR) * US };
      const t = await s.templateSeries(range);
      const want = [
        { template: TPL, sources: [1, 1], sessions: [1, 1] },
        { template: TPL2, sources: [0, 1], sessions: [0, 1] },
      ].sort((x, y) => (x.template < y.template ? -1 : 1));
      expect(
        t.map((x) => ({
          template: x.template,
          sources: [...x.sources],
          sessions: [...x.sessions],
        })),
      ).toEqual(want);
      const only = await s.templateSeries(range, { templates: [TPL2] });
      expect(only.map((x) => x.template)).toEqual([TPL2]);
      const sids = await s.sidSeries(range);
      expect(sids.map((x) => [x.sid, [...x.sources], [...x.alerts]])).toEqual([
        [1, [1, 1], [1, 1]],
        [2, [0, 1], [0, 1]],
      ]);
    });

    it("gives the cells surges read: ports, labels per port, heavy sources", async () => {
      const s = await fresh();
      await s.append(captureA());
      await s.append(captureB());
      const h = (k: number) => (T0 + k * HOUR) * US;
      const cells = await s.portCells(ALL);
      expect(
        cells.map((c) => [
          c.proto,
          c.port,
          c.starts,
          [...c.sources],
          [...c.packets],
          [...c.sessions],
          [...c.fingerprints],
        ]),
      ).toEqual([
        ["tcp", 23, [h(0)], [1], [1], [0], [1, 0, 0, 0]],
        [
          "tcp",
          8000,
          [h(0), h(1), h(2)],
          [2, 2, 1],
          [5, 7, 1],
          [1, 2, 0],
          [2, 0, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0],
        ],
        ["udp", 5060, [h(1)], [1], [1], [0], [0, 0, 0, 0]],
      ]);
      const busy = await s.portCells(ALL, { minPeakSources: 2 });
      expect(busy.map((c) => c.port)).toEqual([8000]);
      const udp = await s.portCells(ALL, { ports: [{ proto: "udp", port: 5060 }] });
      expect(udp.map((c) => c.port)).toEqual([5060]);
      const [two] = await s.portCells(ALL, {
        bucketSeconds: 2 * HOUR,
        ports: [{ proto: "tcp", port: 8000 }],
      });
      expect(two?.starts).toEqual([h(0), h(2)]);
      // Sources that began a connection: 2001:db8::7 only sent packets of an earlier one.
      expect([...(two?.sources ?? [])]).toEqual([4, 1]);
      expect([...(two?.fingerprints ?? [])]).toEqual([2, 1, 0, 1, 1, 0, 0, 0]);

      const labels = await s.labelCells(ALL);
      const [first, second] = [TPL, TPL2].sort();
      const tpl = (template: string, k: number) => ({
        template,
        start: h(k),
        proto: "tcp",
        port: 8000,
        sessions: 1,
        sources: 1,
      });
      expect(labels.templates).toEqual([tpl(TPL, 0), tpl(first, 1), tpl(second, 1)]);
      const fp = { [TPL]: [0, 1, 0, 0], [TPL2]: [0, 0, 0, 0] };
      expect(labels.templateFingerprints).toEqual([
        { template: TPL, start: h(0), fingerprints: [1, 0, 0, 0] },
        ...[first, second].map((t) => ({ template: t, start: h(1), fingerprints: fp[t] })),
      ]);
      expect(labels.sids).toEqual([
        { sid: 1, start: h(0), proto: "tcp", port: 8000, sessions: 1, sources: 1 },
        { sid: 1, start: h(1), proto: "tcp", port: 8000, sessions: 1, sources: 1 },
        { sid: 2, start: h(1), proto: "tcp", port: 8000, sessions: 1, sources: 1 },
      ]);
      expect(labels.sidFingerprints).toEqual([
        { sid: 1, start: h(0), fingerprints: [1, 0, 0, 0] },
        { sid: 1, start: h(1), fingerprints: [0, 1, 0, 0] },
        { sid: 2, start: h(1), fingerprints: [0, 0, 0, 0] },
      ]);
      expect(labels.pairs).toEqual(
        [
          { template: TPL, sid: 1 },
          { template: TPL2, sid: 2 },
        ].sort((x, y) => (x.template < y.template ? -1 : 1)),
      );

      expect(await s.heavySources(ALL, { minPackets: 3 })).toEqual([
        { proto: "tcp", port: 8000, start: h(1), address: "2001:db8::7", packets: 4 },
        { proto: "tcp", port: 8000, start: h(0), address: "192.0.2.1", packets: 3 },
      ]);
    });

    it("merges templates over runs with first, last, count and samples", async () => {
      const s = await fresh();
      await s.append(captureA());
      await s.append(captureB());
      const t = await s.templates();
      expect(t[0]).toEqual({
        template: TPL,
        kind: "http",
        text: "GET /login.rsp",
        first: (T0 + 61) * US,
        last: (T0 + HOUR + 130) * US,
        count: 2,
        samples: ["GET /login.rsp HTTP/1.1", "GET /login.rsp HTTP/1.0"],
        sampleSessions: ["s-a-1", "s-b-1"],
      });
      expect(t.map((x) => x.template)).toEqual([TPL, TPL2]);
      const late = await s.templates({ from: (T0 + HOUR) * US, to: ALL.to });
      expect(late.map((x) => x.count)).toEqual([1, 1]);
      const none = await s.templates({ from: (T0 + 5 * HOUR) * US, to: ALL.to });
      expect(none).toEqual([]);
      expect((await s.templates(undefined, 1)).length).toBe(1);
    });

    it("keeps alerts, per rule summaries, IoCs and sensors", async () => {
      const s = await fresh();
      await s.append(captureA());
      await s.append(captureB());
      const alerts = await s.alerts(ALL);
      expect(alerts.map((a) => [a.sid, a.src, a.sessionId])).toEqual([
        [1, "192.0.2.2", "s-a-1"],
        [1, "192.0.2.3", "s-b-1"],
        [2, "192.0.2.4", "s-b-2"],
      ]);
      expect(alerts[0]).toMatchObject({
        ts: (T0 + 61) * US,
        gid: 1,
        rev: 1,
        msg: "PORTENT test rule 1",
        cve: ["CVE-2018-10088"],
        classtype: "attempted-admin",
        proto: "tcp",
        sport: 40000,
        dst: "203.0.113.1",
        dport: 8000,
      });
      expect((await s.alerts(ALL, { sid: 2 })).length).toBe(1);
      expect((await s.alerts(ALL, { limit: 1 })).length).toBe(1);
      expect(await s.alertSummary(ALL)).toEqual([
        {
          sid: 1,
          msg: "PORTENT test rule 1",
          cve: ["CVE-2018-10088"],
          count: 2,
          sources: 2,
          first: (T0 + 61) * US,
          last: (T0 + HOUR + 120) * US,
        },
        {
          sid: 2,
          msg: "PORTENT test rule 2",
          cve: [],
          count: 1,
          sources: 1,
          first: (T0 + HOUR + 125) * US,
          last: (T0 + HOUR + 125) * US,
        },
      ]);
      expect(await s.iocs()).toEqual([
        {
          type: "url",
          value: "http://198.51.100.7/bins/x86",
          first: (T0 + 61) * US,
          last: (T0 + HOUR + 130) * US,
          count: 3,
          templates: [TPL, TPL2].sort(),
        },
      ]);
      expect(await s.sensors()).toEqual([
        { sensor: "capture", first: T0 * US, last: (T0 + 2 * HOUR + 30) * US, runs: 2 },
      ]);
    });

    it("keeps text exactly (quotes, backslashes, newlines, non-ASCII)", async () => {
      const s = await fresh();
      const text = 'GET /a\'b\\c\n"d" é\u0000 ☃';
      await s.append({
        run: RUN_A,
        templates: [
          {
            template: TPL,
            kind: "http",
            text,
            first: 1,
            last: 2,
            count: 1,
            sample: text,
            sampleSession: "x",
          },
        ],
      });
      const [t] = await s.templates();
      expect(t?.text).toBe(text);
      expect(t?.samples).toEqual([text]);
    });

    it("appends large batches in many chunks", async () => {
      const s = await fresh();
      const specs: SourceSpec[] = [];
      for (let i = 0; i < 5000; i++) {
        specs.push({ bucket: T0, port: i % 20, src: `198.51.100.${Math.floor(i / 20)}` });
        specs.push({ bucket: T0, port: 1000 + i, src: `2001:db8::${i.toString(16)}`, packets: 2 });
      }
      await s.append({ run: RUN_A, sources: sourcesOf(specs) });
      const st = await s.stats();
      expect(st.rows.sources).toBe(10000);
      const top = await s.topPorts(ALL, 1);
      expect(top[0]).toMatchObject({ proto: "tcp", port: 0, sources: 250 });
    });
  });

  describe(`${name}: idempotent appends`, () => {
    it("stores a batch appended twice once", async () => {
      const once = await fresh();
      await once.append(captureA());
      const twice = await fresh();
      await twice.append(captureA());
      await twice.append(captureA());
      expect(await snapshot(twice)).toEqual(await snapshot(once));
    });

    it("stores a capture read twice once, also after another capture", async () => {
      const once = await fresh();
      await once.append(captureA());
      await once.append(captureB());
      const again = await fresh();
      await again.append(captureA());
      await again.append(captureB());
      await again.append(captureA());
      await again.append(captureB());
      expect(await snapshot(again)).toEqual(await snapshot(once));
    });

    it("stores a capture's two halves like the whole, and the whole after them adds nothing", async () => {
      const whole = await fresh();
      await whole.append(captureA());
      const halves = await fresh();
      await halves.append(half(captureA(), false));
      await halves.append(half(captureA(), true));
      expect(await snapshot(halves)).toEqual(await snapshot(whole));
      await halves.append(captureA());
      await halves.append(half(captureA(), true));
      expect(await snapshot(halves)).toEqual(await snapshot(whole));
    });

    it("stores any batch cut in any pieces, redelivered in any order, like the whole", async () => {
      const key = fc.record({
        h: fc.integer({ min: 0, max: 2 }),
        port: fc.constantFrom(23, 80, 8000),
        src: fc.integer({ min: 1, max: 12 }),
        packets: fc.integer({ min: 1, max: 9 }),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(key, {
            minLength: 1,
            maxLength: 30,
            selector: (k) => `${k.h}/${k.port}/${k.src}`,
          }),
          fc.array(fc.nat(), { maxLength: 4 }),
          fc.array(fc.nat(), { maxLength: 3 }),
          async (keys, cuts, again) => {
            const rows = sourcesOf(
              keys.map((k) => ({
                bucket: T0 + k.h * HOUR,
                port: k.port,
                src: `198.51.100.${k.src}`,
                packets: k.packets,
              })),
            );
            const run = runIdOf("property");
            const bounds = [
              ...new Set([0, ...cuts.map((c) => c % (rows.length + 1)), rows.length]),
            ].sort((a, b) => a - b);
            const pieces: RecordBatch[] = [];
            for (let i = 1; i < bounds.length; i++) {
              pieces.push({
                run,
                sources: sliceRows(rows, bounds[i - 1] as number, bounds[i] as number),
              });
            }
            const whole = await fresh();
            await whole.append({ run, sources: rows });
            const cut = await fresh();
            for (const p of [...pieces].reverse()) await cut.append(p);
            for (const i of again) await cut.append(pieces[i % pieces.length] as RecordBatch);
            expect(await snapshot(cut)).toEqual(await snapshot(whole));
            for (const s of open.splice(0)) await s.close();
          },
        ),
        { numRuns: 8 },
      );
    });

    it("adds up two consecutive captures that share an hour", async () => {
      const s = await fresh();
      await s.append(captureA());
      await s.append(captureB());
      const [h1] = await s.portSeries(
        { from: (T0 + HOUR) * US, to: (T0 + 2 * HOUR) * US },
        { ports: [{ proto: "tcp", port: 8000 }] },
      );
      // 192.0.2.3 and 2001:db8::7 from A, 192.0.2.3 again and 192.0.2.4 from B.
      expect([...(h1?.sources ?? [])]).toEqual([3]);
      const top = await s.topPorts({ from: (T0 + HOUR) * US, to: (T0 + 2 * HOUR) * US }, 1);
      expect(top[0]).toMatchObject({ port: 8000, sources: 3, packets: 7, sessions: 2 });
    });
  });

  describe(`${name}: arguments and retention`, () => {
    it("refuses bad run ids, off-bucket rows, finer series and non-hex template ids", async () => {
      const s = await fresh();
      await expect(s.append({ run: "not-a-run" })).rejects.toThrow(/run id/);
      const off = sourcesOf([{ bucket: T0 + 60, port: 80, src: "192.0.2.1" }]);
      await expect(s.append({ run: RUN_A, sources: off })).rejects.toThrow(/bucket/);
      await expect(s.portSeries(ALL, { bucketSeconds: 300 })).rejects.toThrow(/bucket/);
      await expect(s.templateSeries(ALL, { templates: ["x' OR 1=1 --"] })).rejects.toThrow(/hex/);
      expect((await s.stats()).rows.sources).toBe(0);
    });

    it("keeps 5-minute buckets when created with them", async () => {
      const s = await fresh({ bucketSeconds: 300 });
      expect(s.bucketSeconds).toBe(300);
      await s.append({
        run: RUN_A,
        sources: sourcesOf([
          { bucket: T0, port: 80, src: "192.0.2.1" },
          { bucket: T0 + 300, port: 80, src: "192.0.2.2" },
          { bucket: T0 + 300, port: 80, src: "192.0.2.1" },
        ]),
      });
      const [five] = await s.portSeries({ from: T0 * US, to: (T0 + 900) * US });
      expect([...(five?.sources ?? [])]).toEqual([1, 2, 0]);
      const [hour] = await s.portSeries(
        { from: T0 * US, to: (T0 + 1) * US },
        { bucketSeconds: 3600 },
      );
      expect([...(hour?.sources ?? [])]).toEqual([2]);
    });

    it("prunes what is older than a time", async () => {
      const s = await fresh();
      await s.append(captureA());
      await s.append(captureB());
      await s.prune((T0 + HOUR) * US);
      const st = await s.stats();
      expect(st.first).toBe((T0 + HOUR) * US);
      expect(st.rows.minutes).toBe(4);
      expect(st.rows.sources).toBe(6);
      expect(st.rows.alerts).toBe(2);
      expect((await s.topPorts(ALL, 10)).map((p) => p.port)).toEqual([8000, 5060]);
    });
  });
}
