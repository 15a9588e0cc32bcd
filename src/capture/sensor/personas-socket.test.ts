/**
 * Each persona over real loopback sockets: the exploit shapes of the IoT pack's cases (from
 * ../shared/data/poc-facts) sent to the persona of their port get the device's answer, and the
 * recorded session carries the full request and matches the pack rule the case expects.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caseBytes, PACK_CASES, SID } from "../../detect/iot-pack.cases.js";
import { Detection } from "../../detect/setup.js";
import { defaultPersonaFor } from "../personas/registry.js";
import { DEFAULT_LIMITS } from "./limits.js";
import { type RecordedConnection, Recorder } from "./recorder.js";
import { Sensor } from "./sensor.js";

const SIDS: readonly number[] = [
  SID.UC_HTTPD,
  SID.DLINK_DSL2750B,
  SID.GPON_INJECTION,
  SID.GPON_BYPASS,
  SID.HUAWEI_HG532,
  SID.REALTEK_MINIIGD,
  SID.TR064_NTP,
  SID.BUSYBOX_PROBE,
  SID.MIRAI_SEQUENCE,
];
const cases = PACK_CASES.filter((c) => SIDS.includes(c.sid)).flatMap((c) => c.positives);
const dports = [...new Set(cases.map((c) => c.dport))];

let sensor: Sensor;
const recorded: RecordedConnection[] = [];
const portOf = new Map<number, number>();

beforeAll(async () => {
  const rec = new Recorder({
    sensorId: "socket-test",
    detection: (found) =>
      new Detection({ rules: [], defaultRules: true, families: [], surges: false, store: found }),
    onRecord: (r) => recorded.push(r),
  });
  // Each case's port gets a listener of its own on a free port, recorded as the case's port so
  // port-bound rules see what they would on the device.
  sensor = new Sensor({
    sensorId: "socket-test",
    bind: "127.0.0.1",
    listeners: dports.map((p) => ({ port: 0, recordPort: p, persona: defaultPersonaFor(p) })),
    limits: { ...DEFAULT_LIMITS, maxNewPerSourcePerSecond: 10_000 },
    record: (r) => rec.record(r),
  });
  await sensor.start();
  for (const [i, p] of dports.entries()) portOf.set(p, sensor.boundPorts[i] as number);
});
afterAll(() => sensor.stop());

/** Sends `bytes`, half-closes, and reads the answer until the sensor closes. */
function send(port: number, bytes: Uint8Array): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    const c = connect({ port, host: "127.0.0.1" }, () => c.end(bytes));
    c.on("data", (b) => parts.push(b));
    c.on("error", () => {});
    c.on("close", () => resolve(Buffer.concat(parts)));
  });
}

describe("personas over loopback sockets", () => {
  it("has cases for every persona with an exploit", () => {
    const personas = new Set(dports.map((p) => defaultPersonaFor(p).name));
    expect([...personas].sort()).toEqual(
      ["dlink-dsl", "hg532", "realtek", "telnet", "tr069", "uc-httpd"].sort(),
    );
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const bytes = caseBytes(c);
    const before = recorded.length;
    const answer = await send(portOf.get(c.dport) as number, bytes);
    const persona = defaultPersonaFor(c.dport).name;
    if (persona === "telnet") expect(answer[0]).toBe(0xff);
    else expect(answer.toString("latin1")).toMatch(/^HTTP\/1\.[01] [1-5]\d\d /);
    await new Promise<void>((r) => {
      const t = setInterval(() => {
        if (recorded.length > before) {
          clearInterval(t);
          r();
        }
      }, 5);
    });
    const r = recorded[recorded.length - 1] as RecordedConnection;
    expect(r.persona).toBe(persona);
    expect(Buffer.from(r.session?.clientBytes ?? []).equals(Buffer.from(bytes))).toBe(true);
    expect(r.session?.dport).toBe(c.dport);
    const sids = r.alerts.map((a) => a.rule.sid).filter((s) => s >= 9_200_000);
    for (const sid of c.expect) expect(sids).toContain(sid);
  });
});
