/**
 * @module The honeypot sensor: one TCP listener per configured port, each answering with its
 * persona, every connection admitted through the limits gate and recorded when it closes.
 * Inert until `start`; `stop` closes the listeners and connections and flushes to the store.
 */

import { createServer, type Server, type Socket } from "node:net";
import type { Persona } from "../personas/persona.js";
import {
  Connection,
  type ConnectionRecord,
  type Endpoints,
  type PreambleResult,
  probeOf,
} from "./connection.js";
import { endpointKey, isLoopback } from "./endpoint.js";
import { Gate, type LimitKind, type SensorLimits } from "./limits.js";

/** One port and the persona that answers on it. */
export interface Listener {
  port: number;
  /** The port recorded for its connections (a redirect's original port); default `port`. */
  recordPort?: number;
  persona: Persona;
  /** Persona options from the config. */
  options?: Readonly<Record<string, string>>;
}

export interface SensorOptions {
  sensorId: string;
  /** Listen address; "0.0.0.0" by default, "::" for dual stack. */
  bind?: string;
  listeners: Listener[];
  limits: SensorLimits;
  /** Receives each closed connection and each refused one (as a probe with its limit). */
  record(rec: ConnectionRecord): void;
  /**
   * Parses a preamble sent by `portent replay --proxy-protocol` on connections from loopback
   * (undefined: no preamble is expected, and none is honoured).
   */
  preamble?: (bytes: Uint8Array, complete: boolean) => PreambleResult;
  /** Clock, ms since the epoch (tests inject one). */
  now?: () => number;
}

/**
 * How often the gate forgets sources that have nothing open, and connections past their time or
 * idle limit are closed (so those limits hold to within this much).
 */
const SWEEP_MS = 1000;

export class Sensor {
  readonly gate: Gate;
  /** Ports actually bound (a listener given port 0 gets one from the system). */
  readonly bound = new Map<number, number>();
  /** The port each listener bound, in the order of `listeners`. */
  readonly boundPorts: number[] = [];
  accepted = 0;
  /** Persona calls that threw (each costs its connection's replies only). */
  personaErrors = 0;
  private readonly servers: Server[] = [];
  private readonly open = new Set<Connection>();
  private sweeper: NodeJS.Timeout | undefined;
  /** Resolves `stop`'s wait for the last open connection to be recorded. */
  private drained: (() => void) | undefined;
  private readonly now: () => number;

  /** The local address when the sensor binds one address (undefined for 0.0.0.0 and ::). */
  private readonly localKey: { text: string; key: number | string } | undefined;

  constructor(private readonly o: SensorOptions) {
    this.gate = new Gate(o.limits);
    this.now = o.now ?? Date.now;
    const bind = o.bind ?? "0.0.0.0";
    this.localKey = bind === "0.0.0.0" || bind === "::" ? undefined : endpointKey(bind);
  }

  /** Connections open now. */
  get connections(): number {
    return this.open.size;
  }

  /** Binds every listener; rejects (closing what was bound) when one cannot be bound. */
  async start(): Promise<void> {
    try {
      for (const l of this.o.listeners) await this.listen(l);
    } catch (e) {
      await this.stop();
      throw e;
    }
    this.sweeper = setInterval(() => {
      this.gate.sweep(this.now());
      const t = performance.now();
      for (const c of this.open) c.checkTime(t);
    }, SWEEP_MS);
    this.sweeper.unref();
  }

  private listen(l: Listener): Promise<void> {
    const server = createServer({ allowHalfOpen: false, pauseOnConnect: false }, (socket) =>
      this.accept(socket, l),
    );
    // Accept errors (e.g. EMFILE) must not take the process down; the listener stays.
    server.on("error", () => {});
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      const fail = (e: Error) => reject(e);
      server.once("error", fail);
      server.listen({ port: l.port, host: this.o.bind ?? "0.0.0.0", backlog: 1024 }, () => {
        server.off("error", fail);
        const a = server.address();
        const port = typeof a === "object" && a !== null ? a.port : l.port;
        this.bound.set(l.port, port);
        this.boundPorts.push(port);
        resolve();
      });
    });
  }

  private accept(socket: Socket, l: Listener): void {
    this.accepted++;
    const src = endpointKey(socket.remoteAddress);
    // Bound to one address, the local end is known: no getsockname (a syscall, and syscalls are
    // a large share of a short connection's cost).
    const dst = this.localKey ?? endpointKey(socket.localAddress);
    if (src === undefined || dst === undefined) {
      socket.destroy();
      return;
    }
    const nowMs = this.now();
    const endpoints = {
      src: src.text,
      srcKey: src.key,
      sport: socket.remotePort ?? 0,
      dst: dst.text,
      dstKey: dst.key,
      dport: l.recordPort ?? (l.port === 0 ? (socket.localPort ?? 0) : l.port),
      start: nowMs * 1000,
    };
    // A replay on loopback speaks for many captured sources: only the global limit applies.
    const preamble = isLoopback(src.text) ? this.o.preamble : undefined;
    const trusted = preamble !== undefined;
    const refused = this.gate.admit(src.text, nowMs, trusted);
    if (refused !== undefined) {
      socket.on("error", () => {});
      socket.destroy();
      this.recordRefused(endpoints, l, refused);
      return;
    }
    const session = l.persona.open({
      sensorId: this.o.sensorId,
      localPort: endpoints.dport,
      remoteAddress: src.text,
      now: this.now,
      options: l.options ?? {},
    });
    const conn: Connection = new Connection({
      socket,
      persona: l.persona,
      session,
      endpoints,
      limits: this.o.limits,
      listenerPort: endpoints.dport,
      ...(preamble !== undefined ? { preamble } : {}),
      onLimit: (kind: LimitKind) => this.gate.count(kind),
      onPersonaError: () => {
        this.personaErrors++;
      },
      onClose: (rec) => {
        this.open.delete(conn);
        this.gate.release(src.text, trusted);
        this.record(rec);
        if (this.open.size === 0) this.drained?.();
      },
    });
    this.open.add(conn);
  }

  private recordRefused(e: Endpoints, l: Listener, limit: LimitKind): void {
    this.record({ persona: l.persona.name, listenerPort: e.dport, limit, probe: probeOf(e) });
  }

  private record(rec: ConnectionRecord): void {
    try {
      this.o.record(rec);
    } catch {
      // A failing recorder must not take the listeners down; the recorder counts its own errors.
    }
  }

  /** Stops listening, closes every open connection (recording it) and resolves when done. */
  async stop(): Promise<void> {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    const closing = this.servers.map(
      (s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve())),
    );
    const recorded =
      this.open.size === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            this.drained = resolve;
          });
    for (const c of [...this.open]) c.stop(undefined, "eof");
    await Promise.all([...closing, recorded]);
    this.servers.length = 0;
  }
}
