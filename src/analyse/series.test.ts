import { describe, expect, it } from "vitest";
import type { Probe, Session } from "../schema/session.js";
import { NetworkList } from "./networks.js";
import { type Series, SeriesBuilder } from "./series.js";

const HOUR = 3_600_000_000;
/** 2018-06-14T00:00Z in µs, an hour boundary. */
const T0 = Date.UTC(2018, 5, 14) * 1000;

/** 192.0.2.x as a source key. */
const doc = (i: number) => ((192 << 24) | (0 << 16) | (2 << 8) | i) >>> 0;

function probe(ts: number, src: number | string, dport: number, extra: Partial<Probe> = {}): Probe {
  return {
    proto: "tcp",
    src: typeof src === "number" ? `192.0.2.${src & 255}` : src,
    srcKey: src,
    sport: 40000,
    dst: "203.0.113.1",
    dport,
    ts,
    packets: 1,
    fingerprint: "unknown",
    ttl: 50,
    window: 1024,
    ipId: 1,
    seq: 1,
    tcpOptionsLen: 0,
    ...extra,
  };
}

function session(start: number, src: number, dport: number, fingerprint = ""): Session {
  return {
    id: `s${start}-${src}`,
    proto: "tcp",
    src: `192.0.2.${src & 255}`,
    srcKey: src,
    sport: 40001,
    dst: "203.0.113.2",
    dstKey: 0xcb007102,
    dport,
    start,
    end: start + 1e6,
    clientBytes: new Uint8Array(0),
    clientBytesTotal: 10,
    serverBytes: new Uint8Array(0),
    serverBytesTotal: 0,
    clientPackets: 4,
    serverPackets: 3,
    handshake: true,
    gaps: 0,
    truncated: false,
    close: "fin",
    fingerprint,
    ttl: 50,
    window: 1024,
  };
}

function values(s: Series | undefined): Array<[number, number]> {
  if (s === undefined) return [];
  return Array.from({ length: s.n }, (_, i) => [s.buckets[i] as number, s.sources[i] as number]);
}

const B0 = T0 / HOUR;

describe("SeriesBuilder", () => {
  it("counts distinct sources per bucket and port, exactly", () => {
    const b = new SeriesBuilder();
    for (let i = 0; i < 30; i++) b.onProbe(probe(T0 + i * 1e6, doc(i % 10), 8000));
    b.onProbe(probe(T0 + 5e6, doc(1), 80));
    b.onProbe(probe(T0 + HOUR + 1, doc(1), 8000, { proto: "udp" }));
    b.onProbe(probe(T0 + HOUR + 2, "2001:db8::1", 8000));
    b.onProbe(probe(T0 + HOUR + 3, "2001:db8::1", 8000));
    b.onSession(session(T0 + HOUR + 4, doc(2), 8000));
    const set = b.finish();
    const tcp8000 = set.ports.find((s) => s.key === "tcp/8000");
    expect(values(tcp8000)).toEqual([
      [B0, 10],
      [B0 + 1, 2],
    ]);
    expect(values(set.ports.find((s) => s.key === "udp/8000"))).toEqual([[B0 + 1, 1]]);
    expect(values(set.ports.find((s) => s.key === "tcp/80"))).toEqual([[B0, 1]]);
    expect(tcp8000?.packets[0]).toBe(30);
    expect(tcp8000?.sessions[1]).toBe(1);
    expect(set.first).toBe(B0);
    expect(set.end).toBe(B0 + 2);
  });

  it("counts sources per fingerprint, each source once per bucket", () => {
    const b = new SeriesBuilder();
    b.onProbe(probe(T0, doc(1), 23, { fingerprint: "mirai" }));
    b.onProbe(probe(T0 + 1, doc(1), 23, { fingerprint: "mirai" }));
    b.onSession(session(T0 + 2, doc(1), 23, "unknown"));
    b.onProbe(probe(T0 + 3, doc(2), 23, { fingerprint: "masscan" }));
    b.onProbe(probe(T0 + 4, doc(3), 23, { fingerprint: "zmap" }));
    const s = b.finish().ports[0] as Series;
    // mirai, masscan, zmap, unknown
    expect(Array.from(s.fp.subarray(0, 4))).toEqual([1, 1, 1, 1]);
    expect(s.sources[0]).toBe(3);
  });

  it("accepts records out of order within the lateness, and counts later ones as late", () => {
    const b = new SeriesBuilder({ latenessSeconds: 3600 });
    b.onProbe(probe(T0 + HOUR / 2, doc(1), 22));
    b.onProbe(probe(T0 + 1.9 * HOUR, doc(2), 22));
    b.onProbe(probe(T0 + 10, doc(3), 22)); // late but within the hour allowed
    b.onProbe(probe(T0 + 2.5 * HOUR, doc(4), 22)); // closes bucket 0
    b.onProbe(probe(T0 + 20, doc(5), 22)); // too late
    const set = b.finish();
    expect(values(set.ports[0])).toEqual([
      [B0, 2],
      [B0 + 1, 1],
      [B0 + 2, 1],
    ]);
    expect(set.stats.late).toBe(1);
  });

  it("keeps memory bounded: only the open buckets hold source pairs", () => {
    const b = new SeriesBuilder();
    for (let h = 0; h < 24 * 10; h++) {
      for (let i = 0; i < 50; i++)
        b.onProbe(probe(T0 + h * HOUR + i * 1e6, doc(i), 1000 + (h % 5)));
    }
    const set = b.finish();
    expect(set.stats.cells).toBe(240);
    // lateness 2 h: at most the current bucket and the two before it are open
    expect(set.stats.peakOpenPairs).toBeLessThanOrEqual(3 * 50);
  });

  it("leaves out excluded networks and counts them", () => {
    const exclude = new NetworkList([{ name: "lab", networks: ["192.0.2.0/28", "2001:db8::/64"] }]);
    const b = new SeriesBuilder({ exclude });
    b.onProbe(probe(T0, doc(3), 443));
    b.onProbe(probe(T0, doc(20), 443));
    b.onProbe(probe(T0, "2001:db8::5", 443));
    b.onProbe(probe(T0, "2001:db8:1::5", 443));
    const set = b.finish();
    expect(values(set.ports[0])).toEqual([[B0, 2]]);
    expect(set.stats.excluded).toBe(2);
  });

  it("reports a source sending most of a port's packets as a heavy hitter, merged over buckets", () => {
    const b = new SeriesBuilder();
    for (let h = 0; h < 2; h++) {
      b.onProbe(probe(T0 + h * HOUR, doc(66), 3389, { packets: 60_000 }));
      for (let i = 0; i < 5; i++) b.onProbe(probe(T0 + h * HOUR + i, doc(i), 3389));
    }
    const set = b.finish();
    expect(set.heavyHitters).toEqual([
      {
        address: "192.0.2.66",
        proto: "tcp",
        port: 3389,
        first: "2018-06-14T00:00:00Z",
        last: "2018-06-14T01:00:00Z",
        packets: 120_000,
        buckets: 2,
        share: 60_000 / 60_005,
      },
    ]);
    expect(values(set.ports[0])).toEqual([
      [B0, 6],
      [B0 + 1, 6],
    ]);
  });

  it("builds template and sid series and tallies labels on the port", () => {
    const b = new SeriesBuilder();
    for (let i = 0; i < 4; i++) {
      const s = session(T0 + i, doc(i), 8000);
      b.onProbe(probe(T0 + i, doc(i), 8000, { fingerprint: "mirai" }));
      b.onSession(s);
      b.label(s, "t1", i < 3 ? [2025001] : []);
    }
    b.addTemplate(T0 + 9, "t2", doc(9));
    const set = b.finish();
    const t1 = set.templates.find((t) => t.template === "t1");
    expect(values(t1)).toEqual([[B0, 4]]);
    expect(t1?.fp[0]).toBe(4); // all four sources sent Mirai-style SYNs to the port
    expect(t1?.details?.get(0)?.ports).toEqual(new Map([[8000, 4]]));
    expect(values(set.templates.find((t) => t.template === "t2"))).toEqual([[B0, 1]]);
    expect(values(set.sids[0])).toEqual([[B0, 3]]);
    expect(set.sids[0]?.key).toBe("sid:2025001");
    const port = set.ports.find((p) => p.port === 8000);
    const d = port?.details?.get(0);
    expect(d?.templates).toEqual(new Map([["t1", 4]]));
    expect(d?.sids).toEqual(new Map([[2025001, 3]]));
    expect(d?.templateSids).toEqual(new Map([["t1 2025001", 3]]));
  });

  it("tallies countries and ASNs when given an enricher", () => {
    const b = new SeriesBuilder({
      enrich: (a) =>
        a.endsWith(".1") ? { country: "BR", asn: 64500, asOrg: "Example" } : { country: "VN" },
    });
    b.onProbe(probe(T0, doc(1), 80));
    b.onProbe(probe(T0, doc(2), 80));
    b.onProbe(probe(T0, doc(3), 80));
    const d = b.finish().ports[0]?.details?.get(0);
    expect(d?.countries).toEqual(
      new Map([
        ["BR", 1],
        ["VN", 2],
      ]),
    );
    expect(d?.asns).toEqual(new Map([[64500, 1]]));
    expect(d?.asOrgs?.get(64500)).toBe("Example");
  });

  it("accepts buckets from 5 minutes that divide a day, and finer ones not", () => {
    expect(() => new SeriesBuilder({ bucketSeconds: 60 })).toThrow(RangeError);
    expect(() => new SeriesBuilder({ bucketSeconds: 7 * 60 })).toThrow(RangeError);
    const b = new SeriesBuilder({ bucketSeconds: 300 });
    b.onProbe(probe(T0 + 299e6, doc(1), 80));
    b.onProbe(probe(T0 + 300e6, doc(1), 80));
    const set = b.finish();
    expect(set.bucketSeconds).toBe(300);
    expect(values(set.ports[0])).toEqual([
      [T0 / 300e6, 1],
      [T0 / 300e6 + 1, 1],
    ]);
  });

  it("uses the observation range when given", () => {
    const b = new SeriesBuilder();
    b.observe(T0 - 5 * HOUR, T0 + 10 * HOUR - 1);
    b.onProbe(probe(T0, doc(1), 80));
    const set = b.finish();
    expect([set.first, set.end, set.lastPartial]).toEqual([B0 - 5, B0 + 10, false]);
  });
});
