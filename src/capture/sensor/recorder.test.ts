import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Detection } from "../../detect/setup.js";
import { openDuckDbStore } from "../../store/duckdb.js";
import type { Store } from "../../store/store.js";
import { testProbe, testSession } from "./fixtures.js";
import { type RecordedConnection, Recorder } from "./recorder.js";

const T0 = Date.UTC(2018, 5, 9, 5, 10) * 1000;

const session = (src: string, key: number, payload: string, start: number) =>
  testSession(payload, { id: `s-${key}-${start}`, src, srcKey: key, start });
const probe = (key: number, ts: number) => testProbe({ srcKey: key, ts });

const EXPLOIT = `POST /login.htm HTTP/1.1\r\ncommand=login&username=${"A".repeat(90)}&password=PoC\r\n\r\n`;

let dir: string | undefined;
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("Recorder", () => {
  it("detects, counts and stores sessions and probes, once per flush window", async () => {
    dir = mkdtempSync(join(tmpdir(), "portent-rec-"));
    store = await openDuckDbStore(join(dir, "s.duckdb"));
    const seen: RecordedConnection[] = [];
    const r = new Recorder({
      sensorId: "hp-test",
      store,
      detection: (found) =>
        new Detection({ rules: [], defaultRules: true, families: [], surges: false, store: found }),
      onRecord: (x) => seen.push(x),
    });
    r.record({
      persona: "uc-httpd",
      listenerPort: 8000,
      session: session("198.51.100.7", 0xc6336407, EXPLOIT, T0),
    });
    r.record({ persona: "telnet", listenerPort: 2323, probe: probe(0xc6336408, T0 + 5e6) });
    expect(seen[0]?.alerts.flatMap((a) => a.rule.cve)).toContain("CVE-2018-10088");
    expect(seen[0]?.template).toBeDefined();
    expect(seen[0]?.session?.http?.requests[0]?.target).toBe("/login.htm");
    expect(seen[1]?.alerts).toEqual([]);
    await r.flush();
    r.record({
      persona: "uc-httpd",
      listenerPort: 8000,
      session: session("198.51.100.9", 0xc6336409, EXPLOIT, T0 + 60e6),
    });
    await r.flush();
    await r.flush();
    expect(r.totals).toMatchObject({
      connections: 3,
      sessions: 2,
      probes: 1,
      flushes: 2,
      storeErrors: 0,
    });
    const stats = await store.stats();
    expect(stats.runs).toBe(2);
    const top = await store.topPorts({ from: T0 - 3600e6, to: T0 + 3600e6 }, 10);
    expect(top.find((p) => p.port === 8000)?.sources).toBe(2);
    expect(top.find((p) => p.port === 2323)?.sources).toBe(1);
    const alerts = await store.alertSummary({ from: T0 - 3600e6, to: T0 + 3600e6 });
    expect(alerts[0]?.sources).toBe(2);
    const sensors = await store.sensors();
    expect(sensors.map((s) => s.sensor)).toEqual(["hp-test"]);
  });

  it("keeps a failed batch and writes it once the store is back", async () => {
    let fail = true;
    const appended: string[] = [];
    const flaky = {
      bucketSeconds: 3600,
      append: async (b: { run: string }) => {
        if (fail) throw new Error("store down");
        appended.push(b.run);
      },
    } as unknown as Store;
    const errors: unknown[] = [];
    const r = new Recorder({
      sensorId: "hp-test",
      store: flaky,
      detection: (found) =>
        new Detection({
          rules: [],
          defaultRules: false,
          families: [],
          surges: false,
          store: found,
        }),
      onStoreError: (e) => errors.push(e),
    });
    r.record({ persona: "generic", listenerPort: 5555, probe: probe(1, T0) });
    await r.flush();
    expect(errors).toHaveLength(1);
    expect(r.pendingBatches).toBe(1);
    fail = false;
    r.record({ persona: "generic", listenerPort: 5555, probe: probe(2, T0 + 1e6) });
    await r.flush();
    expect(appended).toHaveLength(2);
    expect(r.pendingBatches).toBe(0);
    expect(r.totals.storeErrors).toBe(1);
  });
});
