/**
 * @module A running sensor with everything around it: listeners, the recorder and its store,
 * the event log, the flush and counter timers, and a shutdown that flushes it all. `portent
 * sensor` is this plus flags; tests and `portent replay`'s end-to-end check drive it directly.
 */

import { Detection } from "../../detect/setup.js";
import type { Enricher } from "../../store/ingest.js";
import type { Store } from "../../store/store.js";
import { EventLog } from "./events.js";
import type { SensorLimits } from "./limits.js";
import { replayPreamble } from "./preamble.js";
import { type RecordedConnection, Recorder } from "./recorder.js";
import { type Listener, Sensor } from "./sensor.js";

export interface ServiceOptions {
  sensorId: string;
  bind: string;
  listeners: Listener[];
  limits: SensorLimits;
  store?: Store;
  enrich?: Enricher;
  /** JSON-lines event log path. */
  events?: string;
  flushSeconds: number;
  rules: string[];
  defaultRules: boolean;
  vars?: Record<string, string>;
  /** Honour `portent replay --proxy-protocol` preambles on loopback connections. */
  replay: boolean;
  onRecord?: (r: RecordedConnection) => void;
  onError?: (what: string, e: unknown) => void;
}

export class SensorService {
  readonly recorder: Recorder;
  readonly sensor: Sensor;
  readonly events: EventLog | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly o: ServiceOptions) {
    const onError = o.onError ?? (() => {});
    this.events =
      o.events !== undefined
        ? new EventLog(o.events, o.sensorId, (e) => onError(`event log ${o.events}`, e))
        : undefined;
    const events = this.events;
    this.recorder = new Recorder({
      sensorId: o.sensorId,
      ...(o.store !== undefined ? { store: o.store } : {}),
      ...(o.enrich !== undefined ? { enrich: o.enrich } : {}),
      detection: (found) =>
        new Detection({
          rules: o.rules,
          defaultRules: o.defaultRules,
          families: [],
          surges: false,
          store: found,
          ...(o.vars !== undefined ? { vars: o.vars } : {}),
        }),
      onRecord: (r) => {
        events?.write(r);
        o.onRecord?.(r);
      },
      onStoreError: (e) => onError("store", e),
    });
    this.sensor = new Sensor({
      sensorId: o.sensorId,
      bind: o.bind,
      listeners: o.listeners,
      limits: o.limits,
      record: (r) => this.recorder.record(r),
      ...(o.replay ? { preamble: replayPreamble } : {}),
    });
  }

  async start(): Promise<void> {
    await this.sensor.start();
    this.flushTimer = setInterval(() => void this.recorder.flush(), this.o.flushSeconds * 1000);
    this.flushTimer.unref();
  }

  /** Stops listening, closes connections, flushes to the store and closes the event log. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.flushTimer !== undefined) clearInterval(this.flushTimer);
      await this.sensor.stop();
      await this.recorder.flush();
      await this.events?.close();
    })();
    return this.stopping;
  }
}
