/**
 * @module Replays the client side of captured TCP sessions against a running sensor, in start
 * order, to loopback and documentation addresses only: target parsing, the bounded session pick,
 * and the sender with its per-outcome counters.
 */

import { BlockList, connect, isIPv4, isIPv6, type Socket } from "node:net";
import { UsageError } from "../schema/errors.js";
import type { Session } from "../schema/session.js";
import { formatPortentTs, formatProxyV1 } from "./sensor/proxy-protocol.js";

/** Most sessions held for sorting; beyond it only the earliest (by start) are kept. */
export const MAX_HELD_SESSIONS = 1_000_000;
/** Most client bytes held for sorting; beyond it the latest sessions are dropped. */
export const MAX_HELD_BYTES = 512 * 1024 * 1024;
/** Connections open at once, by default. */
export const DEFAULT_CONCURRENCY = 64;
/** Idle milliseconds before a connection the server keeps open is closed (also connect timeout). */
export const DEFAULT_WAIT_MS = 2000;
/** A connection lasts at most this many `waitMs`, however slowly the server trickles bytes. */
export const SESSION_DEADLINE_WAITS = 5;
/** Replay stops when this many sessions in a row could not connect: nothing is listening. */
export const MAX_CONSECUTIVE_FAILURES = 100;
/** Pause between the two writes of `split`, so they leave as two segments. */
export const SPLIT_DELAY_MS = 5;

/** What replay keeps of a session: its endpoints, start and client bytes. */
export interface ReplaySession {
  id: string;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** µs since the epoch. */
  start: number;
  bytes: Uint8Array;
}

/** Where to connect: an allowed IP literal, and how the port follows the session's. */
export interface ReplayTarget {
  host: string;
  port: { kind: "same" } | { kind: "fixed"; port: number } | { kind: "offset"; offset: number };
}

const ALLOWED = new BlockList();
ALLOWED.addSubnet("127.0.0.0", 8, "ipv4");
ALLOWED.addSubnet("192.0.2.0", 24, "ipv4");
ALLOWED.addSubnet("198.51.100.0", 24, "ipv4");
ALLOWED.addSubnet("203.0.113.0", 24, "ipv4");
ALLOWED.addAddress("::1", "ipv6");
ALLOWED.addSubnet("2001:db8::", 32, "ipv6");

const ALLOWED_TEXT =
  "loopback (127.0.0.0/8, ::1) and documentation addresses (192.0.2.0/24, 198.51.100.0/24, " +
  "203.0.113.0/24, 2001:db8::/32)";

/** True for an IP literal replay may connect to: loopback or a documentation range. */
export function isReplayDestination(ip: string): boolean {
  if (isIPv4(ip)) return ALLOWED.check(ip, "ipv4");
  return isIPv6(ip) && !ip.includes("%") && ALLOWED.check(ip, "ipv6");
}

/**
 * Parses `--to`: `ADDR` (original ports), `ADDR:PORT` (every session to PORT), `ADDR:+N` or
 * `ADDR:-N` (original port plus N). IPv6 takes brackets for a port: `[::1]:+10000`. "localhost"
 * means 127.0.0.1; no other name is resolved. Throws UsageError for anything else.
 */
export function parseTarget(spec: string): ReplayTarget {
  let host = spec;
  let port: string | undefined;
  const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(spec);
  if (bracket !== null) {
    host = bracket[1] as string;
    port = bracket[2];
    if (!isIPv6(host)) throw new UsageError(`--to takes brackets around IPv6 only, not "${host}"`);
  } else if (spec.indexOf(":") === spec.lastIndexOf(":") && spec.includes(":")) {
    host = spec.slice(0, spec.indexOf(":"));
    port = spec.slice(spec.indexOf(":") + 1);
  }
  if (host === "localhost") host = "127.0.0.1";
  if (!isIPv4(host) && !isIPv6(host)) {
    throw new UsageError(`--to takes an IP address (${ALLOWED_TEXT}), not "${host}"`);
  }
  if (!isReplayDestination(host)) {
    throw new UsageError(`refusing to replay to ${host}: only ${ALLOWED_TEXT} are allowed`);
  }
  if (port === undefined) return { host, port: { kind: "same" } };
  const m = /^([+-]?)([0-9]{1,5})$/.exec(port);
  const n = m === null ? Number.NaN : Number(m[2]);
  if (m === null || n > 65535 || (m[1] === "" && n === 0)) {
    throw new UsageError(`--to port must be 1-65535, +N or -N (N up to 65535), not "${port}"`);
  }
  if (m[1] === "") return { host, port: { kind: "fixed", port: n } };
  return { host, port: { kind: "offset", offset: m[1] === "-" ? -n : n } };
}

/** The port a session with original port `dport` goes to, or undefined when out of range. */
export function targetPort(t: ReplayTarget, dport: number): number | undefined {
  const p =
    t.port.kind === "fixed"
      ? t.port.port
      : t.port.kind === "offset"
        ? dport + t.port.offset
        : dport;
  return p >= 1 && p <= 65535 ? p : undefined;
}

/** Later start (then larger id) first: the order of the pick's max-heap. */
function later(a: ReplaySession, b: ReplaySession): boolean {
  return a.start !== b.start ? a.start > b.start : a.id > b.id;
}

/**
 * Keeps the earliest sessions worth replaying (TCP, with client bytes), at most `limit`, within
 * MAX_HELD_SESSIONS and MAX_HELD_BYTES, and counts what it leaves out. Sessions arrive in close
 * order; `sorted()` gives them in start order.
 */
export class SessionPick {
  /** A max-heap on (start, id): the root is the first to drop. */
  private readonly heap: ReplaySession[] = [];
  private heldBytes = 0;
  private readonly cap: number;
  readonly stats = { seen: 0, udp: 0, empty: 0, truncated: 0, overLimit: 0, overMemory: 0 };

  constructor(limit = Number.POSITIVE_INFINITY) {
    this.cap = Math.min(limit, MAX_HELD_SESSIONS);
  }

  add(s: Session): void {
    this.stats.seen++;
    if (s.proto !== "tcp") {
      this.stats.udp++;
      return;
    }
    if (s.clientBytes.length === 0) {
      this.stats.empty++;
      return;
    }
    if (s.truncated) this.stats.truncated++;
    const r: ReplaySession = {
      id: s.id,
      src: s.src,
      dst: s.dst,
      sport: s.sport,
      dport: s.dport,
      start: s.start,
      bytes: s.clientBytes.slice(),
    };
    this.push(r);
    while (this.heap.length > this.cap || this.heldBytes > MAX_HELD_BYTES) {
      const memory = this.heldBytes > MAX_HELD_BYTES || this.heap.length > MAX_HELD_SESSIONS;
      this.pop();
      if (memory) this.stats.overMemory++;
      else this.stats.overLimit++;
    }
  }

  /** The kept sessions by start time (ties by id), emptying the pick. */
  sorted(): ReplaySession[] {
    const out = this.heap.splice(0).sort((a, b) => (later(a, b) ? 1 : later(b, a) ? -1 : 0));
    this.heldBytes = 0;
    return out;
  }

  private push(r: ReplaySession): void {
    const h = this.heap;
    h.push(r);
    this.heldBytes += r.bytes.length;
    let i = h.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!later(h[i] as ReplaySession, h[up] as ReplaySession)) break;
      [h[i], h[up]] = [h[up] as ReplaySession, h[i] as ReplaySession];
      i = up;
    }
  }

  private pop(): void {
    const h = this.heap;
    const top = h[0] as ReplaySession;
    const last = h.pop() as ReplaySession;
    this.heldBytes -= top.bytes.length;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && later(h[l] as ReplaySession, h[m] as ReplaySession)) m = l;
      if (r < h.length && later(h[r] as ReplaySession, h[m] as ReplaySession)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m] as ReplaySession, h[i] as ReplaySession];
      i = m;
    }
  }
}

export interface ReplayOptions {
  target: ReplayTarget;
  concurrency?: number;
  waitMs?: number;
  /** Send a PROXY v1 line first (and PORTENT-TS unless `timestamps` is false). */
  proxyProtocol?: boolean;
  timestamps?: boolean;
  /** Write the client bytes in two writes, SPLIT_DELAY_MS apart. */
  split?: boolean;
  /** Start sessions at their original spacing divided by this factor (absent: as fast as allowed). */
  keepTime?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, summary: ReplaySummary) => void;
}

/** How a connection ended. `sent` ones delivered every client byte and ended cleanly. */
export type Outcome = "sent" | "refused" | "reset" | "timeout" | "failed";

export interface ReplaySummary {
  sessions: number;
  /** Sessions taken up (all of them unless replay stopped early). */
  attempted: number;
  sent: number;
  /** Of `sent`: closed by us after `waitMs` of silence rather than by the server. */
  idle: number;
  refused: number;
  reset: number;
  /** Connections not established within `waitMs`. */
  timeout: number;
  failed: number;
  /** Error codes of `failed` connections. */
  errors: Record<string, number>;
  /** Sessions whose mapped port fell outside 1-65535. */
  badPort: number;
  /** Client bytes delivered (preambles not counted) and reply bytes read (then dropped). */
  bytesSent: number;
  bytesReceived: number;
  /** Why replay stopped before the last session, if it did. */
  stopped?: string;
}

/** Replays `sessions` in order; resolves when every started connection is over. */
export async function replay(
  sessions: readonly ReplaySession[],
  opts: ReplayOptions,
): Promise<ReplaySummary> {
  if (!isReplayDestination(opts.target.host)) {
    throw new UsageError(
      `refusing to replay to ${opts.target.host}: only ${ALLOWED_TEXT} are allowed`,
    );
  }
  const sum: ReplaySummary = {
    sessions: sessions.length,
    attempted: 0,
    sent: 0,
    idle: 0,
    refused: 0,
    reset: 0,
    timeout: 0,
    failed: 0,
    errors: {},
    badPort: 0,
    bytesSent: 0,
    bytesReceived: 0,
  };
  const waitMs = opts.waitMs ?? DEFAULT_WAIT_MS;
  const t0 = performance.now();
  const first = sessions[0]?.start ?? 0;
  let next = 0;
  let done = 0;
  let failedInRow = 0;
  const worker = async () => {
    for (;;) {
      if (sum.stopped === undefined && opts.signal?.aborted === true) sum.stopped = "interrupted";
      if (sum.stopped !== undefined || next >= sessions.length) return;
      const s = sessions[next++] as ReplaySession;
      sum.attempted++;
      if (opts.keepTime !== undefined) {
        const due = t0 + (s.start - first) / 1000 / opts.keepTime - performance.now();
        if (due > 0) await sleep(due, opts.signal);
        if (opts.signal?.aborted === true) {
          sum.stopped ??= "interrupted";
          sum.attempted--;
          return;
        }
      }
      const port = targetPort(opts.target, s.dport);
      if (port === undefined) sum.badPort++;
      else {
        const { outcome, connected, error } = await sendOne(s, port, opts, waitMs, sum);
        sum[outcome]++;
        if (error !== undefined) sum.errors[error] = (sum.errors[error] ?? 0) + 1;
        failedInRow = connected ? 0 : failedInRow + 1;
        if (failedInRow >= MAX_CONSECUTIVE_FAILURES && sum.stopped === undefined) {
          sum.stopped = `${MAX_CONSECUTIVE_FAILURES} sessions in a row could not connect`;
        }
      }
      opts.onProgress?.(++done, sessions.length, sum);
    }
  };
  const n = Math.max(1, Math.min(opts.concurrency ?? DEFAULT_CONCURRENCY, sessions.length));
  await Promise.all(Array.from({ length: n }, worker));
  return sum;
}

/** Waits `ms`, or less when `signal` aborts first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** The preamble and client bytes of one session, as the writes that carry them. */
function payload(s: ReplaySession, opts: ReplayOptions): Uint8Array[] {
  let head = "";
  if (opts.proxyProtocol === true) {
    head = formatProxyV1(s);
    if (opts.timestamps !== false) head += formatPortentTs(s.start);
  }
  const all = Buffer.concat([Buffer.from(head, "latin1"), s.bytes]);
  if (opts.split !== true || s.bytes.length < 2) return [all];
  const cut = head.length + (s.bytes.length >> 1);
  return [all.subarray(0, cut), all.subarray(cut)];
}

/** Connects, writes, reads until the server closes or goes quiet, and says how it ended. */
function sendOne(
  s: ReplaySession,
  port: number,
  opts: ReplayOptions,
  waitMs: number,
  sum: ReplaySummary,
): Promise<{ outcome: Outcome; connected: boolean; error?: string }> {
  return new Promise((resolve) => {
    const sock: Socket = connect({ host: opts.target.host, port, noDelay: true });
    let connected = false;
    let settled = false;
    let written = false;
    const finish = (outcome: Outcome, error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      clearTimeout(deadline);
      sock.destroy();
      resolve(error !== undefined ? { outcome, connected, error } : { outcome, connected });
    };
    const quiet = () => {
      if (!connected) finish("timeout");
      else if (written) {
        sum.idle++;
        finish("sent");
      } else finish("failed", "write_timeout");
    };
    let idle = setTimeout(quiet, waitMs);
    const deadline = setTimeout(quiet, waitMs * SESSION_DEADLINE_WAITS);
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(quiet, waitMs);
    };
    sock.on("connect", () => {
      connected = true;
      touch();
      const [a, b] = payload(s, opts) as [Uint8Array, Uint8Array | undefined];
      const last = () => {
        written = true;
        sum.bytesSent += s.bytes.length;
      };
      if (b === undefined) sock.end(a, last);
      else {
        sock.write(a, () =>
          setTimeout(() => {
            if (!settled) sock.end(b, last);
          }, SPLIT_DELAY_MS),
        );
      }
    });
    sock.on("data", (d: Buffer) => {
      sum.bytesReceived += d.length;
      touch();
    });
    sock.on("end", () => {
      if (written) finish("sent");
    });
    sock.on("close", () => {
      // closed with no error before our bytes were all out: the server hung up first
      if (written) finish("sent");
      else finish("failed", "closed_before_sent");
    });
    sock.on("error", (e: NodeJS.ErrnoException) => {
      const code = e.code ?? "error";
      if (code === "ECONNREFUSED") finish("refused");
      else if (code === "ECONNRESET" || code === "EPIPE") finish("reset");
      else finish("failed", code);
    });
  });
}
