/** @module Sessions and probes for the sensor's tests (documentation addresses). */

import type { Probe, Session } from "../../schema/session.js";

const enc = new TextEncoder();

/** A TCP session from 198.51.100.7 to 203.0.113.5 carrying `payload`; fields overridable. */
export function testSession(payload: string, over: Partial<Session> = {}): Session {
  const start = over.start ?? Date.UTC(2018, 5, 9, 5, 10) * 1000;
  return {
    id: "s-test",
    proto: "tcp",
    src: "198.51.100.7",
    srcKey: 0xc6336407,
    sport: 40000,
    dst: "203.0.113.5",
    dstKey: 0xcb007105,
    dport: 8000,
    start,
    end: start + 1000,
    clientBytes: enc.encode(payload),
    clientBytesTotal: payload.length,
    serverBytes: new Uint8Array(0),
    serverBytesTotal: 0,
    clientPackets: 1,
    serverPackets: 0,
    handshake: true,
    gaps: 0,
    truncated: false,
    close: "fin",
    fingerprint: "",
    ttl: 0,
    window: 0,
    ...over,
  };
}

/** A probe (a connection that sent nothing) from 198.51.100.x; fields overridable. */
export function testProbe(over: Partial<Probe> = {}): Probe {
  const key = typeof over.srcKey === "number" ? over.srcKey : 0xc6336408;
  return {
    proto: "tcp",
    src: `198.51.100.${key & 255}`,
    srcKey: key,
    sport: 1234,
    dst: "203.0.113.5",
    dport: 2323,
    ts: Date.UTC(2018, 5, 9, 5, 10) * 1000,
    packets: 1,
    fingerprint: "",
    ttl: 0,
    window: 0,
    ipId: 0,
    seq: 0,
    tcpOptionsLen: 0,
    ...over,
  };
}
