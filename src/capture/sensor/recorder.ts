/**
 * @module What the sensor does with each closed connection: counts it like a capture's probe or
 * session, runs it through detection (rules, templates, IoCs), logs it, and hands each flush
 * interval's rows to the store. A store that fails never stops the sensor: its batches wait
 * (bounded) and are retried.
 */

import { Analyzer } from "../../aggregate/analyzer.js";
import { Rollup } from "../../aggregate/rollup.js";
import { attachHttp } from "../../decode/flow-records.js";
import type { Detection } from "../../detect/setup.js";
import { Anomalies } from "../../schema/anomalies.js";
import type { Alert, Ioc, Template } from "../../schema/detection.js";
import type { Session } from "../../schema/session.js";
import { DetectionRollup } from "../../store/detections.js";
import { type Enricher, ingestAnalysis } from "../../store/ingest.js";
import { runIdOf } from "../../store/records.js";
import type { Store } from "../../store/store.js";
import type { ConnectionRecord } from "./connection.js";

/** Flush batches kept while the store is failing; older ones are dropped and counted. */
export const MAX_PENDING_BATCHES = 16;

/** A recorded connection with what detection made of it (for the live view and the event log). */
export interface RecordedConnection extends ConnectionRecord {
  alerts: Alert[];
  template?: Template;
  iocs: readonly Ioc[];
}

/** Detections collected for the store, remembering the last session's for the live view. */
class SensorDetections extends DetectionRollup {
  private lastAlerts: Alert[] = [];
  private lastTemplate: Template | undefined;
  private lastIocs: readonly Ioc[] = [];

  override session(s: Session, t: Template | undefined, iocs: readonly Ioc[] = []): void {
    super.session(s, t, iocs);
    this.lastTemplate = t;
    this.lastIocs = iocs;
  }

  override alert(a: Alert): void {
    super.alert(a);
    this.lastAlerts.push(a);
  }

  /** The last session's detections, forgotten once taken. */
  take(): { alerts: Alert[]; template?: Template; iocs: readonly Ioc[] } {
    const out = {
      alerts: this.lastAlerts,
      iocs: this.lastIocs,
      ...(this.lastTemplate !== undefined ? { template: this.lastTemplate } : {}),
    };
    this.lastAlerts = [];
    this.lastTemplate = undefined;
    this.lastIocs = [];
    return out;
  }
}

export interface RecorderOptions {
  sensorId: string;
  /** Builds the detection stage, handing it the collector it must record into. */
  detection: (store: DetectionRollup) => Detection;
  store?: Store;
  enrich?: Enricher;
  /** Called for each recorded connection (live view, event log). */
  onRecord?: (r: RecordedConnection) => void;
  /** Called when a flush fails (the batch is kept for the next one). */
  onStoreError?: (e: unknown) => void;
}

interface Window {
  analyzer: Analyzer;
  rollup: Rollup;
  first: number;
}

/** Totals since the sensor started. */
export interface RecorderTotals {
  connections: number;
  sessions: number;
  probes: number;
  alerts: number;
  flushes: number;
  storedRows: number;
  storeErrors: number;
  droppedBatches: number;
}

export class Recorder {
  readonly detection: Detection;
  readonly anomalies = new Anomalies();
  readonly totals: RecorderTotals = {
    connections: 0,
    sessions: 0,
    probes: 0,
    alerts: 0,
    flushes: 0,
    storedRows: 0,
    storeErrors: 0,
    droppedBatches: 0,
  };
  private readonly found: SensorDetections;
  private window: Window;
  private readonly pending: Array<() => Promise<void>> = [];
  private flushing: Promise<void> = Promise.resolve();
  private seq = 0;

  constructor(private readonly o: RecorderOptions) {
    const bucket = o.store?.bucketSeconds ?? 3600;
    this.found = new SensorDetections(bucket);
    this.detection = o.detection(this.found);
    this.window = this.newWindow();
  }

  private newWindow(): Window {
    const rollup = new Rollup({ bucketSeconds: this.o.store?.bucketSeconds ?? 3600 });
    const stage = this.detection.stage;
    const analyzer = new Analyzer({
      anomalies: this.anomalies,
      fileNames: [`sensor:${this.o.sensorId}`],
      rollup,
      onSession: (s) => stage.session(s),
      onProbe: (p) => stage.probe(p),
    });
    return { analyzer, rollup, first: Date.now() * 1000 };
  }

  /** Records a closed connection. */
  record(rec: ConnectionRecord): void {
    this.totals.connections++;
    const s = rec.session;
    if (s !== undefined) {
      this.totals.sessions++;
      attachHttp(s, this.anomalies, `sensor:${this.o.sensorId}`, 0);
    } else {
      this.totals.probes++;
    }
    this.window.analyzer.connection(rec.probe, s);
    const d = this.found.take();
    this.totals.alerts += d.alerts.length;
    this.o.onRecord?.({ ...rec, ...d });
  }

  /** Hands what was recorded since the last flush to the store; resolves when it is written. */
  flush(): Promise<void> {
    const w = this.window;
    if (w.analyzer.packets === 0 && this.pending.length === 0) return this.flushing;
    const store = this.o.store;
    if (w.analyzer.packets > 0) {
      this.window = this.newWindow();
      const found = this.found.drain();
      const seq = this.seq++;
      const runId = runIdOf("sensor", this.o.sensorId, w.first, seq, w.analyzer.packets);
      if (store !== undefined) {
        this.pending.push(async () => {
          const r = await ingestAnalysis(store, w.rollup, {
            runId,
            sensorId: this.o.sensorId,
            detections: { batch: () => found },
            ...(this.o.enrich !== undefined ? { enrich: this.o.enrich } : {}),
          });
          this.totals.storedRows += Object.values(r.rows).reduce((t, n) => t + n, 0);
        });
        while (this.pending.length > MAX_PENDING_BATCHES) {
          this.pending.shift();
          this.totals.droppedBatches++;
        }
      }
    }
    this.flushing = this.flushing.then(() => this.drainPending());
    return this.flushing;
  }

  private async drainPending(): Promise<void> {
    while (this.pending.length > 0) {
      const job = this.pending[0] as () => Promise<void>;
      try {
        await job();
        this.pending.shift();
        this.totals.flushes++;
      } catch (e) {
        this.totals.storeErrors++;
        this.o.onStoreError?.(e);
        return;
      }
    }
  }

  /** Batches waiting for the store (it failed, or a flush is under way). */
  get pendingBatches(): number {
    return this.pending.length;
  }
}
