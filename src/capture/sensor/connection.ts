/**
 * @module One accepted connection of the sensor: feeds the client's bytes to its persona, sends
 * the persona's replies, enforces the per-connection limits, and becomes a Session (the client
 * sent bytes) or a Probe (it sent none) when it closes.
 */

import type { Socket } from "node:net";
import { joinBytes } from "../../decode/http-message.js";
import { sessionId } from "../../decode/session-id.js";
import type { CloseReason, Probe, Session } from "../../schema/session.js";
import type { Persona, PersonaFacts, PersonaReply, PersonaSession } from "../personas/persona.js";
import type { LimitKind, SensorLimits } from "./limits.js";

/** Longest preamble a replay sends (a PROXY v1 line and a PORTENT-TS line, with room). */
export const MAX_PREAMBLE_BYTES = 512;
/** How long a preamble that may go on waits for more bytes before it is taken as it stands. */
export const PREAMBLE_WAIT_MS = 100;

/** Bytes a slow reader may leave unsent in our write buffer before it is closed. */
export const MAX_UNSENT_BYTES = 256 * 1024;

/**
 * Where a connection came from and went to, and when it started (µs since the epoch), as recorded
 * (a replay's PROXY line may set them): the Session fields of the same names.
 */
export type Endpoints = Pick<
  Session,
  "src" | "srcKey" | "sport" | "dst" | "dstKey" | "dport" | "start"
>;

/** What a preamble parser (e.g. PROXY protocol from `portent replay`) makes of the first bytes. */
export type PreambleResult =
  | { kind: "more" }
  | { kind: "invalid"; reason: string }
  | { kind: "done"; consumed: number; endpoints?: Partial<Endpoints> };

/** A closed connection as the recorder receives it. */
export interface ConnectionRecord {
  persona: string;
  listenerPort: number;
  session?: Session;
  probe?: Probe;
  facts?: PersonaFacts;
  /** The limit that closed it early, if any. */
  limit?: LimitKind;
}

export interface ConnectionOptions {
  socket: Socket;
  persona: Persona;
  session: PersonaSession;
  endpoints: Endpoints;
  limits: SensorLimits;
  listenerPort: number;
  /** Parses a preamble before the persona sees any byte (undefined: none expected). */
  preamble?: (bytes: Uint8Array, complete: boolean) => PreambleResult;
  /** Called once, when the connection is over. */
  onClose(rec: ConnectionRecord): void;
  /** Counts a limit that closed the connection. */
  onLimit(kind: LimitKind): void;
  /** Counts a persona that threw (a bug: personas must not). */
  onPersonaError?: () => void;
}

/** Collects bytes up to a cap, counting everything offered. */
class Capped {
  private chunks: Uint8Array[] = [];
  kept = 0;
  total = 0;
  pieces = 0;

  constructor(private readonly cap: number) {}

  /** Adds `b`; returns the part that fitted under the cap. */
  add(b: Uint8Array): Uint8Array {
    this.total += b.length;
    this.pieces++;
    const room = this.cap - this.kept;
    if (room <= 0 || b.length === 0) return b.subarray(0, 0);
    const part = b.length <= room ? b : b.subarray(0, room);
    this.chunks.push(part);
    this.kept += part.length;
    return part;
  }

  get truncated(): boolean {
    return this.total > this.kept;
  }

  bytes(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0] as Uint8Array;
    const out = new Uint8Array(this.kept);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    this.chunks = [out];
    return out;
  }
}

const encoder = new TextEncoder();

export class Connection {
  private readonly clientBytes: Capped;
  private readonly server: Capped;
  private readonly startMs = performance.now();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** When the client last sent a byte (ms, performance clock). */
  private lastActive: number;
  /** When the next delayed reply may go (ms, performance clock), so replies keep their order. */
  private sendAt = 0;
  /** Writes made so far (see `write`). */
  private writes = 0;
  private pre: Uint8Array | undefined;
  private preTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private reason: CloseReason = "fin";
  private limit: LimitKind | undefined;
  private endpoints: Endpoints;

  constructor(private readonly o: ConnectionOptions) {
    this.endpoints = o.endpoints;
    this.clientBytes = new Capped(o.limits.maxSessionBytes);
    this.server = new Capped(o.limits.maxServerBytes);
    if (o.preamble !== undefined) this.pre = new Uint8Array(0);
    const s = o.socket;
    this.lastActive = this.startMs;
    s.on("data", (b: Buffer) => this.data(b));
    s.on("error", (e: NodeJS.ErrnoException) => {
      if (!this.closed && this.limit === undefined) {
        this.reason = e.code === "ECONNRESET" || e.code === "EPIPE" ? "rst" : this.reason;
      }
    });
    s.on("close", () => this.finish());
    if (this.pre === undefined) this.send(this.replies(() => o.session.greet()));
  }

  /**
   * Closes the connection when it outlived `session-seconds` or the client was silent for
   * `idle-seconds`. The sensor calls this for every open connection once a second: one sweep
   * instead of two timers per connection, which cost more than the rest of a short connection.
   */
  checkTime(now: number): void {
    if (this.closed) return;
    const l = this.o.limits;
    const idleAt = this.lastActive + l.idleSeconds * 1000;
    const endAt = this.startMs + l.sessionSeconds * 1000;
    // When a late sweep finds both limits passed, the one that came first is the one counted.
    if (now >= Math.min(idleAt, endAt)) {
      if (idleAt <= endAt) this.stop("idle", "timeout");
      else this.stop("session_time", "timeout");
    }
  }

  private data(b: Buffer): void {
    if (this.closed) return;
    this.lastActive = performance.now();
    let bytes: Uint8Array = b;
    if (this.pre !== undefined) {
      const all = joinBytes([this.pre, bytes]);
      const rest = this.preamble(all, false);
      if (rest === undefined) return;
      bytes = rest;
      if (bytes.length === 0) return;
    }
    this.client(bytes);
  }

  /**
   * Feeds the preamble parser; returns the client's own bytes once it is settled, undefined while
   * it waits. A preamble that may go on (a PROXY line that a PORTENT-TS line may follow) is settled
   * as it stands after PREAMBLE_WAIT_MS without more bytes.
   */
  private preamble(all: Uint8Array, complete: boolean): Uint8Array | undefined {
    clearTimeout(this.preTimer);
    const r = (this.o.preamble as NonNullable<ConnectionOptions["preamble"]>)(all, complete);
    if (r.kind === "more") {
      this.pre = all;
      if (all.length > MAX_PREAMBLE_BYTES) this.stop(undefined, "rst");
      else this.preTimer = setTimeout(() => this.settlePreamble(), PREAMBLE_WAIT_MS);
      return undefined;
    }
    this.pre = undefined;
    let bytes = all;
    if (r.kind === "done") {
      if (r.endpoints !== undefined) this.endpoints = { ...this.endpoints, ...r.endpoints };
      bytes = all.subarray(r.consumed);
    }
    // An invalid preamble means the bytes are the client's own.
    this.send(this.replies(() => this.o.session.greet()));
    return bytes;
  }

  private settlePreamble(): void {
    const all = this.pre;
    if (this.closed || all === undefined) return;
    const rest = this.preamble(all, true);
    if (rest !== undefined && rest.length > 0) this.client(rest);
  }

  private client(bytes: Uint8Array): void {
    const kept = this.clientBytes.add(bytes);
    if (kept.length > 0) this.send(this.replies(() => this.o.session.data(kept)));
    if (this.clientBytes.truncated) this.stop("session_bytes", "evicted");
  }

  /**
   * Runs persona code so that a bug in it costs the connection's replies, not the sensor: a
   * persona must never throw, and this guard keeps the process up (and counts it) if one does.
   */
  private replies(f: () => PersonaReply[]): PersonaReply[] {
    try {
      return f();
    } catch {
      this.o.onPersonaError?.();
      return [];
    }
  }

  private facts(): PersonaFacts | undefined {
    try {
      return this.o.session.facts?.();
    } catch {
      this.o.onPersonaError?.();
      return undefined;
    }
  }

  private send(replies: PersonaReply[]): void {
    for (const r of replies) {
      const delay = Math.max(0, r.delayMs ?? 0);
      const now = performance.now();
      if (delay === 0 && this.sendAt <= now) {
        this.write(r);
        continue;
      }
      this.sendAt = Math.max(this.sendAt, now) + delay;
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.write(r);
      }, this.sendAt - now);
      this.timers.add(t);
    }
  }

  private write(r: PersonaReply): void {
    const s = this.o.socket;
    if (this.closed || s.destroyed) return;
    const data = typeof r.data === "string" ? encoder.encode(r.data) : r.data;
    if (data.length > 0) {
      // Nagle's algorithm only holds a segment back while an earlier one is unacknowledged, so
      // the first write cannot be delayed: TCP_NODELAY goes on just before the second. Most bots
      // get one answer, and the setsockopt was a sixteenth of a short connection's CPU time.
      if (this.writes++ === 1) s.setNoDelay(true);
      this.server.add(data);
      s.write(data);
      if (s.writableLength > MAX_UNSENT_BYTES) {
        this.stop("session_bytes", "evicted");
        return;
      }
    }
    if (r.close === true) s.end();
  }

  /** Closes the connection early; `limit` is counted. */
  stop(limit: LimitKind | undefined, reason: CloseReason): void {
    if (this.closed) return;
    if (limit !== undefined && this.limit === undefined) {
      this.limit = limit;
      this.o.onLimit(limit);
    }
    this.reason = reason;
    this.o.socket.destroy();
  }

  private finish(): void {
    if (this.closed) return;
    if (this.pre !== undefined && this.pre.length > 0) {
      // The client closed inside its preamble: settle it, keeping any bytes of its own.
      const rest = this.preamble(this.pre, true);
      if (rest !== undefined && rest.length > 0) this.clientBytes.add(rest);
    }
    this.closed = true;
    clearTimeout(this.preTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const e = this.endpoints;
    const end = e.start + Math.round((performance.now() - this.startMs) * 1000);
    const facts = this.facts();
    const rec: ConnectionRecord = {
      persona: this.o.persona.name,
      listenerPort: this.o.listenerPort,
    };
    if (facts !== undefined) rec.facts = facts;
    if (this.limit !== undefined) rec.limit = this.limit;
    if (this.clientBytes.total > 0) {
      rec.session = {
        id: sessionId("tcp", e.start, e.srcKey, e.sport, e.dstKey, e.dport),
        proto: "tcp",
        src: e.src,
        srcKey: e.srcKey,
        sport: e.sport,
        dst: e.dst,
        dstKey: e.dstKey,
        dport: e.dport,
        start: e.start,
        end,
        clientBytes: this.clientBytes.bytes(),
        clientBytesTotal: this.clientBytes.total,
        serverBytes: this.server.bytes(),
        serverBytesTotal: this.server.total,
        clientPackets: this.clientBytes.pieces,
        serverPackets: this.server.pieces,
        handshake: true,
        gaps: 0,
        truncated: this.clientBytes.truncated || this.server.truncated,
        close: this.reason,
        fingerprint: "",
        ttl: 0,
        window: 0,
      };
    } else {
      rec.probe = probeOf(e);
    }
    this.o.onClose(rec);
  }
}

/** The probe of a connection that sent no byte (or was refused at accept). */
export function probeOf(e: Endpoints): Probe {
  return {
    proto: "tcp",
    src: e.src,
    srcKey: e.srcKey,
    sport: e.sport,
    dst: e.dst,
    dport: e.dport,
    ts: e.start,
    packets: 1,
    // A socket shows no SYN: no fingerprint, TTL, window or IP id (docs/sensor.md).
    fingerprint: "",
    ttl: 0,
    window: 0,
    ipId: 0,
    seq: 0,
    tcpOptionsLen: 0,
  };
}
