import { describe, expect, it } from "vitest";
import type { Probe } from "../schema/session.js";
import type { ReportSurge } from "../schema/surge.js";
import type { Truth, TruthCampaign } from "../schema/truth.js";
import { Attribution } from "./attribution.js";

const HOUR_US = 3_600_000_000;
const START = "2018-06-07T00:00:00Z";
const T0 = Date.parse(START) * 1000;
const PORT = 8080;

function campaign(id: string, sourceBlock: string, surge: boolean): TruthCampaign {
  return {
    id,
    name: id,
    family: "test",
    cve: [],
    ports: [PORT],
    proto: "tcp",
    onset: START,
    payloadKind: "none",
    sources: 0,
    hourlySources: [],
    syns: 0,
    sessions: 0,
    fingerprint: "mirai",
    surge,
    sourceBlock,
  };
}

const truth: Truth = {
  version: 1,
  scenario: "attribution-test",
  seed: 1,
  scale: 1,
  network: "192.0.2.0/24",
  network6: "2001:db8::/64",
  start: START,
  end: "2018-06-17T00:00:00Z",
  packets: 0,
  campaigns: [
    campaign("steady", "198.51.100.0/25", false),
    campaign("wave", "203.0.113.0/24", true),
  ],
  background: { sources: 0, ports: 0, description: "" },
};

/** An IPv4 source of `block` ("a.b.c") as the pipeline keys it. */
function src(block: string, host: number): number {
  const [a, b, c] = block.split(".").map(Number) as [number, number, number];
  return ((a * 256 + b) * 256 + c) * 256 + host;
}

function probe(hour: number, srcKey: number): Probe {
  return {
    proto: "tcp",
    src: "",
    srcKey,
    sport: 40000,
    dst: "192.0.2.1",
    dport: PORT,
    ts: T0 + hour * HOUR_US + 1e6,
    packets: 1,
    fingerprint: "mirai",
    ttl: 50,
    window: 1024,
    ipId: 1,
    seq: 1,
    tcpOptionsLen: 0,
  };
}

/**
 * Eight days of a steady campaign (12 sources an hour, 198.51.100.0/25) and background (8
 * unlabelled sources of 198.51.100.128/25),
 * then from day 8 10:00 a wave of `wave` sources an hour.
 */
function scene(wave: number) {
  const a = new Attribution(truth, 3600);
  const series = new Map<number, number>();
  const first = T0 / HOUR_US;
  for (let h = 0; h < 8 * 24 + 14; h++) {
    const n = h >= 8 * 24 + 10 ? wave : 0;
    for (let i = 0; i < 12; i++) a.onProbe(probe(h, src("198.51.100", i)));
    for (let i = 0; i < 8; i++) a.onProbe(probe(h, src("198.51.100", 128 + i)));
    for (let i = 0; i < n; i++) a.onProbe(probe(h, src("203.0.113", i)));
    series.set(first + h, 20 + n);
  }
  const surge = {
    kind: "port",
    proto: "tcp",
    port: PORT,
    onset: "2018-06-15T10:00:00Z",
    detectedAt: "2018-06-15T12:00:00Z",
  } as ReportSurge;
  return { owner: a.ownerOf(surge, (b) => series.get(b) ?? 0), a, series };
}

describe("who drove a port surge", () => {
  it("credits the actor that brought the excess, though under a third of the port's sources", () => {
    // 9 of 29 sources an hour and 7 of 27 (26%): by raw pairs the steady campaign (12) leads.
    expect(scene(9).owner?.id).toBe("wave");
    expect(scene(7).owner?.id).toBe("wave");
  });

  it("credits no one when nothing rose above its usual level", () => {
    expect(scene(0).owner).toBeNull();
  });

  it("credits no one when the riser brought under 30% of the excess", () => {
    const { a, series } = scene(2);
    // The port rose by 30 an hour; the wave brought 2 of them, the rest was unlabelled background.
    for (const b of [0, 1]) series.set(T0 / HOUR_US + 8 * 24 + 10 + b, 52);
    const surge = {
      kind: "port",
      proto: "tcp",
      port: PORT,
      onset: "2018-06-15T10:00:00Z",
      detectedAt: "2018-06-15T12:00:00Z",
    } as ReportSurge;
    expect(a.ownerOf(surge, (b) => series.get(b) ?? 0)).toBeNull();
  });
});
