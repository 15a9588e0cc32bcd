/**
 * @module The detection stage of the offline pipeline: every session and probe the stream layer
 * hands on goes through the rule engine, the template and IoC extractors, and on to campaigns,
 * surge series and the EVE file. Each part is optional, so `analyze` runs only what it was asked.
 */

import { AlertSummary } from "../aggregate/alerts.js";
import { latin1 } from "../decode/http-message.js";
import type { Alert, Ioc, Template } from "../schema/detection.js";
import type { Probe, Session } from "../schema/session.js";

/** The parts the stage drives; any may be absent. */
export interface DetectParts {
  rules?: { session(s: Session): Alert[]; probe(p: Probe): Alert[] };
  template?: (s: Session) => Template;
  iocs?: (s: Session) => Ioc[];
  campaigns?: { add(s: Session, t: Template, iocs: Ioc[], alerts: Alert[]): void };
  series?: {
    onSession(s: Session): void;
    onProbe(p: Probe): void;
    /** A session's template ("" when none) and the sids it matched. */
    label(s: Session, templateId: string, sids: readonly number[]): void;
    addSid(ts: number, sid: number, srcKey: number | string): void;
  };
  /** Receives each session with its template and IoCs, e.g. to store them. */
  record?: (s: Session, t: Template | undefined, iocs: readonly Ioc[]) => void;
  /** Receives each alert with its session (undefined for a probe), e.g. to write EVE. */
  onAlert?: (a: Alert, s: Session | undefined) => void;
}

const NO_IOCS: Ioc[] = [];

/**
 * HTTP payloads of at most this many bytes have their template and IoCs remembered by their
 * exact bytes: bots send byte-identical requests (one dropper URL per bot, one exploit per
 * campaign), and normalising the same bytes again is most of a session's detection cost.
 */
export const MEMO_MAX_BYTES = 2048;
/** Payloads remembered; the memo starts afresh when full (bounded memory). */
export const MEMO_ENTRIES = 4096;

export class DetectStage {
  readonly alerts = new AlertSummary();
  sessions = 0;
  probes = 0;
  /** Client bytes of the sessions seen (what the rules and extractors inspected). */
  payloadBytes = 0;

  private readonly memo = new Map<string, { template: Template; iocs: Ioc[] }>();

  constructor(private readonly parts: DetectParts) {}

  /** True when probes are needed at all (they are the bulk of a darknet's records). */
  get wantsProbes(): boolean {
    return this.parts.rules !== undefined || this.parts.series !== undefined;
  }

  session(s: Session): void {
    this.sessions++;
    this.payloadBytes += s.clientBytes.length;
    const { rules, template, iocs, campaigns, series, onAlert, record } = this.parts;
    const alerts = rules !== undefined ? rules.session(s) : [];
    for (const a of alerts) {
      this.alerts.add(a);
      onAlert?.(a, s);
    }
    series?.onSession(s);
    // Template and IoCs of an HTTP session depend on its requests (its client bytes) and its
    // destination only, so byte-identical payloads to one address share them.
    const b = s.clientBytes;
    const key =
      template !== undefined && s.http !== undefined && b.length <= MEMO_MAX_BYTES
        ? `${s.proto}|${s.dst}|${latin1(b, 0, b.length)}`
        : undefined;
    const hit = key !== undefined ? this.memo.get(key) : undefined;
    const t = hit !== undefined ? hit.template : template?.(s);
    if (series !== undefined) {
      series.label(
        s,
        t?.id ?? "",
        alerts.map((a) => a.rule.sid),
      );
    }
    const found =
      hit !== undefined ? hit.iocs : t !== undefined && iocs !== undefined ? iocs(s) : NO_IOCS;
    if (key !== undefined && hit === undefined && t !== undefined) {
      if (this.memo.size >= MEMO_ENTRIES) this.memo.clear();
      this.memo.set(key, { template: t, iocs: found });
    }
    if (t !== undefined) campaigns?.add(s, t, found, alerts);
    record?.(s, t, found);
  }

  probe(p: Probe): void {
    this.probes++;
    const { rules, series, onAlert } = this.parts;
    series?.onProbe(p);
    if (rules !== undefined) {
      for (const a of rules.probe(p)) {
        this.alerts.add(a);
        onAlert?.(a, undefined);
        series?.addSid(p.ts, a.rule.sid, p.srcKey);
      }
    }
  }
}
