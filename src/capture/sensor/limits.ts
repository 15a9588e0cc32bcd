/**
 * @module The sensor's hard limits and its admission gate: how many connections it holds, per
 * source and in all, how fast one source may open new ones, and the counters of what was refused.
 */

/** Limits of one sensor; every one has a safe default (DEFAULT_LIMITS). */
export interface SensorLimits {
  /** Connections open at once, all listeners together. */
  maxConnections: number;
  /** Connections open at once from one source address. */
  maxConnectionsPerSource: number;
  /** New connections one source may open in one second. */
  maxNewPerSourcePerSecond: number;
  /** Client bytes read per connection; the connection is closed past it. */
  maxSessionBytes: number;
  /** Server bytes kept per connection (what the persona sent). */
  maxServerBytes: number;
  /** A connection's whole life, seconds. */
  sessionSeconds: number;
  /** Seconds without a byte from the client before the connection is closed. */
  idleSeconds: number;
}

export const DEFAULT_MAX_CONNECTIONS = 4096;
export const DEFAULT_MAX_CONNECTIONS_PER_SOURCE = 32;
export const DEFAULT_MAX_NEW_PER_SOURCE_PER_SECOND = 20;
export const DEFAULT_MAX_SESSION_BYTES = 65536;
export const DEFAULT_MAX_SERVER_BYTES = 16384;
export const DEFAULT_SESSION_SECONDS = 120;
export const DEFAULT_IDLE_SECONDS = 30;

export const DEFAULT_LIMITS: Readonly<SensorLimits> = Object.freeze({
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  maxConnectionsPerSource: DEFAULT_MAX_CONNECTIONS_PER_SOURCE,
  maxNewPerSourcePerSecond: DEFAULT_MAX_NEW_PER_SOURCE_PER_SECOND,
  maxSessionBytes: DEFAULT_MAX_SESSION_BYTES,
  maxServerBytes: DEFAULT_MAX_SERVER_BYTES,
  sessionSeconds: DEFAULT_SESSION_SECONDS,
  idleSeconds: DEFAULT_IDLE_SECONDS,
});

/** Why a connection was refused at accept or closed early; each has a counter. */
export type LimitKind =
  | "max_connections"
  | "per_source_connections"
  | "per_source_rate"
  | "session_bytes"
  | "session_time"
  | "idle";

export const LIMIT_KINDS: readonly LimitKind[] = [
  "max_connections",
  "per_source_connections",
  "per_source_rate",
  "session_bytes",
  "session_time",
  "idle",
];

interface SourceState {
  open: number;
  /** The second (ms / 1000, floored) `fresh` counts in. */
  second: number;
  fresh: number;
}

/**
 * Admission of new connections. Its memory is bounded by the connections open plus the sources
 * that connected in the current second: a source's entry goes once it has nothing open and its
 * second has passed (`sweep`).
 */
export class Gate {
  open = 0;
  readonly refused: Record<LimitKind, number> = {
    max_connections: 0,
    per_source_connections: 0,
    per_source_rate: 0,
    session_bytes: 0,
    session_time: 0,
    idle: 0,
  };
  private readonly sources = new Map<string, SourceState>();

  constructor(private readonly limits: SensorLimits) {}

  /** Sources the gate tracks now (bounded; see the class comment). */
  get tracked(): number {
    return this.sources.size;
  }

  /**
   * Admits a connection from `src` at `nowMs`, or says which limit refuses it (and counts it).
   * A `trusted` source (a replay on loopback, which speaks for many captured sources) is held to
   * the global limit only.
   */
  admit(src: string, nowMs: number, trusted = false): LimitKind | undefined {
    if (this.open >= this.limits.maxConnections) return this.refuse("max_connections");
    if (trusted) {
      this.open++;
      return undefined;
    }
    const second = Math.floor(nowMs / 1000);
    let st = this.sources.get(src);
    if (st === undefined) {
      st = { open: 0, second, fresh: 0 };
      this.sources.set(src, st);
    }
    if (st.second !== second) {
      st.second = second;
      st.fresh = 0;
    }
    if (st.fresh >= this.limits.maxNewPerSourcePerSecond) return this.refuse("per_source_rate");
    if (st.open >= this.limits.maxConnectionsPerSource) {
      return this.refuse("per_source_connections");
    }
    st.fresh++;
    st.open++;
    this.open++;
    return undefined;
  }

  /** An admitted connection from `src` closed. */
  release(src: string, trusted = false): void {
    if (trusted) {
      this.open--;
      return;
    }
    const st = this.sources.get(src);
    if (st === undefined) return;
    st.open--;
    this.open--;
  }

  /** Counts a limit that closed an admitted connection early. */
  count(kind: LimitKind): void {
    this.refused[kind]++;
  }

  /** Forgets sources with nothing open whose second has passed. */
  sweep(nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    for (const [src, st] of this.sources) {
      if (st.open <= 0 && st.second !== second) this.sources.delete(src);
    }
  }

  private refuse(kind: LimitKind): LimitKind {
    this.refused[kind]++;
    return kind;
  }
}
