/** @module Test helpers: Sessions built from payload text, parsed as the stream layer would. */

import { looksLikeHttpRequest, parseHttpRequests } from "../decode/http.js";
import type { Session } from "../schema/session.js";

const enc = new TextEncoder();

/** Bytes of a latin1 string (one byte per char), so tests can write binary as "\xff". */
export function bytes(s: string | Uint8Array): Uint8Array {
  if (typeof s !== "string") return s;
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

export interface SessionSpec {
  client: string | Uint8Array;
  server?: string | Uint8Array;
  src?: string;
  dst?: string;
  sport?: number;
  dport?: number;
  /** Start, seconds since the epoch. */
  t?: number;
  proto?: "tcp" | "udp";
  fingerprint?: string;
}

let counter = 0;

/** A session with the given client bytes; HTTP parsed when the bytes look like a request. */
export function session(spec: SessionSpec): Session {
  const client = bytes(spec.client);
  const server = spec.server === undefined ? new Uint8Array(0) : bytes(spec.server);
  const start = (spec.t ?? 1_528_934_400) * 1e6;
  const src = spec.src ?? "192.0.2.10";
  const s: Session = {
    id: `s${++counter}`,
    proto: spec.proto ?? "tcp",
    src,
    srcKey: src,
    sport: spec.sport ?? 40000 + (counter % 20000),
    dst: spec.dst ?? "203.0.113.5",
    dstKey: spec.dst ?? "203.0.113.5",
    dport: spec.dport ?? 80,
    start,
    end: start + 1_000_000,
    clientBytes: client,
    clientBytesTotal: client.length,
    serverBytes: server,
    serverBytesTotal: server.length,
    clientPackets: 2,
    serverPackets: 2,
    handshake: true,
    gaps: 0,
    truncated: false,
    close: "fin",
    fingerprint: spec.fingerprint ?? "",
    ttl: 64,
    window: 5840,
  };
  if ((spec.proto ?? "tcp") === "tcp" && looksLikeHttpRequest(client)) {
    s.http = { requests: parseHttpRequests(client), responses: [] };
  }
  return s;
}

/** UTF-8 bytes (for text fixtures that are plain ASCII). */
export const utf8 = (s: string): Uint8Array => enc.encode(s);
