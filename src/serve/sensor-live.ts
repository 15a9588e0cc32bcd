/**
 * @module The sensor's live view: a line per new session and a line of counters every minute,
 * attacker bytes escaped and IoCs defanged like the rest of the terminal output.
 */

import { firstLine } from "../capture/sensor/events.js";
import type { RecordedConnection } from "../capture/sensor/recorder.js";
import { defang } from "../detect/defang.js";
import { safeText } from "./terminal.js";

/** Characters of a request line shown on a live line. */
export const LIVE_REQUEST_CHARS = 70;

/** One line for a session: time, persona, source, port, first request line, first alert. */
export function liveLine(r: RecordedConnection, opts: { defang: boolean }): string | undefined {
  const s = r.session;
  if (s === undefined) return undefined;
  const time = new Date(Math.floor(s.start / 1000)).toISOString().slice(11, 19);
  let req = requestText(r);
  if (opts.defang) req = defangText(req);
  if (req.length > LIVE_REQUEST_CHARS) req = `${req.slice(0, LIVE_REQUEST_CHARS - 1)}…`;
  const a = r.alerts[0];
  const alert =
    a !== undefined
      ? `  [${a.rule.sid}${a.rule.cve.length > 0 ? ` ${a.rule.cve[0]}` : ""}] ${a.rule.msg}`
      : "";
  const creds = r.facts?.credentials?.length ?? 0;
  const login = creds > 0 ? `  ${creds} login${creds > 1 ? "s" : ""}` : "";
  return safeText(
    `${time} ${r.persona.padEnd(9)} ${s.src.padStart(15)} -> :${s.dport} "${req}"${alert}${login}`,
  );
}

/**
 * What the client asked: an HTTP request line, or for telnet the first login and the commands
 * (from the persona's facts), or the payload's first line.
 */
function requestText(r: RecordedConnection): string {
  const f = r.facts;
  if (f?.credentials !== undefined || f?.commands !== undefined) {
    const c = f.credentials?.[0];
    const login = c !== undefined ? `login ${c.user}:${c.password}` : "";
    const cmds = (f.commands ?? []).join("; ");
    return login !== "" && cmds !== "" ? `${login} | ${cmds}` : login || cmds;
  }
  return firstLine(r.session?.clientBytes ?? new Uint8Array(0));
}

/** URLs and addresses in free text defanged (hxxp://198.51.100[.]7/). */
function defangText(t: string): string {
  // No \b before the scheme: in URL-encoded commands it follows "%20" (a word character).
  return t.replace(/(?:https?|ftp|tftp):\/\/[^\s"'`;|&]+|\b\d{1,3}(?:\.\d{1,3}){3}\b/gi, (m) =>
    defang(m),
  );
}

export interface LiveCounters {
  connections: number;
  sessions: number;
  probes: number;
  alerts: number;
  open: number;
  refused: Record<string, number>;
  storedRows: number;
  pendingBatches: number;
  rssBytes: number;
}

/** The minute line: totals since start, refusals by limit, open connections, memory. */
export function counterLine(time: Date, c: LiveCounters): string {
  const refused = Object.entries(c.refused)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}=${n}`)
    .join(" ");
  const pending = c.pendingBatches > 0 ? ` pending-batches=${c.pendingBatches}` : "";
  return (
    `${time.toISOString().slice(11, 19)} -- connections=${c.connections} sessions=${c.sessions} ` +
    `probes=${c.probes} alerts=${c.alerts} open=${c.open} stored-rows=${c.storedRows}${pending} ` +
    `rss=${Math.round(c.rssBytes / 2 ** 20)}MiB${refused !== "" ? ` limits: ${refused}` : ""}`
  );
}
