/** @module Test helper: Session and Probe objects built from payload text, as the flow table would. */

import {
  looksLikeHttpRequest,
  parseHttpRequests,
  parseHttpResponses,
  startsLikeResponse,
} from "../../decode/http.js";
import type { Probe, Session } from "../../schema/session.js";

export interface SessionSpec {
  /** Client bytes (latin1 text or bytes). */
  client?: string | Uint8Array;
  server?: string | Uint8Array;
  proto?: "tcp" | "udp";
  src?: string;
  sport?: number;
  dst?: string;
  dport?: number;
  /** Microseconds; default 2018-06-14T03:10:00Z. */
  start?: number;
  handshake?: boolean;
  serverPackets?: number;
  id?: string;
}

function bytes(v: string | Uint8Array | undefined): Uint8Array {
  if (v === undefined) return new Uint8Array(0);
  return typeof v === "string" ? new Uint8Array(Buffer.from(v, "latin1")) : v;
}

function key(a: string): number | string {
  const p = a.split(".");
  if (p.length !== 4) return a;
  return ((Number(p[0]) << 24) >>> 0) + (Number(p[1]) << 16) + (Number(p[2]) << 8) + Number(p[3]);
}

let counter = 0;

/** A session between documentation addresses, HTTP parsed like the flow table does. */
export function makeSession(spec: SessionSpec): Session {
  const c = bytes(spec.client);
  const sv = bytes(spec.server);
  const src = spec.src ?? "192.0.2.10";
  const dst = spec.dst ?? "203.0.113.5";
  const start = spec.start ?? Date.UTC(2018, 5, 14, 3, 10) * 1000;
  const s: Session = {
    id: spec.id ?? (++counter).toString(16).padStart(16, "0"),
    proto: spec.proto ?? "tcp",
    src,
    srcKey: key(src),
    sport: spec.sport ?? 40000,
    dst,
    dstKey: key(dst),
    dport: spec.dport ?? 80,
    start,
    end: start + 1000,
    clientBytes: c,
    clientBytesTotal: c.length,
    serverBytes: sv,
    serverBytesTotal: sv.length,
    clientPackets: 3,
    serverPackets: spec.serverPackets ?? (sv.length > 0 ? 2 : 1),
    handshake: spec.handshake ?? true,
    gaps: 0,
    truncated: false,
    close: "fin",
    fingerprint: "",
    ttl: 64,
    window: 29200,
  };
  if (s.proto === "tcp" && looksLikeHttpRequest(c)) {
    const requests = parseHttpRequests(c);
    const responses = startsLikeResponse(sv)
      ? parseHttpResponses(
          sv,
          requests.map((r) => r.method),
        )
      : [];
    s.http = { requests, responses };
  }
  return s;
}

/** A SYN probe between documentation addresses. */
export function makeProbe(p: Partial<Probe> = {}): Probe {
  return {
    proto: "tcp",
    src: "192.0.2.10",
    srcKey: 0xc000020a,
    sport: 40000,
    dst: "203.0.113.5",
    dport: 23,
    ts: Date.UTC(2018, 5, 14, 3, 10) * 1000,
    packets: 1,
    fingerprint: "mirai",
    ttl: 64,
    window: 14600,
    ipId: 1,
    seq: 0xcb007105,
    tcpOptionsLen: 0,
    ...p,
  };
}
