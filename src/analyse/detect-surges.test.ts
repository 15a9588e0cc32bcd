import { describe, expect, it } from "vitest";
import type { Probe, Session } from "../schema/session.js";
import { detectSurges } from "./detect-surges.js";
import { SeriesBuilder } from "./series.js";
import { renderSurges } from "./surges-text.js";

const HOUR = 3_600_000_000;
const T0 = Date.UTC(2018, 5, 8) * 1000;
const TEMPLATE = "5ca1ab1e00c0ffee";
const SID = 2025001;

function probe(ts: number, src: string, dport: number, fingerprint: string): Probe {
  return {
    proto: "tcp",
    src,
    srcKey: src,
    sport: 40000,
    dst: "2001:db8:ffff::1",
    dport,
    ts,
    packets: 1,
    fingerprint,
    ttl: 50,
    window: 1024,
    ipId: 1,
    seq: 1,
    tcpOptionsLen: 0,
  };
}

function session(start: number, src: string, dport: number): Session {
  return {
    id: `${start}-${src}`,
    proto: "tcp",
    src,
    srcKey: src,
    sport: 40001,
    dst: "2001:db8:ffff::2",
    dstKey: "2001:db8:ffff::2",
    dport,
    start,
    end: start + 1e6,
    clientBytes: new Uint8Array(0),
    clientBytesTotal: 100,
    serverBytes: new Uint8Array(0),
    serverBytesTotal: 0,
    clientPackets: 4,
    serverPackets: 3,
    handshake: true,
    gaps: 0,
    truncated: false,
    close: "fin",
    fingerprint: "unknown",
    ttl: 50,
    window: 1024,
  };
}

/** Eight days: quiet background on 8000 and 80, then from day 6 03:00 a wave of 40 bots an hour on 8000. */
function build() {
  const b = new SeriesBuilder();
  const waveStart = 5 * 24 + 3;
  for (let h = 0; h < 8 * 24; h++) {
    const t = T0 + h * HOUR;
    for (let i = 0; i < 3; i++)
      b.onProbe(probe(t + i * 1e6, `2001:db8:1::${(h * 3 + i) % 7}`, 8000, "unknown"));
    for (let i = 0; i < 10; i++) b.onProbe(probe(t + i * 1e6, `2001:db8:2::${i}`, 80, "masscan"));
    if (h < waveStart) continue;
    for (let i = 0; i < 40; i++) {
      const src = `2001:db8:3::${(h * 40 + i).toString(16)}`;
      b.onProbe(probe(t + 1e9 + i * 1e6, src, 8000, "mirai"));
      const s = session(t + 1.5e9 + i * 1e6, src, 8000);
      b.onSession(s);
      b.label(s, TEMPLATE, i % 10 === 0 ? [] : [SID]);
    }
  }
  return b.finish();
}

const explain = {
  rule: (sid: number) =>
    sid === SID
      ? { msg: "XiongMai uc-httpd login.htm overflow", cve: ["CVE-2018-10088"] }
      : undefined,
  template: (id: string) => (id === TEMPLATE ? { text: "POST /login.htm ..." } : undefined),
};

describe("detectSurges", () => {
  const set = build();
  const surges = detectSurges(set, { explain });

  it("finds the wave on its port, its template and its rule, sorted by detection then size", () => {
    expect(surges.map((s) => [s.kind, s.key, s.onset, s.detectedAt])).toEqual([
      ["port", "tcp/8000", "2018-06-13T03:00:00Z", "2018-06-13T04:00:00Z"],
      ["template", TEMPLATE, "2018-06-13T03:00:00Z", "2018-06-13T04:00:00Z"],
      ["sid", "sid:2025001", "2018-06-13T03:00:00Z", "2018-06-13T04:00:00Z"],
    ]);
  });

  it("explains the port surge: templates, rules, CVEs and fingerprints", () => {
    const s = surges[0];
    expect(s).toMatchObject({
      proto: "tcp",
      port: 8000,
      peakSources: 43,
      detectedSources: 43,
      baselineSources: 3,
      ratio: 14.3,
      state: "peaked",
      templates: [TEMPLATE],
      cve: ["CVE-2018-10088"],
      newSeries: false,
      bucketSeconds: 3600,
      baselineHours: 123,
    });
    expect(s?.templateShares[0]).toMatchObject({
      id: TEMPLATE,
      share: 1,
      label: "POST /login.htm ...",
      cve: ["CVE-2018-10088"],
    });
    expect(s?.sids[0]).toMatchObject({
      id: SID,
      share: 0.9,
      label: "XiongMai uc-httpd login.htm overflow",
    });
    expect(s?.fingerprints.mirai).toBeCloseTo(40 / 43, 2);
    expect(s?.why).toBe(
      "8000/tcp: 43 distinct sources in the hour to 2018-06-13T04:00Z, 14.3x the 5-day median of 3; " +
        `100% of sessions carry template ${TEMPLATE.slice(0, 12)} matching CVE-2018-10088; ` +
        "93% Mirai-style SYNs (seq = destination address)",
    );
    expect(s?.series.length).toBeGreaterThan(72);
  });

  it("explains label surges with the port their sessions went to", () => {
    const t = surges.find((s) => s.kind === "template");
    expect(t).toMatchObject({
      port: 8000,
      proto: "tcp",
      template: TEMPLATE,
      newSeries: true,
      cve: ["CVE-2018-10088"],
    });
    expect(t?.why).toMatch(
      /^template 5ca1ab1e00c0: 40 distinct sources .* with no baseline .*; mostly to 8000\/tcp/,
    );
    const r = surges.find((s) => s.kind === "sid");
    expect(r?.why).toMatch(/^rule sid 2025001: 36 distinct sources/);
  });

  it("says when a surge fired on a level above its window, or on a rise accumulated over hours", () => {
    // 81/tcp: 30 sources an hour, then 52 (1.7x); 82/tcp: 3, then 8, 9 and 14 an hour.
    const b = new SeriesBuilder();
    const counts = (port: number, h: number) => {
      const after = h - 6 * 24;
      if (port === 81) return after >= 0 && after < 4 ? 52 : 30;
      return [8, 9, 14, 15][after] ?? 3;
    };
    for (let h = 0; h < 7 * 24; h++) {
      for (const port of [81, 82]) {
        for (let i = 0; i < counts(port, h); i++) {
          b.onProbe(
            probe(T0 + h * HOUR + i * 1e6, `2001:db8:${port}::${i.toString(16)}`, port, "unknown"),
          );
        }
      }
    }
    const found = detectSurges(b.finish(), { kinds: ["port"] });
    const novel = found.find((s) => s.key === "tcp/81");
    const slow = found.find((s) => s.key === "tcp/82");
    expect(novel?.detectedAt).toBe("2018-06-14T02:00:00Z");
    expect(novel?.why).toMatch(/; above every hour of its 6-day window \(highest 30\)$/);
    expect(slow?.detectedAt).toBe("2018-06-14T03:00:00Z");
    expect(slow?.why).toMatch(/; evidence accumulated over 3 hours of rise$/);
  });

  it("runs only the kinds asked for", () => {
    expect(detectSurges(set, { kinds: ["port"] }).map((s) => s.kind)).toEqual(["port"]);
  });

  it("renders the terminal section with a chart", () => {
    const text = renderSurges(surges, { color: false, top: 1, chartWidth: 40, chartHeight: 3 });
    expect(text).toContain("Surges (3)");
    expect(text).toContain("8000/tcp  peaked  43 sources at peak");
    expect(text).toContain("onset 2018-06-13 03:00Z  detected 2018-06-13 04:00Z (+1.0 h)");
    expect(text).toContain("43 ┤");
    // The template and rule surges on the same port fold under the port surge.
    expect(text).toMatch(/with it: template [0-9a-f]{16}, onset/);
    expect(text).toMatch(/with it: rule sid \d+, onset/);
    expect(text).not.toContain("more in the JSON report");
    expect(renderSurges([])).toBe("");
  });

  it("stays silent over 65,536 mostly empty port series", () => {
    const b = new SeriesBuilder();
    for (let p = 0; p < 65536; p++) {
      b.onProbe(probe(T0 + Math.floor((p * 700) / 65536) * HOUR, "2001:db8::1", p, "unknown"));
    }
    const big = b.finish();
    expect(big.ports.length).toBe(65536);
    // Its speed is measured in bench/surges.ts; here only that nothing fires.
    expect(detectSurges(big)).toEqual([]);
  });
});
