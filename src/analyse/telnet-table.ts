/**
 * @module The report's `telnet` lists: the credential pairs and commands typed in telnet sessions
 * across the input (decoded as the sensor's telnet persona records them), with counts and
 * distinct sources. Bounded: rare rows are forgotten first, distinct sources are a floor.
 */

import { decodeTelnet } from "../decode/telnet.js";
import type { ReportTelnet } from "../schema/report.js";
import type { Session } from "../schema/session.js";

/** Rows remembered per list; when full, the rarest are forgotten (counted in `dropped`). */
export const MAX_TELNET_ROWS = 20_000;
/** Distinct (row, source) pairs remembered over both lists; past it, `sources` is a floor. */
export const MAX_TELNET_SOURCE_ENTRIES = 1_000_000;
/** Rows reported per list by default (most sources first). */
export const DEFAULT_TELNET_LIMIT = 50;

interface Row {
  /** The pair ("user", "password") or the command ("command", ""). */
  a: string;
  b: string;
  count: number;
  sources: Set<number | string>;
}

/** Counts of one list, keyed by its text. */
class Rows {
  readonly map = new Map<string, Row>();
  dropped = 0;

  constructor(
    private readonly max: number,
    private readonly budget: { left: number },
  ) {}

  add(a: string, b: string, src: number | string): void {
    const key = `${a}\n${b}`;
    let r = this.map.get(key);
    if (r === undefined) {
      if (this.map.size >= this.max) this.prune();
      r = { a, b, count: 0, sources: new Set() };
      this.map.set(key, r);
    }
    r.count++;
    if (this.budget.left > 0 && !r.sources.has(src)) {
      r.sources.add(src);
      this.budget.left--;
    }
  }

  /** Forgets the rows seen fewer than `t` times, doubling `t` until a quarter is free. */
  private prune(): void {
    let freed = 0;
    for (let t = 2; freed < this.max / 4; t *= 2) {
      for (const [k, r] of this.map) {
        if (r.count >= t) continue;
        this.map.delete(k);
        this.budget.left += r.sources.size;
        this.dropped++;
        freed++;
      }
    }
  }

  /** The top `limit` rows: most sources, then most sightings, then by text. */
  top(limit: number): Row[] {
    return [...this.map.values()]
      .sort(
        (x, y) =>
          y.sources.size - x.sources.size ||
          y.count - x.count ||
          (x.a < y.a ? -1 : x.a > y.a ? 1 : 0) ||
          (x.b < y.b ? -1 : x.b > y.b ? 1 : 0),
      )
      .slice(0, limit);
  }
}

/** Accumulates the telnet sessions of an input. */
export class TelnetTable {
  /** Telnet sessions seen. */
  sessions = 0;
  private readonly budget: { left: number };
  private readonly credentials: Rows;
  private readonly commands: Rows;

  constructor(max = MAX_TELNET_ROWS, sourceEntries = MAX_TELNET_SOURCE_ENTRIES) {
    this.budget = { left: sourceEntries };
    this.credentials = new Rows(max, this.budget);
    this.commands = new Rows(max, this.budget);
  }

  /** Rows forgotten to stay within the bounds, both lists together. */
  get dropped(): number {
    return this.credentials.dropped + this.commands.dropped;
  }

  /** Adds a session already known to be telnet (templateOf gave it kind "telnet"). */
  add(s: Session): void {
    this.sessions++;
    const d = decodeTelnet(s.clientBytes, s.serverBytes);
    for (const c of d.credentials) this.credentials.add(c.user, c.password, s.srcKey);
    for (const c of d.commands) this.commands.add(c, "", s.srcKey);
  }

  /** The report's `telnet` field, `limit` rows per list. */
  report(limit = DEFAULT_TELNET_LIMIT): ReportTelnet {
    return {
      sessions: this.sessions,
      credentials: this.credentials.top(limit).map((r) => ({
        user: r.a,
        password: r.b,
        count: r.count,
        sources: r.sources.size,
      })),
      commands: this.commands.top(limit).map((r) => ({
        command: r.a,
        count: r.count,
        sources: r.sources.size,
      })),
    };
  }
}
