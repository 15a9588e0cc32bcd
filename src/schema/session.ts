/** @module Probes and sessions: what the stream layer hands to detection and aggregation. */

/** How a connection's record was closed. */
export type CloseReason = "fin" | "rst" | "timeout" | "eof" | "evicted";

/** A parsed HTTP/1.x request. */
export interface HttpRequest {
  method: string;
  /** The request target exactly as sent (not decoded). */
  target: string;
  /** "HTTP/1.1", "HTTP/1.0", or "" for HTTP/0.9-style or garbage request lines. */
  version: string;
  /** Header fields in order, names as sent. */
  headers: Array<[name: string, value: string]>;
  /** The body by Content-Length or chunked decoding; empty when none. */
  body: Uint8Array;
  /** Offset of the request's first byte in the client stream. */
  offset: number;
  /** Length in the client stream of the request line, headers and body. */
  length: number;
  /** Problems found while parsing (request still kept): e.g. "no_host", "bad_chunk", "truncated". */
  problems: string[];
}

/** A parsed HTTP/1.x response. */
export interface HttpResponse {
  version: string;
  status: number;
  reason: string;
  headers: Array<[name: string, value: string]>;
  body: Uint8Array;
  offset: number;
  length: number;
  problems: string[];
}

/**
 * A TCP connection (or UDP exchange) whose client sent data. Byte buffers hold at most the
 * configured caps; `*BytesTotal` says how many bytes were really sent.
 */
export interface Session {
  /** Stable id: the same capture always gives the same ids (used for idempotent storage). */
  id: string;
  proto: "tcp" | "udp";
  /** Client (see docs/life-of-a-packet.md for how the client is chosen) and server endpoints. */
  src: string;
  srcKey: number | string;
  sport: number;
  dst: string;
  dstKey: number | string;
  dport: number;
  /** First and last packet, microseconds since the epoch. */
  start: number;
  end: number;
  /** Client-to-server bytes reassembled in sequence order, capped. */
  clientBytes: Uint8Array;
  clientBytesTotal: number;
  /** Server-to-client bytes, capped (smaller cap). */
  serverBytes: Uint8Array;
  serverBytesTotal: number;
  clientPackets: number;
  serverPackets: number;
  /** True when the client's SYN was seen (not picked up mid-stream). */
  handshake: boolean;
  /** Bytes missing from the client stream (holes never filled). */
  gaps: number;
  /** True when a cap cut the client or server bytes. */
  truncated: boolean;
  close: CloseReason;
  /** Fingerprint of the client's SYN, "" when no SYN was seen. */
  fingerprint: string;
  /** Header fields of the client's first packet, for fingerprinting downstream. */
  ttl: number;
  window: number;
  http?: { requests: HttpRequest[]; responses: HttpResponse[] };
}

/** A connection attempt that never carried client data, or a payload-less UDP/ICMP packet. */
export interface Probe {
  proto: "tcp" | "udp" | "icmp" | "icmpv6";
  src: string;
  srcKey: number | string;
  sport: number;
  dst: string;
  dport: number;
  ts: number;
  /** Packets the attempt consisted of (SYN retransmissions included). */
  packets: number;
  fingerprint: string;
  ttl: number;
  window: number;
  ipId: number;
  seq: number;
  tcpOptionsLen: number;
}
