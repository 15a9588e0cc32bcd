import { describe, expect, it } from "vitest";
import { Anomalies } from "../schema/anomalies.js";
import type { RawPacket } from "../schema/raw-packet.js";
import { buildFrame, type FrameSpec, linuxSynOptions } from "../simulate/frames.js";
import { Analyzer } from "./analyzer.js";
import { buildReport } from "./report.js";

const HONEYPOT = "203.0.113.5";
const T0 = Date.UTC(2018, 5, 14, 3) * 1000;

function analyse(frames: Array<[number, FrameSpec]>) {
  const anomalies = new Anomalies();
  const a = new Analyzer({ anomalies, fileNames: ["test"] });
  frames.forEach(([dt, spec], i) => {
    const data = buildFrame(spec);
    const raw: RawPacket = {
      ts: T0 + dt,
      linkType: 1,
      data,
      origLen: data.length,
      offset: i,
      fileIndex: 0,
    };
    a.packet(raw);
  });
  a.finish();
  return buildReport(a, { anomalies, files: [] });
}

describe("Analyzer", () => {
  it("counts a handshake + request as one session towards the server port, replies for nothing", () => {
    const c = "198.51.100.7";
    const r = analyse([
      [
        0,
        {
          src: c,
          dst: HONEYPOT,
          proto: "tcp",
          sport: 40000,
          dport: 80,
          seq: 1,
          flags: 0x02,
          tcpOptions: linuxSynOptions(),
        },
      ],
      [
        10,
        {
          src: HONEYPOT,
          dst: c,
          proto: "tcp",
          sport: 80,
          dport: 40000,
          seq: 7,
          ack: 2,
          flags: 0x12,
        },
      ],
      [
        20,
        {
          src: c,
          dst: HONEYPOT,
          proto: "tcp",
          sport: 40000,
          dport: 80,
          seq: 2,
          ack: 8,
          flags: 0x18,
          payload: new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n"),
        },
      ],
      [
        30,
        {
          src: HONEYPOT,
          dst: c,
          proto: "tcp",
          sport: 80,
          dport: 40000,
          seq: 8,
          ack: 20,
          flags: 0x19,
        },
      ],
    ]);
    expect(r.ports).toEqual([
      expect.objectContaining({
        proto: "tcp",
        port: 80,
        packets: 2,
        probes: 0,
        sessions: 1,
        sources: 1,
      }),
    ]);
    expect(r.streams.httpSessions).toBe(1);
    expect(r.topSources[0]).toMatchObject({ address: c, packets: 2, ports: 1, sessions: 1 });
  });

  it("counts Mirai SYNs per source and per port, with distinct sources", () => {
    const dst = 0xcb007105; // 203.0.113.5
    const frames: Array<[number, FrameSpec]> = [];
    for (let i = 0; i < 10; i++) {
      frames.push([
        i,
        {
          src: `192.0.2.${i % 4}`,
          dst: HONEYPOT,
          proto: "tcp",
          sport: 1000 + i,
          dport: 23,
          seq: dst,
          flags: 0x02,
        },
      ]);
    }
    frames.push([
      20,
      {
        src: "192.0.2.200",
        dst: HONEYPOT,
        proto: "tcp",
        sport: 999,
        dport: 23,
        seq: 5,
        flags: 0x02,
        tcpOptions: linuxSynOptions(),
      },
    ]);
    const r = analyse(frames);
    expect(r.ports[0]).toMatchObject({
      port: 23,
      packets: 11,
      probes: 11,
      sources: 5,
      fingerprints: { mirai: 10, unknown: 1 },
    });
    const mirai = r.fingerprints.find((f) => f.name === "mirai");
    expect(mirai).toMatchObject({ sources: 4, packets: 10, exclusiveSources: 4 });
  });

  it("does not count an ICMP echo reply whose request was seen, but counts a lone reply", () => {
    const ping = Uint8Array.of(0x12, 0x34, 0, 1); // identifier 0x1234, sequence 1
    const r = analyse([
      [0, { src: "192.0.2.1", dst: HONEYPOT, proto: "icmp", icmpType: 8, payload: ping }],
      [1, { src: HONEYPOT, dst: "192.0.2.1", proto: "icmp", icmpType: 0, payload: ping }],
      [2, { src: "192.0.2.2", dst: HONEYPOT, proto: "icmp", icmpType: 0, payload: ping }],
    ]);
    const echo = r.ports.find((p) => p.proto === "icmp" && p.port === 8);
    const reply = r.ports.find((p) => p.proto === "icmp" && p.port === 0);
    expect(echo).toMatchObject({ packets: 1, sources: 1, probes: 1 });
    expect(reply).toMatchObject({ packets: 1, sources: 1 });
    expect(r.topSources.map((s) => s.address).sort()).toEqual(["192.0.2.1", "192.0.2.2"]);
  });

  it("counts UDP towards the first sender's peer, and IPv6 sources by text", () => {
    const r = analyse([
      [
        0,
        {
          src: "2001:db8::7",
          dst: "2001:db8:ffff::5",
          proto: "udp",
          sport: 5000,
          dport: 53,
          payload: Uint8Array.of(1),
        },
      ],
      [
        1,
        {
          src: "2001:db8:ffff::5",
          dst: "2001:db8::7",
          proto: "udp",
          sport: 53,
          dport: 5000,
          payload: Uint8Array.of(2),
        },
      ],
      [2, { src: "2001:db8::8", dst: "2001:db8:ffff::5", proto: "udp", sport: 5001, dport: 53 }],
    ]);
    expect(r.ports).toEqual([
      expect.objectContaining({
        proto: "udp",
        port: 53,
        packets: 2,
        sources: 2,
        sessions: 1,
        probes: 1,
      }),
    ]);
  });
});
