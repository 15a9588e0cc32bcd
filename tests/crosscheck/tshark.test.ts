/**
 * Cross-checks Portent's counts against tshark on every real capture in ../shared/data and on
 * simulated ones: total frames, TCP SYNs (without ACK) and their distinct sources per
 * destination port, and UDP packets per destination port towards the first sender's peer.
 */
import { existsSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { analyzeFiles } from "../../src/aggregate/analyze-files.js";
import type { Probe, Session } from "../../src/schema/session.js";
import { simulate } from "../../src/simulate/scenarios.js";
import { haveTshark, type TsharkRow, tsharkFrameCount, tsharkRows } from "./tshark.js";

const DATA = resolve(process.cwd(), "../shared/data");

function captures(): string[] {
  const out: string[] = [];
  const add = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const d of readdirSync(dir)) {
      const sub = join(dir, d);
      if (!statSync(sub).isDirectory()) continue;
      for (const f of readdirSync(sub)) if (/\.pcap(ng)?$/.test(f)) out.push(join(sub, f));
    }
  };
  add(join(DATA, "pcaps"));
  add(join(DATA, "suricata-verify/tests"));
  add(join(DATA, "suricata-verify/iot-relevant"));
  return out.sort();
}

interface Expected {
  synPackets: Map<number, number>;
  synSources: Map<number, Set<string>>;
  udpPackets: Map<number, number>;
}

/** Applies the documented client rules to tshark's fields. */
function expected(rows: TsharkRow[]): Expected {
  const synPackets = new Map<number, number>();
  const synSources = new Map<number, Set<string>>();
  const udpPackets = new Map<number, number>();
  const synDir = new Map<string, string>();
  const udpDir = new Map<string, string>();
  for (const r of rows) {
    const a = `${r.src}|${r.sport}`;
    const b = `${r.dst}|${r.dport}`;
    const key = a < b ? `${r.proto}|${a}|${b}` : `${r.proto}|${b}|${a}`;
    if (r.proto === "tcp" && r.syn && !r.ack) {
      // The client is the sender of the first SYN without ACK; a SYN from the other side
      // (split handshake) is a reply and counts for nothing.
      const first = synDir.get(key);
      if (first === undefined) synDir.set(key, a);
      else if (first !== a) continue;
      synPackets.set(r.dport, (synPackets.get(r.dport) ?? 0) + 1);
      const s = synSources.get(r.dport) ?? new Set<string>();
      synSources.set(r.dport, s);
      s.add(r.src);
    } else if (r.proto === "udp") {
      const first = udpDir.get(key);
      if (first === undefined) udpDir.set(key, a);
      else if (first !== a) continue;
      udpPackets.set(r.dport, (udpPackets.get(r.dport) ?? 0) + 1);
    }
  }
  return { synPackets, synSources, udpPackets };
}

async function portent(file: string) {
  const synSources = new Map<number, Set<string>>();
  const addSyn = (port: number, src: string) => {
    const s = synSources.get(port) ?? new Set<string>();
    synSources.set(port, s);
    s.add(src);
  };
  const { report } = await analyzeFiles([file], {
    flow: { udpTimeout: Number.MAX_SAFE_INTEGER },
    onProbe: (p: Probe) => {
      if (p.proto === "tcp" && p.fingerprint !== "") addSyn(p.dport, p.src);
    },
    onSession: (s: Session) => {
      if (s.proto === "tcp" && s.handshake) addSyn(s.dport, s.src);
    },
  });
  const synPackets = new Map<number, number>();
  const udpPackets = new Map<number, number>();
  for (const p of report.ports) {
    if (p.proto === "tcp") {
      const n = Object.values(p.fingerprints).reduce((t, x) => t + x, 0);
      if (n > 0) synPackets.set(p.port, n);
    } else if (p.proto === "udp") {
      udpPackets.set(p.port, p.packets);
    }
  }
  return { report, synPackets, synSources, udpPackets };
}

const sorted = (m: Map<number, number>) => [...m.entries()].sort((x, y) => x[0] - y[0]);
const sortedSets = (m: Map<number, Set<string>>) =>
  [...m.entries()].map(([k, v]) => [k, [...v].sort()] as const).sort((x, y) => x[0] - y[0]);

describe("tshark cross-check", () => {
  it("has tshark installed (scripts/test-setup.sh installs it)", () => {
    expect(haveTshark()).toBe(true);
  });

  const sims: string[] = [];
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), "portent-xcheck-"));
    for (const [name, scale] of [
      ["smoke", 1],
      ["satori-2018", 0.05],
    ] as const) {
      const out = join(dir, `${name}.pcap`);
      simulate(name, { seed: 3, scale, out });
      sims.push(out);
    }
  });

  it("has captures to check", () => {
    expect(captures().length).toBeGreaterThanOrEqual(50);
  });

  for (const file of [...captures(), "sim:smoke", "sim:satori-2018"]) {
    const label = file.startsWith("sim:") ? file : file.slice(DATA.length + 1);
    it(`matches tshark on ${label}`, async () => {
      const path = file.startsWith("sim:")
        ? (sims.find((s) => s.endsWith(`${file.slice(4)}.pcap`)) as string)
        : file;
      const ours = await portent(path);
      expect(ours.report.input.packets).toBe(tsharkFrameCount(path));
      const exp = expected(tsharkRows(path));
      expect(sorted(ours.synPackets)).toEqual(sorted(exp.synPackets));
      expect(sortedSets(ours.synSources)).toEqual(sortedSets(exp.synSources));
      expect(sorted(ours.udpPackets)).toEqual(sorted(exp.udpPackets));
    });
  }
});
